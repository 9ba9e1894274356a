import Foundation

/// A seeded, reproducible synthetic province as CSV files (one per record kind), with planted anomalies:
/// - the first county of the second city: `identicalPersons` persons with completely identical 发展增收 services (R28);
/// - the first county of the third city: 居家灵活就业 far behind its task (R27 进度) and some of its services
///   withdrawn after the previous cut-off (负增长);
/// - the fourth city: no 精准分析 upload for the last month (R27);
/// - the fifth city: every supervision of the last month at 100 % (3.1).
public struct ProvinceGenerator: Sendable {
    public var seed: UInt64 = 2018
    public var cities = 21
    public var counties = 183
    public var persons = 50_000
    /// Services per person on average (the issue's province: 20 M for 6 M persons ≈ 3.33).
    public var servicesPerPerson = 3.33
    public var year = 2018
    /// Months of activity, January to `lastMonth`.
    public var lastMonth = 6
    public var identicalPersons = 25
    public var provinceCode = "510000"
    public var provinceName = "四川省"
    /// An org tree to generate for instead of the numbered one (`cities`/`counties` are then taken from it):
    /// e.g. the server demo's 四川 tree, whose codes are 51CC / 51CCJJ as its CSV has them.
    public var tree: [City]? = nil

    public struct City: Sendable, Equatable {
        public let code: String
        public let name: String
        public let counties: [(code: String, name: String)]
        public init(code: String, name: String, counties: [(code: String, name: String)]) {
            self.code = code
            self.name = name
            self.counties = counties
        }
        public static func == (a: City, b: City) -> Bool {
            a.code == b.code && a.name == b.name && a.counties.map(\.code) == b.counties.map(\.code)
        }
    }

    public init() {}

    /// The tree the records are written for: `tree`, or numbered cities 51CC00 and counties 51CCJJ.
    public var cityList: [City] {
        if let tree { return tree }
        return (0..<cities).map { c in
            City(code: cityCode(c), name: "市州\(c + 1)",
                 counties: (0..<countiesOf(city: c)).map { (countyCode(city: c, $0), "县\(c + 1)-\($0 + 1)") })
        }
    }

    public struct Summary: Sendable, Equatable {
        public var files: [String: Int] = [:]
        public var persons: Int { files["persons"] ?? 0 }
        public var services: Int { files["services"] ?? 0 }
        public var total: Int { files.values.reduce(0, +) }
    }

