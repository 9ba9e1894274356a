import Foundation
import Fluent
import XCTVapor
@testable import JixiaoServer

/// Seed 002 in headless Chromium: the owner of 残联综合管理项目 fills its self-evaluation from scratch (fund table,
/// 项目支出内容, every 业绩值 through its widget, every claimed 评分结果) and sees the rules' 99.82 / 优秀 beside the
/// document's printed 99.72; the reviewer sees 预算执行率 flagged (claimed 1.99, rule 2.09).
final class SelfEvaluationBrowserTests: XCTestCase {
    func testOwnerFills002_01FromScratch_andTheReviewerSeesTheFlag() async throws {
        try await BrowserHarness.run("selfeval") { h in
            let id = try await assessmentID(h.app, unit: "SZCL-01", period: "2019")
            // From scratch: the demo's figures of this form are removed (and the revision moved, as any write does).
            try await EntryValue.query(on: h.app.db).filter(\.$assessment.$id == id).delete()
            let found = try await Assessment.find(id, on: h.app.db)
            let assessment = try XCTUnwrap(found)
            assessment.revision += 1
            try await assessment.save(on: h.app.db)
            let figures = try DemoSelfEvaluations.exampleFigures("01", content: .directory(repository.path))

            try await h.signIn("szxiangmu")
            try await h.browser.open(h.site + SiteURL.assessment(id).path)
            _ = try await h.browser.find("#fund-table")
            let empty = try await h.browser.text("#rule-total")
            XCTAssertEqual(empty, "未评分")

            // 二、资金安排和使用情况: the four amounts of 市级, the rates derived as they are typed.
            for row in SelfEvaluation.fundRows {
                let key = SelfEvaluation.fundKey(row.label, "市级")
                try await h.browser.type("[id=\"fund-\(row.label)-市级\"]", try XCTUnwrap(figures[key], key))
            }
            let rate = try await h.browser.wait("[data-fund-out=\"预算执行率|合计\"]") { $0 == "91.90%" }
            XCTAssertEqual(rate, "91.90%")
            let balance = try await h.browser.text("[data-fund-out=\"结余|财政资金小计\"]")
            XCTAssertEqual(balance, "1027850.54")
            for row in 0..<9 {
                try await h.browser.type("#item-name-\(row + 1)", try XCTUnwrap(figures[SelfEvaluation.itemNameKey(row)]))
                try await h.browser.type("#item-spent-\(row + 1)", try XCTUnwrap(figures[SelfEvaluation.itemSpentKey(row)]))
            }
            let itemsTotal = try await h.browser.text("#items-total")
            XCTAssertEqual(itemsTotal, "11658892.71")

            // 三、项目自评价评分表: each 业绩值 through the control the rule asks for, then the claimed 评分结果.
            let controls = try await h.browser.evaluate("""
                return Array.from(document.querySelectorAll('#self-sheet [data-key]')).map((e) => e.dataset.key + '|' + e.id + '|' + e.tagName);
                """) as? [String] ?? []
            XCTAssertGreaterThan(controls.count, 30, "\(controls)")
            for control in controls {
                let parts = control.split(separator: "|").map(String.init)
                guard parts.count == 3, let value = figures[parts[0]] else { continue }
                let selector = "[id=\"\(parts[1])\"]"
                switch parts[2] {
                case "SELECT": try await h.browser.click("\(selector) option[value=\"\(value)\"]")
                case "SPAN":
                    // A checklist: `all` ticks every box.
                    XCTAssertEqual(value, "all", parts[0])
                    let boxes = try await h.browser.evaluate("return document.querySelectorAll('\(selector) input[type=checkbox]:not([name$=na])').length;") as? Int ?? 0
                    XCTAssertGreaterThan(boxes, 0)
                    for box in 0..<boxes { try await h.browser.click("\(selector) input[name$=\"c\(box)\"]") }
                default: try await h.browser.type(selector, value)
                }
            }
            var claims = 0
            for (key, value) in figures where key.hasPrefix("claim.") && key != SelfEvaluation.claimTotalKey && key != SelfEvaluation.claimGradeKey {
                try await h.browser.type("[id=\"claim-\(key.dropFirst(6))\"]", value)
                claims += 1
            }
            XCTAssertEqual(claims, 44)
            try await h.browser.type("#claim-total", "99.72")
            try await h.browser.type("#claim-grade", "优秀")
            let live = try await h.browser.wait("#live-total", timeout: 10) { $0.hasPrefix("99.82") }
            XCTAssertEqual(live, "99.82（优秀）")
            try await h.shot("owner-filled")
            try await h.browser.follow("#save")

            let total = try await h.browser.text("#rule-total"), grade = try await h.browser.text("#rule-grade")
            XCTAssertEqual([total, grade], ["99.82", "优秀"])
            let totalRow = try await h.browser.text("#self-sheet tr:nth-last-child(2)")
            XCTAssertTrue(totalRow.contains("99.72") && totalRow.contains("不一致：自评 99.72，按规则 99.82"), totalRow)
            try await h.browser.follow("#submit")
            try await h.signOut()

            try await h.signIn("szpingjia")
            try await h.browser.open(h.site + SiteURL.assessment(id).path)
            let flagged = try await h.browser.text("#self-sheet tr[data-code=\"1.2.3\"]")
            XCTAssertTrue(flagged.contains("不一致：自评 1.99，按规则 2.09"), flagged)
            let rowClass = try await h.browser.attribute("#self-sheet tr[data-code=\"1.2.3\"]", "class")
            XCTAssertEqual(rowClass, "claim-differs")
            let others = try await h.browser.evaluate("return document.querySelectorAll('#self-sheet tr.claim-differs').length;") as? Int
            XCTAssertEqual(others, 1, "only 预算执行率 disagrees among the indicators")
            _ = try await h.browser.evaluate("document.querySelector('#self-sheet tr[data-code=\"1.2.3\"]').scrollIntoView({block: 'center'});")
            try await h.shot("reviewer-flag")
        }
    }
}
