import Fluent
import Foundation
import JixiaoCore
import XCTVapor
@testable import JixiaoServer

/// Scheme administration over HTTP (issue 11, item 8): each action's message on the page that shows its result,
/// once; warnings confirmed before anything is stored; content checked before the version; YAML errors in
/// Chinese with their line; periods opened for units ticked in the tree, each checked for scope and kind.
final class SchemeAdminTests: XCTestCase {
    var app: Application!

    override func setUp() async throws { app = try await makeApp() }

    override func tearDown() async throws {
        try await app.asyncShutdown()
        app = nil
    }

    /// A small scheme; `total` other than 105 makes `jixiao validate`'s warning "一级指标分值合计 105，与方案总分 … 不符".
    static func yaml(id: String = "T9", version: Int = 1, total: Int = 105, kind: String = "region") -> String {
        """
        scheme:
          id: \(id)
          name: 测试方案
          year: 2025
          version: \(version)
          subject_kind: \(kind)
          total: \(total)
        indicators:
          - {code: "1", name: 甲, max: 60, rule: {kind: judged}}
          - {code: "2", name: 乙, max: 45, rule: {kind: judged}}
        """
    }

    private func admin() async throws -> Browser {
        let admin = Browser(app)
        try await admin.login("admin")
        _ = try await admin.get("schemes")
        return admin
    }

    /// `XCTUnwrap` for an awaited value (its autoclosure cannot await).
    private func one<T>(_ value: T?, file: StaticString = #filePath, line: UInt = #line) throws -> T {
        try XCTUnwrap(value, file: file, line: line)
    }

    private func location(_ response: XCTHTTPResponse) -> String { response.headers.first(name: .location) ?? "" }

    private func versionCount() async throws -> Int { try await SchemeVersion.query(on: app.db).count() }

    // MARK: Messages on the page that shows the result

    func testUpload_showsItsMessageOnTheNewVersionsPage_onlyOnce() async throws {
        let admin = try await admin()
        let uploaded = try await admin.upload("schemes/upload", file: "t9.yaml", Data(Self.yaml().utf8))
        XCTAssertEqual(uploaded.status, .seeOther, uploaded.body.string)
        let stored = try await SchemeVersion.query(on: app.db).filter(\.$code == "T9").first()
        let id = try XCTUnwrap(stored?.requireID())
        XCTAssertEqual(location(uploaded), "/versions/\(id.uuidString)", "the answer leads to the new version's page")

        let page = try await admin.get(location(uploaded)).body.string
        XCTAssertTrue(page.contains("已上传 T9 第 1 版（t9.yaml），校验无错误、无警告"), page)
        let again = try await admin.get(location(uploaded)).body.string
        XCTAssertFalse(again.contains("已上传"), "shown once")
        let elsewhere = try await admin.get("org").body.string + (try await admin.get("schemes").body.string)
        XCTAssertFalse(elsewhere.contains("已上传"), "never on a later page")
    }

    func testCopy_showsItsMessageOnTheCopysPage() async throws {
        let admin = try await admin()
        let original = try one(await SchemeVersion.query(on: app.db).filter(\.$code == "003").first())
        let copied = try await admin.post("versions/\(try original.requireID())/copy")
        XCTAssertEqual(copied.status, .seeOther)
        let copy = try one(await SchemeVersion.query(on: app.db).filter(\.$code == "003").filter(\.$version == original.version + 1).first())
        XCTAssertEqual(location(copied), "/versions/\(try copy.requireID().uuidString)")
        let page = try await admin.get(location(copied)).body.string
        XCTAssertTrue(page.contains("已复制 003 第 \(original.version) 版为 \((original.year ?? 0) + 1) 年度第 \(original.version + 1) 版"), page)
        let body1 = try await admin.get(location(copied)).body.string
        XCTAssertFalse(body1.contains("已复制"))
    }

    // MARK: Warnings confirmed before saving

