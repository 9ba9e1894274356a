import Fluent
import Foundation
import Vapor
import XCTest
@testable import JixiaoServer

/// The scheme admin in headless Chromium, on a desktop (1366 px) and a phone (390 px): uploads a scheme whose
/// indicator maxima do not add up to its total, reads the warning, confirms, sees the message on the new
/// version's page, and opens a period by ticking 成都市 with "全选" and one county of 绵阳市.
/// Screenshots in artifacts/e2e/schemes-<width>-NN-*.png.
final class SchemeAdminBrowserTests: XCTestCase {
    func testUploadWithAWarning_confirm_thenOpenAPeriodByTickingUnits_at1366() async throws {
        try await run(width: 1366, height: 1000)
    }

    func testUploadWithAWarning_confirm_thenOpenAPeriodByTickingUnits_at390() async throws {
        try await run(width: 390, height: 844)
    }

    private func run(width: Int, height: Int) async throws {
        let code = "B\(width)"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scheme-\(code)-\(UUID().uuidString.prefix(8)).yaml")
        try SchemeAdminTests.yaml(id: code, total: 100).write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }

        try await BrowserHarness.run("schemes-\(width)") { h in
            let db = h.app.db
            try await h.browser.resize(width: width, height: height)
            try await h.signIn("admin")
            try await h.browser.open(h.site + "/schemes")
            try await h.browser.type("#scheme-file", file.path)
            try await h.shot("upload")
            try await h.browser.follow("#upload-scheme")

            // The warning, before anything is stored.
            let warnings = try await h.browser.text("#warnings")
            XCTAssertTrue(warnings.contains("一级指标分值合计 105，与方案总分 100 不符"), warnings)
            let status = try await h.browser.text("#pending-status")
            XCTAssertTrue(status.contains("有 1 条警告"), status)
            let storedBefore = try await SchemeVersion.query(on: db).filter(\.$code == code).count()
            XCTAssertEqual(storedBefore, 0, "not stored before the confirmation")
            try await h.shot("warnings")

            try await h.browser.follow("#confirm-upload")
            let notice = try await h.browser.text("#notice")
            XCTAssertTrue(notice.contains("已上传 \(code) 第 1 版"), notice)
            XCTAssertTrue(notice.contains("您已确认其 1 条警告"), notice)
            let storedAfter = try await SchemeVersion.query(on: db).filter(\.$code == code).count()
            XCTAssertEqual(storedAfter, 1)
            try await h.shot("confirmed")

            // Open a period: 成都市 and all its counties with one "全选", and one county of 绵阳市.
            try await h.browser.follow("#open-period-link")
            try await h.browser.type("#period", "2030-03")
            // "全部县市区" ticks every county and clears them again.
            let counties = try await OrgUnit.query(on: db).filter(\.$kind == "县市区").count()
            let countTicked = "return document.querySelectorAll('input[name=\"units[]\"]:checked').length"
            try await h.browser.click("input[data-select-all=\"县市区\"]")
            let allCounties = try await h.browser.evaluate(countTicked) as? Int
            XCTAssertEqual(allCounties, counties)
            try await h.browser.click("input[data-select-all=\"县市区\"]")
            let cleared = try await h.browser.evaluate(countTicked) as? Int
            XCTAssertEqual(cleared, 0)
            try await h.browser.click("fieldset[data-unit=\"5101\"] > legend input")
            let mianyangCounty = try await OrgUnit.query(on: db).filter(\.$kind == "县市区").all().filter { $0.path.hasPrefix("/51/5107/") }
                .sorted { $0.code < $1.code }.first
            let county = try XCTUnwrap(mianyangCounty)
            try await h.browser.click("input[value=\"\(county.code)\"]")
            let chengdu = try await OrgUnit.query(on: db).all().filter { $0.path.hasPrefix("/51/5101/") }.count
            let ticked = try await h.browser.evaluate(countTicked) as? Int
            XCTAssertEqual(ticked, chengdu + 1, "成都市, its counties and one county of 绵阳市")
            let fits = try await h.browser.evaluate("return document.getElementById('unit-tree').scrollWidth <= document.documentElement.clientWidth") as? Bool
            XCTAssertEqual(fits, true, "the tree fits the window's width")
            try await h.shot("ticked")
            try await h.browser.follow("#open-period")

            let opened = try await h.browser.text("#notice")
            XCTAssertTrue(opened.contains("已为 \(chengdu + 1) 个单位开启 2030-03 考核（新建 \(chengdu + 1) 份）；该版本已冻结"), opened)
            let periods = try await h.browser.text("#periods")
            XCTAssertTrue(periods.contains("2030-03"), periods)
            let version = try await SchemeVersion.query(on: db).filter(\.$code == code).first()
            let versionID = try XCTUnwrap(version?.id)
            let assessments = try await Assessment.query(on: db).filter(\.$scheme.$id == versionID).filter(\.$period == "2030-03").count()
            XCTAssertEqual(assessments, chengdu + 1)
            try await h.shot("opened")
        }
    }
}
