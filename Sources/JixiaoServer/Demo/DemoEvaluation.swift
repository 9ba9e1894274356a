import Fluent
import Foundation
import JixiaoCore
import JixiaoSchemeFile
import Vapor

/// Seed 001 in the demo: a 陕西省 tree of its own (省本级, 延安市, 宝鸡市; out of the 四川 units' way), the
/// evaluation of scheme 001 for 2020 with every cell as the document prints it (examples/001-shaanxi-2020.yaml), the
/// document's figures to compare with, its findings and its report text, and the accounts of the evaluation.
/// Small (three assessments, about a hundred figures): loaded by the tests' small demo too.
enum DemoEvaluation {
    static let schemeCode = "001"
    static let period = "2020"
    static let units: [(code: String, name: String, kind: String, parent: String?)] = [
        ("61", "陕西省", "省", nil), ("6100", "省本级", "省", "61"), ("6106", "延安市", "市州", "61"), ("6103", "宝鸡市", "市州", "61"),
    ]
    /// The example names its subjects by name; the demo's units carry codes.
    static let codeOfSubject = ["省本级": "6100", "延安市": "6106", "宝鸡市": "6103"]
    static let accounts = [
        DemoAccount(username: "pingjia", displayName: "第三方评价组（受陕西省财政厅委托）", role: .filler, unitCode: "61"),
        DemoAccount(username: "shaanxishenhe", displayName: "陕西省财政厅绩效处审核员", role: .reviewer, unitCode: "61"),
        DemoAccount(username: "shaanxishending", displayName: "陕西省财政厅审定", role: .approver, unitCode: "61"),
    ]
    static let title = "陕西省2020年度残疾人就业保障金项目绩效评价"