    func testUploadWithAWarning_isStoredOnlyOnceConfirmed() async throws {
        let admin = try await admin()
        let before = try await versionCount()
        let uploaded = try await admin.upload("schemes/upload", file: "warn.yaml", Data(Self.yaml(total: 100).utf8))
        XCTAssertEqual(uploaded.status, .seeOther, uploaded.body.string)
        XCTAssertTrue(location(uploaded).hasPrefix("/schemes/upload/"), location(uploaded))
        let afterUpload = try await versionCount()
        XCTAssertEqual(afterUpload, before, "nothing stored before the confirmation")
        let pendingCount = try await PendingSchemeUpload.query(on: app.db).count()
        XCTAssertEqual(pendingCount, 1, "the file waits in the database, not in this server's memory")

        let confirmation = try await admin.get(location(uploaded))
        XCTAssertEqual(confirmation.status, .ok)
        let page = confirmation.body.string
        XCTAssertTrue(page.contains("warn.yaml:"), "each warning names file and line")
        XCTAssertTrue(page.contains("一级指标分值合计 105，与方案总分 100 不符"), page)
        XCTAssertTrue(page.contains("有 1 条警告"))

        // Another user cannot confirm it; a second look at the page stores nothing either.
        let filler = Browser(app)
        try await filler.login("jinjiang")
        _ = try await filler.get("org")
        let refused = try await filler.post(location(uploaded) + "/confirm")
        XCTAssertEqual(refused.status, .forbidden)
        let afterRefusal = try await versionCount()
        XCTAssertEqual(afterRefusal, before)

        let confirmed = try await admin.post(location(uploaded) + "/confirm")
        XCTAssertEqual(confirmed.status, .seeOther, confirmed.body.string)
        let stored = try one(await SchemeVersion.query(on: app.db).filter(\.$code == "T9").first())
        XCTAssertEqual(location(confirmed), "/versions/\(try stored.requireID().uuidString)")
        let body2 = try await admin.get(location(confirmed)).body.string
        XCTAssertTrue(body2.contains("已上传 T9 第 1 版（warn.yaml），您已确认其 1 条警告"))
        let left = try await PendingSchemeUpload.query(on: app.db).count()
        XCTAssertEqual(left, 0)
        let twice = try await admin.post(location(uploaded) + "/confirm")
        XCTAssertEqual(twice.status, .notFound, "a confirmation stores once")
    }

    func testUploadWithAWarning_canBeDiscarded_andTheListSaysSo() async throws {
        let admin = try await admin()
        let before = try await versionCount()
        let uploaded = try await admin.upload("schemes/upload", file: "warn.yaml", Data(Self.yaml(total: 100).utf8))
        let discarded = try await admin.post(location(uploaded) + "/discard")
        XCTAssertEqual(discarded.status, .seeOther)
        XCTAssertEqual(location(discarded), "/schemes")
        let body3 = try await admin.get("schemes").body.string
        XCTAssertTrue(body3.contains("已放弃上传 warn.yaml，未保存"))
        let after = try await versionCount()
        XCTAssertEqual(after, before)
        let gone = try await admin.post(location(uploaded) + "/confirm")
        XCTAssertEqual(gone.status, .notFound)
    }

    // MARK: Content before version; YAML errors in Chinese

    func testContentErrors_areReportedBeforeTheVersionNumber() async throws {
        let admin = try await admin()
        let taken = try one(await SchemeVersion.query(on: app.db).filter(\.$code == "003").first())
        // The id and version of a stored version, and a broken rule: the rule is what the admin hears about.
        let broken = Self.yaml(id: "003", version: taken.version).replacingOccurrences(of: "{kind: judged}}\n  - {code: \"2\"", with: "{kind: nonsense}}\n  - {code: \"2\"")
        let refused = try await admin.upload("schemes/upload", file: "broken.yaml", Data(broken.utf8))
        XCTAssertEqual(refused.status, .unprocessableEntity)
        XCTAssertTrue(refused.body.string.contains("broken.yaml:"), refused.body.string)
        XCTAssertTrue(refused.body.string.contains("nonsense"), refused.body.string)
        XCTAssertFalse(refused.body.string.contains("已有第"), "the version is not checked before the content reads")

        // Once the content is right, the version number is what is wrong, with the number to use.
        let fixed = Self.yaml(id: "003", version: taken.version)
        let clash = try await admin.upload("schemes/upload", file: "fixed.yaml", Data(fixed.utf8))
        XCTAssertEqual(clash.status, .unprocessableEntity)
        XCTAssertTrue(clash.body.string.contains("方案 003 已有第 \(taken.version) 版；请把文件中 scheme 下的 version 改为 \(taken.version + 1) 后再上传"), clash.body.string)
    }

