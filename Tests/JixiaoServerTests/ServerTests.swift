import Foundation
import Fluent
import XCTVapor
@testable import JixiaoServer
import JixiaoXLSX
import JixiaoCore

/// The web application's pages, sign-in and safety nets, on SQLite in memory with the small demo.
final class ServerTests: XCTestCase {
    var app: Application!

    override func setUp() async throws { app = try await makeApp() }

    override func tearDown() async throws {
        try await app.asyncShutdown()
        app = nil
    }

    func testHealthz_answersWhenTheDatabaseDoes() async throws {
        try await app.test(.GET, "healthz") { response async in
            XCTAssertEqual(response.status, .ok)
        }
    }

    func testEveryPageNeedsSignIn_pagesRedirectAndTheAPIAnswers401() async throws {
        let browser = Browser(app)
        let page = try await browser.get("/")
        XCTAssertEqual(page.status, .seeOther)
        XCTAssertTrue(page.headers.first(name: .location)?.hasPrefix("/login") ?? false)
        let api = try await browser.get("api/assessments")
        XCTAssertEqual(api.status, .unauthorized)
        XCTAssertTrue(api.body.string.contains("请先登录"))
    }

    func testSignIn_wrongPasswordsAreRefusedThenRateLimited() async throws {
        let browser = Browser(app)
        for _ in 0..<5 {
            let status = try await browser.login("jinjiang", password: "wrong")
            XCTAssertEqual(status, .unauthorized)
        }
        // The sixth try is refused even with the right password, for the rest of the window.
        let awaited1 = try await browser.login("jinjiang")
        XCTAssertEqual(awaited1, .tooManyRequests)
        // Another account from the same address is not affected.
        let awaited2 = try await browser.login("chengdu")
        XCTAssertEqual(awaited2, .seeOther)
        let home = try await browser.get("/")
        XCTAssertTrue(home.body.string.contains("成都市残联审核员"))
    }

    func testSignInStartsANewSession() async throws {
        let browser = Browser(app)
        _ = try await browser.get("login")
        let before = browser.cookie
        try await browser.login("jinjiang")
        XCTAssertNotNil(before)
        XCTAssertNotEqual(browser.cookie, before, "the session id changes at sign-in")
        let stale = Browser(app)
        stale.cookie = before
        let status = try await stale.get("api/assessments").status
        XCTAssertEqual(status, .unauthorized, "the pre-login session id is not signed in")
    }

    func testPasswordsAreStoredAsBcryptHashes() async throws {
        let user = try await User.query(on: app.db).filter(\.$username == "jinjiang").first()
        XCTAssertTrue(user?.passwordHash.hasPrefix("$2") ?? false)
        XCTAssertFalse(user?.passwordHash.contains(DemoData.password) ?? true)
    }

    func testFormsWithoutTheSessionsTokenAreRefused() async throws {
        let browser = Browser(app)
        try await browser.login("jinjiang")
        let id = try await assessmentID(app, unit: "510101")
        let forged = try await browser.send(.POST, "assessments/\(id)/submit", form: ["revision": "1", "_csrf": "forged"])
        XCTAssertEqual(forged.status, .forbidden)
        XCTAssertTrue(forged.body.string.contains("CSRF"))
        let sheet = try await browser.json("api/assessments/\(id)", as: SheetDTO.self)
        XCTAssertEqual(sheet.stage, "自评")
    }

    /// Every score on the sheet can be unfolded into its derivation, and the grade says why.
    func testScoreSheet_explainsEveryScoreAndTheGrade() async throws {
        let browser = Browser(app)
        try await browser.login("jinjiang")
        let id = try await assessmentID(app, unit: "510101")
        let sheet = try await browser.json("api/assessments/\(id)", as: SheetDTO.self)
        let ranking = try XCTUnwrap(sheet.indicators.first { $0.code == "2.1" })
        XCTAssertTrue(ranking.explanation.contains { $0.contains("排名系数") }, "\(ranking.explanation)")
        let group = try XCTUnwrap(sheet.indicators.first { $0.code == "2" })
        XCTAssertTrue(group.explanation.contains { $0.contains("2.1 落实精准度") }, "a group lists its children: \(group.explanation)")
        let page = try await browser.get("assessments/\(id)").body.string
        XCTAssertTrue(page.contains("<details class=\"why\" data-code=\"2.1\"><summary>计算过程</summary>"))
        if let grade = sheet.grade {
            XCTAssertTrue(sheet.gradeBasis?.contains(grade) ?? false)
            XCTAssertTrue(page.contains("定等："))
        }
    }

