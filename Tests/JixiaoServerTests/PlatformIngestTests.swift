import Fluent
import Foundation
import JixiaoXLSX
import SQLKit
import XCTVapor
@testable import JixiaoServer

/// API tokens, the JSON push API and uploads of record files with their progress (PlatformIngest/).
/// On SQLite in memory; on PostgreSQL instead when DATABASE_URL is set (one session per ingest, all or nothing).
final class PlatformIngestTests: XCTestCase {
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

    /// Issues a token as `admin` on the admin's own unit and returns the secret the page shows once.
    private func issueToken(_ browser: Browser, name: String = "量服推送") async throws -> String {
        _ = try await browser.get("platform/tokens")
        let page = try await browser.post("platform/tokens", ["name": name])
        XCTAssertEqual(page.status, .ok, page.body.string)
        let body = page.body.string
        guard let range = body.range(of: "id=\"secret\">") else {
            XCTFail("the new token is not shown: \(body)")
            return ""
        }
        return String(body[range.upperBound...].prefix { $0 != "<" })
    }

    private func push(_ token: String?, _ body: String, headers extra: HTTPHeaders = [:]) async throws -> XCTHTTPResponse {
        var headers = extra
        if let token { headers.replaceOrAdd(name: .authorization, value: "Bearer \(token)") }
        headers.replaceOrAdd(name: .contentType, value: "application/json")
        var captured: XCTHTTPResponse?
        try await app.test(.POST, "api/platform/records", headers: headers, body: ByteBuffer(string: body)) { response async in captured = response }
        return try XCTUnwrap(captured)
    }