    func testYAMLSyntaxError_isInChineseWithLineAndColumn() async throws {
        let admin = try await admin()
        let before = try await versionCount()
        let yaml = "scheme: {id: T, name: 测试 total: 10}\nindicators: []\n"
        let refused = try await admin.upload("schemes/upload", file: "bad.yaml", Data(yaml.utf8))
        XCTAssertEqual(refused.status, .unprocessableEntity)
        let page = refused.body.string
        XCTAssertTrue(page.contains("bad.yaml:1: 错误: YAML 格式错误（第 1 行第 31 列）：花括号 {…} 没有正确结束"), page)
        for english in ["while parsing", "did not find", "expected"] { XCTAssertFalse(page.contains(english), english) }
        let after = try await versionCount()
        XCTAssertEqual(after, before)
    }

    // MARK: Opening a period by ticking units

    private func post(_ browser: Browser, _ path: String, _ pairs: [(String, String)]) async throws -> XCTHTTPResponse {
        try await browser.post(path, pairs: pairs)
    }

    private func versionID(_ code: String) async throws -> UUID {
        try one(await SchemeVersion.query(on: app.db).filter(\.$code == code).first()).requireID()
    }

    func testOpenForm_listsTheUnitsOfTheSchemesSubjectKind() async throws {
        let admin = try await admin()
        let regions = try await admin.get("versions/\(try await versionID("004"))/open").body.string
        XCTAssertTrue(regions.contains("value=\"5101\"") && regions.contains("value=\"510104\"") && regions.contains("value=\"5107\""))
        XCTAssertTrue(regions.contains("成都市 全选"), "a select-all per city")
        // 002-01 assesses projects; the small demo's tree has none.
        let projects = try await admin.get("versions/\(try await versionID("002-01"))/open").body.string
        XCTAssertTrue(projects.contains("您的管辖范围内没有类型为 项目 的单位"), projects)
        XCTAssertFalse(projects.contains("value=\"5101\""))
    }

    func testOpening_withPickedUnits_createsTheirAssessments_andTheVersionPageSaysSo() async throws {
        let admin = try await admin()
        let id = try await versionID("004")
        let opened = try await post(admin, "versions/\(id)/open", [("period", "2030-01"), ("units[]", "5101"), ("units[]", "510104")])
        XCTAssertEqual(opened.status, .seeOther, opened.body.string)
        XCTAssertEqual(location(opened), "/versions/\(id.uuidString)")
        let assessments = try await Assessment.query(on: app.db).filter(\.$scheme.$id == id).filter(\.$period == "2030-01").with(\.$unit).all()
        XCTAssertEqual(Set(assessments.map(\.unit.code)), ["5101", "510104"])
        let frozen = try await SchemeVersion.find(id, on: app.db)
        XCTAssertEqual(frozen?.frozen, true)
        let page = try await admin.get(location(opened)).body.string
        XCTAssertTrue(page.contains("已为 2 个单位开启 2030-01 考核（新建 2 份）；该版本已冻结"), page)
        XCTAssertTrue(page.contains(">2030-01</a>"), "the opened period is listed")
        // Opening again adds only what is new.
        let again = try await post(admin, "versions/\(id)/open", [("period", "2030-01"), ("units[]", "5101"), ("units[]", "5107")])
        XCTAssertEqual(again.status, .seeOther)
        let body4 = try await admin.get(location(again)).body.string
        XCTAssertTrue(body4.contains("已为 2 个单位开启 2030-01 考核（新建 1 份，1 个单位原已开启）"))
    }