    /// Figures tried on the what-if page move total, grade and rank, and nothing is saved; a read-only
    /// leader may try too, a county of another city may not look.
    func testWhatIf_triesFiguresWithoutSaving() async throws {
        let id = try await assessmentID(app, unit: "510101")
        let before = try await Assessment.find(id, on: app.db)
        let entries = try await EntryValue.query(on: app.db).count()
        for user in ["jinjiang", "lingdao"] {
            let browser = Browser(app)
            try await browser.login(user)
            let plain = try await browser.get("assessments/\(id)/whatif").body.string
            XCTAssertTrue(plain.contains("尚未改动任何数字"), user)
            // The form's field for 落实精准度 (a ranking metric): name="vN" data-key="落实精准度".
            let field = try XCTUnwrap(plain.firstMatch(of: /name="(v[0-9]+)" data-key="落实精准度"/)?.1, user)
            let tried = try await browser.get("assessments/\(id)/whatif?\(field)=10%25")
            XCTAssertEqual(tried.status, .ok, user)
            let page = tried.body.string
            XCTAssertTrue(page.contains("<td class=\"num moved\" id=\"whatif-total\">"), "the total moves: \(user)")
            XCTAssertTrue(page.contains("落实精准度"), user)
            let refused = try await browser.get("assessments/\(id)/whatif?\(field)=abc%25%25")
            XCTAssertEqual(refused.status, .unprocessableEntity, user)
        }
        let after = try await Assessment.find(id, on: app.db)
        XCTAssertEqual(after?.revision, before?.revision, "nothing saved")
        let entriesAfter = try await EntryValue.query(on: app.db).count()
        XCTAssertEqual(entriesAfter, entries)
        let stranger = Browser(app)
        try await stranger.login("qingyang")
        let other = try await assessmentID(app, unit: "510101")
        let status = try await stranger.get("assessments/\(other)/whatif").status
        XCTAssertNotEqual(status, .ok, "青羊区 cannot look at 锦江区's sheet")
    }

    /// How far 良 is, where the points are, and a plan that the trial confirms (nothing saved).
    func testWhatIfJSON_distancesOpportunitiesAndAPlanTheTrialConfirms() async throws {
        let id = try await assessmentID(app, unit: "510101")
        let browser = Browser(app)
        try await browser.login("jinjiang")
        let sheet = try await browser.json("api/assessments/\(id)", as: SheetDTO.self)
        let analysis = try await browser.json("api/assessments/\(id)/whatif?target=%E8%89%AF", as: WhatIfDTO.self)
        print("whatif:", analysis.standing.text, analysis.distances.map(\.text), analysis.plan?.text ?? [])
        XCTAssertEqual(analysis.target, "良")
        XCTAssertEqual(analysis.standing.grade, sheet.grade)
        XCTAssertEqual(analysis.standing.total, sheet.totals.first)
        XCTAssertFalse(analysis.opportunities.isEmpty)
        for item in analysis.opportunities where item.changeable {
            for step in item.steps { XCTAssertTrue(Fixed(step.gain).map { $0 > .zero } ?? false, "\(item.code): \(step.text)") }
        }
        XCTAssertTrue(analysis.assumptions.contains { $0.contains("排名") }, "rankings assume the peers stay")
        let plan = try XCTUnwrap(analysis.plan)
        XCTAssertEqual(plan.target, "良")
        if plan.reachable, sheet.grade != "良" {
            // The page's "按此计划试算" link re-scores with the plan's figures: the trial reaches 良.
            let page = try await browser.get("assessments/\(id)/whatif?target=%E8%89%AF").body.string
            let link = try XCTUnwrap(page.firstMatch(of: /href="(\/assessments\/[^"]+)" id="try-plan"/)?.1)
            let tried = try await browser.get(String(link.dropFirst()).replacingOccurrences(of: "&amp;", with: "&")).body.string
            XCTAssertTrue(tried.contains(">\(plan.after.grade ?? "")</td>"), "the trial shows the plan's grade")
        }
        let unknown = try await browser.get("api/assessments/\(id)/whatif?target=%E7%89%B9%E7%AD%89")
        XCTAssertEqual(unknown.status, .unprocessableEntity)
        XCTAssertTrue(unknown.body.string.contains("没有等级"))
    }

