import Foundation
import SQLKit
import SQLiteKit
import XCTest

@testable import JixiaoPlatform

/// Records, ingest, metrics and checks of seed 000 on SQLite in memory, against figures computed by hand
/// (and every test again on PostgreSQL by `PlatformPostgresTests` when DATABASE_URL is set).
class PlatformTests: XCTestCase {
    static let metricsURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("schemes/platform/000-liangfu-jiaojiu.yaml")

    var db: (any SQLDatabase)!
    var close: (@Sendable () async throws -> Void)?
    var file: MetricsFile!

    /// The database the tests run on, with the record tables created: SQLite in memory here.
    func open() async throws -> (any SQLDatabase, @Sendable () async throws -> Void) {
        let connection = try await SQLiteConnection.open(storage: .memory)
        let db = connection.sql()
        try await Records.createTables(on: db)
        return (db, { try await connection.close() })
    }

    override func setUp() async throws {
        (db, close) = try await open()
        file = try MetricsFile.load(Self.metricsURL)
    }

    override func tearDown() async throws {
        try await close?()
    }

    let units = """
        record_id,changed_at,name,parent_code,level
        P,2018-01-01,省,,province
        C,2018-01-01,甲市,P,city
        X,2018-01-01,甲县,C,county
        Y,2018-01-01,乙县,C,county
        """

    @discardableResult
    func load(_ kind: RecordKind, _ text: String, file name: String? = nil) async throws -> IngestResult {
        try await Ingest.csvText(text, file: name ?? "\(kind.name).csv", kind: kind, into: db, recordedAt: "2018-07-01 00:00:00")
    }

    func metrics(_ month: String) async throws -> MetricsResult {
        try await PlatformMetrics(file: file).compute(db, cut: Cut(month: month)!)
    }

    // R26 at its edges: 农村 and all three kinds (on one record or over several) = 1; two of three = 0; 城镇 = 0.
    func testR26CountsRuralPersonsWithAllThreeKinds() async throws {
        try await load(Records.units, units)
        try await load(Records.persons, """
            record_id,changed_at,county_code,birth_year,hukou,category,grade
            p1,2018-01-02,X,1970,农村,肢体,2
            p2,2018-01-02,X,1970,农村,肢体,2
            p3,2018-01-02,X,1970,城镇,肢体,2
            p4,2018-01-02,X,1970,农村,视力,3
            p5,2018-01-02,Y,1980,农村,听力,1
            """)
        let project = ProvinceGenerator.agricultureProject
        try await load(Records.services, """
            record_id,changed_at,person_id,county_code,project,service_date,funds,direct,income,funds_support,goods_support,training,need_kind
            s1,2018-03-01,p1,X,\(project),2018-03-01,100,1,1,1,1,1,
            s2,2018-03-01,p2,X,\(project),2018-03-01,100,1,1,1,1,0,
            s3,2018-03-01,p3,X,\(project),2018-03-01,100,1,1,1,1,1,
            s4,2018-03-01,p4,X,\(project),2018-03-01,100,1,1,1,0,0,
            s5,2018-04-01,p4,X,\(project),2018-04-01,100,1,1,0,1,1,
            s6,2018-03-01,p5,Y,\(project),2018-03-01,100,1,1,0,1,1,
            s7,2018-03-01,p5,Y,其他项目,2018-03-01,100,1,1,1,0,0,
            """)
        let m = try await metrics("2018-06")
        XCTAssertEqual(m.value("农业生产平台落实人数", "X"), .number(2), "p1 (one record) and p4 (two records); not p2, p3")
        XCTAssertEqual(m.value("农业生产平台落实人数", "Y"), .number(0), "资金扶持 ticked only on another project")
        XCTAssertEqual(m.value("农业生产平台落实人数", "C"), .number(2))
        // Before s5 (dated April) p4 has one kind only: at the March cut only p1 counts.
        let march = try await metrics("2018-03")
        XCTAssertEqual(march.value("农业生产平台落实人数", "X"), .number(1))
    }

