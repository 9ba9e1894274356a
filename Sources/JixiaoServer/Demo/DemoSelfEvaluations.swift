import Fluent
import Foundation
import JixiaoCore
import JixiaoSchemeFile
import Vapor

/// Seed 002 in the demo: 深圳市残联 (a department tree of its own, beside 四川省) with its eleven projects, each
/// project's 2019 self-evaluation filled as the document prints it (业绩值, fund table, 项目支出内容, the printed
/// 评分结果, total and grade as the owner's claims), so each form shows its printed total beside the rules' and
/// the audit's flags. 残联综合管理项目 (002-01) is still with its owner (自评); the other ten are submitted (初评).
enum DemoSelfEvaluations {
    /// A root of its own; its path sorts after 四川省's "/51/", so a first start that puts the admin on the first root keeps 四川省.
    static let rootCode = "SZCL"
    static let rootName = "深圳市残联"
    static let accounts = [
        DemoAccount(username: "szxiangmu", displayName: "综合管理项目负责人", role: .filler, unitCode: "SZCL-01"),
        DemoAccount(username: "szpingjia", displayName: "深圳市残联绩效评价员", role: .reviewer, unitCode: rootCode),
        DemoAccount(username: "szshending", displayName: "深圳市残联审定", role: .approver, unitCode: rootCode),
    ]

    static func load(content: ContentFiles, schemeIDs: [String: UUID], passwordHash: String, on database: any Database) async throws {
        let examples = content.names(in: "examples", suffix: ".yaml").filter { $0.hasPrefix("002-") }
        guard !examples.isEmpty else { return }
        let root = OrgUnit(id: UUID(), code: rootCode, name: rootName, kind: "部门", parentID: nil, path: "/\(rootCode)/")
        var units = [root]
        var assessments: [Assessment] = []
        var values: [EntryValue] = []
        for file in examples {
            let number = String(file.dropFirst(4).prefix(2))
            let data = try ParsedContent.dataSet(try content.require("examples/\(file)"), file: "examples/\(file)")
            guard let subject = data.subjects.first, let schemeID = schemeIDs[data.schemeID] else { continue }
            let code = "\(rootCode)-\(number)"
            let unit = OrgUnit(id: UUID(), code: code, name: subject.name, kind: "项目", parentID: try root.requireID(), path: "/\(rootCode)/\(code)/")
            units.append(unit)
            let assessment = Assessment(id: UUID(), schemeID: schemeID, period: data.period, unitID: try unit.requireID(),
                                        stage: number == "01" ? 0 : 1)
            assessments.append(assessment)
            for (key, value) in figures(subject) {
                values.append(EntryValue(assessmentID: try assessment.requireID(), stage: 0, field: key, value: value, reason: nil))
            }
        }
        let hash = passwordHash
        let (newUnits, newAssessments, newValues) = (units, assessments, values)
        try await database.transaction { db in
            for unit in newUnits { try await unit.create(on: db) }
            for account in accounts {
                guard let unit = newUnits.first(where: { $0.code == account.unitCode }) else { continue }
                try await User(username: account.username, displayName: account.displayName, passwordHash: hash, role: account.role,
                               unitID: try unit.requireID()).create(on: db)
            }
            try await newAssessments.create(on: db, chunk: 200)
            try await newValues.create(on: db, chunk: 500)
            for id in Set(newAssessments.map { $0.$scheme.id }) {
                try await SchemeVersion.query(on: db).filter(\.$id == id).set(\.$frozen, to: true).update()
            }
        }
    }

    /// The stored values of seed 002's project `number` ("01" … "11") as its example file prints them.
    static func exampleFigures(_ number: String, content: ContentFiles = .embedded) throws -> [String: String] {
        guard let file = content.names(in: "examples", suffix: ".yaml").first(where: { $0.hasPrefix("002-\(number)-") }),
            let subject = try ParsedContent.dataSet(try content.require("examples/\(file)"), file: file).subjects.first
        else { throw StartupProblem("没有 002-\(number) 的示例数据") }
        return figures(subject)
    }

    /// A data file's subject as the form's stored values: `#code` figures, fund cells, item rows, claims.
    static func figures(_ subject: SubjectData) -> [String: String] {
        var figures: [String: String] = [:]
        for (name, value) in subject.inputs { figures[name] = value.description }
        for (code, value) in subject.values { figures["#" + code] = value.description }
        figures.merge(SelfEvaluation.figures(of: subject)) { _, new in new }
        return figures
    }
}
