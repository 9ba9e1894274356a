import Fluent
import Foundation
import SQLKit
import XCTVapor
@testable import JixiaoServer

/// Account management over HTTP: scoped to the manager's tree, no escalation, disabling ends sessions and blocks
/// sign-in, a temporary password must be changed before anything else, every action in the account audit log,
/// CSRF on every form. Units: 51 四川省, 5101 成都市 (510101 锦江区, 510102 青羊区 …), 5107 绵阳市 (510701 涪城区).
/// On SQLite in memory; on PostgreSQL instead when DATABASE_URL is set (the advisory lock, lower(), the enum filters).
final class AccountTests: XCTestCase {
    var app: Application!

    override func setUp() async throws {
        let url = ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.hasPrefix("postgres") ? $0 : nil }
        app = try await makeApp(databaseURL: url)
    }

    override func tearDown() async throws {
        try await app.asyncShutdown()
        app = nil
    }

    // MARK: helpers

    private func user(_ username: String) async throws -> User {
        let found = try await User.query(on: app.db).filter(\.$username == username).first()
        return try XCTUnwrap(found, username)
    }

    private func unitID(_ code: String) async throws -> UUID {
        let found = try await OrgUnit.query(on: app.db).filter(\.$code == code).first()
        return try XCTUnwrap(found, code).requireID()
    }

    private func sessions(of username: String) async throws -> Int {
        struct Count: Decodable { let n: Int }
        let id = try await user(username).requireID().uuidString
        return try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM sessions WHERE user_id = \(bind: id)")
            .first(decoding: Count.self)?.n ?? -1
    }

    private func log(of username: String) async throws -> [AccountAuditEntry] {
        let id = try await user(username).requireID()
        return try await AccountAuditEntry.query(on: app.db).filter(\.$target.$id == id).sort(\.$at).all()
    }

    /// Signs in a manager and opens the account list (reading its CSRF token).
    private func manager(_ username: String) async throws -> Browser {
        let browser = Browser(app)
        let status = try await browser.login(username)
        XCTAssertEqual(status, .seeOther, username)
        _ = try await browser.get("accounts")
        return browser
    }

    private func temporaryPassword(_ body: String) throws -> String {
        let marker = "id=\"temporary-password\" class=\"secret\">"
        let range = try XCTUnwrap(body.range(of: marker), "no temporary password shown")
        return String(body[range.upperBound...].prefix { $0 != "<" })
    }

    // MARK: scope

    func testACityAdmin_seesAndReachesOnlyTheAccountsOfItsCity() async throws {
        let city = try await manager("chengduzhanghao")
        let list = try await city.get("accounts")
        XCTAssertEqual(list.status, .ok)
        for inside in ["jinjiang", "qingyang", "chengdu", "chengdutianbao"] {
            XCTAssertTrue(list.body.string.contains("data-username=\"\(inside)\""), inside)
        }
        for outside in ["fucheng", "mianyang", "admin", "lingdao", "shengshenhe", "zhanghao"] {
            XCTAssertFalse(list.body.string.contains("data-username=\"\(outside)\""), outside)
        }
        let fucheng = try await user("fucheng").requireID()
        let page = try await city.get("accounts/\(fucheng)")
        XCTAssertEqual(page.status, .notFound)
        for action in AccountAction.allCases {
            let status = try await city.post("accounts/\(fucheng)/\(action.rawValue)",
                                             ["displayName": "改名", "role": "filler", "unit": try await unitID("510101").uuidString]).status
            XCTAssertEqual(status, .notFound, action.rawValue)
        }
        let after = try await user("fucheng")
        XCTAssertFalse(after.disabled)
        XCTAssertEqual(after.displayName, "涪城区残联填报员")
        let fuchengUnit = try await unitID("510701")
        XCTAssertEqual(after.$unit.id, fuchengUnit)
        // The unit select offers the city's tree only; a unit of another city sent anyway is refused.
        let form = try await city.get("accounts/new").body.string
        XCTAssertTrue(form.contains("锦江区"))
        XCTAssertFalse(form.contains("涪城区"))
        XCTAssertFalse(form.contains("绵阳市"))
        XCTAssertFalse(form.contains("四川省（51）"))
        for code in ["510701", "5107", "51"] {
            let created = try await city.post("accounts", ["username": "outside\(code)", "displayName": "外人", "role": "filler",
                                                           "unit": try await unitID(code).uuidString])
            XCTAssertEqual(created.status, .unprocessableEntity, code)
            XCTAssertTrue(created.body.string.contains("不在您管理的范围内"), code)
        }
        let outsiders = try await User.query(on: app.db).filter(\.$username ~~ ["outside510701", "outside5107", "outside51"]).count()
        XCTAssertEqual(outsiders, 0)
    }

    func testOnlyManagersReachAccountManagement_andTheHeaderLinksItForThemOnly() async throws {
        let filler = Browser(app)
        try await filler.login("jinjiang")
        let home = try await filler.get("/").body.string
        XCTAssertFalse(home.contains("id=\"accounts-link\""))
        XCTAssertTrue(home.contains("id=\"change-password-link\""), "everybody may change their password")
        for path in ["accounts", "accounts/new", "accounts/\(try await user("qingyang").requireID())"] {
            let status = try await filler.get(path).status
            XCTAssertEqual(status, .forbidden, path)
        }
        let created = try await filler.post("accounts", ["username": "sneaky", "displayName": "x", "role": "filler",
                                                         "unit": try await unitID("510101").uuidString])
        XCTAssertEqual(created.status, .forbidden)
        let sneaky = try await User.query(on: app.db).filter(\.$username == "sneaky").count()
        XCTAssertEqual(sneaky, 0)
        let disable = try await filler.post("accounts/\(try await user("qingyang").requireID())/disable").status
        XCTAssertEqual(disable, .forbidden)
        let qingyang = try await user("qingyang")
        XCTAssertFalse(qingyang.disabled)

        let admin = try await manager("chengduzhanghao")
        let managerHome = try await admin.get("/").body.string
        XCTAssertTrue(managerHome.contains("id=\"accounts-link\""))
    }

    // MARK: escalation and lock-out

    func testACityAdmin_cannotGrantARoleAboveItsScope_norActOnItself() async throws {
        let city = try await manager("chengduzhanghao")
        let chengdu = try await unitID("5101"), jinjiang = try await unitID("510101")
        // A scheme admin (the whole installation's schemes), a reviewer on a county with nothing below it.
        let attempts: [(role: String, unit: UUID, problem: String)] = [
            ("scheme_admin", chengdu, "方案管理员只能由方案管理员授予"),
            ("reviewer", jinjiang, "只能设在有下级单位的单位"),
            ("approver", jinjiang, "只能设在有下级单位的单位"),
        ]
        for attempt in attempts {
            let response = try await city.post("accounts", ["username": "up\(attempt.role)", "displayName": "升级", "role": attempt.role,
                                                            "unit": attempt.unit.uuidString])
            XCTAssertEqual(response.status, .unprocessableEntity, attempt.role)
            XCTAssertTrue(response.body.string.contains(attempt.problem), attempt.role)
        }
        let escalated = try await User.query(on: app.db).filter(\.$username ~~ attempts.map { "up\($0.role)" }).count()
        XCTAssertEqual(escalated, 0)
        // The new-account form does not even offer the scheme admin role.
        let form = try await city.get("accounts/new").body.string
        XCTAssertFalse(form.contains("value=\"scheme_admin\""))

        // An existing account is not raised either, nor moved above the city.
        let reviewer = try await user("chengdu")
        let id = try reviewer.requireID()
        let raised = try await city.post("accounts/\(id)/update", ["displayName": "成都市残联审核员", "role": "scheme_admin", "unit": chengdu.uuidString])
        XCTAssertEqual(raised.status, .forbidden)
        let moved = try await city.post("accounts/\(id)/update", ["displayName": "成都市残联审核员", "role": "reviewer",
                                                                  "unit": try await unitID("51").uuidString])
        XCTAssertEqual(moved.status, .forbidden)
        let unchanged = try await user("chengdu")
        XCTAssertEqual(unchanged.role, .reviewer)
        XCTAssertEqual(unchanged.$unit.id, chengdu)

        // Nobody disables, resets or re-roles their own account here.
        let me = try await user("chengduzhanghao").requireID()
        let ownPage = try await city.get("accounts/\(me)").body.string
        XCTAssertTrue(ownPage.contains("不能在账号管理中修改自己的账号"))
        XCTAssertFalse(ownPage.contains("id=\"disable\""))
        for (action, form) in [("disable", [:]), ("reset", [:]), ("update", ["displayName": "我", "role": "filler", "unit": chengdu.uuidString])] {
            let status = try await city.post("accounts/\(me)/\(action)", form).status
            XCTAssertEqual(status, .forbidden, action)
        }
        let still = try await user("chengduzhanghao")
        XCTAssertFalse(still.disabled)
        XCTAssertEqual(still.role, .accountAdmin)
        XCTAssertFalse(still.mustChangePassword)
    }

    func testAnAccountAdmin_neverTouchesASchemeAdmin_andTheRootKeepsAManager() async throws {
        let province = try await manager("zhanghao")
        let adminID = try await user("admin").requireID()
        for action in ["disable", "reset"] {
            let status = try await province.post("accounts/\(adminID)/\(action)").status
            XCTAssertEqual(status, .forbidden, action)
        }
        let admin = try await user("admin")
        XCTAssertFalse(admin.disabled)

        // The root's last active manager cannot be disabled: the check runs in the write's transaction on what it
        // reads there. (With both root managers active this needs a race: here the scheme admin's own account was
        // disabled just before, by a write its still open session has not seen.)
        let schemeAdmin = try await manager("admin")
        let zhanghao = try await user("zhanghao")
        zhanghao.disabled = true
        try await zhanghao.save(on: app.db)
        let disabled = try await schemeAdmin.post("accounts/\(try zhanghao.requireID())/enable")
        XCTAssertEqual(disabled.status, .seeOther, "enabling is always allowed")
        try await User.query(on: app.db).filter(\.$username == "admin").set(\.$disabled, to: true).update()
        let refused = try await province.post("accounts/\(try zhanghao.requireID())/disable")
        XCTAssertEqual(refused.status, .forbidden, "an account admin may not disable itself")
        let last = try await schemeAdmin.post("accounts/\(try zhanghao.requireID())/disable")
        XCTAssertEqual(last.status, .forbidden)
        XCTAssertTrue(last.body.string.contains("根单位最后一个可以管理账号的账号"), last.body.string)
        let kept = try await user("zhanghao")
        XCTAssertFalse(kept.disabled)
    }

    // MARK: disabling

    func testDisabling_endsTheSessionsAtOnce_andBlocksSignIn_withoutTellingStrangers() async throws {
        let county = Browser(app)
        try await county.login("jinjiang")
        let before = try await county.get("/").status
        XCTAssertEqual(before, .ok)
        let sessions = try await sessions(of: "jinjiang")
        XCTAssertEqual(sessions, 1)

        let city = try await manager("chengduzhanghao")
        let id = try await user("jinjiang").requireID()
        let disabled = try await city.post("accounts/\(id)/disable")
        XCTAssertEqual(disabled.status, .seeOther)
        let gone = try await self.sessions(of: "jinjiang")
        XCTAssertEqual(gone, 0)
        let after = try await county.get("/")
        XCTAssertEqual(after.status, .seeOther, "the open session is signed out")
        XCTAssertTrue(after.headers.first(name: .location)?.hasPrefix("/login") ?? false)
        let api = try await county.get("api/assessments").status
        XCTAssertEqual(api, .unauthorized)

        // The right password learns that the account is disabled; a wrong one learns what it always did.
        let again = Browser(app)
        _ = try await again.get("login")
        let right = try await again.send(.POST, "login", form: ["username": "jinjiang", "password": DemoData.password, "_csrf": again.csrf])
        XCTAssertEqual(right.status, .forbidden)
        XCTAssertTrue(right.body.string.contains("该账号已停用"))
        let wrong = try await again.send(.POST, "login", form: ["username": "jinjiang", "password": "wrong-password", "_csrf": again.csrf])
        XCTAssertEqual(wrong.status, .unauthorized)
        XCTAssertTrue(wrong.body.string.contains("用户名或密码不正确"))
        XCTAssertFalse(wrong.body.string.contains("停用"))
        let noSession = try await self.sessions(of: "jinjiang")
        XCTAssertEqual(noSession, 0)

        // The page shows the state and the log; enabling lets the account in again.
        let page = try await city.get("accounts/\(id)").body.string
        XCTAssertTrue(page.contains("已停用"))
        XCTAssertTrue(page.contains("停用账号"))
        XCTAssertTrue(page.contains("成都市残联账号管理员"))
        let enabled = try await city.post("accounts/\(id)/enable").status
        XCTAssertEqual(enabled, .seeOther)
        let back = try await Browser(app).login("jinjiang")
        XCTAssertEqual(back, .seeOther)
        let entries = try await log(of: "jinjiang")
        XCTAssertEqual(entries.map(\.action), ["停用账号", "启用账号"])
        XCTAssertEqual(entries.map(\.actorUsername), ["chengduzhanghao", "chengduzhanghao"])
    }

    // MARK: creating, forced change, reset

    func testANewAccount_mustChangeItsPassword_beforeAnythingElse() async throws {
        let city = try await manager("chengduzhanghao")
        let created = try await city.post("accounts", ["username": "wangli.qy", "displayName": "王丽", "role": "filler",
                                                       "unit": try await unitID("510102").uuidString, "password": ""])
        XCTAssertEqual(created.status, .ok)
        let password = try temporaryPassword(created.body.string)
        XCTAssertEqual(password.count, 16)
        let account = try await user("wangli.qy")
        XCTAssertTrue(account.mustChangePassword)
        XCTAssertEqual(account.role, .filler)
        XCTAssertFalse(account.passwordHash.contains(password))
        // The same name again, in other letters' case, is taken.
        let twice = try await city.post("accounts", ["username": "WangLi.QY", "displayName": "王丽", "role": "filler",
                                                     "unit": try await unitID("510102").uuidString])
        XCTAssertEqual(twice.status, .unprocessableEntity)
        XCTAssertTrue(twice.body.string.contains("已被使用"))

        let newcomer = Browser(app)
        _ = try await newcomer.get("login")
        let signIn = try await newcomer.send(.POST, "login", form: ["username": "wangli.qy", "password": password, "_csrf": newcomer.csrf])
        XCTAssertEqual(signIn.status, .seeOther)
        XCTAssertEqual(signIn.headers.first(name: .location), "/password")
        for path in ["/", "org", "rankings", "assessments/\(try await assessmentID(app, unit: "510102"))"] {
            let response = try await newcomer.get(path)
            XCTAssertEqual(response.status, .seeOther, path)
            XCTAssertEqual(response.headers.first(name: .location), "/password", path)
        }
        let api = try await newcomer.get("api/assessments").status
        XCTAssertEqual(api, .forbidden)
        let form = try await newcomer.get("password")
        XCTAssertTrue(form.body.string.contains("您正在使用临时密码"))
        let refusals: [([String: String], String)] = [
            (["current": "not-it-at-all", "new": "Anders-2026", "repeat": "Anders-2026"], "当前密码：不正确"),
            (["current": password, "new": "short", "repeat": "short"], "至少 8 个字符"),
            (["current": password, "new": "WANGLI.QY", "repeat": "WANGLI.QY"], "不能与用户名相同"),
            (["current": password, "new": password, "repeat": password], "不能与当前密码相同"),
            (["current": password, "new": "Anders-2026", "repeat": "Anders-2027"], "不一致"),
        ]
        for (fields, problem) in refusals {
            let response = try await newcomer.post("password", fields)
            XCTAssertEqual(response.status, .unprocessableEntity, problem)
            XCTAssertTrue(response.body.string.contains(problem), problem)
        }
        let stillForced = try await newcomer.get("/").status
        XCTAssertEqual(stillForced, .seeOther)
        let changed = try await newcomer.post("password", ["current": password, "new": "Anders-2026", "repeat": "Anders-2026"])
        XCTAssertEqual(changed.status, .seeOther)
        let home = try await newcomer.get("/")
        XCTAssertEqual(home.status, .ok, "after the change the account works")
        XCTAssertTrue(home.body.string.contains("王丽"))
        let cleared = try await user("wangli.qy")
        XCTAssertFalse(cleared.mustChangePassword)
        let later = try await Browser(app).login("wangli.qy", password: "Anders-2026")
        XCTAssertEqual(later, .seeOther)
        let old = try await Browser(app).login("wangli.qy", password: password)
        XCTAssertEqual(old, .unauthorized)

        let entries = try await log(of: "wangli.qy")
        XCTAssertEqual(entries.map(\.action), ["创建账号", "修改密码"])
        XCTAssertEqual(entries.map(\.actorUsername), ["chengduzhanghao", "wangli.qy"])
        XCTAssertTrue(entries[0].detail.contains("青羊区"), entries[0].detail)
    }

    func testAReset_endsTheSessions_andForcesAChange() async throws {
        let county = Browser(app)
        try await county.login("qingyang")
        let city = try await manager("chengduzhanghao")
        let id = try await user("qingyang").requireID()
        let reset = try await city.post("accounts/\(id)/reset", ["password": "Zeitweise-1"])
        XCTAssertEqual(reset.status, .ok)
        XCTAssertFalse(reset.body.string.contains("Zeitweise-1"), "a password the manager chose is not echoed")
        let signedOut = try await county.get("/").status
        XCTAssertEqual(signedOut, .seeOther)
        let old = try await Browser(app).login("qingyang")
        XCTAssertEqual(old, .unauthorized)
        let fresh = Browser(app)
        _ = try await fresh.get("login")
        let signIn = try await fresh.send(.POST, "login", form: ["username": "qingyang", "password": "Zeitweise-1", "_csrf": fresh.csrf])
        XCTAssertEqual(signIn.headers.first(name: .location), "/password")
        let entries = try await log(of: "qingyang")
        XCTAssertEqual(entries.map(\.action), ["重置密码"])
        XCTAssertTrue(entries[0].detail.contains("管理员设定临时密码"))

        // A generated one is shown once.
        let generated = try await city.post("accounts/\(id)/reset", ["password": ""])
        let shown = try temporaryPassword(generated.body.string)
        let shownAgain = try await city.get("accounts/\(id)").body.string
        XCTAssertFalse(shownAgain.contains(shown), "shown on the reset's answer only")
    }

    func testChangingRoleAndUnit_isLoggedWithOldAndNew_andSignsTheAccountOut() async throws {
        let county = Browser(app)
        try await county.login("chengdutianbao")
        let city = try await manager("chengduzhanghao")
        let id = try await user("chengdutianbao").requireID()
        let changed = try await city.post("accounts/\(id)/update", ["displayName": "李强", "role": "leader",
                                                                    "unit": try await unitID("510101").uuidString])
        XCTAssertEqual(changed.status, .seeOther)
        let account = try await user("chengdutianbao")
        XCTAssertEqual(account.displayName, "李强")
        XCTAssertEqual(account.role, .leader)
        let jinjiangUnit = try await unitID("510101")
        XCTAssertEqual(account.$unit.id, jinjiangUnit)
        let signedOut = try await county.get("/").status
        XCTAssertEqual(signedOut, .seeOther, "the session carried the old role and unit")
        let detail = try await log(of: "chengdutianbao").first?.detail ?? ""
        XCTAssertTrue(detail.contains("角色 填报员 → 领导（只读）"), detail)
        XCTAssertTrue(detail.contains("单位 成都市 → 锦江区"), detail)
        XCTAssertTrue(detail.contains("姓名 成都市残联填报员 → 李强"), detail)
        let page = try await city.get("accounts/\(id)").body.string
        XCTAssertTrue(page.contains("角色 填报员 → 领导（只读）"))
    }

    func testASelfServiceChange_keepsThisSession_andEndsTheOthers() async throws {
        let here = Browser(app), there = Browser(app)
        try await here.login("mianyang")
        try await there.login("mianyang")
        _ = try await here.get("password")
        let changed = try await here.post("password", ["current": DemoData.password, "new": "Mianyang-2026", "repeat": "Mianyang-2026"])
        XCTAssertEqual(changed.status, .seeOther)
        let page = try await here.get("password").body.string
        XCTAssertTrue(page.contains("密码已修改"))
        let stillHere = try await here.get("/").status
        XCTAssertEqual(stillHere, .ok)
        let thereNow = try await there.get("/").status
        XCTAssertEqual(thereNow, .seeOther)
        let entries = try await log(of: "mianyang")
        XCTAssertEqual(entries.map(\.action), ["修改密码"])
    }

    func testAHostileName_isEscapedOnEveryAccountPage() async throws {
        let city = try await manager("chengduzhanghao")
        let hostile = "\"><x onclick=1>'"
        let created = try await city.post("accounts", ["username": "hostile", "displayName": hostile, "role": "filler",
                                                       "unit": try await unitID("510101").uuidString])
        XCTAssertEqual(created.status, .ok)
        let id = try await user("hostile").requireID()
        for path in ["accounts", "accounts/\(id)", "accounts?q=%22%3E%3Cx"] {
            let body = try await city.get(path).body.string
            XCTAssertFalse(body.contains("\"><x"), path)
            XCTAssertTrue(body.contains("&quot;&gt;&lt;x") || body.contains("&quot;&gt;&lt;x".replacingOccurrences(of: "&quot;", with: "\"")), path)
        }
    }

    // MARK: CSRF

    func testEveryAccountForm_needsTheSessionsToken() async throws {
        let city = try await manager("chengduzhanghao")
        let id = try await user("jinjiang").requireID()
        let forms: [(String, [String: String])] = [
            ("accounts", ["username": "forged", "displayName": "伪造", "role": "filler", "unit": try await unitID("510101").uuidString]),
            ("accounts/\(id)/disable", [:]),
            ("accounts/\(id)/reset", ["password": "Forged-2026"]),
            ("accounts/\(id)/update", ["displayName": "伪造", "role": "filler", "unit": try await unitID("510101").uuidString]),
            ("password", ["current": DemoData.password, "new": "Forged-2026", "repeat": "Forged-2026"]),
        ]
        for (path, fields) in forms {
            let withoutToken = try await city.send(.POST, path, form: fields).status
            XCTAssertEqual(withoutToken, .forbidden, path)
            var forged = fields
            forged["_csrf"] = "not-the-token"
            let wrongToken = try await city.send(.POST, path, form: forged).status
            XCTAssertEqual(wrongToken, .forbidden, path)
        }
        let forged = try await User.query(on: app.db).filter(\.$username == "forged").count()
        XCTAssertEqual(forged, 0)
        let jinjiang = try await user("jinjiang")
        XCTAssertFalse(jinjiang.disabled)
        XCTAssertEqual(jinjiang.displayName, "锦江区残联填报员")
        let audit = try await AccountAuditEntry.query(on: app.db).count()
        XCTAssertEqual(audit, 0)
    }

    // MARK: people in the assessment log

    func testTheAssessmentLog_namesThePersonAndUnit_notTheUsername() async throws {
        let id = try await assessmentID(app, unit: "510101")
        let county = Browser(app)
        try await county.login("jinjiang")
        let sheet = try await county.json("api/assessments/\(id)", as: SheetDTO.self)
        let saved = try await county.putFigures(id, revision: sheet.revision, ["需求精准度": "97%"]).status
        XCTAssertEqual(saved, .ok)
        let page = try await county.get("assessments/\(id)").body.string
        let audit = try XCTUnwrap(page.range(of: "id=\"audit\"")).upperBound
        let table = String(page[audit...].prefix(4000))
        XCTAssertTrue(table.contains("锦江区残联填报员（锦江区）"), table)
        XCTAssertFalse(table.contains("<td>jinjiang</td>"), table)
        let rows = try await county.json("api/assessments/\(id)/audit", as: [SheetDTO.AuditRow].self)
        XCTAssertEqual(rows.last?.person, "锦江区残联填报员（锦江区）")
        XCTAssertEqual(rows.last?.user, "jinjiang")
    }
}