    // The cut-off: a record changed on the 26th counts for the next month, and so does a deletion.
    func testChangeOnThe26thCountsNextMonth() async throws {
        try await load(Records.units, units)
        try await load(Records.persons, """
            record_id,changed_at,county_code,birth_year,hukou,category,grade
            p1,2018-01-02,X,1970,城镇,肢体,2
            p2,2018-06-26 08:00:00,X,1971,城镇,肢体,2
            p3,2018-01-02,X,1972,城镇,肢体,2
            """)
        try await load(Records.persons, """
            record_id,changed_at,county_code,birth_year,hukou,category,grade,deleted
            p3,2018-06-26 09:30:00,X,1972,城镇,肢体,2,1
            """, file: "persons-deleted.csv")
        try await load(Records.services, """
            record_id,changed_at,person_id,county_code,project,service_date,funds,direct,income,funds_support,goods_support,training,need_kind
            s1,2018-06-25 23:59:59,p1,X,\(ProvinceGenerator.homeProject),2018-06-20,10,1,1,0,0,0,
            s2,2018-06-26 00:00:00,p3,X,\(ProvinceGenerator.homeProject),2018-06-20,10,1,1,0,0,0,
            """)
        let june = try await metrics("2018-06")
        XCTAssertEqual(june.value("入库残疾人人数", "X"), .number(2), "p1 and p3; p2 arrives on the 26th")
        XCTAssertEqual(june.value("居家灵活就业平台落实人数", "X"), .number(1), "s1 changed 23:59:59 on the 25th counts")
        let july = try await metrics("2018-07")
        XCTAssertEqual(july.value("入库残疾人人数", "X"), .number(2), "p1 and p2; p3 deleted on the 26th")
        XCTAssertEqual(july.value("居家灵活就业平台落实人数", "X"), .number(2))
        XCTAssertEqual(july.value("居家灵活就业上月落实人数", "X"), .number(1), "last month's cut")
    }

    func testRepeatedImportIsANoOp() async throws {
        let first = try await load(Records.units, units)
        XCTAssertEqual(first.inserted, 4)
        let again = try await load(Records.units, units)
        XCTAssertEqual(again.rows, 4)
        XCTAssertEqual(again.inserted, 0)
        let n = try await db.raw("SELECT COUNT(*) AS n FROM pf_units").first()?.decode(column: "n", as: Int.self)
        XCTAssertEqual(n, 4)
        // A new version of one record (a later changed_at) is stored beside the old one.
        let changed = try await load(Records.units, """
            record_id,changed_at,name,parent_code,level
            Y,2018-05-01 10:00:00,乙县（更名）,C,county
            """)
        XCTAssertEqual(changed.inserted, 1)
        let names = try await PlatformMetrics.units(db, cut: Cut(year: 2018, month: 5)).map(\.name)
        XCTAssertTrue(names.contains("乙县（更名）") && !names.contains("乙县"))
        let before = try await PlatformMetrics.units(db, cut: Cut(year: 2018, month: 4)).map(\.name)
        XCTAssertTrue(before.contains("乙县"), "the state as of April is rebuilt from the older version")
    }