    func testOpening_refusesAWrongKindAnUnknownUnitAndABadPeriod_namingEach() async throws {
        let admin = try await admin()
        let projects = try await versionID("002-01")
        let projectsWereFrozen = try await SchemeVersion.find(projects, on: app.db)?.frozen  // the demo's 深圳市残联 has opened 002
        let persons = try await versionID("003")  // not opened by the demo
        let before = try await Assessment.query(on: app.db).count()
        let wrongKind = try await post(admin, "versions/\(projects)/open", [("period", "2030"), ("units[]", "510104")])
        XCTAssertEqual(wrongKind.status, .unprocessableEntity)
        XCTAssertTrue(wrongKind.body.string.contains("“武侯区”（510104）是县市区，本方案的考核对象是项目，不能为它开启考核"), wrongKind.body.string)

        let regions = try await versionID("004")
        let wasFrozen = try await SchemeVersion.find(regions, on: app.db)?.frozen
        let bad = try await post(admin, "versions/\(regions)/open", [("period", "2030-13"), ("units[]", "5101"), ("units[]", "99<x>")])
        XCTAssertEqual(bad.status, .unprocessableEntity)
        XCTAssertTrue(bad.body.string.contains("考核期“2030-13”应写作年份（如 2025）或年月（如 2025-06，月份 01–12）"))
        XCTAssertTrue(bad.body.string.contains("没有代码为“99&lt;x&gt;”的单位"), "named, escaped")
        XCTAssertTrue(bad.body.string.contains("value=\"5101\" data-kind=\"市州\" checked"), "the ticks are kept")
        let none = try await post(admin, "versions/\(regions)/open", [("period", "2030")])
        XCTAssertTrue(none.body.string.contains("请至少勾选一个单位"))
        let after = try await Assessment.query(on: app.db).count()
        XCTAssertEqual(after, before, "nothing opened")
        let frozen = try await SchemeVersion.find(regions, on: app.db)
        XCTAssertEqual(frozen?.frozen, wasFrozen, "a refused opening freezes nothing (the demo's 004 is opened, so frozen already)")
        let projectScheme = try await SchemeVersion.find(projects, on: app.db)
        XCTAssertEqual(projectScheme?.frozen, projectsWereFrozen, "the refused 002-01 opening changed nothing")
        let wrongPerson = try await post(admin, "versions/\(persons)/open", [("period", "2030"), ("units[]", "510104")])
        XCTAssertEqual(wrongPerson.status, .unprocessableEntity)
        let personScheme = try await SchemeVersion.find(persons, on: app.db)
        XCTAssertEqual(personScheme?.frozen, false, "the refused 003 opening froze nothing")
    }

    func testOpening_refusesAUnitOutsideTheAdminsScope_namingIt() async throws {
        // A scheme admin of 成都市 sees 成都市's tree only, and cannot open 绵阳市 by posting its code.
        let chengdu = try one(await OrgUnit.query(on: app.db).filter(\.$code == "5101").first())
        try await User(username: "cdadmin", displayName: "成都方案管理员", passwordHash: try Bcrypt.hash(DemoData.password),
                       role: .schemeAdmin, unitID: try chengdu.requireID()).create(on: app.db)
        let admin = Browser(app)
        try await admin.login("cdadmin")
        _ = try await admin.get("schemes")
        let id = try await versionID("004")
        let form = try await admin.get("versions/\(id)/open").body.string
        XCTAssertTrue(form.contains("value=\"510104\""))
        XCTAssertFalse(form.contains("value=\"5107\"") || form.contains("value=\"51\""), "only the admin's own tree")
        let refused = try await post(admin, "versions/\(id)/open", [("period", "2030-02"), ("units[]", "510104"), ("units[]", "5107")])
        XCTAssertEqual(refused.status, .unprocessableEntity)
        XCTAssertTrue(refused.body.string.contains("“绵阳市”（5107）不在您的管辖范围内，不能为它开启考核"), refused.body.string)
        let opened = try await Assessment.query(on: app.db).filter(\.$period == "2030-02").count()
        XCTAssertEqual(opened, 0, "all or nothing")
    }

