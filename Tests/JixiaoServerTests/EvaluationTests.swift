import Foundation
import Fluent
import JixiaoCore
import JixiaoSchemeFile
import JixiaoXLSX
import XCTVapor
@testable import JixiaoServer

/// Seed 001's evaluation across 省本级, 延安市 and 宝鸡市, as the demo loads it: the composite, the findings, the
/// renormalised weights, the permission, the exports.
final class EvaluationTests: XCTestCase {
    struct Composite: Decodable {
        let total: String?
        let grade: String?
        let printedTotal: String?
        let printedGrade: String?
        let differsFromPrinted: Bool
    }
    struct CellDTO: Decodable {
        let code: String
        let score: String?
        let printed: String?
        let differs: Bool
    }
    struct Subject: Decodable {
        let code: String
        let name: String
        let total: String?
        let printedTotal: String?
        let cells: [CellDTO]
    }
    struct Indicator: Decodable {
        let code: String
        let composite: String?
        let printed: String?
        let differs: Bool
        let deduction: String?
        let renormalisedWeights: [String: String]?
    }
    struct Finding: Decodable {
        let code: String
        let points: String
        let text: String
    }
    struct Evaluation: Decodable {
        let id: UUID
        let composite: Composite
        let indicators: [Indicator]
        let subjects: [Subject]
        let findings: [Finding]
        let drafted: [String: String]
    }
    struct Item: Decodable {
        let id: UUID
        let title: String
        let composite: Composite?
    }

    private func demoEvaluation(_ browser: Browser) async throws -> Evaluation {
        let items = try await browser.json("api/evaluations", as: [Item].self)
        XCTAssertEqual(items.count, 1, "the evaluator sees the demo's one evaluation")
        let id = try XCTUnwrap(items.first?.id)
        return try await browser.json("api/evaluations/\(id)", as: Evaluation.self)
    }

    /// The composite the command line computes for the example (the scheme's weights, keyed by the example's names).
    private func cliComposite() throws -> (total: String, grade: String?) {
        let scheme = try SchemeFile.parse(try String(contentsOf: repository.appendingPathComponent("schemes/001-shaanxi-2020.yaml"), encoding: .utf8),
                                          file: "001")
        let data = try DataFile.parse(try String(contentsOf: repository.appendingPathComponent("examples/001-shaanxi-2020.yaml"), encoding: .utf8),
                                      file: "001")
        let report = try Engine(try CompiledScheme(scheme)).score(data)
        let composite = try XCTUnwrap(report.finalStage.composite)
        return (try XCTUnwrap(composite.total.score).formatted(), composite.grade)
    }

    func testTheDemoEvaluation_scoresAsTheCommandLine_besideThePrinted7487() async throws {
        try await withApp { app in
            let browser = Browser(app)
            let awaited1 = try await browser.login("pingjia")
            XCTAssertEqual(awaited1, .seeOther)
            let evaluation = try await demoEvaluation(browser)
            let cli = try cliComposite()
            XCTAssertEqual(evaluation.composite.total, cli.total, "the web composite is the command line's")
            XCTAssertEqual(evaluation.composite.grade, cli.grade)
            XCTAssertEqual(evaluation.composite.grade, "中")
            XCTAssertEqual(evaluation.composite.printedTotal, "74.87")
            XCTAssertEqual(evaluation.composite.printedGrade, "中")
            XCTAssertEqual(evaluation.subjects.map(\.name), ["省本级", "延安市", "宝鸡市"])
            XCTAssertTrue(evaluation.subjects.allSatisfy { $0.total != nil }, "every subject has its total")
            XCTAssertEqual(evaluation.subjects.map(\.printedTotal), ["72.46", "73.28", "77.08"])
            // A cell the rules recompute from the text: 延安市 2.1.1 = 1,207.98 / 1,250.25 × 2 = 1.93, printed 1.83, flagged.
            let yanan = try XCTUnwrap(evaluation.subjects.first { $0.name == "延安市" })
            let cell = try XCTUnwrap(yanan.cells.first { $0.code == "2.1.1" })
            XCTAssertEqual(cell.score, "1.93")
            XCTAssertEqual(cell.printed, "1.83")
            XCTAssertTrue(cell.differs)
            // A judged cell entered as printed agrees.
            let judged = try XCTUnwrap(yanan.cells.first { $0.code == "1.2.1" })
            XCTAssertEqual(judged.score, "2.50")
            XCTAssertFalse(judged.differs)

            let page = try await browser.get("evaluations/\(evaluation.id)")
            XCTAssertEqual(page.status, .ok)
            XCTAssertContains(page.body.string, "文件印 74.87 分 / 中")
            XCTAssertContains(page.body.string, "id=\"composite-total\">\(cli.total)<")
        }
    }