    private func json(_ response: XCTHTTPResponse) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any], response.body.string)
    }

    private func count(_ table: String) async throws -> Int {
        let row = try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()
        return try row?.decode(column: "n", as: Int.self) ?? -1
    }

    private func services(_ rows: [(id: String, county: String, funds: String)]) -> String {
        let records = rows.map { row in
            """
            {"record_id": "\(row.id)", "changed_at": "2018-05-02 10:00:00", "person_id": "p-\(row.id)", "county_code": "\(row.county)",
             "project": "农村困难残疾人家庭改造", "service_date": "2018-05-02", "funds": \(row.funds), "direct": 1, "income": false,
             "funds_support": "是", "goods_support": 0, "training": 0}
            """
        }
        return #"{"kind": "services", "records": ["# + records.joined(separator: ",") + "]}"
    }

    private func upload(_ browser: Browser, file: String, kind: String = "", _ data: Data, csrf: Bool = true) async throws -> XCTHTTPResponse {
        var headers = HTTPHeaders()
        if let cookie = browser.cookie { headers.replaceOrAdd(name: .cookie, value: cookie) }
        if csrf { headers.replaceOrAdd(name: "X-CSRF-Token", value: browser.csrf) }
        headers.replaceOrAdd(name: .contentType, value: "application/octet-stream")
        let query = "file=\(file.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&kind=\(kind)"
        var captured: XCTHTTPResponse?
        try await app.test(.POST, "platform/imports/upload?\(query)", headers: headers, body: ByteBuffer(data: data)) { response async in captured = response }
        return try XCTUnwrap(captured)
    }

    /// Polls the progress endpoint as the page does until the import is finished; returns every state seen.
    private func waitForImport(_ browser: Browser, _ answer: XCTHTTPResponse) async throws -> (final: [String: Any], seen: [String]) {
        XCTAssertEqual(answer.status, .accepted, answer.body.string)
        let progress = try XCTUnwrap(try json(answer)["progress"] as? String)
        var seen: [String] = []
        for _ in 0..<400 {
            let response = try await browser.get(String(progress.dropFirst()))
            XCTAssertEqual(response.status, .ok, response.body.string)
            let data = try json(response)
            if let state = data["state"] as? String, seen.last != state { seen.append(state) }
            if data["finished"] as? Bool == true { return (data, seen) }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        XCTFail("the import did not finish")
        return ([:], seen)
    }

    // MARK: tokens and the push API

    func testTokenIsShownOnceStoredHashedPushesIdempotentlyAndRevokedIsRefused() async throws {
        let admin = Browser(app)
        try await admin.login("zhanghao")
        let secret = try await issueToken(admin)
        XCTAssertGreaterThanOrEqual(secret.count, 40, "at least 128 random bits")
        // Stored as its SHA-256 only; the list never shows it again.
        let tokens = try await PlatformToken.query(on: app.db).all()
        XCTAssertEqual(tokens.count, 1)
        XCTAssertEqual(tokens.first?.secretHash, PlatformToken.hash(secret))
        XCTAssertNotEqual(tokens.first?.secretHash, secret)
        let list = try await admin.get("platform/tokens")
        XCTAssertFalse(list.body.string.contains(secret))
        XCTAssertTrue(list.body.string.contains("量服推送"))

        let body = services([("s1", "510101", "1200.50"), ("s2", "510701", "300")])
        let first = try await push(secret, body)
        XCTAssertEqual(first.status, .ok, first.body.string)
        XCTAssertEqual(try json(first)["stored"] as? Int, 2)
        XCTAssertEqual(try json(first)["already_present"] as? Int, 0)
        let funds = try await (app.db as! any SQLDatabase).raw("SELECT funds FROM pf_services WHERE record_id = 's1'").first()?
            .decode(column: "funds", as: Int.self)
        XCTAssertEqual(funds, 120050, "1200.50 元 stored exactly in 分")
        // The same request again stores nothing new.
        let again = try await push(secret, body)
        XCTAssertEqual(again.status, .ok)
        XCTAssertEqual(try json(again)["stored"] as? Int, 0)
        XCTAssertEqual(try json(again)["already_present"] as? Int, 2)
        let stored = try await count("pf_services")
        XCTAssertEqual(stored, 2)
        let used = try await PlatformToken.query(on: app.db).first()
        XCTAssertNotNil(used?.lastUsedAt)
        // A version contradicting a stored one (same id and change time, other funds) refuses the whole request.
        let conflicting = try await push(secret, services([("s9", "510101", "5"), ("s1", "510101", "999")]))
        XCTAssertEqual(conflicting.status, .unprocessableEntity, conflicting.body.string)
        let problem = try json(conflicting)
        XCTAssertEqual(problem["record"] as? Int, 2, conflicting.body.string)
        XCTAssertTrue((problem["error"] as? String ?? "").contains("整个请求未写入"), conflicting.body.string)
        let unchanged = try await count("pf_services")
        XCTAssertEqual(unchanged, 2, "s9 was not stored either")

        // Revoked: 401, and nothing more is stored.
        let id = try XCTUnwrap(tokens.first?.id)
        let revoked = try await admin.post("platform/tokens/\(id)/revoke")
        XCTAssertEqual(revoked.status, .seeOther)
        let refused = try await push(secret, services([("s3", "510101", "1")]))
        XCTAssertEqual(refused.status, .unauthorized)
        XCTAssertTrue(try json(refused)["error"] as? String ?? "" != "")
        let after = try await count("pf_services")
        XCTAssertEqual(after, 2)
        let audit = try await PlatformAuditEntry.query(on: app.db).all().map(\.action).sorted()
        XCTAssertEqual(audit, ["撤销接口令牌", "签发接口令牌"])

        // Not an admin: no token pages.
        let filler = Browser(app)
        try await filler.login("jinjiang")
        let forbidden = try await filler.post("platform/tokens", ["name": "x"])
        XCTAssertEqual(forbidden.status, .forbidden)
    }

    func testPushOutsideTheTokensTreeOrWithABadFieldStoresNothing() async throws {
        let chengdu = Browser(app)
        try await chengdu.login("chengduzhanghao")  // 成都市 (5101)
        let secret = try await issueToken(chengdu, name: "成都推送")
        // 510701 (涪城区) is 绵阳's: the whole request is refused, the good first record included.
        let outside = try await push(secret, services([("s1", "510101", "10"), ("s2", "510701", "10")]))
        XCTAssertEqual(outside.status, .forbidden, outside.body.string)
        let problem = try json(outside)
        XCTAssertEqual(problem["record"] as? Int, 2)
        XCTAssertEqual(problem["field"] as? String, "county_code")
        XCTAssertTrue((problem["error"] as? String ?? "").contains("510701"), "\(problem)")
        // A code the org tree does not know is outside a city's tree too.
        let unknown = try await push(secret, services([("s1", "519999", "10")]))
        XCTAssertEqual(unknown.status, .forbidden)
        // A bad field names the record (from 1) and the field, in Chinese.
        let bad = try await push(secret, services([("s1", "510101", "10"), ("s2", "510101", "\"12.345\"")]))
        XCTAssertEqual(bad.status, .unprocessableEntity)
        let named = try json(bad)
        XCTAssertEqual(named["record"] as? Int, 2)
        XCTAssertEqual(named["field"] as? String, "funds")
        XCTAssertTrue((named["error"] as? String ?? "").contains("第 2 条记录，字段 funds"), "\(named)")
        let unknownField = try await push(secret, #"{"kind": "readings", "records": [{"record_id": "r1", "changed_at": "2018-05-01", "person_id": "p", "county_code": "510101", "read_on": "2018-05-01", "pages": 3}]}"#)
        XCTAssertEqual(unknownField.status, .unprocessableEntity)
        XCTAssertEqual(try json(unknownField)["field"] as? String, "pages")
        let stored = try await count("pf_services") + count("pf_readings")
        XCTAssertEqual(stored, 0)
        // Within the tree it goes in.
        let inside = try await push(secret, services([("s1", "510101", "10"), ("s2", "510102", "10")]))
        XCTAssertEqual(inside.status, .ok, inside.body.string)
        // A unit of its tree pushed under another parent: refused, naming the record and parent_code.
        let moved = try await push(secret, #"{"kind": "units", "records": [{"record_id": "510104", "changed_at": "2018-05-01", "name": "武侯区", "parent_code": "5107", "level": "county"}]}"#)
        XCTAssertEqual(moved.status, .forbidden, moved.body.string)
        let movedProblem = try json(moved)
        XCTAssertEqual(movedProblem["record"] as? Int, 1)
        XCTAssertEqual(movedProblem["field"] as? String, "parent_code")
        XCTAssertTrue((movedProblem["error"] as? String ?? "").contains("上级应为“5101”"), "\(movedProblem)")
        let unitsStored = try await count("pf_units")
        XCTAssertEqual(unitsStored, 0)
    }

    func testTokenIsCheckedBeforeTheBodyAndBoundsAreKept() async throws {
        let admin = Browser(app)
        try await admin.login("admin")
        let secret = try await issueToken(admin)
        // No token, or a session instead of one: 401 whatever the body (it is not read).
        let none = try await push(nil, "not json at all")
        XCTAssertEqual(none.status, .unauthorized)
        let withSession = try await push(nil, services([("s1", "510101", "1")]), headers: ["Cookie": admin.cookie ?? "", "X-CSRF-Token": admin.csrf])
        XCTAssertEqual(withSession.status, .unauthorized)
        // Over 10 MiB: refused as too large, not as bad JSON.
        let huge = String(repeating: "x", count: (10 << 20) + 1)
        let tooLarge = try await push(secret, huge)
        XCTAssertEqual(tooLarge.status, .payloadTooLarge, tooLarge.body.string)
        // Over 50,000 records: refused before any record is checked.
        let many = #"{"kind": "readings", "records": ["# + Array(repeating: "{}", count: 50_001).joined(separator: ",") + "]}"
        let tooMany = try await push(secret, many)
        XCTAssertEqual(tooMany.status, .payloadTooLarge, tooMany.body.string)
        let badJSON = try await push(secret, "{\"kind\": \"services\", \"records\": [[1]]}")
        XCTAssertEqual(badJSON.status, .badRequest)
        let badKind = try await push(secret, "{\"kind\": \"pf_users\", \"records\": []}")
        XCTAssertEqual(badKind.status, .unprocessableEntity)
        // An expired token is refused like a revoked one.
        let unit = try await OrgUnit.query(on: app.db).filter(\.$code == "51").first()
        let expired = PlatformToken.newSecret()
        try await PlatformToken(name: "过期", unit: try XCTUnwrap(unit), secretHash: PlatformToken.hash(expired), createdBy: "admin",
                                expiresAt: Date().addingTimeInterval(-60)).create(on: app.db)
        let late = try await push(expired, services([("s1", "510101", "1")]))
        XCTAssertEqual(late.status, .unauthorized)
        let stored = try await count("pf_services")
        XCTAssertEqual(stored, 0)
    }

    // MARK: uploads with progress

    func testUploadRunsAsAJobWhoseProgressReachesDoneAndRepeatsAsANoOp() async throws {
        let admin = Browser(app)
        try await admin.login("admin")
        _ = try await admin.get("platform/imports")
        var csv = "record_id,changed_at,person_id,county_code,read_on\n"
        for i in 1...3000 { csv += "r\(i),2018-05-01 08:00:00,p\(i % 700),\(i % 2 == 0 ? "510101" : "510701"),2018-05-0\(1 + i % 9)\n" }
        let (done, seen) = try await waitForImport(admin, try await upload(admin, file: "readings.csv", Data(csv.utf8)))
        XCTAssertEqual(done["state"] as? String, "done", "\(done)")
        XCTAssertEqual(done["inserted"] as? Int, 3000)
        XCTAssertEqual(done["rowsRead"] as? Int, 3000)
        XCTAssertEqual(done["percent"] as? Int, 100)
        XCTAssertEqual(done["stateText"] as? String, "完成")
        XCTAssertEqual(seen.last, "done")
        let stored = try await count("pf_readings")
        XCTAssertEqual(stored, 3000)
        // The same file again: done, nothing new.
        let (again, _) = try await waitForImport(admin, try await upload(admin, file: "readings.csv", Data(csv.utf8)))
        XCTAssertEqual(again["inserted"] as? Int, 0)
        XCTAssertEqual(again["unchanged"] as? Int, 3000)
        // An xlsx, its kind chosen in the select.
        let sheet = try Workbook(sheets: [Sheet(name: "人员", rows: [
            ["record_id", "changed_at", "county_code", "birth_year", "hukou", "category", "grade"].map { Cell.text($0) },
            [.text("p1"), .text("2018-01-02"), .text("510101"), .number("1970"), .text("农村"), .text("肢体"), .number("2")],
        ])]).xlsxData()
        let (xlsx, _) = try await waitForImport(admin, try await upload(admin, file: "人员名单.xlsx", kind: "persons", sheet))
        XCTAssertEqual(xlsx["state"] as? String, "done", "\(xlsx)")
        XCTAssertEqual(xlsx["inserted"] as? Int, 1)
        // The list of past imports: who, file, kind, counts.
        let list = try await admin.get("platform/imports")
        let body = list.body.string
        XCTAssertEqual(body.components(separatedBy: "readings.csv").count - 1, 2)
        XCTAssertTrue(body.contains("人员名单.xlsx") && body.contains("省残联方案管理员") && body.contains("新写入 3000 条"), body)
        let jobs = try await PlatformImport.query(on: app.db).all()
        let page = try await admin.get("platform/imports/\(try XCTUnwrap(jobs.first?.id))")
        XCTAssertTrue(page.body.string.contains("id=\"import-progress\""))
    }

    /// An import whose server stopped mid-way (its row left 写入, no server running it) is shown as 中断, finished,
    /// with nothing stored and the way to upload it again; on PostgreSQL only once its row is older than the
    /// heartbeat allows, since another server may be running it.
    func testAnImportLeftRunningByAStoppedServerIsShownAsInterrupted() async throws {
        let admin = Browser(app)
        try await admin.login("admin")
        guard let user = try await User.query(on: app.db).filter(\.$username == "admin").with(\.$unit).first() else { return XCTFail("no admin") }
        let signedIn = try SignedIn(user: user, unit: user.unit)
        func job(silentFor seconds: TimeInterval) async throws -> UUID {
            let job = PlatformImport(user: signedIn, file: "services.csv", kind: "services", bytes: 100, at: Date().addingTimeInterval(-seconds))
            job.state = "storing"
            job.rowsRead = 500
            try await job.create(on: app.db)
            return try job.requireID()
        }
        let stopped = try await job(silentFor: 600)
        let progress = try await admin.get("api/platform/imports/\(stopped)")
        let answer = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(buffer: progress.body)) as? [String: Any])
        XCTAssertEqual(answer["state"] as? String, "interrupted", "\(answer)")
        XCTAssertEqual(answer["finished"] as? Bool, true)
        XCTAssertEqual(answer["stateText"] as? String, "中断")
        XCTAssertTrue((answer["result"] as? String ?? "").contains("整个文件未导入"), "\(answer)")
        let page = try await admin.get("platform/imports/\(stopped)").body.string
        XCTAssertTrue(page.contains("id=\"import-again\"") && page.contains("重新上传该文件"), page)
        let list = try await admin.get("platform/imports").body.string
        XCTAssertTrue(list.contains("中断"))
        // Just written: on SQLite (one server runs every job) it is still 中断; on PostgreSQL it may be another
        // server's running job, so it stays 写入中.
        let recent = try await job(silentFor: 1)
        let recentBody = try await admin.get("api/platform/imports/\(recent)").body
        let recentAnswer = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(buffer: recentBody)) as? [String: Any])
        XCTAssertEqual(recentAnswer["state"] as? String, app.writeGate != nil ? "interrupted" : "storing", "\(recentAnswer)")
    }

    func testBadUploadFailsWithRowAndColumnAndStoresNothing() async throws {
        let admin = Browser(app)
        try await admin.login("admin")
        _ = try await admin.get("platform/imports")
        let csv = """
            record_id,changed_at,person_id,county_code,read_on
            r1,2018-05-01,p1,510101,2018-05-01
            r2,2018-05-01,p2,510101,2018-05-32
            """
        let (failed, _) = try await waitForImport(admin, try await upload(admin, file: "readings.csv", Data(csv.utf8)))
        XCTAssertEqual(failed["state"] as? String, "failed")
        let message = failed["error"] as? String ?? ""
        XCTAssertTrue(message.contains("readings.csv 第 3 行，read_on 列"), message)
        XCTAssertEqual(failed["stateText"] as? String, "失败")
        let stored = try await count("pf_readings")
        XCTAssertEqual(stored, 0)
        let page = try await admin.get("platform/imports")
        XCTAssertTrue(page.body.string.contains("第 3 行，read_on 列"))

        // Province staff of Chengdu's tree only: a city reviewer may not upload at all, a filler neither;
        // permission is checked before the body is read, and no job is created.
        let filler = Browser(app)
        try await filler.login("chengdu")
        _ = try await filler.get("inbox")
        let refused = try await upload(filler, file: "readings.csv", Data(csv.utf8))
        XCTAssertEqual(refused.status, .forbidden)
        // Without the session's anti-forgery token.
        let forged = try await upload(admin, file: "readings.csv", Data(csv.utf8), csrf: false)
        XCTAssertEqual(forged.status, .forbidden)
        let jobs = try await PlatformImport.query(on: app.db).count()
        XCTAssertEqual(jobs, 1)
    }

    func testUploadFromAUnitBelowRefusesRecordsOutsideItsTree() async throws {
        // An account admin of 成都市 may upload (an admin), records of 绵阳 are outside its tree.
        let chengdu = Browser(app)
        try await chengdu.login("chengduzhanghao")
        _ = try await chengdu.get("platform/imports")
        let csv = """
            record_id,changed_at,person_id,county_code,read_on
            r1,2018-05-01,p1,510101,2018-05-01
            r2,2018-05-01,p2,510701,2018-05-02
            """
        let (failed, _) = try await waitForImport(chengdu, try await upload(chengdu, file: "readings.csv", Data(csv.utf8)))
        XCTAssertEqual(failed["state"] as? String, "failed")
        let message = failed["error"] as? String ?? ""
        XCTAssertTrue(message.contains("第 3 行，county_code 列") && message.contains("510701"), message)
        let stored = try await count("pf_readings")
        XCTAssertEqual(stored, 0)
        // A unit file from below the top level may not move a unit of its tree under another parent (a county's
        // figures would then add up into another city); its records with the org tree's parents go in.
        let units = "record_id,changed_at,name,parent_code,level\n510101,2018-05-01,锦江区,5101,county\n510104,2018-05-01,武侯区,5107,county\n"
        let (moved, _) = try await waitForImport(chengdu, try await upload(chengdu, file: "units.csv", Data(units.utf8)))
        XCTAssertEqual(moved["state"] as? String, "failed", "\(moved)")
        let movedMessage = moved["error"] as? String ?? ""
        XCTAssertTrue(movedMessage.contains("第 3 行，parent_code 列") && movedMessage.contains("上级应为“5101”"), movedMessage)
        let unitsStored = try await count("pf_units")
        XCTAssertEqual(unitsStored, 0)
        let kept = "record_id,changed_at,name,parent_code,level\n510101,2018-05-01,锦江区,5101,county\n"
        let (done, _) = try await waitForImport(chengdu, try await upload(chengdu, file: "units.csv", Data(kept.utf8)))
        XCTAssertEqual(done["state"] as? String, "done", "\(done)")
    }
}