    func testBadRowRefusesTheWholeFileWithRowAndColumn() async throws {
        try await load(Records.units, units)
        do {
            try await load(Records.persons, """
                record_id,changed_at,county_code,birth_year,hukou,category,grade
                p1,2018-01-02,X,1970,农村,肢体,2
                p2,2018-01-02,X,19x0,农村,肢体,2
                """)
            XCTFail("the bad row was accepted")
        } catch let e as IngestError {
            XCTAssertEqual(e.file, "persons.csv")
            XCTAssertEqual(e.row, 3)
            XCTAssertEqual(e.column, "birth_year")
            XCTAssertTrue(e.description.contains("persons.csv 第 3 行，birth_year 列"), e.description)
        }
        let n = try await db.raw("SELECT COUNT(*) AS n FROM pf_persons").first()?.decode(column: "n", as: Int.self)
        XCTAssertEqual(n, 0, "row 2 was good but the file is all or nothing")
        // A wrong header, a bad date, a third decimal in money: each named where.
        for (text, row, column) in [
            ("record_id,changed_at,county_code,birth_yr,hukou,category,grade\n", 1, "birth_yr"),
            ("record_id,changed_at,person_id,county_code,asked_on\nq1,2018-01-01,p1,X,2018-02-30\n", 2, "asked_on"),
        ] {
            let kind = text.contains("asked_on") ? Records.questions : Records.persons
            do {
                try await load(kind, text)
                XCTFail("accepted: \(text)")
            } catch let e as IngestError {
                XCTAssertEqual(e.row, row)
                XCTAssertEqual(e.column, column)
            }
        }
        XCTAssertNil(Money.fen("1.234"))
        XCTAssertEqual(Money.fen("12.3"), 1230)
        XCTAssertEqual(Money.fen("0.05"), 5)
    }

    func testCSVStreamQuotesAndLineBreaks() throws {
        var rows: [[String]] = []
        try CSVStream.parse("a,b\r\n\"x,1\",\"say \"\"hi\"\"\"\n\"two\nlines\",z\n\n") { _, f in rows.append(f) }
        XCTAssertEqual(rows, [["a", "b"], ["x,1", "say \"hi\""], ["two\nlines", "z"]])
        XCTAssertThrowsError(try CSVStream.parse("a,\"open\n") { _, _ in })
    }

