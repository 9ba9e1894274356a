import Fluent
import Foundation
import JixiaoCore
import JixiaoSchemeFile
import Vapor

/// What `jixiao serve --demo` loads into an empty database, so that a newcomer sees a living system at once:
/// the org tree of a province (demo/org-sichuan.csv: 四川省, 21 市州, 183 县市区), every shipped scheme,
/// an account for every role, scheme 000's assessments with figures for three months, and scheme 004's year
/// for every city: all but the three cities with a filler account have entered (成都市, 自贡市, 德阳市; in the
/// small demo only 成都市 is pending), so the province's average pass rate (5.4.1) is provisional until they do.
enum DemoSize: String, Sendable {
    /// The whole province, three months (what `jixiao serve --demo` loads).
    case full
    /// Two cities and their counties, two months (what the tests load: fast, and still a tree to trespass in).
    case small
}

struct DemoAccount: Sendable {
    let username: String
    let displayName: String
    let role: Role
    let unitCode: String
}

enum DemoData {
    static let password = "jixiao2026"
    static let accounts = [
        DemoAccount(username: "admin", displayName: "省残联方案管理员", role: .schemeAdmin, unitCode: "51"),
        DemoAccount(username: "lingdao", displayName: "省残联领导", role: .leader, unitCode: "51"),
        DemoAccount(username: "zhanghao", displayName: "省残联账号管理员", role: .accountAdmin, unitCode: "51"),
        DemoAccount(username: "chengduzhanghao", displayName: "成都市残联账号管理员", role: .accountAdmin, unitCode: "5101"),
        DemoAccount(username: "shengshending", displayName: "省残联审定", role: .approver, unitCode: "51"),
        DemoAccount(username: "shengshenhe", displayName: "省残联审核员", role: .reviewer, unitCode: "51"),
        DemoAccount(username: "chengdu", displayName: "成都市残联审核员", role: .reviewer, unitCode: "5101"),
        DemoAccount(username: "chengdutianbao", displayName: "成都市残联填报员", role: .filler, unitCode: "5101"),
        DemoAccount(username: "zigongtianbao", displayName: "自贡市人社局填报员", role: .filler, unitCode: "5103"),
        DemoAccount(username: "deyangtianbao", displayName: "德阳市人社局填报员", role: .filler, unitCode: "5106"),
        DemoAccount(username: "jinjiang", displayName: "锦江区残联填报员", role: .filler, unitCode: "510101"),
        DemoAccount(username: "qingyang", displayName: "青羊区残联填报员", role: .filler, unitCode: "510102"),
        DemoAccount(username: "mianyang", displayName: "绵阳市残联审核员", role: .reviewer, unitCode: "5107"),
        DemoAccount(username: "fucheng", displayName: "涪城区残联填报员", role: .filler, unitCode: "510701"),
    ]
    static let demoScheme = "000"
    /// Every demo account has the same published password, so its bcrypt hash is computed once per process
    /// (bcrypt is slow on purpose; the test suite loads the demo once per test).
    static let passwordHash = Result { try Bcrypt.hash(password) }
    static let periods = ["2018-04", "2018-05", "2018-06"]

    /// Loads the demo from an operator's content folder (see ContentFiles.directory).
    @discardableResult
    static func loadIfEmpty(_ size: DemoSize, contentDirectory: String, on database: any Database, logger: Logger) async throws -> Bool {
        try await loadIfEmpty(size, content: .directory(contentDirectory), on: database, logger: logger)
    }