    /// The home list shows each assessment's score at the stage it has reached, the figure its sheet headlines.
    func testHomeList_showsTheScoreOfTheStageReached() async throws {
        let browser = Browser(app)
        try await browser.login("chengdu")
        let list = try await browser.json("api/assessments", as: OverviewDTO.self)
        for line in list.assessments where ["锦江区", "青羊区"].contains(line.unit) {
            let sheet = try await browser.json("api/assessments/\(line.id)", as: SheetDTO.self)
            let reached = try XCTUnwrap(sheet.stages.firstIndex { sheet.stage.hasPrefix($0) } ?? (sheet.status == "approved" ? sheet.stages.count - 1 : nil),
                                        "\(sheet.stage)")
            XCTAssertEqual(line.total, sheet.totals[reached], "\(line.unit) at \(sheet.stage)")
        }
    }

    /// The sheet does not mislead: 扣分 is what an item lost by its kind (a deduction item that took nothing
    /// away lost nothing, a bonus never loses), and stages not reached yet stay empty.
    func testScoreSheet_deductionsByKind_andStagesNotReachedEmpty() async throws {
        let browser = Browser(app)
        try await browser.login("jinjiang")
        let id = try await assessmentID(app, unit: "510101")  // at 自评
        let book = try await browser.get("assessments/\(id)/sheet.xlsx")
        let rows = try Workbook(xlsxData: Data(buffer: book.body)).sheets[0].rows
        let header = try XCTUnwrap(rows.first { $0.first?.text == "代码" }).map(\.text)
        let lostColumn = try XCTUnwrap(header.firstIndex(of: "扣分"))
        func row(_ code: String) throws -> [Cell] { try XCTUnwrap(rows.first { $0.first?.text == code }, code) }
        for code in ["2.2.3", "2.7"] {  // a deduction group and a bonus
            let line = try row(code)
            XCTAssertEqual(line[lostColumn], .empty, "\(code): \(line)")
        }
        let regular = try row("2.1")  // 12 points, a ranking
        if case .number(let score) = regular[3], let max = Fixed("12"), let value = Fixed(score), value < max {
            XCTAssertEqual(regular[lostColumn], .number((max - value).formatted()))
        }
        for stage in 1..<3 { XCTAssertEqual(try row("2.1")[3 + stage], .empty, "初评 and 审定 not reached") }
        let page = try await browser.get("assessments/\(id)").body.string
        XCTAssertTrue(page.contains(">—</td>"), "stages not reached read —")
    }

