import Foundation
import SQLKit
import Fluent
import XCTVapor
@testable import JixiaoServer

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// An app on SQLite in memory (or on `databaseURL`), with the small demo: 四川省, 成都市 and 绵阳市 with their counties.
/// `sqlitePath` names a file instead (kept between apps: a restart); `fresh: false` joins a PostgreSQL database
/// another app of the test already set up (a second server).
func makeApp(databaseURL: String? = nil, sqlitePath: String? = nil, fresh: Bool = true,
             adjust: (inout ServerSettings) -> Void = { _ in }) async throws -> Application {
    var settings = ServerSettings(sqlitePath: sqlitePath, databaseURL: databaseURL, contentDirectory: repository.path)
    settings.demo = databaseURL == nil ? .small : nil
    adjust(&settings)
    // The small demo on SQLite is loaded once per test process and copied for each app (see SmallDemoTemplate).
    var copy: SmallDemoTemplate.Copy?
    if settings.sqlitePath == nil && settings.databaseURL == nil && settings.demo == .small && settings.demoPlatform == nil {
        copy = try await SmallDemoTemplate.shared.copy()
        settings.sqlitePath = copy?.path
    }
    let app = try await Application.make(.testing)
    if let copy { app.lifecycle.use(copy) }
    do {
        try await configure(app, settings: settings)
        if databaseURL != nil && fresh {
            // A clean PostgreSQL database for every test, whatever an earlier run left: drop everything, migrate,
            // load the demo again.
            let sql = app.db as! any SQLDatabase
            try await sql.raw("DROP SCHEMA public CASCADE").run()
            try await sql.raw("CREATE SCHEMA public").run()
            try await app.autoMigrate()
            try await DemoData.loadIfEmpty(.small, contentDirectory: repository.path, on: app.db, logger: app.logger)
        }
    } catch {
        try await app.asyncShutdown()
        throw error
    }
    return app
}