    func testAnIndicatorWithNotApplicableCells_renormalisesTheOthersWeights() async throws {
        try await withApp { app in
            let browser = Browser(app)
            try await browser.login("pingjia")
            let evaluation = try await demoEvaluation(browser)
            // 3.1.5: 省本级 不适用; 延安市 1, 宝鸡市 1.86 weighted 0.0630 : 0.0758 → 0.4539 : 0.5461 → 1.47 (printed 1.47).
            let line = try XCTUnwrap(evaluation.indicators.first { $0.code == "3.1.5" })
            XCTAssertEqual(line.renormalisedWeights, ["6106": "0.4539", "6103": "0.5461"])
            XCTAssertEqual(line.composite, "1.47")
            XCTAssertEqual(line.printed, "1.47")
            XCTAssertFalse(line.differs)
            XCTAssertEqual(line.deduction, "0.53")
            // An indicator every subject has keeps no renormalised weights.
            XCTAssertNil(evaluation.indicators.first { $0.code == "1.2.1" }?.renormalisedWeights)
            let page = try await browser.get("evaluations/\(evaluation.id)")
            XCTAssertContains(page.body.string, "权重重新归一：延安市 0.4539、宝鸡市 0.5461")
        }
    }

    func testAFinding_isRecorded_draftsTheDeductionLine_andIsLogged_badPointsAreRefusedNamingTheField() async throws {
        try await withApp { app in
            let browser = Browser(app)
            try await browser.login("pingjia")
            let before = try await demoEvaluation(browser)
            XCTAssertEqual(before.findings.count, 21, "the demo carries the report's findings")
            XCTAssertEqual(before.drafted["2.1.1"], "扣减0.01分：资金到位率，延安市应到位资金1,250.25万元，实际到位1,207.98万元，未到位42.27万元。")
            _ = try await browser.get("evaluations/\(before.id)")
            let added = try await browser.post("evaluations/\(before.id)/findings",
                                               ["code": "2.2.1", "unit": "6106", "points": "0.2", "text": "延安市未制定专项资金管理办法", "evidence": "延安市残联访谈记录 p.3"])
            XCTAssertEqual(added.status, .seeOther)
            let after = try await browser.json("api/evaluations/\(before.id)", as: Evaluation.self)
            XCTAssertEqual(after.findings.count, 22)
            XCTAssertEqual(after.drafted["2.2.1"],
                           "扣减0.27分：管理制度健全，延安市未制定专项资金管理办法、宝鸡市专职委员工作管理办法更新不及时；延安市：延安市未制定专项资金管理办法。")
            let page = try await browser.get("evaluations/\(before.id)")
            XCTAssertContains(page.body.string, "记录问题：2.2.1 延安市 扣减 0.2 分")
            XCTAssertContains(page.body.string, "延安市残联访谈记录 p.3")

            let refused = try await browser.post("evaluations/\(before.id)/findings", ["code": "2.2.1", "unit": "", "points": "9", "text": "x", "evidence": ""])
            XCTAssertEqual(refused.status, .unprocessableEntity)
            XCTAssertContains(refused.body.string, "扣分“9”应为 0 到该指标分值 2.00 之间的数")
            let unknown = try await browser.post("evaluations/\(before.id)/findings", ["code": "9.9", "unit": "5101", "points": "1", "text": "x", "evidence": ""])
            XCTAssertEqual(unknown.status, .unprocessableEntity)
            XCTAssertContains(unknown.body.string, "指标“9.9”不在本方案中")
            XCTAssertContains(unknown.body.string, "考核对象“5101”不在本评价中")
            let awaited2 = try await browser.json("api/evaluations/\(before.id)", as: Evaluation.self).findings.count
            XCTAssertEqual(awaited2, 22)
        }
    }