    /// A figure the engine cannot score is shown with its reason, and the assessment cannot be submitted.
    func testBrokenScore_isExplainedAndStopsTheWorkflow() async throws {
        let browser = Browser(app)
        try await browser.login("jinjiang")
        let id = try await assessmentID(app, unit: "510101")
        let revision = try await browser.json("api/assessments/\(id)", as: SheetDTO.self).revision
        // Refused at save time, naming the indicator and the rule's reason: a list where a rate is needed.
        let refusedSave = try await browser.putFigures(id, revision: revision, ["需求精准度": "[1, 2]"])
        XCTAssertEqual(refusedSave.status, .unprocessableEntity)
        XCTAssertTrue(refusedSave.body.string.contains("按评分规则无法计分") && refusedSave.body.string.contains("需求精准度"), refusedSave.body.string)
        let unchanged = try await browser.json("api/assessments/\(id)", as: SheetDTO.self)
        XCTAssertEqual(unchanged.revision, revision, "nothing written")
        // A figure that got in before (an older version's data): the sheet explains it and the workflow stops.
        let stored = try await EntryValue.query(on: app.db).filter(\.$assessment.$id == id).filter(\.$field == "需求精准度").filter(\.$stage == 0).first()
        let figure = try XCTUnwrap(stored)
        figure.value = "[1, 2]"
        try await figure.save(on: app.db)
        try await PeerScoreTests.move(app, id, toStage: 0)
        let page = try await browser.get("assessments/\(id)").body.string
        XCTAssertTrue(page.contains("id=\"failures\""), "the sheet lists the indicator that cannot be scored")
        XCTAssertTrue(page.contains("错误：") && page.contains("列表"), "with the engine's reason")
        let sheet = try await browser.json("api/assessments/\(id)", as: SheetDTO.self)
        let refused = try await browser.post("assessments/\(id)/submit", ["revision": String(sheet.revision)])
        XCTAssertEqual(refused.status, .unprocessableEntity)
        XCTAssertTrue(refused.body.string.contains("计算错误"), refused.body.string)
        let after = try await browser.json("api/assessments/\(id)", as: SheetDTO.self)
        XCTAssertEqual(after.stage, sheet.stage, "still at 自评")
        // The approve form asks first (app.js confirms a form with data-confirm).
        XCTAssertTrue(Page.script.contains("dataset.confirm"))
    }

    /// 待我办理 counts every scheme and period: a page on an older period points to the work waiting elsewhere.
    func testToDo_countsEverySchemeAndPeriod() async throws {
        let browser = Browser(app)
        try await browser.login("chengdu")
        let home = try await browser.get("/").body.string
        XCTAssertTrue(home.contains("2018-06（21 份，待我办理 "), "the choice says how many wait")
        XCTAssertFalse(home.contains("waiting-elsewhere"), "nothing waits outside the period on screen")
        let version = try await SchemeVersion.query(on: app.db).filter(\.$code == "000").first()
        let older = try await browser.get("/?scheme=\(try XCTUnwrap(version).requireID().uuidString)&period=2018-05").body.string
        XCTAssertTrue(older.contains("待我办理（0）"))
        XCTAssertTrue(older.contains("id=\"waiting-elsewhere\""), "an older period points to the work waiting in 2018-06")
    }

    func testLogout_endsTheSession() async throws {
        let browser = Browser(app)
        try await browser.login("jinjiang")
        _ = try await browser.get("/")
        let awaited3 = try await browser.post("logout").status
        XCTAssertEqual(awaited3, .seeOther)
        let awaited4 = try await browser.get("api/assessments").status
        XCTAssertEqual(awaited4, .unauthorized)
    }

    func testDashboardAndRanking_showTheUsersPartOfTheTree() async throws {
        let browser = Browser(app)
        try await browser.login("chengdu")
        let list = try await browser.json("api/assessments", as: OverviewDTO.self)
        XCTAssertEqual(list.period, "2018-06")
        XCTAssertEqual(list.assessments.count, 21, "成都市 and its 20 districts and counties")
        XCTAssertTrue(list.assessments.contains { $0.unit == "青羊区" && $0.mine }, "青羊区 waits for 成都's 初评")
        let page = try await browser.get("/")
        XCTAssertTrue(page.body.string.contains("待我办理"))
        let exported = try await browser.get("assessments.xlsx")
        let sheet = try Workbook(xlsxData: Data(buffer: exported.body)).sheets[0]
        XCTAssertEqual(sheet.rows.count, 2 + 21, "a title, a header and the 21 units")
        XCTAssertTrue(sheet.rows.contains { $0.count > 1 && $0[1].text == "青羊区" })
    }