    /// Loads the demo when the database holds no org unit yet; returns whether it did. A database that already
    /// holds units is never touched, so `--demo` on a production database is harmless.
    @discardableResult
    static func loadIfEmpty(_ size: DemoSize, content: ContentFiles = .embedded, platform: Bool? = nil, on database: any Database,
                            logger: Logger) async throws -> Bool {
        guard try await OrgUnit.query(on: database).count() == 0 else {
            logger.notice("数据库中已有组织机构，未载入演示数据")
            return false
        }
        let started = Date()
        let csv = try content.require("demo/org-sichuan.csv")
        var rows = try OrgImport.rows(csv: csv, file: "demo/org-sichuan.csv")
        if size == .small { rows = rows.filter { ["51", "5101", "5107"].contains($0.code) || ["5101", "5107"].contains($0.parent ?? "") } }
        _ = try await OrgImport.save(rows, file: "demo/org-sichuan.csv", on: database)

        let units = Dictionary(uniqueKeysWithValues: try await OrgUnit.query(on: database).all().map { ($0.code, $0) })
        let hash = try passwordHash.get()
        for account in accounts {
            guard let unit = units[account.unitCode] else { continue }
            try await User(username: account.username, displayName: account.displayName, passwordHash: hash, role: account.role,
                           unitID: try unit.requireID()).create(on: database)
        }

        var schemeIDs: [String: UUID] = [:]
        for file in content.names(in: "schemes", suffix: ".yaml") {
            let yaml = try content.require("schemes/\(file)")
            let scheme = try ParsedContent.scheme(yaml, file: file)
            let version = SchemeVersion(code: scheme.id, version: scheme.version, name: scheme.name, year: scheme.year, yaml: yaml,
                                        frozen: scheme.id == demoScheme || scheme.id == employmentScheme)
            try await version.create(on: database)
            schemeIDs[scheme.id] = try version.requireID()
        }
        try await DemoAppraisals.load(size, hash: hash, on: database)
        guard let schemeID = schemeIDs[demoScheme] else { return true }
        let template = try ParsedContent.dataSet(try content.require("examples/000-liangfu-jiaojiu.yaml"), file: "examples/000-liangfu-jiaojiu.yaml")
        let scheme = try ParsedContent.scheme(try content.require("schemes/000-liangfu-jiaojiu.yaml"), file: "schemes/000-liangfu-jiaojiu.yaml")
        let percentInputs = Set(scheme.inputs.filter { $0.unit == "%" }.map(\.name))
        let periods = size == .full ? periods : Array(periods.suffix(2))
        let subjects = units.values.filter { $0.kind == "市州" || $0.kind == "县市区" }.sorted { $0.path < $1.path }
        var generator = SeededRandom(seed: 2018)
        var assessments: [Assessment] = []
        var values: [EntryValue] = []
        for (month, period) in periods.enumerated() {
            let latest = month == periods.count - 1
            let progress = [0.7, 0.85, 1.0][3 - periods.count + month]
            for (index, unit) in subjects.enumerated() {
                let isCity = unit.kind == "市州"
                let templates = template.subjects.filter { ($0.parent == nil) == isCity }
                let pattern = templates[index % templates.count]
                // The newest month is in every stage of the workflow; earlier months are approved.
                let state: WorkflowState = latest
                    ? [WorkflowState(), WorkflowState(stage: 1), WorkflowState(stage: 1), WorkflowState(stage: 2), WorkflowState(stage: 2, status: .approved)][(index + 4) % 5]
                    : WorkflowState(stage: 2, status: .approved)
                let assessment = Assessment(id: UUID(), schemeID: schemeID, period: period, unitID: try unit.requireID(),
                                            stage: state.stage, status: state.status)
                assessments.append(assessment)
                let id = try assessment.requireID()
                for (name, value) in pattern.inputs {
                    let constant = template.subjects.allSatisfy { $0.inputs[name] == value }
                    let text = constant ? text(value, percent: percentInputs.contains(name))
                        : varied(value, percent: percentInputs.contains(name), scale: progress, using: &generator)
                    values.append(EntryValue(assessmentID: id, stage: 0, field: name, value: text, reason: nil))
                }
                for (code, value) in pattern.values {
                    values.append(EntryValue(assessmentID: id, stage: 0, field: "#" + code, value: value.description,
                                             reason: pattern.reasons[code]))
                }
                if state.stage >= 2, let accuracy = pattern.inputs["落实精准度"]?.number {
                    // A review adjustment, as the city makes when the platform's figure was checked again.
                    let adjusted = Double(accuracy.description).map { max(0, $0 - 0.012) } ?? 0
                    values.append(EntryValue(assessmentID: id, stage: 1, field: "落实精准度", value: String(format: "%.1f%%", adjusted * 100),
                                             reason: "市州核查平台数据，剔除重复录入的落实记录"))
                }
            }
        }
        if let employment = schemeIDs[employmentScheme] {
            let (more, moreValues) = try employmentYear(employment, units: units, content: content, using: &generator)
            assessments += more
            values += moreValues
        }
        let (newAssessments, newValues) = (assessments, values)
        try await database.transaction { db in
            try await newAssessments.create(on: db, chunk: 200)
            try await newValues.create(on: db, chunk: 500)
        }
        // Seed 000's platform records, and its months computed from them (Demo/DemoPlatform.swift).
        // (Only with the full demo unless asked: the tests' small demo stays fast.)
        if platform ?? (size == .full) { try await DemoPlatform.load(size, periods: periods, on: database, logger: logger) }
        // Seed 001's evaluation in a 陕西省 tree of its own, after the 四川 assessments (Demo/DemoEvaluation.swift).
        try await DemoEvaluation.load(schemeID: schemeIDs[DemoEvaluation.schemeCode], content: content, passwordHash: hash, on: database)
        try await DemoSelfEvaluations.load(content: content, schemeIDs: schemeIDs, passwordHash: hash, on: database)
        logger.notice("演示数据已载入：\(units.count) 个单位，\(accounts.count) 个账号（密码 \(password)），\(assessments.count) 份考核，用时 \(String(format: "%.1f", Date().timeIntervalSince(started))) 秒")
        return true
    }