    func testChangingACell_movesTheComposite_throughTheAssessmentsWorkflow_andRestoringItRestoresIt() async throws {
        try await withApp { app in try await changeACellAndRestoreIt(app) }
    }

    func testChangingACell_onPostgreSQL() async throws {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], url.hasPrefix("postgres") else {
            throw XCTSkip("DATABASE_URL is not set: the PostgreSQL run of the grid test is skipped")
        }
        try await withApp(databaseURL: url) { app in try await changeACellAndRestoreIt(app) }
    }

    private func changeACellAndRestoreIt(_ app: Application) async throws {
        let browser = Browser(app)
        try await browser.login("pingjia")
        let before = try await demoEvaluation(browser)
        let unit = try await OrgUnit.query(on: app.db).filter(\.$code == "6100").first()
        let assessment = try await Assessment.query(on: app.db).filter(\.$unit.$id == unit!.requireID()).first()!
        _ = try await browser.get("evaluations/\(before.id)")
        let saved = try await browser.post("evaluations/\(before.id)/grid",
                                           ["rev|6100": "\(assessment.revision)", "c|6100|#1.2.1": "3", "r|6100|#1.2.1": "绩效目标与资金支持方向相关，得满分"])
        XCTAssertEqual(saved.status, .seeOther)
        let moved = try await browser.json("api/evaluations/\(before.id)", as: Evaluation.self)
        // 省本级 1.2.1 2.56 → 3 moves the composite by 0.44 × 0.8612 = 0.38.
        let delta = try XCTUnwrap(Fixed(moved.composite.total ?? "")) - XCTUnwrap(Fixed(before.composite.total ?? ""))
        XCTAssertTrue(Fixed(37).divided(by: 100)! <= delta && delta <= Fixed(39).divided(by: 100)!, "moved by \(delta)")
        let log = try await AuditEntry.query(on: app.db).filter(\.$assessment.$id == assessment.requireID()).filter(\.$field == "#1.2.1").all()
        XCTAssertEqual(log.map(\.newValue), ["3"], "the change is in the subject's assessment log")
        XCTAssertEqual(log.first?.reason, "绩效目标与资金支持方向相关，得满分")
        // A stale revision is refused (the assessment's optimistic lock).
        _ = try await browser.get("evaluations/\(before.id)")
        let stale = try await browser.post("evaluations/\(before.id)/grid", ["rev|6100": "\(assessment.revision)", "c|6100|#1.2.1": "2"])
        XCTAssertEqual(stale.status, .conflict)
        let restored = try await browser.post("evaluations/\(before.id)/grid", ["rev|6100": "\(assessment.revision + 1)", "c|6100|#1.2.1": "2.56"])
        XCTAssertEqual(restored.status, .seeOther)
        let back = try await browser.json("api/evaluations/\(before.id)", as: Evaluation.self)
        XCTAssertEqual(back.composite.total, before.composite.total)
        XCTAssertEqual(back.composite.grade, "中")
        // A figure the rules refuse (a judged 9 on a 3-point item) is refused with the field named.
        let refused = try await browser.post("evaluations/\(before.id)/grid", ["rev|6100": "\(assessment.revision + 2)", "c|6100|#1.2.1": "9"])
        XCTAssertEqual(refused.status, .unprocessableEntity)
        XCTAssertContains(refused.body.string, "省本级：")
        XCTAssertContains(refused.body.string, "1.2.1")
        // One grid save across subjects is all or nothing: 延安市's good change is not written beside 省本级's bad one,
        // nor beside a stale revision of 宝鸡市.
        let yanan = try await Assessment.query(on: app.db).join(OrgUnit.self, on: \Assessment.$unit.$id == \OrgUnit.$id)
            .filter(OrgUnit.self, \.$code == "6106").first()!
        let baoji = try await Assessment.query(on: app.db).join(OrgUnit.self, on: \Assessment.$unit.$id == \OrgUnit.$id)
            .filter(OrgUnit.self, \.$code == "6103").first()!
        let mixed = try await browser.post("evaluations/\(before.id)/grid", [
            "rev|6100": "\(assessment.revision + 2)", "c|6100|#1.2.1": "9",
            "rev|6106": "\(yanan.revision)", "c|6106|#1.2.1": "3"])
        XCTAssertEqual(mixed.status, .unprocessableEntity)
        XCTAssertContains(mixed.body.string, "所有地区的修改均未保存")
        let staleToo = try await browser.post("evaluations/\(before.id)/grid", [
            "rev|6106": "\(yanan.revision)", "c|6106|#1.2.1": "3",
            "rev|6103": "\(baoji.revision - 1)", "c|6103|#1.2.1": "3"])
        XCTAssertEqual(staleToo.status, .conflict)
        for id in [try yanan.requireID(), try baoji.requireID()] {
            let written = try await AuditEntry.query(on: app.db).filter(\.$assessment.$id == id).filter(\.$field == "#1.2.1").count()
            XCTAssertEqual(written, 0, "nothing of a refused grid save is written")
        }
        let after = try await browser.json("api/evaluations/\(before.id)", as: Evaluation.self)
        XCTAssertEqual(after.composite.total, before.composite.total)
    }

    func testWeightsDerivedFromAFigurePerSubject() async throws {
        try await withApp { app in
            let browser = Browser(app)
            try await browser.login("pingjia")
            let before = try await demoEvaluation(browser)
            _ = try await browser.get("evaluations/\(before.id)")
            let revision = try await JixiaoServer.Evaluation.find(before.id, on: app.db)!.revision
            let saved = try await browser.post("evaluations/\(before.id)/weights",
                                               ["revision": "\(revision)", "basis": "figure", "label": "抽查资金（万元）",
                                                "f|6100": "6787", "f|6106": "500", "f|6103": "594.06"])
            XCTAssertEqual(saved.status, .seeOther)
            let page = try await browser.get("evaluations/\(before.id)")
            // 6,787 of 7,881.06 万元 = 0.8612.
            XCTAssertContains(page.body.string, "权重 0.8612")
            let bad = try await browser.post("evaluations/\(before.id)/weights", ["revision": "\(revision + 1)", "basis": "figure", "f|6106": "很多"])
            XCTAssertEqual(bad.status, .unprocessableEntity)
            XCTAssertContains(bad.body.string, "延安市的抽查资金（万元）“很多”应为不小于 0 的数")
            let stale = try await browser.post("evaluations/\(before.id)/weights", ["revision": "\(revision)", "basis": "entered"])
            XCTAssertEqual(stale.status, .conflict)
        }
    }

    func testAUserOutsideShaanxi_cannotSeeTheEvaluation() async throws {
        try await withApp { app in
            let evaluator = Browser(app)
            try await evaluator.login("pingjia")
            let id = try await demoEvaluation(evaluator).id
            let outsider = Browser(app)
            let awaited3 = try await outsider.login("shengshending")
            XCTAssertEqual(awaited3, .seeOther)
            let awaited4 = try await outsider.json("api/evaluations", as: [Item].self).count
            XCTAssertEqual(awaited4, 0)
            for path in ["evaluations/\(id)", "api/evaluations/\(id)", "evaluations/\(id)/report", "evaluations/\(id)/report.pdf", "evaluations/\(id)/scores.xlsx"] {
                let awaited5 = try await outsider.get(path).status
                XCTAssertEqual(awaited5, .notFound, path)
            }
            _ = try await outsider.get("evaluations")
            let post = try await outsider.post("evaluations/\(id)/findings", ["code": "1.1.1", "points": "1", "text": "x"])
            XCTAssertEqual(post.status, .notFound)
            // The 四川 units cannot be put into a 陕西 evaluation either, nor a 四川 account open one over 陕西 units.
            let version = try await SchemeVersion.query(on: app.db).filter(\.$code == "001").first()!
            let open = try await outsider.post("evaluations/new",
                                               pairs: [("version", try version.requireID().uuidString), ("period", "2021"), ("title", "越权"), ("units[]", "6106")])
            XCTAssertEqual(open.status, .unprocessableEntity)
            XCTAssertContains(open.body.string, "“延安市”（6106）不在您的管辖范围内")
        }
    }

    func testTheScoreTableXLSX_storesNumbersAsNumbers() async throws {
        try await withApp { app in
            let browser = Browser(app)
            try await browser.login("pingjia")
            let evaluation = try await demoEvaluation(browser)
            let response = try await browser.get("evaluations/\(evaluation.id)/scores.xlsx")
            XCTAssertEqual(response.status, .ok)
            let rows = try Workbook(xlsxData: Data(buffer: response.body)).sheets[0].rows
            let header = rows[1].map(\.text)
            XCTAssertEqual(header, ["代码", "指标", "分值", "省本级", "延安市", "宝鸡市", "综合得分", "扣分", "得分率"])
            let yanan = try XCTUnwrap(rows.first { $0.first?.text == "2.1.1" })
            XCTAssertEqual(yanan[4], .number("1.93"))
            XCTAssertEqual(yanan[2], .number("2.00"))
            let notApplicable = try XCTUnwrap(rows.first { $0.first?.text == "3.1.4" })
            XCTAssertEqual(notApplicable[3], .empty, "省本级 does not apply: an empty cell, not 0")
            let total = try XCTUnwrap(rows.first { $0.count > 1 && $0[1].text == "合计" })
            XCTAssertEqual(total[6], .number(evaluation.composite.total ?? ""))
            XCTAssertTrue(rows.dropFirst(2).filter { $0.count > 1 && $0[1].text != "等级" }.allSatisfy { row in row.count < 7 || { if case .text = row[6] { return false } else { return true } }() },
                          "no composite score is stored as text")
        }
    }

    func testTheReportPage_printsTable21_theAnalysis_andTheStoredText_whichTheEvaluatorEdits() async throws {
        try await withApp { app in
            let browser = Browser(app)
            try await browser.login("pingjia")
            let evaluation = try await demoEvaluation(browser)
            let page = try await browser.get("evaluations/\(evaluation.id)/report")
            XCTAssertEqual(page.status, .ok)
            let body = page.body.string
            XCTAssertContains(body, "表 2-1 指标评分表")
            XCTAssertContains(body, "综合评价得分为\(evaluation.composite.total ?? "")分，评价等级为“中”")
            XCTAssertContains(body, "（报告印 74.87 分、“中”）")
            XCTAssertContains(body, "扣减1.30分：绩效目标，部分项目指标缺失")
            XCTAssertContains(body, "附件：绩效评价指标体系打分表")
            XCTAssertContains(body, "以收定支、分期分批共下达资金21,787万元")
            let revision = try await JixiaoServer.Evaluation.find(evaluation.id, on: app.db)!.revision
            let saved = try await browser.post("evaluations/\(evaluation.id)/sections", ["revision": "\(revision)", "suggestions": "加强<b>专项</b>资金整合。"])
            XCTAssertEqual(saved.status, .seeOther)
            let edited = try await browser.get("evaluations/\(evaluation.id)/report")
            XCTAssertContains(edited.body.string, "加强&lt;b&gt;专项&lt;/b&gt;资金整合。")
            XCTAssertFalse(edited.body.string.contains("<b>专项"))
            let log = try await EvaluationAuditEntry.query(on: app.db).filter(\.$action == "修改报告").all()
            XCTAssertEqual(log.map(\.detail), ["有关建议"])
        }
    }
}