    func testSchemeUpload_showsTheLineOfTheError_andStoresNothing() async throws {
        let browser = Browser(app)
        try await browser.login("admin")
        _ = try await browser.get("schemes")
        let before = try await SchemeVersion.query(on: app.db).count()
        let yaml = "scheme:\n  id: X1\n  name: 测试\n  total: 10\nindicators:\n  - code: \"1\"\n    name: 甲\n    max: 10\n    rule: {kind: nonsense}\n"
        let response = try await browser.upload("schemes/upload", file: "bad.yaml", Data(yaml.utf8))
        XCTAssertEqual(response.status, .unprocessableEntity)
        XCTAssertTrue(response.body.string.contains("bad.yaml:9"), response.body.string)
        let after = try await SchemeVersion.query(on: app.db).count()
        XCTAssertEqual(before, after)
    }

    func testSchemeCopiedToTheNextYear_opensAssessmentsAndFreezes() async throws {
        let admin = Browser(app)
        try await admin.login("admin")
        _ = try await admin.get("schemes")
        let original = try await SchemeVersion.query(on: app.db).filter(\.$code == "003").first()!
        let copied = try await admin.post("versions/\(try original.requireID())/copy")
        XCTAssertEqual(copied.status, .seeOther)
        let copy = try await SchemeVersion.query(on: app.db).filter(\.$code == "003").filter(\.$version == original.version + 1).first()
        XCTAssertEqual(copy?.year, (original.year ?? 0) + 1)
        XCTAssertEqual(copy?.frozen, false)
        let id = try XCTUnwrap(copy?.requireID())
        let bad = try await admin.post("versions/\(id)/open", ["period": "明年", "root": "5101", "kinds": "县市区"])
        XCTAssertEqual(bad.status, .unprocessableEntity)
        let opened = try await admin.post("versions/\(id)/open", ["period": "2019-01", "root": "5101", "kinds": "县市区"])
        XCTAssertEqual(opened.status, .seeOther)
        let count = try await Assessment.query(on: app.db).filter(\.$scheme.$id == id).count()
        XCTAssertEqual(count, 20, "成都市's 20 districts and counties")
        let frozen = try await SchemeVersion.find(id, on: app.db)
        XCTAssertEqual(frozen?.frozen, true)
        // Only the scheme admin manages schemes.
        let filler = Browser(app)
        try await filler.login("jinjiang")
        _ = try await filler.get("schemes")
        let refused = try await filler.post("versions/\(id)/copy")
        XCTAssertEqual(refused.status, .forbidden)
    }

    /// 001's composite: 74.61 with the cells the report's text lets one recompute (the evaluators' own cells give
    /// the printed 74.87), and the disagreements listed beside it.
    func testExamples_showCompositeAndTheDisagreements() async throws {
        let browser = Browser(app)
        try await browser.login("lingdao")
        let composite = try await browser.get("schemes/001/results").body.string
        XCTAssertTrue(composite.contains("综合得分 74.61，等级 中"))
        XCTAssertTrue(composite.contains("1.83") && composite.contains("1.93"))  // 延安市 2.1.1 as printed and recomputed
        let results = try await browser.get("schemes/002-01/results").body.string
        XCTAssertTrue(results.contains("1.99") && results.contains("2.09"))
        let awaited6 = try await browser.get("schemes/002-01").body.string.contains("预算执行率得分 = 预算执行率 * 2.27")
        XCTAssertTrue(awaited6)
        let ranking = try await browser.json("api/schemes/003/ranking", as: RankingDTO.self)
        XCTAssertEqual(ranking.rows.first?.name, "肖波")
        XCTAssertEqual(ranking.rows.first?.total, "103.90")
        XCTAssertEqual(ranking.rows.first { $0.name == "莫国华" }?.grade, "四等")
        let missing = try await browser.get("schemes/不存在/results")
        XCTAssertEqual(missing.status, .notFound)
        XCTAssertTrue(missing.body.string.contains("没有编号为"))
    }

    func testHealthz_onPostgreSQL() async throws {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], url.hasPrefix("postgres") else {
            throw XCTSkip("DATABASE_URL is not set: the PostgreSQL health check is skipped")
        }
        try await withApp(databaseURL: url) { postgres in
            try await postgres.test(.GET, "healthz") { response async in XCTAssertEqual(response.status, .ok) }
        }
    }
}