    /// A small county by hand: every declared metric of the county against figures worked out on paper.
    func testMetricsAgainstHandComputedValues() async throws {
        try await load(Records.units, units)
        // Ages at 2018: p1 48, p2 10, p3 70, p4 30 (就业年龄段: p1, p4).
        try await load(Records.persons, """
            record_id,changed_at,county_code,birth_year,hukou,category,grade
            p1,2018-01-02,X,1970,农村,肢体,2
            p2,2018-01-02,X,2008,农村,智力,1
            p3,2018-01-02,X,1948,城镇,视力,3
            p4,2018-01-02,X,1988,城镇,听力,4
            """)
        // Needs: n1 ok; n2 农业生产 for a child: not consistent; n3 就业 at 70: not; n4 康复 ok; n5 就业 at 30 ok.
        try await load(Records.needs, """
            record_id,changed_at,person_id,county_code,kind
            n1,2018-01-03,p1,X,农业生产
            n2,2018-01-03,p2,X,农业生产
            n3,2018-01-03,p3,X,就业
            n4,2018-01-03,p3,X,康复
            n5,2018-01-03,p4,X,就业
            """)
        try await load(Records.services, """
            record_id,changed_at,person_id,county_code,project,service_date,funds,direct,income,funds_support,goods_support,training,need_kind
            s1,2018-02-01,p1,X,\(ProvinceGenerator.agricultureProject),2018-02-01,1000.50,1,1,1,1,1,农业生产
            s2,2018-03-01,p3,X,其他项目,2018-03-01,200,0,0,0,0,0,康复
            s3,2018-04-01,p4,X,\(ProvinceGenerator.homeProject),2018-04-01,300.25,1,1,0,0,0,创业
            s4,2017-12-01,p4,X,\(ProvinceGenerator.homeProject),2017-12-01,999,1,1,0,0,0,就业
            """)
        try await load(Records.institutionServices, """
            record_id,changed_at,county_code,institution,service_date,items,accurate_items
            i1,2018-05-01,X,甲机构,2018-05-01,30,27
            i2,2018-06-01,X,甲机构,2018-06-01,10,9
            """)
        try await load(Records.applications, """
            record_id,changed_at,person_id,county_code,applied_on,by_self,satisfaction
            a1,2018-05-01,p1,X,2018-05-01,1,90
            a2,2018-05-02,p1,X,2018-05-02,1,80
            a3,2018-05-03,p3,X,2018-05-03,0,70
            """)
        try await load(Records.questions, """
            record_id,changed_at,person_id,county_code,asked_on,answered_on
            q1,2018-06-01,p1,X,2018-06-01,
            q2,2018-06-02,p1,X,2018-06-02,2018-06-03
            q3,2018-05-02,p1,X,2018-05-02,
            """)
        try await load(Records.tasks, """
            record_id,changed_at,county_code,project,year,task_count
            t1,2018-01-01,X,\(ProvinceGenerator.homeProject),2018,4
            t2,2018-01-01,X,\(ProvinceGenerator.agricultureProject),2018,1
            """)
        let m = try await metrics("2018-06")
        func v(_ name: String) -> String? { m.value(name, "X")?.description }
        XCTAssertEqual(v("入库残疾人人数"), "4")
        XCTAssertEqual(v("就业年龄段残疾人数"), "2")
        XCTAssertEqual(v("需求精准度"), "60%", "3 of 5 needs fit their person")
        XCTAssertEqual(v("落实精准度"), "66.6667%", "s1, s2 answer a need; s3 (创业) does not; s4 is 2017")
        XCTAssertEqual(v("直接投入教就项目资金"), "1300.75", "s1 + s3, 元 exact; s2 not direct, s4 last year")
        XCTAssertEqual(v("直接实施教就项目服务人次"), "2")
        XCTAssertEqual(v("发展增收服务落实数"), "2")
        XCTAssertEqual(v("发展增收精准度"), "50%")
        XCTAssertEqual(v("机构服务项次"), "40")
        XCTAssertEqual(v("机构服务精准度"), "90%")
        XCTAssertEqual(v("业务办理参与覆盖率"), "25%", "p1 applied themselves; p3's was not by himself")
        XCTAssertEqual(v("教就残疾人满意度"), "80%")
        XCTAssertEqual(v("未及时回应人次"), "1", "q1 of this month is open; q3 belongs to May")
        XCTAssertEqual(v("居家灵活就业平台落实人数"), "1")
        XCTAssertEqual(v("居家灵活就业本地任务数"), "4")
        XCTAssertEqual(v("农业生产平台落实人数"), "1")
        XCTAssertEqual(v("进度要求"), "50%")
        XCTAssertEqual(m.value("进度要求", "X"), .percent(50))
        let may = try await metrics("2018-05"), november = try await metrics("2018-11")
        XCTAssertEqual(may.value("进度要求", "X"), .percent(0))
        XCTAssertEqual(november.value("进度要求", "X"), .percent(100))
        // The city's figures are its counties' (Y has nothing).
        XCTAssertEqual(m.value("入库残疾人人数", "C"), .number(4))
        XCTAssertEqual(m.value("入库残疾人人数", "Y"), .number(0))
        XCTAssertNil(m.value("需求精准度", "Y"), "no needs: the ratio is missing, not 0")

        // R27 progress: 居家灵活就业 1 / 4 = 25 % < 50 % at 6月25日; 农业生产 1 / 1 on track.
        let checks = try await PlatformChecker(file: file).run(db, metrics: m)
        let progress = checks.findings.filter { $0.unit == "X" && $0.check == "进度" }
        XCTAssertEqual(progress.count, 1)
        XCTAssertEqual(progress.first?.indicator, "2.6.1")
        XCTAssertEqual(progress.first?.records, [RecordRef(kind: "tasks", recordId: "t1")])
        XCTAssertTrue(progress.first?.message.contains("25%") ?? false, progress.first?.message ?? "")
    }

