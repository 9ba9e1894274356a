import Foundation
import Fluent
import XCTVapor
@testable import JixiaoServer
import JixiaoCore
import JixiaoXLSX

/// Seed 002's project self-evaluations over HTTP: the demo's eleven forms, the JSON's fund table and rates,
/// the xlsx round trip of the whole form, and the widgets' values (choice, checklist, 不适用) round-tripping.
final class SelfEvaluationTests: XCTestCase {
    /// The form's field name (`v<i>`) of a key, read from the page as a browser would.
    private func fieldIndex(_ page: String, _ key: String) throws -> Int {
        let pattern = try NSRegularExpression(pattern: #"id="field-(\d+)" data-key=""# + NSRegularExpression.escapedPattern(for: key) + "\"")
        let range = NSRange(page.startIndex..., in: page)
        let match = try XCTUnwrap(pattern.firstMatch(in: page, range: range), "no field for \(key)")
        return try XCTUnwrap(Int(page[try XCTUnwrap(Range(match.range(at: 1), in: page))]))
    }

    func testDemoProjects_showPrintedBesideTheRules_andTheJSONHasTheFundTable() async throws {
        try await withApp { app in try await demoProjects(app) }
    }

    func testDemoProjects_onPostgreSQL() async throws {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], url.hasPrefix("postgres") else {
            throw XCTSkip("DATABASE_URL is not set: the PostgreSQL run of the demo projects test is skipped")
        }
        try await withApp(databaseURL: url) { app in try await demoProjects(app) }
    }

    private func demoProjects(_ app: Application) async throws {
        let reviewer = Browser(app)
        try await reviewer.login("szpingjia")
        let id = try await assessmentID(app, unit: "SZCL-01", period: "2019")
        let sheet = try await reviewer.json("api/assessments/\(id)", as: SheetDTO.self)
        XCTAssertEqual(sheet.totals.first, "99.82")
        XCTAssertEqual(sheet.grade, "优秀")
        let form = try XCTUnwrap(sheet.selfEvaluation)
        XCTAssertEqual(form.fund["预算安排"]?["市级"], "12686743.25")
        XCTAssertEqual(form.rates["预算执行率"], "91.90%")
        XCTAssertEqual(form.rates["资金到位率"], "100.00%")
        XCTAssertEqual(form.rates["结余"], "1027850.54")
        XCTAssertEqual(form.derived.first { $0.column == "财政资金小计" }?.figures.spent, "11658892.71")
        XCTAssertEqual(form.items.count, 9)
        XCTAssertEqual(form.itemsTotal, "11658892.71")
        let execution = try XCTUnwrap(form.claims.first { $0.code == "1.2.3" })
        XCTAssertEqual([execution.claimed, execution.computed], ["1.99", "2.09"])
        XCTAssertFalse(execution.agrees)
        let total = try XCTUnwrap(form.claims.first { $0.code == nil && $0.name.contains("总") })
        XCTAssertEqual([total.claimed, total.computed], ["99.72", "99.82"])
        XCTAssertEqual(form.claims.filter { !$0.agrees }.count, 2, "\(form.claims.filter { !$0.agrees })")

        let page = try await reviewer.get("assessments/\(id)").body.string
        XCTAssertTrue(page.contains("不一致：自评 1.99，按规则 2.09"), "the reviewer's view flags 预算执行率")
        XCTAssertTrue(page.contains("不一致：自评 99.72，按规则 99.82"))
        XCTAssertTrue(page.contains("id=\"fund-table\"") && page.contains("91.90%"))

        // Every one of the eleven is filled and scored, its printed total checked.
        for number in 1...11 {
            let other = try await assessmentID(app, unit: String(format: "SZCL-%02d", number), period: "2019")
            let dto = try await reviewer.json("api/assessments/\(other)", as: SheetDTO.self)
            XCTAssertNotEqual(dto.totals.first, "未评分", "002-\(number): \(dto.indicators.filter { $0.scores.first == "未评分" }.map(\.code))")
            XCTAssertNotNil(dto.selfEvaluation?.claims.first { $0.code == nil && $0.name.contains("总") }, "002-\(number)")
        }
        // Outside 深圳市残联 nothing of it is visible.
        let county = Browser(app)
        try await county.login("jinjiang")
        let hidden = try await county.get("api/assessments/\(id)").status
        XCTAssertEqual(hidden, .notFound)
    }

    func testWholeFormXlsx_roundTrips_andABadCellNamesSheetRowAndColumn() async throws {
        try await withApp { app in
            let owner = Browser(app)
            try await owner.login("szxiangmu")
            let id = try await assessmentID(app, unit: "SZCL-01", period: "2019")
            let template = try await owner.get("assessments/\(id)/template.xlsx")
            XCTAssertEqual(template.status, .ok)
            var rows = try Workbook(xlsxData: Data(buffer: template.body)).sheets[0].rows
            let spent = try XCTUnwrap(rows.firstIndex { $0.first?.text == "fund.实际支出.市级" })
            XCTAssertEqual(rows[spent][4], .number("11658892.71"), "amounts are numbers in the export")
            XCTAssertNotNil(rows.firstIndex { $0.first?.text == "claim.1.2.3" })
            XCTAssertNotNil(rows.firstIndex { $0.first?.text == "item.9.名称" })

            let revision = try await owner.json("api/assessments/\(id)", as: SheetDTO.self).revision
            rows[spent][4] = .text("一千万")
            let bad = try Workbook(sheets: [Sheet(name: "填报", rows: rows)]).xlsxData()
            let refused = try await owner.upload("assessments/\(id)/upload", fields: ["revision": String(revision)], file: "自评表.xlsx", bad)
            XCTAssertEqual(refused.status, .unprocessableEntity)
            XCTAssertTrue(refused.body.string.contains("自评表.xlsx 工作表“填报” 第 \(spent + 1) 行 E 列"), refused.body.string)
            let unchanged = try await owner.json("api/assessments/\(id)", as: SheetDTO.self)
            XCTAssertEqual(unchanged.revision, revision, "all or nothing")

            rows[spent][4] = .number("12686743.25")
            let good = try Workbook(sheets: [Sheet(name: "填报", rows: rows)]).xlsxData()
            let imported = try await owner.upload("assessments/\(id)/upload", fields: ["revision": String(revision)], file: "自评表.xlsx", good)
            XCTAssertEqual(imported.status, .seeOther, imported.body.string)
            let after = try await owner.json("api/assessments/\(id)", as: SheetDTO.self)
            XCTAssertEqual(after.selfEvaluation?.rates["预算执行率"], "100.00%")
            XCTAssertEqual(after.indicators.first { $0.code == "1.2.3" }?.scores.first, "2.27")
            XCTAssertEqual(after.figures["fund.实际支出.市级"], "12686743.25")
        }
    }

