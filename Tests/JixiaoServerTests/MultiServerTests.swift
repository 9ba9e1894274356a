import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import XCTest
@testable import JixiaoServer

/// Two `jixiao serve` processes (the built binary) behind one PostgreSQL, as a province scales out: a session begun
/// on one is honoured by the other, a save on one is never followed by a stale ranking on the other, and a restart
/// signs nobody out.
final class MultiServerTests: XCTestCase {
    func testTwoServerProcesses_shareSessionsAndNeverServeAStaleRanking_andARestartKeepsUsersSignedIn() async throws {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], url.hasPrefix("postgres") else {
            throw XCTSkip("DATABASE_URL is not set: the two-process test is skipped")
        }
        guard let binary = StartupTests.binary else { throw XCTSkip("the jixiao executable was not built: the two-process test is skipped") }
        // The small demo in a clean database, written by an app of the test, which then goes away.
        let setup = try await makeApp(databaseURL: url)
        let id: UUID, scheme: UUID
        do {
            id = try await assessmentID(setup, unit: "510102")  // at 初评: 成都市's turn
            scheme = try await Assessment.find(id, on: setup.db)!.$scheme.id
        } catch {
            try await setup.asyncShutdown()
            throw error
        }
        try await setup.asyncShutdown()

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jixiao-two-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("JIXIAO_") }
        environment["DATABASE_URL"] = url
        func start(_ port: Int) throws -> ServerProcess {
            try ServerProcess(binary: binary, arguments: ["serve", "--port", String(port)], environment: environment,
                              directory: directory, port: port)
        }
        let one = try start(try StartupTests.freePort())
        var two = try start(try StartupTests.freePort())
        defer {
            one.stop()
            two.stop()
        }
        try await one.waitUntilHealthy()
        try await two.waitUntilHealthy()

        let client = HTTPClient.testing
        let session = try await Self.signIn(client, one.base, "chengdu")
        let ranking = "/api/rankings/\(scheme)/2018-06"
        func standing(on server: ServerProcess) async throws -> [String] {
            let answer = try await Self.send(client, "GET", server.base + ranking, session)
            XCTAssertEqual(answer.status, 200, answer.body)
            let object = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
            let rows = object?["rows"] as? [[String: Any]] ?? []
            // The unit's totals and every ranking coefficient (a ranked figure moves the coefficient even where
            // the total stays).
            guard let row = rows.first(where: { $0["code"] as? String == "510102" }) else { return [] }
            let coefficients = (row["coefficients"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return (row["totals"] as? [String] ?? []) + coefficients
        }
        for attempt in 0..<4 {
            let before = try await standing(on: two)  // server two holds the period now
            let sheet = try await Self.send(client, "GET", one.base + "/api/assessments/\(id)", session)
            let revision = (try JSONSerialization.jsonObject(with: Data(sheet.body.utf8)) as? [String: Any])?["revision"] as? Int ?? -1
            let figures = try JSONSerialization.data(withJSONObject: [
                "revision": revision, "figures": ["落实精准度": attempt % 2 == 0 ? "99%" : "1%"], "reasons": ["落实精准度": "两台服务器 \(attempt)"],
            ])
            let saved = try await Self.send(client, "PUT", one.base + "/api/assessments/\(id)/figures", session, json: figures)
            XCTAssertEqual(saved.status, 200, saved.body)
            let onOne = try await standing(on: one)
            let onTwo = try await standing(on: two)
            XCTAssertEqual(onTwo, onOne, "server two after save \(attempt) on server one")
            if attempt > 0 { XCTAssertNotEqual(onTwo, before, "the save changed the score (attempt \(attempt))") }
        }

        // A restart of server two: the same cookie is still signed in.
        two.stop()
        two = try start(two.port)
        try await two.waitUntilHealthy()
        let after = try await Self.send(client, "GET", two.base + "/api/assessments", session)
        XCTAssertEqual(after.status, 200, "still signed in after the restart: \(after.body.prefix(200))")
    }

    struct Session {
        let cookie: String
        let csrf: String
    }

    /// Signs in through the form, then reads the new session's CSRF token from a page, as a browser does.
    static func signIn(_ client: HTTPClient, _ base: String, _ username: String) async throws -> Session {
        let form = try await client.execute(HTTPClientRequest(url: base + "/login"), timeout: .seconds(10))
        let first = form.headers["set-cookie"].first.flatMap { $0.split(separator: ";").first.map(String.init) } ?? ""
        let page = String(buffer: try await form.body.collect(upTo: 1 << 20))
        let csrf = token(in: page)
        var request = HTTPClientRequest(url: base + "/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Cookie", value: first)
        request.body = .bytes(ByteBuffer(string: "username=\(username)&password=\(DemoData.password)&_csrf=\(csrf.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"))
        let answer = try await client.execute(request, timeout: .seconds(10))
        guard answer.status == .seeOther, let cookie = answer.headers["set-cookie"].first?.split(separator: ";").first.map(String.init) else {
            throw ServerProcessFailure(message: "sign-in as \(username): \(answer.status)")
        }
        let home = try await send(client, "GET", base + "/org", Session(cookie: cookie, csrf: ""))
        return Session(cookie: cookie, csrf: token(in: home.body))
    }

    static func token(in page: String) -> String {
        guard let range = page.range(of: "name=\"_csrf\" value=\"") else { return "" }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }

    static func send(_ client: HTTPClient, _ method: String, _ url: String, _ session: Session, json: Data? = nil) async throws
        -> (status: UInt, body: String)
    {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Cookie", value: session.cookie)
        request.headers.add(name: "Accept", value: "application/json")
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "X-CSRF-Token", value: session.csrf)
            request.body = .bytes(ByteBuffer(bytes: [UInt8](json)))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        return (response.status.code, String(buffer: try await response.body.collect(upTo: 16 << 20)))
    }
}