    func testChecksIdenticalServicesSupervisionUploadAndNegativeGrowth() async throws {
        try await load(Records.units, units)
        var persons = "record_id,changed_at,county_code,birth_year,hukou,category,grade\n"
        var services = "record_id,changed_at,person_id,county_code,project,service_date,funds,direct,income,funds_support,goods_support,training,need_kind,deleted\n"
        // X: 20 persons with the same two 发展增收 services; Y: 19 such persons (below 20: nothing).
        for (county, n) in [("X", 20), ("Y", 19)] {
            for i in 1...n {
                persons += "\(county)p\(i),2018-01-02,\(county),1980,农村,肢体,2\n"
                services += "\(county)s\(i)a,2018-03-01,\(county)p\(i),\(county),\(ProvinceGenerator.agricultureProject),2018-03-01,500,1,1,1,1,1,,0\n"
                services += "\(county)s\(i)b,2018-03-02,\(county)p\(i),\(county),\(ProvinceGenerator.agricultureProject),2018-03-02,500,1,1,1,1,1,,0\n"
            }
        }
        // Y's p1 has a third, different service: Y's identical group is 18.
        services += "Ys1c,2018-04-01,Yp1,Y,\(ProvinceGenerator.agricultureProject),2018-04-01,80,1,1,1,0,0,,0\n"
        // Negative growth in Y: two 居家灵活就业 persons by May's cut; one withdrawn on 2018-06-10.
        services += "h1,2018-05-01,Yp2,Y,\(ProvinceGenerator.homeProject),2018-05-01,10,1,0,0,0,0,,0\n"
        services += "h2,2018-05-01,Yp3,Y,\(ProvinceGenerator.homeProject),2018-05-01,10,1,0,0,0,0,,0\n"
        services += "h2,2018-06-10,Yp3,Y,\(ProvinceGenerator.homeProject),2018-05-01,10,1,0,0,0,0,,1\n"
        try await load(Records.persons, persons)
        try await load(Records.services, services)
        try await load(Records.supervisions, """
            record_id,changed_at,supervisor_code,county_code,town,visit_date,checked,accurate
            v1,2018-06-10,C,X,甲镇,2018-06-10,20,20
            v2,2018-05-10,C,Y,乙镇,2018-05-10,20,18
            """)
        try await load(Records.analysisUploads, """
            record_id,changed_at,unit_code,month,uploaded_on
            u1,2018-05-20,C,2018-05,2018-05-20
            u2,2018-06-26,C,2018-06,2018-06-26
            """)
        let m = try await metrics("2018-06")
        let result = try await PlatformChecker(file: file).run(db, metrics: m)
        let identical = result.findings.filter { $0.check == "发展增收服务雷同" }
        XCTAssertEqual(identical.map(\.unit), ["X"])
        XCTAssertEqual(identical.first?.indicator, "2.3")
        XCTAssertEqual(identical.first?.recordCount, 40, "both services of the 20 persons")
        XCTAssertEqual(identical.first?.records.first, RecordRef(kind: "services", recordId: "Xs10a"))
        XCTAssertEqual(result.inputs["发展增收服务雷同人数"]?["X"], .number(20))
        XCTAssertEqual(result.inputs["发展增收服务雷同人数"]?["Y"], .number(0))

        // June: C's one supervision is at 100 %, and Y was not visited in June.
        XCTAssertEqual(result.inputs["督查结果落实精准度全部为100"]?["C"], .flag(true))
        XCTAssertEqual(result.findings.first(where: { $0.check == "督查结果全部为100%" })?.records, [RecordRef(kind: "supervisions", recordId: "v1")])
        XCTAssertEqual(result.inputs["业务督查未全覆盖"]?["C"], .flag(true))
        // June's analysis arrived on the 26th: missing at the cut.
        XCTAssertEqual(result.findings.filter { $0.check == "精准分析未上传" }.map(\.unit), ["C"])

        let growth = result.findings.filter { $0.check == "负增长" }
        XCTAssertEqual(growth.map(\.unit).sorted(), ["C", "Y"])
        XCTAssertEqual(growth.first(where: { $0.unit == "Y" })?.records, [RecordRef(kind: "services", recordId: "h2")])

        // May: 精准分析 uploaded, supervision 90 %, no negative growth.
        let mayMetrics = try await metrics("2018-05")
        let may = try await PlatformChecker(file: file).run(db, metrics: mayMetrics)
        XCTAssertFalse(may.findings.contains { $0.check == "精准分析未上传" || $0.check == "负增长" || $0.check == "督查结果全部为100%" })
    }

