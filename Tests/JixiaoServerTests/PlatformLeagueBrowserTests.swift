import Foundation
import XCTest
@testable import JixiaoServer

/// Issue 12's "Done when" in headless Chromium: the province's reviewer opens the month's league table as of the
/// 25th, opens a county's sheet and sees a finding with the records behind it. Screenshots: artifacts/e2e/league-NN-*.png.
final class PlatformLeagueBrowserTests: XCTestCase {
    func testProvinceOpensLeagueTable_countySheet_findingWithRecords() async throws {
        try await BrowserHarness.run("league", adjust: { $0.demoPlatform = true }) { h in
            let browser = h.browser
            try await h.signIn("shengshenhe")
            try await browser.follow("#platform-link")
            try await h.shot("months")
            try await browser.follow("#platform-months tr[data-month='2018-06'] a")
            let cut = try await browser.text("#platform-cut")
            XCTAssertEqual(cut, "截至 2018-06-25 23:59:59")
            _ = try await browser.find("#platform-compute")
            try await h.shot("league-table")

            // 锦江区: the generator's late county (居家灵活就业 far behind its task, services withdrawn: 负增长).
            try await browser.follow("#league-county tr[data-code='510101'] a")
            let finding = try await browser.text(".finding[data-indicator='2.6.1']")
            XCTAssertTrue(finding.contains("2.6.1"), finding)
            XCTAssertTrue(finding.contains("相关记录 共"), finding)
            let firstRecord = try await browser.text(".finding[data-indicator='2.6.1'] table.finding-records tr[data-record]")
            XCTAssertFalse(firstRecord.isEmpty)
            let change = try await browser.text("#month-change")
            XCTAssertTrue(change.contains("2018-05"), change)
            try await h.shot("county-findings")
            _ = try await browser.evaluate("document.getElementById('sheet').scrollIntoView(); return true;")
            try await h.shot("county-sheet")
        }
    }
}