    public static let agricultureProject = "扶持农村贫困残疾人发展农业生产"
    public static let homeProject = "城乡残疾人居家灵活就业"
    static let otherProjects = ["残疾人职业技能培训", "残疾人就业援助", "盲人按摩培训"]
    static let needKinds = ["就业", "农业生产", "技能培训", "创业", "康复", "托养"]
    static let categories = ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]

    public func cityCode(_ i: Int) -> String { String(format: "51%02d00", i + 1) }
    public func countyCode(city: Int, _ j: Int) -> String { String(format: "51%02d%02d", city + 1, j + 1) }

    /// Counties per city: spread as evenly as the totals allow (183 over 21: 15 cities of 9, 6 of 8).
    public func countiesOf(city: Int) -> Int {
        let base = counties / cities, extra = counties % cities
        return base + (city < extra ? 1 : 0)
    }

    public func write(to directory: URL) throws -> Summary {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var rng = SplitMix(seed: seed)
        var summary = Summary()
        let stamp = String(format: "%04d-01-01 08:00:00", year)
        func open(_ name: String, _ header: String) throws -> CSVWriter {
            try CSVWriter(directory.appendingPathComponent("\(name).csv"), header: header)
        }
        let lastCut = Cut(year: year, month: lastMonth)

        // Units.
        let units = try open("units", "record_id,changed_at,name,parent_code,level")
        units.row("\(provinceCode),\(stamp),\(provinceName),,province")
        let tree = cityList.filter { !$0.counties.isEmpty }
        let cities = tree.count
        guard cities > 0 else {
            summary.files["units"] = try units.close()
            return summary
        }
        func cityCode(_ c: Int) -> String { tree[c].code }
        func countyCode(city: Int, _ j: Int) -> String { tree[city].counties[j].code }
        var countyList: [(code: String, city: Int)] = []
        for (c, city) in tree.enumerated() {
            units.row("\(city.code),\(stamp),\(city.name),\(provinceCode),city")
            for county in city.counties {
                units.row("\(county.code),\(stamp),\(county.name),\(city.code),county")
                countyList.append((county.code, c))
            }
        }
        summary.files["units"] = try units.close()

        let identicalCounty = cities > 1 ? countyCode(city: 1, 0) : countyCode(city: 0, 0)
        let lateCounty = cities > 2 ? countyCode(city: 2, 0) : countyCode(city: 0, 0)

        let personsFile = try open("persons", "record_id,changed_at,county_code,birth_year,hukou,category,grade")
        let needs = try open("needs", "record_id,changed_at,person_id,county_code,kind")
        let services = try open(
            "services",
            "record_id,changed_at,person_id,county_code,project,service_date,funds,direct,income,funds_support,goods_support,training,need_kind,deleted")
        let questions = try open("questions", "record_id,changed_at,person_id,county_code,asked_on,answered_on")
        let applications = try open("applications", "record_id,changed_at,person_id,county_code,applied_on,by_self,satisfaction")
        let readings = try open("readings", "record_id,changed_at,person_id,county_code,read_on")
        var serviceCount = 0, needCount = 0, questionCount = 0, applicationCount = 0, readingCount = 0
        var identicalLeft = identicalPersons
        var homeDone: [String: Int] = [:]
        var agriDone: [String: Int] = [:]
        var withdrawnLeft = 12

        for p in 0..<persons {
            // Counties are weighted (larger and smaller ones): county index skewed by a square.
            let r = rng.unit()
            let county = countyList[min(countyList.count - 1, Int(r * r * Double(countyList.count)))].code
            let id = "P\(p + 1)"
            let birth = year - 5 - rng.int(85)
            let rural = rng.unit() < 0.62
            let changed = day(rng.int(28 * lastMonth) / 28 + 1, rng.int(28) + 1, hour: 9)
            personsFile.row("\(id),\(changed),\(county),\(birth),\(rural ? "农村" : "城镇"),\(Self.categories[rng.int(7)]),\(1 + rng.int(4))")
            let age = year - birth
            // Needs: 0–2, mostly consistent with the person.
            var personNeeds: [String] = []
            for _ in 0..<rng.int(3) {
                var kind = Self.needKinds[rng.int(Self.needKinds.count)]
                if rng.unit() < 0.9 {
                    if kind == "农业生产" && !(rural && (16...59).contains(age)) { kind = "康复" }
                    if (kind == "就业" || kind == "创业") && !(16...59).contains(age) { kind = "康复" }
                }
                if personNeeds.contains(kind) { continue }
                personNeeds.append(kind)
                needCount += 1
                needs.row("N\(needCount),\(changed),\(id),\(county),\(kind)")
            }
            // Services.
            if county == identicalCounty && identicalLeft > 0 && rural {
                identicalLeft -= 1
                for k in 0..<2 {
                    serviceCount += 1
                    services.row("S\(serviceCount),\(day(3, 10, hour: 10)),\(id),\(county),\(Self.agricultureProject),\(String(format: "%04d-03-%02d", year, 10 + k)),500.00,1,1,1,1,1,农业生产,0")
                }
                continue
            }
            let n = poisson(servicesPerPerson, &rng)
            var ticked = (false, false, false)
            var hadHome = false
            for _ in 0..<n {
                serviceCount += 1
                var month = 1 + rng.int(lastMonth)
                let dom = 1 + rng.int(28)
                let pick = rng.unit()
                // The late county delivers nothing more of 居家灵活就业 in the last month (so its withdrawals show).
                if county == lateCounty && !(rural && pick < 0.3) && pick < 0.55 && lastMonth > 1 {
                    month = 1 + rng.int(lastMonth - 1)
                }
                let date = String(format: "%04d-%02d-%02d", year, month, dom)
                let changedAt = day(month, dom, hour: 11)
                let project: String
                var income = 0, fs = 0, gs = 0, tr = 0
                if rural && pick < 0.3 {
                    project = Self.agricultureProject
                    income = 1
                    fs = rng.unit() < 0.8 ? 1 : 0
                    gs = rng.unit() < 0.8 ? 1 : 0
                    tr = rng.unit() < 0.8 ? 1 : 0
                } else if pick < 0.55 {
                    project = Self.homeProject
                    income = 1
                } else {
                    project = Self.otherProjects[rng.int(Self.otherProjects.count)]
                }
                let funds = String(format: "%d.%02d", 50 + rng.int(1950), rng.int(100))
                let direct = rng.unit() < 0.7 ? 1 : 0
                let needKind = !personNeeds.isEmpty && rng.unit() < 0.85
                    ? personNeeds[rng.int(personNeeds.count)] : Self.needKinds[rng.int(Self.needKinds.count)]
                services.row("S\(serviceCount),\(changedAt),\(id),\(county),\(project),\(date),\(funds),\(direct),\(income),\(fs),\(gs),\(tr),\(needKind),0")
                if project == Self.homeProject {
                    hadHome = true
                    // Planted negative growth: some of the late county's services withdrawn after the previous cut.
                    if county == lateCounty && withdrawnLeft > 0 && month < lastMonth {
                        withdrawnLeft -= 1
                        services.row("S\(serviceCount),\(day(lastMonth, 2, hour: 15)),\(id),\(county),\(project),\(date),\(funds),\(direct),\(income),\(fs),\(gs),\(tr),\(needKind),1")
                    }
                }
                if project == Self.agricultureProject {
                    ticked = (ticked.0 || fs == 1, ticked.1 || gs == 1, ticked.2 || tr == 1)
                }
            }
            if rural && ticked.0 && ticked.1 && ticked.2 { agriDone[county, default: 0] += 1 }
            if hadHome { homeDone[county, default: 0] += 1 }  // tasks are set from persons, as the platform counts
            // 能说 / 能办 / 能看.
            if rng.unit() < 0.08 {
                questionCount += 1
                let m = 1 + rng.int(lastMonth), d = 1 + rng.int(28)
                let answered = rng.unit() < 0.9 ? String(format: "%04d-%02d-%02d", year, m, min(28, d + 1)) : ""
                questions.row("Q\(questionCount),\(day(m, d, hour: 12)),\(id),\(county),\(String(format: "%04d-%02d-%02d", year, m, d)),\(answered)")
            }
            if rng.unit() < 0.3 {
                applicationCount += 1
                let m = 1 + rng.int(lastMonth), d = 1 + rng.int(28)
                applications.row("A\(applicationCount),\(day(m, d, hour: 13)),\(id),\(county),\(String(format: "%04d-%02d-%02d", year, m, d)),\(rng.unit() < 0.9 ? 1 : 0),\(70 + rng.int(31))")
            }
            if rng.unit() < 0.5 {
                readingCount += 1
                let m = 1 + rng.int(lastMonth), d = 1 + rng.int(28)
                readings.row("R\(readingCount),\(day(m, d, hour: 14)),\(id),\(county),\(String(format: "%04d-%02d-%02d", year, m, d))")
            }
        }
        summary.files["persons"] = try personsFile.close()
        summary.files["needs"] = try needs.close()
        summary.files["services"] = try services.close()
        summary.files["questions"] = try questions.close()
        summary.files["applications"] = try applications.close()
        summary.files["readings"] = try readings.close()

        // Tasks: about what the county delivers by year end (so most counties are on track at 6月25日);
        // the late county's task is far above what it delivers.
        let tasks = try open("tasks", "record_id,changed_at,county_code,project,year,task_count")
        var taskCount = 0
        for (code, _) in countyList {
            for (project, done) in [(Self.homeProject, homeDone[code] ?? 0), (Self.agricultureProject, agriDone[code] ?? 0)] {
                taskCount += 1
                let planned = code == lateCounty && project == Self.homeProject
                    ? done * 4 + 10 : done * 12 / max(1, lastMonth) * 7 / 10
                tasks.row("T\(taskCount),\(stamp),\(code),\(project),\(year),\(planned)")
            }
        }
        summary.files["tasks"] = try tasks.close()

        // Institution services, supervisions and uploads, month by month.
        let institutions = try open("institution_services", "record_id,changed_at,county_code,institution,service_date,items,accurate_items")
        let supervisions = try open("supervisions", "record_id,changed_at,supervisor_code,county_code,town,visit_date,checked,accurate")
        let uploads = try open("analysis_uploads", "record_id,changed_at,unit_code,month,uploaded_on")
        var inst = 0, sup = 0, up = 0
        for m in 1...lastMonth {
            for (code, city) in countyList {
                inst += 1
                let items = 5 + rng.int(40)
                institutions.row("I\(inst),\(day(m, 20, hour: 9)),\(code),机构\(code),\(String(format: "%04d-%02d-20", year, m)),\(items),\(items - rng.int(min(items, 6)))")
                sup += 1
                let checked = 10 + rng.int(20)
                let allRight = cities > 4 && city == 4 && m == lastMonth
                let accurate = allRight ? checked : checked - 1 - rng.int(3)
                supervisions.row("V\(sup),\(day(m, 15, hour: 16)),\(cityCode(city)),\(code),乡镇\(1 + rng.int(12)),\(String(format: "%04d-%02d-15", year, m)),\(checked),\(accurate)")
            }
            for c in 0..<cities where !(c == 3 && m == lastMonth) {
                up += 1
                uploads.row("U\(up),\(day(m, 22, hour: 10)),\(cityCode(c)),\(String(format: "%04d-%02d", year, m)),\(String(format: "%04d-%02d-22", year, m))")
            }
        }
        summary.files["institution_services"] = try institutions.close()
        summary.files["supervisions"] = try supervisions.close()
        summary.files["analysis_uploads"] = try uploads.close()
        _ = lastCut
        return summary
    }

    func day(_ month: Int, _ d: Int, hour: Int) -> String {
        String(format: "%04d-%02d-%02d %02d:00:00", year, min(12, max(1, month)), d, hour)
    }

    func poisson(_ mean: Double, _ rng: inout SplitMix) -> Int {
        let l = exp(-mean)
        var k = 0
        var p = 1.0
        repeat {
            k += 1
            p *= rng.unit()
        } while p > l && k < 30
        return k - 1
    }
}

/// SplitMix64: small, fast, and the same sequence on every platform for a seed.
public struct SplitMix: Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    public mutating func int(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
}

/// Buffered CSV writing (1 MiB buffer); `close` returns the data rows written.
final class CSVWriter {
    let handle: FileHandle
    var buffer = Data()
    var rows = 0
    init(_ url: URL, header: String) throws {
        FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 0)
        buffer.append(contentsOf: Array((header + "\n").utf8))
    }
    func row(_ line: String) {
        buffer.append(contentsOf: Array(line.utf8))
        buffer.append(10)
        rows += 1
        if buffer.count >= 1 << 20 {
            handle.write(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }
    func close() throws -> Int {
        handle.write(buffer)
        try handle.close()
        return rows
    }
}
