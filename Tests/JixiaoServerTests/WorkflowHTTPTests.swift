import Foundation
import Fluent
import XCTVapor
@testable import JixiaoServer
import JixiaoXLSX

/// Self-assessment → review → approval over HTTP, with the audit log and the optimistic lock,
/// on SQLite always and on PostgreSQL when DATABASE_URL is set.
final class WorkflowHTTPTests: XCTestCase {
    func testTheWholeWorkflow_onSQLite() async throws {
        try await withApp { app in try await wholeWorkflow(app) }
    }

    func testTheWholeWorkflow_onPostgreSQL() async throws {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], url.hasPrefix("postgres") else {
            throw XCTSkip("DATABASE_URL is not set: the PostgreSQL workflow test is skipped")
        }
        try await withApp(databaseURL: url) { app in
            try await wholeWorkflow(app)
            try await optimisticLock(app)
        }
    }

    func testTwoEditorsNeverSilentlyOverwrite_onSQLite() async throws {
        try await withApp { app in try await optimisticLock(app) }
    }

    /// Twelve saves of one revision at once (queued and committed together on SQLite): one wins, the rest get 409.
    func testConcurrentSavesOfOneRevision_exactlyOneWins() async throws {
        try await withApp { app in
            let id = try await assessmentID(app, unit: "510102")
            let city = Browser(app)
            try await city.login("chengdu")
            let sheet = try await city.json("api/assessments/\(id)", as: SheetDTO.self)
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for attempt in 0..<12 {
                    group.addTask {
                        try await city.putFigures(id, revision: sheet.revision, ["落实精准度": "\(80 + attempt)%"], reasons: ["落实精准度": "并发 \(attempt)"]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(statuses.filter { $0 == .ok }.count, 1, "\(statuses)")
            XCTAssertEqual(statuses.filter { $0 == .conflict }.count, 11)
            let after = try await city.json("api/assessments/\(id)", as: SheetDTO.self)
            XCTAssertEqual(after.revision, sheet.revision + 1)
            XCTAssertEqual(after.audit.filter { $0.action == "调整" }.count, 1)
        }
    }

    /// A return names the indicators to correct: the county sees them marked until it submits again.
    func testReturnOfIndicators_marksThemUntilSubmittedAgain() async throws {
        try await withApp { app in
            let id = try await assessmentID(app, unit: "510102")  // 青羊区, at 初评 for 成都市
            let city = Browser(app)
            try await city.login("chengdu")
            var sheet = try await city.json("api/assessments/\(id)", as: SheetDTO.self)
            XCTAssertEqual(sheet.stage, "初评")
            let page = try await city.get("assessments/\(id)").body.string
            XCTAssertTrue(page.contains("id=\"return-indicators\""), "the return form lists the indicators")
            let unknown = try await city.post("assessments/\(id)/return", pairs: [
                ("revision", String(sheet.revision)), ("comment", "x"), ("indicators[]", "9.9.9")])
            XCTAssertEqual(unknown.status, .unprocessableEntity)
            let returned = try await city.post("assessments/\(id)/return", pairs: [
                ("revision", String(sheet.revision)), ("comment", "落实记录与台账不符，请核对"), ("indicators[]", "2.1"), ("indicators[]", "2.4")])
            XCTAssertEqual(returned.status, .seeOther, returned.body.string)

            let county = Browser(app)
            try await county.login("qingyang")
            let marked = try await county.get("assessments/\(id)").body.string
            XCTAssertTrue(marked.contains("id=\"returned-items\""))
            XCTAssertTrue(marked.contains("2.1 ") && marked.contains("落实记录与台账不符，请核对"), "each returned indicator with the message")
            XCTAssertEqual(marked.components(separatedBy: "<tr class=\"returned\">").count - 1, 2, "both rows marked")
            sheet = try await county.json("api/assessments/\(id)", as: SheetDTO.self)
            XCTAssertEqual(sheet.audit.last?.reason, "退回指标 2.1、2.4：落实记录与台账不符，请核对")
            let submitted = try await county.post("assessments/\(id)/submit", ["revision": String(sheet.revision)]).status
            XCTAssertEqual(submitted, .seeOther)
            let after = try await city.get("assessments/\(id)").body.string
            XCTAssertFalse(after.contains("id=\"returned-items\""), "answered by submitting again")
        }
    }

    func testBadFiguresAreExplainedAndNothingIsSaved() async throws {
        try await withApp { app in
            let county = Browser(app)
            try await county.login("jinjiang")
            let id = try await assessmentID(app, unit: "510101")
            let before = try await county.json("api/assessments/\(id)", as: SheetDTO.self)
            let bad = try await county.putFigures(id, revision: before.revision, ["需求精准度": "很高", "落实精准度": "95%", "不存在的项": "1"])
            XCTAssertEqual(bad.status, .unprocessableEntity)
            XCTAssertTrue(bad.body.string.contains("需求精准度"), bad.body.string)
            XCTAssertTrue(bad.body.string.contains("不存在的项"))
            let after = try await county.json("api/assessments/\(id)", as: SheetDTO.self)
            XCTAssertEqual(after.revision, before.revision)
            XCTAssertEqual(after.figures["落实精准度"], before.figures["落实精准度"], "nothing half-saved")
            // The form shows the problems beside what was typed.
            let page = try await county.get("assessments/\(id)")
            let form = try await county.post("assessments/\(id)/save", ["revision": String(after.revision), "v0": "abc"])
            XCTAssertEqual(page.status, .ok)
            XCTAssertEqual(form.status, .unprocessableEntity)
            XCTAssertTrue(form.body.string.contains("按评分规则无法计分") && form.body.string.contains("abc"), "the rule's refusal, with what was typed")
        }
    }

    func testXlsxTemplate_roundTripsAndBadCellsNameRowAndColumn() async throws {
        try await withApp { app in
            let county = Browser(app)
            try await county.login("jinjiang")
            let id = try await assessmentID(app, unit: "510101")
            let template = try await county.get("assessments/\(id)/template.xlsx")
            XCTAssertEqual(template.status, .ok)
            let workbook = try Workbook(xlsxData: Data(buffer: template.body))
            var rows = workbook.sheets[0].rows
            let line = try XCTUnwrap(rows.firstIndex { $0.first?.text == "落实精准度" })
            rows[line][4] = .text("99.5%")
            let good = try Workbook(sheets: [Sheet(name: "填报", rows: rows)]).xlsxData()
            let sheet = try await county.json("api/assessments/\(id)", as: SheetDTO.self)
            let awaited1 = try await county.upload("assessments/\(id)/upload", fields: ["revision": String(sheet.revision)], file: "填报.xlsx", good).status
            XCTAssertEqual(awaited1, .seeOther)
            let awaited2 = try await county.json("api/assessments/\(id)", as: SheetDTO.self).figures["落实精准度"]
            XCTAssertEqual(awaited2, "99.5%")

            rows[line][4] = .text("九十")
            let bad = try Workbook(sheets: [Sheet(name: "填报", rows: rows)]).xlsxData()
            let refused = try await county.upload("assessments/\(id)/upload", fields: ["revision": String(sheet.revision + 1)], file: "填报.xlsx", bad)
            XCTAssertEqual(refused.status, .unprocessableEntity)
            XCTAssertTrue(refused.body.string.contains("第 \(line + 1) 行 E 列"), refused.body.string)
        }
    }

    func testEvidenceFiles_areAttachedLoggedAndScoped() async throws {
        try await withApp { app in
            let county = Browser(app)
            try await county.login("jinjiang")
            let id = try await assessmentID(app, unit: "510101")
            _ = try await county.get("assessments/\(id)")
            let posted = try await county.upload("assessments/\(id)/evidence", fields: ["note": "对应 2.7"], file: "通知.pdf", Data("活动通知".utf8))
            XCTAssertEqual(posted.status, .seeOther)
            let page = try await county.get("assessments/\(id)").body.string
            XCTAssertTrue(page.contains("通知.pdf") && page.contains("对应 2.7"))
            let stored = try await Evidence.query(on: app.db).first()
            let file = try XCTUnwrap(stored)
            let download = try await county.get("assessments/\(id)/evidence/\(try file.requireID())")
            XCTAssertEqual(download.body.string, "活动通知")
            let sheet = try await county.json("api/assessments/\(id)", as: SheetDTO.self)
            XCTAssertEqual(sheet.audit.last?.action, "上传佐证")
            // Another county cannot fetch it, even with both ids.
            let stranger = Browser(app)
            try await stranger.login("qingyang")
            let refused = try await stranger.get("assessments/\(id)/evidence/\(try file.requireID())")
            XCTAssertEqual(refused.status, .notFound)
        }
    }

    /// 锦江区 fills in and submits; 成都市 adjusts with a reason, returns, and forwards; the province approves.
    private func wholeWorkflow(_ app: Application) async throws {
        let id = try await assessmentID(app, unit: "510101")
        let county = Browser(app), city = Browser(app), province = Browser(app)
        try await county.login("jinjiang")
        try await city.login("chengdu")
        try await province.login("shengshending")

        var sheet = try await county.json("api/assessments/\(id)", as: SheetDTO.self)
        XCTAssertEqual(sheet.stage, "自评")
        let saved = try await county.putFigures(id, revision: sheet.revision, ["需求精准度": "100%"])
        XCTAssertEqual(saved.status, .ok, saved.body.string)
        sheet = try await county.json("api/assessments/\(id)", as: SheetDTO.self)
        XCTAssertEqual(sheet.figures["需求精准度"], "100%")
        XCTAssertEqual(sheet.indicators.first { $0.code == "1" }?.scores.first, "4.00", "100% ranks first among the counties (ties share it): 4 × 1.0")

        // Not the city's turn yet.
        let awaited3 = try await city.putFigures(id, revision: sheet.revision, ["需求精准度": "90%"], reasons: ["需求精准度": "x"]).status
        XCTAssertEqual(awaited3, .forbidden)
        _ = try await county.get("assessments/\(id)")
        let awaited4 = try await county.post("assessments/\(id)/submit", ["revision": String(sheet.revision)]).status
        XCTAssertEqual(awaited4, .seeOther)
        sheet = try await city.json("api/assessments/\(id)", as: SheetDTO.self)
        XCTAssertEqual(sheet.stage, "初评")
        let awaited5 = try await county.putFigures(id, revision: sheet.revision, ["需求精准度": "98%"]).status
        XCTAssertEqual(awaited5, .forbidden, "submitted: the county's part is done")

        // An adjustment needs a reason; with one it lands in the 初评 column only.
        let unexplained = try await city.putFigures(id, revision: sheet.revision, ["需求精准度": "80%"])
        XCTAssertEqual(unexplained.status, .unprocessableEntity)
        XCTAssertTrue(unexplained.body.string.contains("须填写理由"))
        let awaited6 = try await city.putFigures(id, revision: sheet.revision, ["需求精准度": "80%"], reasons: ["需求精准度": "平台抽查：需求记录有误"]).status
        XCTAssertEqual(awaited6, .ok)
        sheet = try await city.json("api/assessments/\(id)", as: SheetDTO.self)
        let demand = try XCTUnwrap(sheet.indicators.first { $0.code == "1" })
        XCTAssertEqual(demand.scores[0], "4.00", "自评 keeps the county's figure")
        XCTAssertNotEqual(demand.scores[1], "4.00", "初评 scores the adjusted figure")

        // Return without a comment is refused; with one, the county sees it.
        _ = try await city.get("assessments/\(id)")
        let awaited7 = try await city.post("assessments/\(id)/return", ["revision": String(sheet.revision)]).status
        XCTAssertEqual(awaited7, .unprocessableEntity)
        let awaited8 = try await city.post("assessments/\(id)/return", ["revision": String(sheet.revision), "comment": "请补充证明材料"]).status
        XCTAssertEqual(awaited8, .seeOther)
        let awaited9 = try await county.get("assessments/\(id)").body.string.contains("请补充证明材料")
        XCTAssertTrue(awaited9)
        sheet = try await county.json("api/assessments/\(id)", as: SheetDTO.self)
        let awaited10 = try await county.post("assessments/\(id)/submit", ["revision": String(sheet.revision)]).status
        XCTAssertEqual(awaited10, .seeOther)
        sheet = try await city.json("api/assessments/\(id)", as: SheetDTO.self)
        _ = try await city.get("assessments/\(id)")
        let awaited11 = try await city.post("assessments/\(id)/submit", ["revision": String(sheet.revision)]).status
        XCTAssertEqual(awaited11, .seeOther)

        // The province approves: locked for everyone.
        sheet = try await province.json("api/assessments/\(id)", as: SheetDTO.self)
        XCTAssertEqual(sheet.stage, "审定")
        _ = try await province.get("assessments/\(id)")
        let awaited12 = try await province.post("assessments/\(id)/approve", ["revision": String(sheet.revision)]).status
        XCTAssertEqual(awaited12, .seeOther)
        sheet = try await province.json("api/assessments/\(id)", as: SheetDTO.self)
        XCTAssertEqual(sheet.stage, "已审定")
        let awaited13 = try await province.putFigures(id, revision: sheet.revision, ["需求精准度": "1%"], reasons: ["需求精准度": "x"]).status
        XCTAssertEqual(awaited13, .forbidden)

        // Every step is in the log: who, what, old → new, why.
        let audit = sheet.audit
        XCTAssertEqual(audit.map(\.action), ["填报", "提交", "调整", "退回", "提交", "提交", "审定通过"])
        XCTAssertEqual(audit[0].user, "jinjiang")
        XCTAssertEqual(audit[2].old, "100%")
        XCTAssertEqual(audit[2].new, "80%")
        XCTAssertEqual(audit[2].reason, "平台抽查：需求记录有误")
        XCTAssertEqual(audit[3].reason, "请补充证明材料")

        // The ranking follows the adjusted figures.
        let overview = try await province.json("api/assessments", as: OverviewDTO.self)
        XCTAssertEqual(overview.assessments.first { $0.code == "510101" }?.stage, "已审定")

        // Reopened by the approving level with a reason: editable at 审定 again, the approval's snapshot kept.
        let approvedTotal = sheet.totals[2]
        let noReason = try await province.post("assessments/\(id)/reopen", ["revision": String(sheet.revision)]).status
        XCTAssertEqual(noReason, .unprocessableEntity)
        let byCity = try await city.post("assessments/\(id)/reopen", ["revision": String(sheet.revision), "comment": "x"]).status
        XCTAssertEqual(byCity, .forbidden, "the city did not approve: it cannot reopen")
        let reopened = try await province.post("assessments/\(id)/reopen", ["revision": String(sheet.revision), "comment": "复核发现需求数据有误"]).status
        XCTAssertEqual(reopened, .seeOther)
        sheet = try await province.json("api/assessments/\(id)", as: SheetDTO.self)
        XCTAssertEqual(sheet.stage, "审定")
        XCTAssertEqual(sheet.audit.last?.action, "重新打开")
        XCTAssertEqual(sheet.audit.last?.reason, "复核发现需求数据有误")
        let changed = try await province.putFigures(id, revision: sheet.revision, ["需求精准度": "60%"], reasons: ["需求精准度": "复核"]).status
        XCTAssertEqual(changed, .ok)
        let sheetPage = try await province.get("assessments/\(id)").body.string
        XCTAssertTrue(sheetPage.contains("id=\"snapshot\"") && sheetPage.contains("当时总分 \(approvedTotal)"), "the approval is remembered")
        XCTAssertTrue(sheetPage.contains("<th>审定时</th>"))
        XCTAssertTrue(sheetPage.contains("class=\"num moved\" id=\"snapshot-total\""), "the total moved since the approval, and says so")
    }

    /// Two editors read revision N; the first save wins, the second is refused with 409 and writes nothing.
    private func optimisticLock(_ app: Application) async throws {
        let id = try await assessmentID(app, unit: "510102")  // 青羊区, waiting for 成都's 初评
        let first = Browser(app), second = Browser(app)
        try await first.login("chengdu")
        try await second.login("chengdu")
        let sheet = try await first.json("api/assessments/\(id)", as: SheetDTO.self)
        let won = try await first.putFigures(id, revision: sheet.revision, ["落实精准度": "70%"], reasons: ["落实精准度": "核查"])
        XCTAssertEqual(won.status, .ok)
        let lost = try await second.putFigures(id, revision: sheet.revision, ["落实精准度": "60%"], reasons: ["落实精准度": "核查"])
        XCTAssertEqual(lost.status, .conflict)
        XCTAssertTrue(lost.body.string.contains("已被他人修改"))
        let after = try await first.json("api/assessments/\(id)", as: SheetDTO.self)
        XCTAssertEqual(after.figures["落实精准度"], "70%")
        XCTAssertEqual(after.revision, sheet.revision + 1)
    }
}