    /// A generated province: what the SQL counts equals an independent count over the CSV files in Swift, and the
    /// planted anomalies are found.
    func testGeneratedProvinceAgreesWithAnIndependentCount() async throws {
        var g = ProvinceGenerator()
        g.cities = 5
        g.counties = 11
        g.persons = 1500
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jixiao-gen-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let summary = try g.write(to: dir)
        XCTAssertEqual(summary.persons, 1500)
        for kind in Records.all {
            let r = try await Ingest.csv(dir.appendingPathComponent("\(kind.name).csv"), kind: kind, into: db, recordedAt: "2018-07-01 00:00:00")
            XCTAssertEqual(r.rows, summary.files[kind.name], kind.name)
        }
        let again = try await Ingest.csv(dir.appendingPathComponent("services.csv"), kind: Records.services, into: db, recordedAt: "2018-07-02 00:00:00")
        XCTAssertEqual(again.inserted, 0)

        // Independent count: persons per county, and R26 persons per county at the June cut.
        var personsPer: [String: Int] = [:]
        var rural = Set<String>()
        try CSVStream.read(dir.appendingPathComponent("persons.csv")) { row, f in
            guard row > 1, f[1] <= "2018-06-25 23:59:59" else { return }
            personsPer[f[2], default: 0] += 1
            if f[4] == "农村" { rural.insert(f[0]) }
        }
        var latest: [String: [String]] = [:]
        try CSVStream.read(dir.appendingPathComponent("services.csv")) { row, f in
            guard row > 1, f[1] <= "2018-06-25 23:59:59" else { return }
            if let old = latest[f[0]], old[1] > f[1] { return }
            latest[f[0]] = f
        }
        var kinds: [String: (county: String, a: Bool, b: Bool, c: Bool)] = [:]
        for f in latest.values where f[13] == "0" && f[4] == ProvinceGenerator.agricultureProject && f[5] <= "2018-06-25" && rural.contains(f[2]) {
            let k = kinds[f[2]] ?? (f[3], false, false, false)
            kinds[f[2]] = (k.county, k.a || f[9] == "1", k.b || f[10] == "1", k.c || f[11] == "1")
        }
        var r26: [String: Int] = [:]
        for k in kinds.values where k.a && k.b && k.c { r26[k.county, default: 0] += 1 }

        let m = try await metrics("2018-06")
        for u in m.units where u.level == "county" {
            XCTAssertEqual(m.value("入库残疾人人数", u.code), .number(Decimal(personsPer[u.code] ?? 0)), u.code)
            XCTAssertEqual(m.value("农业生产平台落实人数", u.code), .number(Decimal(r26[u.code] ?? 0)), u.code)
        }
        let checks = try await PlatformChecker(file: file).run(db, metrics: m)
        XCTAssertTrue(checks.findings.contains { $0.check == "发展增收服务雷同" && $0.unit == g.countyCode(city: 1, 0) })
        let countyCodes = Set(m.units.filter { $0.level == "county" }.map(\.code))
        XCTAssertEqual(
            Set(checks.findings.filter { $0.check == "进度" && countyCodes.contains($0.unit) }.map(\.unit)),
            [g.countyCode(city: 2, 0)], "only the planted late county is behind")
        XCTAssertTrue(checks.findings.contains { $0.check == "负增长" && $0.unit == g.countyCode(city: 2, 0) })
        XCTAssertTrue(checks.findings.contains { $0.check == "精准分析未上传" && $0.unit == g.cityCode(3) })
        XCTAssertTrue(checks.findings.contains { $0.check == "督查结果全部为100%" && $0.unit == g.cityCode(4) })
        XCTAssertEqual(checks.findings.filter { $0.check == "精准分析未上传" }.count, 1)

        // The month over one shared snapshot (what `jixiao platform month` runs) gives exactly the same.
        let both = try await PlatformMetrics(file: file).month(db, cut: Cut(month: "2018-06")!)
        XCTAssertEqual(both.metrics.units, m.units)
        XCTAssertEqual(both.metrics.values, m.values)
        func key(_ f: Finding) -> String { "\(f.unit)|\(f.indicator)|\(f.check)|\(f.message)|\(f.recordCount)|\(f.records.map(\.recordId))" }
        XCTAssertEqual(both.checks.findings.map(key), checks.findings.map(key))
        XCTAssertEqual(both.checks.inputs, checks.inputs)
        XCTAssertGreaterThan(checks.findings.filter { $0.check == "发展增收服务雷同" }.count, 0)
    }