    static func load(schemeID: UUID?, content: ContentFiles, passwordHash: String, on database: any Database) async throws {
        guard let schemeID else { return }
        let file = "examples/001-shaanxi-2020.yaml"
        let data = try ParsedContent.dataSet(try content.require(file), file: file)
        var created: [String: OrgUnit] = [:]
        for unit in units {
            let parent = unit.parent.flatMap { created[$0] }
            let row = OrgUnit(code: unit.code, name: unit.name, kind: unit.kind, parentID: try parent?.requireID(),
                              path: (parent?.path ?? "/") + unit.code + "/")
            try await row.create(on: database)
            created[unit.code] = row
        }
        for account in accounts {
            guard let unit = created[account.unitCode] else { continue }
            try await User(username: account.username, displayName: account.displayName, passwordHash: passwordHash, role: account.role,
                           unitID: try unit.requireID()).create(on: database)
        }
        let yaml = try await SchemeVersion.find(schemeID, on: database)?.yaml ?? ""
        let scheme = try ParsedContent.scheme(yaml, file: "schemes/001-shaanxi-2020.yaml")
        var weights: [String: Fixed] = [:]
        if case .subjects(let given, _, _)? = scheme.composite { for (subject, weight) in given { weights[subject] = weight } }

        var printed = DocumentFigures(source: "001 附件 打分表、表 2-1")
        printed.composite = data.compositePrinted.scores.mapValues(\.description)
        printed.total = data.compositePrinted.total?.description
        printed.grade = data.compositePrinted.grade
        printed.rates = data.compositePrinted.rates.mapValues(\.description)
        printed.totalRate = data.compositePrinted.totalRate?.description
        for subject in data.subjects {
            guard let code = codeOfSubject[subject.id] else { continue }
            printed.subjects[code] = subject.printed.scores.mapValues(\.description)
            printed.subjectTotals[code] = subject.printed.total?.description
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let sectionText = String(data: try encoder.encode(sections), encoding: .utf8) ?? "{}"
        guard let province = created["61"] else { return }
        let evaluation = Evaluation(schemeID: schemeID, period: period, unitID: try province.requireID(), title: title,
                                    sections: sectionText, printed: printed.encoded)
        let createdUnits = created
        let weightOf = weights
        try await database.transaction { db in
            try await SchemeVersion.query(on: db).filter(\.$id == schemeID).set(\.$frozen, to: true).update()
            try await evaluation.create(on: db)
            let evaluationID = try evaluation.requireID()
            var values: [EntryValue] = []
            for (position, subject) in data.subjects.enumerated() {
                guard let code = codeOfSubject[subject.id], let unit = createdUnits[code] else { continue }
                let assessment = Assessment(schemeID: schemeID, period: period, unitID: try unit.requireID())
                try await assessment.create(on: db)
                let id = try assessment.requireID()
                for (name, value) in subject.inputs.sorted(by: { $0.key < $1.key }) {
                    values.append(EntryValue(assessmentID: id, stage: 0, field: name, value: text(value), reason: nil))
                }
                for (indicator, value) in subject.values.sorted(by: { $0.key < $1.key }) {
                    values.append(EntryValue(assessmentID: id, stage: 0, field: "#" + indicator, value: text(value), reason: subject.reasons[indicator]))
                }
                try await EvaluationSubject(evaluationID: evaluationID, unitID: try unit.requireID(), position: position,
                                            weight: (weightOf[subject.id] ?? .zero).description,
                                            figure: subject.id == "省本级" ? "6787" : "").create(on: db)
            }
            try await values.create(on: db, chunk: 200)
            for (position, finding) in data.findings.enumerated() {
                try await EvaluationFinding(evaluationID: evaluationID, unitCode: "", code: finding.code, points: finding.deduct?.description ?? "0",
                                            text: finding.text, evidence: "《绩效评价报告》第三部分", position: position + 1,
                                            username: "pingjia").create(on: db)
            }
            try await EvaluationAuditEntry(evaluationID: evaluationID, username: "pingjia", displayName: accounts[0].displayName, action: "开启评价",
                                           detail: "演示数据：按《陕西省2020年度残疾人就业保障金项目绩效评价报告》附件打分表录入").create(on: db)
        }
    }

    /// A figure as a person types it: rates as percentages.
    private static func text(_ value: Value) -> String {
        value.description
    }

    /// The report's text as seed 001 prints it (abridged where it runs long).
    static let sections: [String: String] = [
        "basic": """
            国家发展改革委、财政部、中国残联等六部门联合印发了《关于完善残疾人就业保障金制度更好促进残疾人就业的总体方案》，提出“以完善残保金征收使用管理制度为切入点，进一步提高残疾人就业能力和残疾人就业服务能力，积极拓展残疾人多元就业渠道，千方百计促进残疾人就业，推动残疾人更好融入社会，共建共享经济社会发展成果。”
            2020年，专项资金的预算金额是2.54亿元，因疫情等原因改变资金拨付方式，以收定支、分期分批共下达资金21,787万元，主要用于残疾人就业和培训、残疾人康复、残疾人社会保障和综合服务、建档立卡重度残疾人家庭无障碍改造、残疾人专职委员工作补贴5类项目。其中：随同部门预算批复省残联机关及下属残疾人就业服务中心、城市经济学校和康复医院6,787万元，对下转移支付15,000万元。省残联采用因素法分配资金，主要参考各地持证残疾人需求数量、地方财力和绩效结果等因素。
            """,
        "goals": """
            总体目标：残疾人就业保障金统筹用于促进残疾人就业和保障残疾人生活，旨在提高残疾人就业能力和残疾人就业服务能力，拓展残疾人多元就业渠道，千方百计促进残疾人就业，推动残疾人更好融入社会，共建共享经济社会发展成果。
            年度目标：依据省残联项目实施方案、省财政随同资金下达文件批复的绩效目标及省残联报送的2020年度残疾人就业保障金绩效自评表设定（数量、质量、满意度指标）。
            """,
        "conclusion": """
            项目立项依据充分，预算资金基本到位。通过项目的实施，一定程度上提升了残疾人职业技能，改善了残疾人生活状况，缓解了残疾人及其家庭经济压力，残疾人及家属满意度高，基本达到项目绩效目标。但评价也发现存在项目预算编制不准确、部分资金分配不合理、拨付不及时、项目执行进度缓慢、补助对象审核不严格、项目监管责任履行不到位等问题，影响了专项资金的使用效果和效益。
            """,
        "problems": """
            1. 预算编制准确性不足。未统筹考虑往年资金结余情况，实际执行中个别项目预算调剂未履行手续。项目子项设置过于繁杂，存在就业方向投入不足问题，资金分配一定程度上重保障轻就业。
            2. 资金管理不规范，预算执行能力有待提高。一是资金拨付不及时，预算执行进度偏慢。二是资金使用不规范。三是专账管理不到位，未设专账核算。
            3. 项目管理存在漏洞，过程监管不到位。主要表现在资格审核不严，项目执行过程中监管责任落实不到位。
            """,
        "suggestions": """
            1. 加强专项资金整合，统筹安排，厘清专项资金支出界限。
            2. 增强预算编制合理性，细化绩效目标设置。
            3. 提高资金使用率，加强部门监管责任。
            4. 落实相关管理制度，提高项目实施规范性。
            """,
    ]
}