    static let employmentScheme = "004"
    /// The cities that have not entered scheme 004 yet: each has a filler account to try the peer average by hand.
    static let employmentPending: Set<String> = ["5101", "5103", "5106"]

    /// Scheme 004 for every city: the example's six cities' figures in turn, the pass rate (鉴定通过率) varied
    /// per city, the province's changes of the example applied at the stages each city has reached.
    private static func employmentYear(_ schemeID: UUID, units: [String: OrgUnit], content: ContentFiles,
                                       using generator: inout SeededRandom) throws -> ([Assessment], [EntryValue]) {
        let file = "examples/004-employment.yaml"
        let example = try ParsedContent.dataSet(try content.require(file), file: file)
        let scheme = try ParsedContent.scheme(try content.require("schemes/004-employment.yaml"), file: "schemes/004-employment.yaml")
        let percentInputs = Set(scheme.inputs.filter { $0.unit == "%" }.map(\.name))
        let cities = units.values.filter { $0.kind == "市州" }.sorted { $0.path < $1.path }
        var assessments: [Assessment] = []
        var values: [EntryValue] = []
        for (index, city) in cities.enumerated() {
            let pending = employmentPending.contains(city.code)
            let stage = pending ? 0 : [0, 1, 1, 2][index % 4]
            let assessment = Assessment(id: UUID(), schemeID: schemeID, period: example.period, unitID: try city.requireID(), stage: stage)
            assessments.append(assessment)
            guard !pending else { continue }
            let id = try assessment.requireID()
            let pattern = example.subjects[index % example.subjects.count]
            for (name, value) in pattern.inputs {
                let figure = name == "鉴定通过率" ? varied(value, percent: true, scale: 1, using: &generator)
                    : text(value, percent: percentInputs.contains(name))
                values.append(EntryValue(assessmentID: id, stage: 0, field: name, value: figure, reason: nil))
            }
            for (code, value) in pattern.values {
                values.append(EntryValue(assessmentID: id, stage: 0, field: "#" + code, value: value.description, reason: pattern.reasons[code]))
            }
            for (position, name) in scheme.stages.enumerated() where position > 0 && position <= stage {
                guard let change = pattern.stages[name] else { continue }
                for (input, value) in change.inputs {
                    values.append(EntryValue(assessmentID: id, stage: position, field: input,
                                             value: text(value, percent: percentInputs.contains(input)),
                                             reason: change.reasons[input] ?? "省厅核查"))
                }
                for (code, value) in change.values {
                    values.append(EntryValue(assessmentID: id, stage: position, field: "#" + code, value: value.description,
                                             reason: change.reasons[code] ?? "省厅核查"))
                }
            }
        }
        return (assessments, values)
    }

    private static func text(_ value: Value, percent: Bool) -> String {
        if percent, let number = value.number, let double = Double(number.description) { return String(format: "%.1f%%", double * 100) }
        return value.description
    }

    /// A figure like the template's, varied: counts scaled by the month's progress and ±15 %, rates ±5 points.
    /// (Binary floating point only makes up the demo's input text; no score is ever computed in it.)
    private static func varied(_ value: Value, percent: Bool, scale: Double, using generator: inout SeededRandom) -> String {
        guard let number = value.number, let double = Double(number.description) else { return value.description }
        if percent {
            let rate = min(1, max(0, double + generator.uniform(-0.05, 0.05)))
            return String(format: "%.1f%%", rate * 100)
        }
        let scaled = double * scale * generator.uniform(0.85, 1.15)
        return double == double.rounded() ? String(Int(scaled.rounded())) : String(format: "%.2f", scaled)
    }
}

extension SeededRandom {
    /// A uniform draw in [low, high), for making up the demo's figures.
    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * Double(next() >> 11) / Double(1 << 53)
    }
}
