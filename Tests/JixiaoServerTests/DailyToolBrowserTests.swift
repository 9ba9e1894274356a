import Foundation
import JixiaoCore
import Vapor
import XCTest
@testable import JixiaoServer

/// Issue 11 in headless Chromium: 004's provisional peer average until 成都市 enters, approval then reopening
/// with the snapshot beside, the province's 总体情况, and the same pages at a phone's 390 px.
/// Screenshots: artifacts/e2e/daily-NN-*.png.
final class DailyToolBrowserTests: XCTestCase {
    func testProvisionalPeerAverage_approveReopen_summary_andPhone() async throws {
        try await BrowserHarness.run("daily") { h in
            let browser = h.browser
            let mianyang = try await assessmentID(h.app, unit: "5107", period: "2013")
            let chengdu = try await assessmentID(h.app, unit: "5101", period: "2013")

            // The province's reviewer: 绵阳市 is scored, provisionally, and says who is missing.
            try await h.signIn("shengshenhe")
            try await browser.open(h.site + SiteURL.assessment(mianyang).path)
            let provisional = try await browser.text("#provisional")
            XCTAssertTrue(provisional.contains("尚未填报 1 个：成都市"), provisional)
            try await h.shot("mianyang-provisional")
            try await browser.follow("#submit")
            try await h.signOut()

            // 成都市's filler types the figures of the example's 南京市 (words too: 已调整, all) and saves.
            try await h.signIn("chengdutianbao")
            try await browser.open(h.site + SiteURL.assessment(chengdu).path)
            let figures = try PeerScoreTests.figures(of: "南京市")
            for (key, value) in figures {
                _ = try await browser.evaluate(
                    "const f = document.querySelector(`input[data-key=\"${arguments[0]}\"]`); if (f) { f.value = arguments[1]; } return !!f;",
                    [key, value])
            }
            try await h.shot("chengdu-entry")
            try await browser.follow("#save")
            let flash = try await browser.text("#flash")
            XCTAssertTrue(flash.contains("已保存"), flash)
            try await h.signOut()

            // The approver: final now, approves (asked first), then reopens with a reason; the snapshot stays beside.
            try await h.signIn("shengshending")
            try await browser.open(h.site + SiteURL.assessment(mianyang).path)
            let page = try await browser.text("main")
            XCTAssertFalse(page.contains("暂定"), "every city has entered")
            try await browser.click("#approve")
            _ = try await browser.acceptDialog()
            _ = try await browser.find("#reopen")
            let stage = try await browser.text("#stage")
            XCTAssertEqual(stage, "已审定")
            try await browser.type("#reopen-comment", "复核：鉴定通过率以省厅鉴定中心数据为准")
            try await browser.click("#reopen")
            let question = try await browser.acceptDialog()
            XCTAssertTrue(question.contains("重新打开"), question)
            let snapshot = try await browser.text("#snapshot")
            XCTAssertTrue(snapshot.contains("审定通过") && snapshot.contains("现已重新打开"), snapshot)
            _ = try await browser.find("#approve")
            try await h.shot("reopened-with-snapshot")

            // 总体情况 for the province, at a desktop's and a phone's width.
            try await browser.open(h.site + SiteURL.summaryIndex.path)
            _ = try await browser.find("#progress")
            _ = try await browser.find("#losses")
            try await h.shot("summary-1366")
            try await browser.resize(width: 390, height: 844)
            try await browser.open(h.site + SiteURL.summaryIndex.path)
            _ = try await browser.find("#progress")
            let summaryOverflow = try await Self.overflow(browser)
            XCTAssertEqual(summaryOverflow, "", "charts shrink to the phone, tables scroll in their box")
            try await h.shot("summary-390")
            // The header stays usable: no link broken one character per line, and nothing wider than the screen.
            let headerHeight = try await browser.evaluate("return document.querySelector('header').getBoundingClientRect().height") as? Double ?? 0
            XCTAssertLessThan(headerHeight, 140, "the header wraps by links, not by characters")
            let linkHeight = try await browser.evaluate("return document.querySelector('header a').getBoundingClientRect().height") as? Double ?? 0
            XCTAssertLessThan(linkHeight, 30)
            try await browser.open(h.site + SiteURL.assessment(mianyang).path)
            _ = try await browser.find("#sheet")
            let overflow = try await Self.overflow(browser)
            XCTAssertEqual(overflow, "", "the sheet scrolls inside its box, nothing else is wider than the phone")
            try await h.shot("sheet-390")
        }
    }

    /// The elements wider than the window outside a scrolling box: what would make the whole page scroll sideways.
    static func overflow(_ browser: WebDriver) async throws -> String {
        try await browser.evaluate("""
            const w = document.documentElement.clientWidth;
            const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.scroll'));
            return wide.slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id).join(' ');
            """) as? String ?? "?"
    }
}
