import Foundation
import Vapor
import XCTest
@testable import JixiaoServer

/// A newcomer in a real headless Chromium: signs in, enters figures (watching the live score), submits;
/// the city reviews with a reason and forwards; the province approves; everyone sees the ranking.
/// Screenshots land in artifacts/e2e/.
final class BrowserE2ETests: XCTestCase {
    func testFillSubmitReviewApproveAndRank_inHeadlessChromium() async throws {
        let chromedriver = ProcessInfo.processInfo.environment["CHROMEDRIVER"] ?? "/usr/bin/chromedriver"
        let chromium = ProcessInfo.processInfo.environment["CHROMIUM"] ?? "/usr/bin/chromium"
        guard FileManager.default.isExecutableFile(atPath: chromedriver), FileManager.default.isExecutableFile(atPath: chromium) else {
            throw XCTSkip("chromium and chromium-driver are not installed: the browser end-to-end test is skipped")
        }
        let artifacts = repository.appendingPathComponent("artifacts/e2e")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let port = Int.random(in: 20000..<30000)
        let app = try await makeApp()
        try await app.server.start(address: .hostname("127.0.0.1", port: port))
        let browser: WebDriver
        do {
            browser = try await WebDriver(chromedriver: chromedriver, chromium: chromium, port: port + 1)
        } catch {
            await app.server.shutdown()
            try await app.asyncShutdown()
            throw error
        }
        let site = "http://127.0.0.1:\(port)"
        var step = 0
        func shot(_ name: String) async throws {
            step += 1
            let path = artifacts.appendingPathComponent(String(format: "%02d-%@.png", step, name)).path
            try await browser.screenshot(to: path)
            print("screenshot: \(path)")
        }
        func signIn(_ username: String) async throws {
            try await browser.open(site + "/login")
            try await browser.type("#username", username)
            try await browser.type("#password", DemoData.password)
            try await browser.follow("#login")
            _ = try await browser.find("#logout")
        }
        do {
            let id = try await assessmentID(app, unit: "510101")
            // A crafted sign-in link: its script never runs (escaped, and the CSP allows no inline script),
            // and signing in from it stays on this site.
            let payload = #""><script>document.body.setAttribute('data-pwned','1')</script>"#
            try await browser.open(site + "/login?next=" + payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            _ = try await browser.find("#username")
            let pwned = try await browser.attribute("body", "data-pwned")
            XCTAssertEqual(pwned, "", "the sign-in link ran its script")
            try await browser.open(site + "/login?next=%2F%5Cevil.example%2F")
            try await browser.type("#username", "jinjiang")
            try await browser.type("#password", DemoData.password)
            try await browser.follow("#login")
            let landed = try await browser.currentURL()
            XCTAssertEqual(landed, site + "/", "signed in and stayed on the site")
            try await browser.click("#logout")
            _ = try await browser.find("#username")
            // The county fills in: the score updates as it types.
            try await signIn("jinjiang")
            try await shot("county-dashboard")
            // Before entering anything: how far is 良, and what would two better figures do? Nothing is saved.
            let revision = try await Assessment.find(id, on: app.db)?.revision
            try await browser.follow("#todo a")
            try await browser.follow("#whatif-link")
            try await browser.click("#target option[value='良']")
            try await browser.follow("#analyse", timeout: 60)
            let distances = try await browser.text("#distances")
            XCTAssertTrue(distances.contains("良（"), distances)
            _ = try await browser.find("#opportunities")
            try await shot("whatif-distance-to-liang")
            let savedGrade = try await browser.text("#whatif-grade")
            try await browser.type("#whatif input[data-key='需求精准度']", "100%")
            try await browser.type("#whatif input[data-key='落实精准度']", "100%")
            try await browser.follow("#try", timeout: 60)
            let tried = try await browser.text("#whatif-result")
            let triedGrade = try await browser.text("#whatif-grade")
            XCTAssertNotEqual(triedGrade, "—", tried)
            XCTAssertNotEqual(triedGrade, savedGrade, "two better figures move the grade: \(tried)")
            try await shot("whatif-two-figures")
            try await browser.follow("#reset")
            let reset = try await browser.text("main")
            XCTAssertTrue(reset.contains("尚未改动任何数字"), "reset shows the saved state only")
            let after = try await Assessment.find(id, on: app.db)?.revision
            XCTAssertEqual(after, revision, "trying figures saved nothing")
            try await browser.follow("#back-to-sheet")
            let before = try await browser.text("#live-total")
            try await browser.type("input[data-key='需求精准度']", "100%")
            try await browser.type("input[data-key='落实精准度']", "99%")
            var live = try await browser.wait("#live-total") { $0 != before && !$0.isEmpty }
            // Each keystroke pause scores again: wait until the live score has settled on the last one.
            for _ in 0..<20 {
                try await Task.sleep(nanoseconds: 700_000_000)
                let now = try await browser.text("#live-total")
                if now == live { break }
                live = now
            }
            try await shot("county-entry-live-score")
            try await browser.follow("#save")
            let awaited1 = try await browser.text("#flash").contains("已保存")
            XCTAssertTrue(awaited1)
            let awaited2 = live.hasPrefix(try await browser.text("#total"))
            XCTAssertTrue(awaited2, "the saved score is the one shown while typing")
            try await browser.follow("#submit")
            let awaited3 = try await browser.text("#stage")
            XCTAssertEqual(awaited3, "初评")
            try await browser.follow("#logout")

            // The city adjusts with a reason and forwards.
            try await signIn("chengdu")
            try await browser.open(site + "/assessments/\(id)")
            let field = try await browser.attribute("input[data-key='落实精准度']", "name")
            try await browser.type("input[data-key='落实精准度']", "93%")
            try await browser.type("input[name='r\(field.dropFirst())']", "抽查发现 6 条落实记录不实")
            try await browser.follow("#save")
            let awaited4 = try await browser.text("#audit").contains("抽查发现 6 条落实记录不实")
            XCTAssertTrue(awaited4)
            try await shot("city-review")
            try await browser.follow("#submit")
            let awaited5 = try await browser.text("#stage")
            XCTAssertEqual(awaited5, "审定")
            try await browser.follow("#logout")

            // The province approves; the assessment is locked.
            try await signIn("shengshending")
            try await browser.open(site + "/assessments/\(id)")
            try await browser.click("#approve")
            let question = try await browser.acceptDialog()
            XCTAssertTrue(question.contains("锁定"), "approval asks first: \(question)")
            let awaited6 = try await browser.wait("#stage", timeout: 10) { $0 == "已审定" }
            XCTAssertEqual(awaited6, "已审定")
            try await shot("province-approved")
            // Any score unfolds into how it was reached.
            try await browser.click("details[data-code='2.1'] summary")
            let derivation = try await browser.text("details[data-code='2.1']")
            XCTAssertTrue(derivation.contains("排名系数"), derivation)
            try await shot("sheet-derivation")

            // Everyone watches the ranking.
            try await browser.open(site + "/")
            try await browser.follow("#ranking-link")
            let ranking = try await browser.text("main")
            XCTAssertTrue(ranking.contains("县市区（29）"), ranking)
            XCTAssertTrue(ranking.contains("锦江区 已审定"), "锦江区 is listed as approved")
            try await shot("ranking")
        } catch {
            try? await shot("failure")
            await browser.quit()
            await app.server.shutdown()
            try await app.asyncShutdown()
            throw error
        }
        await browser.quit()
        await app.server.shutdown()
        try await app.asyncShutdown()
    }
}