    /// A version repeated identically is a no-op; the same (record id, changed at) with other contents refuses the
    /// whole file naming its row and the first column that differs, against the stored version or an earlier row.
    func testConflictingVersionRefusesTheWholeFile() async throws {
        try await load(Records.units, units)
        let header = "record_id,changed_at,county_code,birth_year,hukou,category,grade\n"
        try await load(Records.persons, header + "p1,2018-06-01 10:00:00,X,1970,农村,肢体,2\n")
        let again = try await load(Records.persons, header + "p1,2018-06-01 10:00:00,X,1970,农村,肢体,2\np2,2018-06-01,X,1971,城镇,肢体,2\n")
        XCTAssertEqual(again.rows, 2)
        XCTAssertEqual(again.inserted, 1, "p1 identical: unchanged; p2 new")
        func count() async throws -> Int? {
            try await db.raw("SELECT COUNT(*) AS n FROM pf_persons").first()?.decode(column: "n", as: Int.self)
        }
        do {
            try await load(Records.persons, header + "p3,2018-06-02,X,1972,城镇,肢体,2\np1,2018-06-01 10:00:00,X,1970,农村,肢体,3\n")
            XCTFail("a conflicting version was accepted")
        } catch let e as IngestError {
            XCTAssertEqual(e.row, 3)
            XCTAssertEqual(e.column, "grade")
            XCTAssertTrue(e.message.hasPrefix("记录 p1 在 2018-06-01 10:00:00 的版本与已有版本不同"), e.message)
            XCTAssertTrue(e.description.contains("persons.csv 第 3 行，grade 列"), e.description)
        }
        let afterConflict = try await count()
        XCTAssertEqual(afterConflict, 2, "p3 (a good row before the conflict) was not stored either")
        // Within one file: the same version twice, the second different.
        do {
            try await load(Records.persons, header + "p4,2018-06-03,X,1980,城镇,肢体,2\np4,2018-06-03 00:00:00,X,1980,农村,肢体,2\n")
            XCTFail("two different contents for one version in a file were accepted")
        } catch let e as IngestError {
            XCTAssertEqual(e.row, 3)
            XCTAssertEqual(e.column, "hukou")
        }
        // The same version twice in one file, identical: stored once.
        let twice = try await load(Records.persons, header + "p5,2018-06-03,X,1980,城镇,肢体,2\np5,2018-06-03,X,1980,城镇,肢体,2\n")
        XCTAssertEqual(twice.inserted, 1)
        // Checked rows (the JSON API) the same way, the row being the position in the request.
        let mapper = try RowMapper(kind: Records.persons, header: header.dropLast().components(separatedBy: ","), file: "api")
        let rows = try [["p6", "2018-06-04", "X", "1990", "城镇", "视力", "1"], ["p2", "2018-06-01", "Y", "1971", "城镇", "肢体", "2"]]
            .map { try mapper.values($0, row: 0, file: "api") }
        do {
            _ = try await Ingest.rows(rows, kind: Records.persons, into: db, recordedAt: "2018-07-01 00:00:00")
            XCTFail("a conflicting version was accepted through rows(_:)")
        } catch let e as IngestError {
            XCTAssertEqual(e.row, 2)
            XCTAssertEqual(e.column, "county_code")
        }
        let atEnd = try await count()
        XCTAssertEqual(atEnd, 3, "p1, p2, p5")
    }
}