    func testWidgets_choiceChecklistAndNotApplicable_roundTrip() async throws {
        try await withApp { app in
            let owner = Browser(app)
            try await owner.login("szxiangmu")
            let id = try await assessmentID(app, unit: "SZCL-01", period: "2019")
            let page = try await owner.get("assessments/\(id)").body.string
            XCTAssertTrue(page.contains("<option value=\"有效\" label=\"有效\" selected"), "the rule's word, chosen")
            let choice = try fieldIndex(page, "#1.3.2"), checklist = try fieldIndex(page, "#1.2.1"), notApplicable = try fieldIndex(page, "#1.4.1")
            let revision = try await owner.json("api/assessments/\(id)", as: SheetDTO.self).revision
            let saved = try await owner.post("assessments/\(id)/save", [
                "revision": String(revision),
                "v\(choice)": "否",
                "v\(checklist)": "all", "v\(checklist)c0": "1", "v\(checklist)c2": "3",
                "v\(notApplicable)": "all", "v\(notApplicable)na": "1",
            ])
            XCTAssertEqual(saved.status, .seeOther, saved.body.string)
            let after = try await owner.json("api/assessments/\(id)", as: SheetDTO.self)
            XCTAssertEqual(after.figures["#1.3.2"], "否")
            XCTAssertEqual(after.figures["#1.2.1"], "[1, 3]")
            XCTAssertEqual(after.figures["#1.4.1"], "不适用")
            XCTAssertEqual(after.indicators.first { $0.code == "1.2.1" }?.scores.first, "1.27", "items 1 and 3: 1 + 0.27")
            XCTAssertEqual(after.indicators.first { $0.code == "1.3.2" }?.scores.first, "0.00")
            let again = try await owner.get("assessments/\(id)").body.string
            XCTAssertTrue(again.contains("name=\"v\(checklist)c0\" value=\"1\" checked"))
            XCTAssertFalse(again.contains("name=\"v\(checklist)c1\" value=\"2\" checked"))
            XCTAssertTrue(again.contains("name=\"v\(notApplicable)na\" value=\"1\" checked"))
            XCTAssertTrue(again.contains("<option value=\"否\" label=\"否（不符合）\" selected"))
        }
    }

    /// What each widget sends becomes the text a data file would hold.
    func testWidgetValues_areTheDataFilesWords() {
        let checklist = EntryWidget.checklist([("1", "a"), ("2", "b"), ("3", "c")])
        XCTAssertEqual(checklist.value(["v0": "", "v0c0": "1", "v0c1": "2", "v0c2": "3"], name: "v0"), "all")
        XCTAssertEqual(checklist.value(["v0": "all", "v0c1": "2"], name: "v0"), "[2]")
        XCTAssertEqual(checklist.value(["v0": "all"], name: "v0"), "none", "a filled checklist cleared: none met")
        XCTAssertEqual(checklist.value(["v0": ""], name: "v0"), "", "never filled, left unticked: still empty")
        XCTAssertEqual(checklist.value(["v0": "", "v0na": "1", "v0c0": "1"], name: "v0"), "不适用")
        XCTAssertNil(checklist.value([:], name: "v0"), "not on the form: not changed")
        XCTAssertEqual(checklist.ticked("[1, 3]"), ["1", "3"])
        XCTAssertNil(checklist.ticked("不适用"))
        XCTAssertEqual(EntryWidget.month.value(["v1": "month", "v1m": "2020-02"], name: "v1"), "2020-02")
        XCTAssertEqual(EntryWidget.month.value(["v1": "及时", "v1m": "2020-02"], name: "v1"), "及时")
        XCTAssertEqual(EntryWidget.list.value(["v2": "0.5, 1"], name: "v2"), "[0.5, 1]")
        XCTAssertEqual(EntryWidget.list.value(["v2": "不适用"], name: "v2"), "不适用")
        XCTAssertEqual(EntryWidget.listText("[0.5, 1]"), "0.5, 1")
        XCTAssertEqual(EntryWidget.choice(["有效"]).value(["v3": "有效"], name: "v3"), "有效")
        if case .failure = SelfEvaluation.normalize("fund.预算安排.市级", "12,686,743.25") { XCTFail("thousands separators are amounts") }
        XCTAssertEqual(try? SelfEvaluation.normalize("fund.预算安排.市级", "12,686,743.25").get(), "12686743.25")
        if case .success = SelfEvaluation.normalize("fund.预算安排.市级", "91%") { XCTFail("a rate is not an amount") }
        if case .success = SelfEvaluation.normalize("fund.预算安排.市级", "-5") { XCTFail("no negative amounts") }
    }
}
