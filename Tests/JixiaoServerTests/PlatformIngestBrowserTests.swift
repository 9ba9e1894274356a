import Fluent
import Foundation
import XCTVapor
@testable import JixiaoServer

/// Platform data in headless Chromium: the province's account admin issues an API token (shown once), then uploads
/// a record file and watches the progress page reach 完成 with the counts. Screenshots in
/// artifacts/e2e/platform-ingest-NN-….png.
final class PlatformIngestBrowserTests: XCTestCase {
    func testIssueATokenThenUploadAFileAndSeeTheProgressReachDone() async throws {
        var csv = "record_id,changed_at,person_id,county_code,read_on\n"
        for i in 1...20_000 { csv += "r\(i),2018-05-01 08:00:00,p\(i % 900),\(i % 2 == 0 ? "510101" : "510102"),2018-05-\(String(format: "%02d", 1 + i % 25))\n" }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jixiao-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("readings.csv")
        try Data(csv.utf8).write(to: file)

        try await BrowserHarness.run("platform-ingest") { h in
            let browser = h.browser
            try await browser.resize(width: 1366, height: 900)
            try await h.signIn("zhanghao")
            try await browser.follow("#platform-ingest-link")
            try await browser.follow("#platform-tokens-link")
            try await browser.type("#token-name", "量服平台推送")
            try await browser.follow("#issue")
            let secret = try await browser.text("#secret")
            XCTAssertTrue(secret.hasPrefix("jxpf_") && secret.count > 40, secret)
            let listed = try await browser.text("#tokens")
            XCTAssertTrue(listed.contains("量服平台推送") && listed.contains("有效"), listed)
            try await h.shot("token-issued")

            try await browser.follow("#platform-imports-link")
            try await browser.type("#upload-file", file.path)
            try await browser.follow("#upload")
            let state = try await browser.wait("#import-state", timeout: 30) { $0 == "完成" }
            XCTAssertEqual(state, "完成")
            let result = try await browser.text("#import-result")
            XCTAssertTrue(result.contains("新写入 20000 条"), result)
            let percent = try await browser.attribute("#import-progress", "value")
            XCTAssertEqual(percent, "100")
            try await h.shot("import-done")
            try await browser.follow("#back-to-imports")
            let list = try await browser.text("#imports")
            XCTAssertTrue(list.contains("readings.csv") && list.contains("完成"), list)
            try await h.shot("imports-list")
        }
    }
}