    // MARK: Chinese on the scheme pages

    func testSchemePages_sayRuleKindsAndHintsInChinese() async throws {
        let admin = try await admin()
        let page = try await admin.get("versions/\(try await versionID("000"))").body.string
        for english in ["checklist", "judged", "incidents", "threshold", "tiers", "ranking", "proportional", "formula"] {
            XCTAssertFalse(page.contains(">\(english)<"), "\(english) on the scheme page")
        }
        XCTAssertFalse(page.contains("true/false"))
        XCTAssertTrue(page.contains("<td>评审打分</td>") && page.contains("<td>排名系数</td>"), "rule kinds in Chinese")
        XCTAssertTrue(page.contains("（是/否）"), "hints say 是/否")
        let list = try await admin.get("schemes").body.string
        XCTAssertFalse(list.contains("docs/schemes.md"))
        XCTAssertFalse(list.contains(">JSON<"))
    }

    func testPendingAndOpenPages_escapeWhatTheFileAndTheTreeSay() async throws {
        let admin = try await admin()
        let hostile = #""><script>alert(1)</script>"#
        let yaml = Self.yaml(total: 100).replacingOccurrences(of: "name: 测试方案", with: "name: '\(hostile)'")
        let uploaded = try await admin.upload("schemes/upload", file: "x<b>y.yaml", Data(yaml.utf8))
        let page = try await admin.get(location(uploaded)).body.string
        XCTAssertTrue(page.contains("&lt;script&gt;alert(1)"), page)
        XCTAssertFalse(page.contains("<script>alert(1)") || page.contains("x<b>y"))
        let confirmed = try await admin.post(location(uploaded) + "/confirm")
        let version = try await admin.get(location(confirmed)).body.string
        XCTAssertFalse(version.contains("<script>alert(1)"))
        XCTAssertTrue(version.contains("&lt;script&gt;alert(1)"))
    }

    // MARK: On PostgreSQL too

    /// The pending upload and the notice live in the database: a second app server on the same PostgreSQL
    /// shows the confirmation and stores it.
    func testUploadConfirmedOnAnotherServer_onPostgreSQL() async throws {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], url.hasPrefix("postgres") else {
            throw XCTSkip("DATABASE_URL is not set: the PostgreSQL scheme-administration test is skipped")
        }
        let first = try await makeApp(databaseURL: url)
        let second: Application
        do { second = try await makeApp(databaseURL: url, fresh: false) } catch {
            try await first.asyncShutdown()
            throw error
        }
        do {
            let admin = Browser(first)
            try await admin.login("admin")
            _ = try await admin.get("schemes")
            let uploaded = try await admin.upload("schemes/upload", file: "warn.yaml", Data(Self.yaml(total: 100).utf8))
            let pending = uploaded.headers.first(name: .location) ?? ""
            XCTAssertTrue(pending.hasPrefix("/schemes/upload/"))
            // The same browser, now answered by the other server.
            let other = Browser(second)
            other.cookie = admin.cookie
            let page = try await other.get(pending)
            XCTAssertTrue(page.body.string.contains("一级指标分值合计 105，与方案总分 100 不符"))
            let confirmed = try await other.post(pending + "/confirm")
            XCTAssertEqual(confirmed.status, .seeOther, confirmed.body.string)
            admin.csrf = other.csrf
            let shown = try await admin.get(confirmed.headers.first(name: .location) ?? "")
            XCTAssertTrue(shown.body.string.contains("您已确认其 1 条警告"), "the notice crosses servers")
        } catch {
            try? await second.asyncShutdown()
            try? await first.asyncShutdown()
            throw error
        }
        try await second.asyncShutdown()
        try await first.asyncShutdown()
    }
}
