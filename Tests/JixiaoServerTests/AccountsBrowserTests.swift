import Fluent
import Foundation
import XCTVapor
@testable import JixiaoServer

/// Account management in headless Chromium, at a desktop's width and a phone's: 成都市's account admin creates an
/// account for a county, the newcomer signs in with the temporary password, is held on the change-password page
/// until it has changed it, then works; the admin disables the account and the newcomer is out.
/// Screenshots in artifacts/e2e/accounts-NN-….png.
final class AccountsBrowserTests: XCTestCase {
    func testCreateForceChangeWorkDisable_atDesktopAndPhoneWidths() async throws {
        try await BrowserHarness.run("accounts") { h in
            try await h.browser.resize(width: 1366, height: 1000)
            try await flow(h, width: "1366", username: "zhao.min", name: "赵敏", county: "510101")
            try await h.browser.resize(width: 390, height: 844)
            try await flow(h, width: "390", username: "qian.lei", name: "钱磊", county: "510102")
        }
    }

    private func flow(_ h: BrowserHarness, width: String, username: String, name: String, county: String) async throws {
        let browser = h.browser
        let found = try await OrgUnit.query(on: h.app.db).filter(\.$code == county).first()
        let unit = try XCTUnwrap(found)
        let unitID = try unit.requireID()

        // The city's account admin creates the account; the system draws the temporary password.
        try await h.signIn("chengduzhanghao")
        try await browser.follow("#accounts-link")
        let list = try await browser.text("#accounts")
        XCTAssertTrue(list.contains("锦江区残联填报员"), list)
        XCTAssertFalse(list.contains("涪城区"), "another city's accounts are not listed")
        try await h.shot("\(width)-list")
        try await browser.follow("#new-account")
        try await browser.type("#username", username)
        try await browser.type("#displayName", name)
        try await browser.click("#role option[value='filler']")
        try await browser.click("#unit option[value='\(unitID.uuidString)']")
        try await h.shot("\(width)-new-account")
        try await browser.follow("#create")
        let password = try await browser.text("#temporary-password")
        XCTAssertEqual(password.count, 16)
        try await h.shot("\(width)-created")
        try await browser.click("#logout")
        _ = try await browser.find("#username")

        // The newcomer is held on the change-password page until the password is changed.
        try await h.signIn(username, password: password)
        let forced = try await browser.text("#forced")
        XCTAssertTrue(forced.contains("临时密码"), forced)
        try await h.shot("\(width)-forced-change")
        try await browser.open(h.site + "/rankings")
        let held = try await browser.currentURL()
        XCTAssertEqual(held, h.site + "/password", "nothing else is reachable before the change")
        try await browser.type("#current", password)
        try await browser.type("#new", username)
        try await browser.type("#repeat", username)
        try await browser.follow("#change")
        let refused = try await browser.text("#problems")
        XCTAssertTrue(refused.contains("不能与用户名相同"), refused)
        try await h.shot("\(width)-change-refused")
        let chosen = "Neu-\(username)-2026"
        try await browser.type("#current", password)
        try await browser.type("#new", chosen)
        try await browser.type("#repeat", chosen)
        try await browser.follow("#change")
        let landed = try await browser.currentURL()
        XCTAssertEqual(landed, h.site + "/")
        let who = try await browser.text(".who")
        XCTAssertTrue(who.contains(name), who)
        XCTAssertTrue(who.contains(unit.name), who)
        try await h.shot("\(width)-working")
        // Its own assessment opens: the account works.
        try await browser.open(h.site + "/assessments/\(try await assessmentID(h.app, unit: county))")
        _ = try await browser.find("#total")
        try await h.shot("\(width)-newcomer-sheet")
        try await browser.click("#logout")
        _ = try await browser.find("#username")

        // A session of the newcomer elsewhere (another device), to watch it end.
        let elsewhere = Browser(h.app)
        let signedIn = try await elsewhere.login(username, password: chosen)
        XCTAssertEqual(signedIn, .seeOther)
        let working = try await elsewhere.get("/").status
        XCTAssertEqual(working, .ok)

        // The admin disables the account: its session ends, and it cannot sign in again.
        try await h.signIn("chengduzhanghao")
        try await browser.follow("#accounts-link")
        try await browser.type("#search", name)
        try await browser.follow("main form button")
        try await browser.follow("#accounts a")
        try await browser.click("#disable")
        let question = try await browser.acceptDialog()
        XCTAssertTrue(question.contains("停用"), question)
        let flash = try await browser.wait("#flash", timeout: 10) { $0.contains("已停用") }
        XCTAssertTrue(flash.contains("不能再登录"), flash)
        let log = try await browser.text("#account-log")
        XCTAssertTrue(log.contains("停用账号") && log.contains("创建账号") && log.contains("修改密码"), log)
        XCTAssertTrue(log.contains("成都市残联账号管理员"), log)
        _ = try await browser.evaluate("document.getElementById('account-log').scrollIntoView()")
        try await h.shot("\(width)-disabled")
        let out = try await elsewhere.get("/").status
        XCTAssertEqual(out, .seeOther, "the newcomer's open session ended")
        try await browser.click("#logout")
        _ = try await browser.find("#username")
        try await h.signIn(username, password: chosen)
        let problem = try await browser.text("#login-problem")
        XCTAssertTrue(problem.contains("已停用"), problem)
        try await h.shot("\(width)-disabled-sign-in")
    }
}