/// The tests' small demo, loaded once per test process (migrations, org tree, accounts, every demo feature's
/// data: seconds in a debug build) into a database file that each app then gets a copy of, in milliseconds.
/// Each test still has a database of its own, exactly as a fresh load leaves it; a test that names its own
/// file, PostgreSQL, or another demo (or the demo with platform records) loads as before.
actor SmallDemoTemplate {
    static let shared = SmallDemoTemplate()
    private var template: Task<String, any Error>?

    /// One app's copy; removed when the app shuts down.
    struct Copy: LifecycleHandler {
        let path: String
        func shutdownAsync(_ application: Application) async {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
    }

    private static var folder: String {
        FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    }

    /// This process's template (several test processes may run at once).
    private static var templatePath: String { "\(folder)/jixiao-test-template-\(getpid()).sqlite" }

    func copy() async throws -> Copy {
        let task = template ?? Task { try await Self.load() }
        template = task
        let path = "\(Self.folder)/jixiao-test-\(UUID().uuidString).sqlite"
        try FileManager.default.copyItem(atPath: try await task.value, toPath: path)
        return Copy(path: path)
    }

    private static func load() async throws -> String {
        let path = templatePath
        let app = try await Application.make(.testing)
        do {
            var settings = ServerSettings(sqlitePath: nil, databaseURL: nil, contentDirectory: repository.path)
            settings.demo = .small
            try await configure(app, settings: settings)
            // A consistent standalone copy of the loaded database (no WAL beside it).
            try await (app.db as! any SQLDatabase).raw("VACUUM INTO \(bind: path)").run()
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
        atexit { try? FileManager.default.removeItem(atPath: SmallDemoTemplate.templatePath) }
        return path
    }
}

/// Runs `body` against a fresh app and shuts the app down whether or not `body` throws.
func withApp(databaseURL: String? = nil, _ body: (Application) async throws -> Void) async throws {
    let app = try await makeApp(databaseURL: databaseURL)
    do { try await body(app) } catch {
        try await app.asyncShutdown()
        throw error
    }
    try await app.asyncShutdown()
}

/// A browser's worth of state against an XCTVapor app: the session cookie and the page's CSRF token.
final class Browser: @unchecked Sendable {
    let app: Application
    var cookie: String?
    var csrf = ""

    init(_ app: Application) { self.app = app }

    /// Signs in as a demo account (password 演示密码) and returns the login answer's status.
    @discardableResult
    func login(_ username: String, password: String = DemoData.password) async throws -> HTTPStatus {
        _ = try await get("login")
        let response = try await send(.POST, "login", form: ["username": username, "password": password, "_csrf": csrf])
        // Sign-in starts a new session with a new anti-forgery token: read it from the first page, as a browser does.
        if response.status == .seeOther { _ = try await get("org") }
        return response.status
    }

    func get(_ path: String) async throws -> XCTHTTPResponse {
        try await send(.GET, path)
    }

    func send(_ method: HTTPMethod, _ path: String, form: [String: String]? = nil, json: (any Content)? = nil,
              headers extra: HTTPHeaders = [:]) async throws -> XCTHTTPResponse {
        var captured: XCTHTTPResponse?
        var headers = extra
        if let cookie { headers.replaceOrAdd(name: .cookie, value: cookie) }
        try await app.test(method, path, headers: headers, beforeRequest: { request async throws in
            if let form { try request.content.encode(form, as: .urlEncodedForm) }
            if let json { try request.content.encode(json, as: .json) }
        }, afterResponse: { response async in
            captured = response
        })
        guard let response = captured else { throw Abort(.internalServerError) }
        if let setCookie = response.headers.first(name: .setCookie), let pair = setCookie.split(separator: ";").first {
            cookie = String(pair)
        }
        let body = response.body.string
        if let range = body.range(of: "name=\"_csrf\" value=\"") {
            csrf = String(body[range.upperBound...].prefix { $0 != "\"" })
        }
        return response
    }

    /// Posts a form with this session's CSRF token.
    func post(_ path: String, _ form: [String: String] = [:]) async throws -> XCTHTTPResponse {
        var form = form
        form["_csrf"] = csrf
        return try await send(.POST, path, form: form)
    }

    /// Posts a form whose names may repeat (a multiple select's `name[]`), with this session's CSRF token.
    func post(_ path: String, pairs: [(String, String)]) async throws -> XCTHTTPResponse {
        let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }
        let body = (pairs + [("_csrf", csrf)]).map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
        var headers = HTTPHeaders()
        if let cookie { headers.replaceOrAdd(name: .cookie, value: cookie) }
        headers.replaceOrAdd(name: .contentType, value: "application/x-www-form-urlencoded")
        var captured: XCTHTTPResponse?
        try await app.test(.POST, path, headers: headers, body: ByteBuffer(string: body), afterResponse: { response async in
            captured = response
        })
        guard let response = captured else { throw Abort(.internalServerError) }
        return response
    }

    /// Posts a multipart form (the session's CSRF token, `fields`, and one file), as a browser uploads.
    func upload(_ path: String, fields: [String: String] = [:], file name: String, _ data: Data) async throws -> XCTHTTPResponse {
        let boundary = "jixiao-test-boundary"
        var body = ByteBuffer()
        for (field, value) in [("_csrf", csrf)] + fields.sorted(by: { $0.key < $1.key }) {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"\r\n\r\n\(value)\r\n")
        }
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n")
        body.writeBytes(data)
        body.writeString("\r\n--\(boundary)--\r\n")
        var headers = HTTPHeaders()
        if let cookie { headers.replaceOrAdd(name: .cookie, value: cookie) }
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        var captured: XCTHTTPResponse?
        try await app.test(.POST, path, headers: headers, body: body) { response async in captured = response }
        guard let response = captured else { throw Abort(.internalServerError) }
        return response
    }

    func json<T: Decodable>(_ path: String, as type: T.Type) async throws -> T {
        let response = try await get(path)
        guard response.status == .ok else { throw Abort(response.status, reason: response.body.string) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(buffer: response.body))
    }

    func putFigures(_ id: UUID, revision: Int, _ figures: [String: String], reasons: [String: String]? = nil) async throws -> XCTHTTPResponse {
        try await send(.PUT, "api/assessments/\(id)/figures",
                       json: AssessmentController.FiguresDTO(revision: revision, figures: figures, reasons: reasons),
                       headers: ["X-CSRF-Token": csrf])
    }
}

/// The demo assessment of a unit in the newest demo month.
func assessmentID(_ app: Application, unit code: String, period: String = "2018-06") async throws -> UUID {
    let unit = try await OrgUnit.query(on: app.db).filter(\.$code == code).first()
    let assessment = try await Assessment.query(on: app.db).filter(\.$unit.$id == unit!.requireID()).filter(\.$period == period).first()
    return try assessment!.requireID()
}
