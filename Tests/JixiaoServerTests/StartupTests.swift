import AsyncHTTPClient
import Fluent
import FluentSQLiteDriver
import Foundation
import NIOCore
import NIOPosix
import XCTVapor
@testable import JixiaoServer

/// How `jixiao serve` starts: the embedded content, the demo only on request, the first account of a production
/// start, and one Chinese line for every start-up failure. The process tests run the built binary from an empty
/// temporary directory, as an operator would after copying it to a server.
final class StartupTests: XCTestCase {
    // MARK: - Embedded content

    func testEmbeddedContentMatchesRepository() throws {
        var onDisk: [String: String] = [:]
        for (folder, suffix) in [("schemes", ".yaml"), ("schemes/platform", ".yaml"), ("examples", ".yaml"), ("demo", ".csv")] {
            let directory = repository.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(suffix) {
                onDisk["\(folder)/\(name)"] = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            }
        }
        let hint = "Sources/JixiaoServer/Content/EmbeddedContent.swift is stale: run scripts/embed-content and commit it"
        XCTAssertEqual(Set(EmbeddedContent.files.keys), Set(onDisk.keys), hint)
        for (path, text) in onDisk.sorted(by: { $0.key < $1.key }) {
            XCTAssertTrue(EmbeddedContent.files[path] == text, "\(path) differs from its embedded copy. \(hint)")
        }
    }

    func testCatalogFromEmbeddedContent_everySchemeCompiles() throws {
        var skipped: [String] = []
        let catalog = Catalog.load(from: .embedded) { skipped.append($0) }
        XCTAssertEqual(skipped, [])
        XCTAssertEqual(catalog.entries.count, ContentFiles.embedded.names(in: "schemes", suffix: ".yaml").count)
        XCTAssertNotNil(catalog.entry("000")?.report)
    }

    // MARK: - Production start, in process

    func testProductionStart_createsOneAdminOnANewRootUnit() async throws {
        let app = try await Application.make(.testing)
        do {
            var settings = ServerSettings(sqlitePath: nil, databaseURL: nil)
            settings.adminPassword = "geheim-2026"
            settings.rootUnitCode = "43"
            settings.rootUnitName = "湖南省残联"
            settings.rootUnitKind = "部门"
            try await configure(app, settings: settings)
            let users = try await User.query(on: app.db).with(\.$unit).all()
            XCTAssertEqual(users.map(\.username), ["admin"])
            XCTAssertEqual(users.first?.role, .schemeAdmin)
            XCTAssertEqual(users.first?.unit.code, "43")
            XCTAssertEqual(users.first?.unit.name, "湖南省残联")
            XCTAssertEqual(users.first?.unit.kind, "部门")
            let units = try await OrgUnit.query(on: app.db).count()
            XCTAssertEqual(units, 1)
            let schemes = try await SchemeVersion.query(on: app.db).count()
            XCTAssertEqual(schemes, 0, "a production start loads no demo schemes")
            XCTAssertFalse(users.first?.passwordHash.contains("geheim") ?? true)
            // A second start finds the account and creates nothing.
            let created = try await FirstStart.createAdminIfNoAccount(settings, on: app.db, logger: app.logger) { _ in }
            XCTAssertFalse(created)
            let admin = try await Browser(app).login("admin", password: "geheim-2026")
            XCTAssertEqual(admin, .seeOther)
            let demo = try await Browser(app).login("jinjiang")
            XCTAssertEqual(demo, .unauthorized)
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    func testFirstStart_withSeveralRootsNeedsTheRootNamed() async throws {
        // The small demo has several trees (四川 51, 陕西 61, 湘西 HN4331 …): with no account left, the admin's
        // tree is named by the operator, never the first by sort order.
        let app = try await makeApp()
        do {
            try await User.query(on: app.db).delete()
            var settings = ServerSettings(sqlitePath: nil, databaseURL: nil)
            settings.adminPassword = "geheim-2026"
            do {
                try await FirstStart.createAdminIfNoAccount(settings, on: app.db, logger: app.logger) { _ in }
                XCTFail("several roots and no code named: refused")
            } catch let problem as StartupProblem {
                XCTAssertTrue(problem.description.contains("个根单位"), problem.description)
                XCTAssertTrue(problem.description.contains("--root-code"), problem.description)
            }
            let none = try await User.query(on: app.db).count()
            XCTAssertEqual(none, 0)
            settings.rootUnitCode = "HN4331"
            try await FirstStart.createAdminIfNoAccount(settings, on: app.db, logger: app.logger) { _ in }
            let admin = try await User.query(on: app.db).with(\.$unit).first()
            XCTAssertEqual(admin?.unit.code, "HN4331")
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    func testProductionStart_withoutAPasswordShowsARandomOneOnce() async throws {
        let app = try await Application.make(.testing)
        do {
            var settings = ServerSettings(sqlitePath: nil, databaseURL: nil)
            settings.demo = .small
            try await configure(app, settings: settings)
            // An org tree but no account (the demo's accounts deleted): the admin goes on the existing root the
            // operator names (the demo has several; see testFirstStart_withSeveralRootsNeedsTheRootNamed).
            try await User.query(on: app.db).delete()
            var shown: [String] = []
            settings.demo = nil
            settings.rootUnitCode = "51"
            try await FirstStart.createAdminIfNoAccount(settings, on: app.db, logger: app.logger) { shown.append($0) }
            XCTAssertEqual(shown.count, 1)
            let password = try XCTUnwrap(shown.first?.components(separatedBy: "初始密码：").last?.prefix { !$0.isWhitespace })
            XCTAssertEqual(password.count, 16)
            let admin = try await User.query(on: app.db).with(\.$unit).first()
            XCTAssertEqual(admin?.unit.code, "51")
            let signIn = try await Browser(app).login("admin", password: String(password))
            XCTAssertEqual(signIn, .seeOther)
            try await FirstStart.createAdminIfNoAccount(settings, on: app.db, logger: app.logger) { shown.append($0) }
            XCTAssertEqual(shown.count, 1, "the password is shown once, never again")
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    func testProductionStart_refusesAShortPassword() async throws {
        let app = try await Application.make(.testing)
        var settings = ServerSettings(sqlitePath: nil, databaseURL: nil)
        settings.adminPassword = "short"
        do {
            try await configure(app, settings: settings)
            XCTFail("a 5-character password was accepted")
        } catch let problem as StartupProblem {
            XCTAssertTrue(problem.message.contains("JIXIAO_ADMIN_PASSWORD"), problem.message)
        }
        try await app.asyncShutdown()
    }

    // MARK: - The built binary

    func testBinary_demoStartsFromAnEmptyDirectoryAndAnswersHealthz() async throws {
        let run = try launch(["--demo", "--database", "demo.sqlite"])
        defer { run.stop() }
        try await run.waitUntilHealthy()
        let client = HTTPClient.testing
        let signIn = try await run.signIn(client, "jinjiang", DemoData.password)
        XCTAssertEqual(signIn, 303, "the demo accounts exist with --demo")
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.directory.appendingPathComponent("demo.sqlite").path))
        let status = run.stop()
        XCTAssertEqual(status, 0, "SIGTERM shuts the server down cleanly: \(run.stderr)")
    }

    func testBinary_productionStartCreatesOnlyTheAdminWithThePasswordFromTheEnvironment() async throws {
        let password = "Prod-\(UUID().uuidString.prefix(8))"
        let run = try launch(["--database", "prod.sqlite", "--root-name", "测试省残联"], environment: ["JIXIAO_ADMIN_PASSWORD": password])
        defer { run.stop() }
        try await run.waitUntilHealthy()
        let client = HTTPClient.testing
        let demo = try await run.signIn(client, "jinjiang", DemoData.password)
        XCTAssertEqual(demo, 401, "no demo account on a production start")
        let wrong = try await run.signIn(client, "admin", DemoData.password)
        XCTAssertEqual(wrong, 401)
        let admin = try await run.signIn(client, "admin", password)
        XCTAssertEqual(admin, 303)
        XCTAssertEqual(run.stop(), 0)
        XCTAssertFalse(run.stdout.contains(password), "the operator's password is never printed")
        XCTAssertFalse(run.stderr.contains(password))

        let database = try await SQLiteConnection.open(storage: .file(path: run.directory.appendingPathComponent("prod.sqlite").path))
        do {
            let users = try await database.query("SELECT username, role FROM users", [])
            XCTAssertEqual(users.map { $0.column("username")?.string }, ["admin"])
            XCTAssertEqual(users.first?.column("role")?.string, "scheme_admin")
            let units = try await database.query("SELECT code, name FROM org_units", [])
            XCTAssertEqual(units.map { $0.column("name")?.string }, ["测试省残联"])
            let schemes = try await database.query("SELECT count(*) AS n FROM scheme_versions", [])
            XCTAssertEqual(schemes.first?.column("n")?.integer, 0)
        } catch {
            try? await database.close()
            throw error
        }
        try await database.close()
    }

    func testBinary_randomPasswordIsPrintedOnceAndWorks() async throws {
        let run = try launch(["--database", "random.sqlite"])
        defer { run.stop() }
        try await run.waitUntilHealthy()
        let line = try XCTUnwrap(run.stdout.split(separator: "\n").first { $0.contains("初始密码：") }, run.stdout)
        let password = String(line.components(separatedBy: "初始密码：")[1].prefix { !$0.isWhitespace })
        let client = HTTPClient.testing
        let admin = try await run.signIn(client, "admin", password)
        XCTAssertEqual(admin, 303)
        XCTAssertEqual(run.stop(), 0)

        let again = try launch(["--database", "random.sqlite"], in: run.directory)
        defer { again.stop() }
        try await again.waitUntilHealthy()
        XCTAssertEqual(again.stop(), 0)
        XCTAssertFalse(again.stdout.contains(password), "shown once, never again")
        XCTAssertFalse(again.stdout.contains("初始密码"))
    }

    func testBinary_unwritableDatabaseIsOneChineseLine() throws {
        let directory = try temporaryDirectory()
        // A regular file where the database's directory should be: unwritable even for root.
        let blocker = directory.appendingPathComponent("not-a-directory")
        try Data("x".utf8).write(to: blocker)
        let path = blocker.appendingPathComponent("jixiao.sqlite").path
        let run = try launch(["--database", path], in: directory)
        let status = try run.waitForExit()
        XCTAssertNotEqual(status, 0)
        try assertOneChineseLine(run.stderr, mentioning: path)
    }

    func testBinary_failedMigrationIsOneChineseLineAndNoEnglishErrorLog() async throws {
        let directory = try temporaryDirectory()
        let path = directory.appendingPathComponent("clash.sqlite").path
        // A table of the schema's name, made by something else: the migration's CREATE TABLE fails.
        let database = try await SQLiteConnection.open(storage: .file(path: path))
        _ = try await database.query("CREATE TABLE org_units (x INTEGER)", [])
        try await database.close()
        let run = try launch(["--database", path], in: directory)
        XCTAssertNotEqual(try run.waitForExit(), 0)
        try assertOneChineseLine(run.stderr, mentioning: "数据库迁移或初始数据写入失败")
        XCTAssertFalse(run.stdout.contains("ERROR"), "the migrator's English error log is dropped while starting:\n\(run.stdout)")
    }

    func testBinary_portInUseIsOneChineseLine() async throws {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try XCTUnwrap(channel.localAddress?.port)
        do {
            let run = try launch(["--database", "port.sqlite"], port: port)
            let status = try run.waitForExit()
            XCTAssertNotEqual(status, 0)
            try assertOneChineseLine(run.stderr, mentioning: "端口 \(port) 已被占用")
        } catch {
            try? await channel.close()
            throw error
        }
        try await channel.close()
    }

    func testBinary_badOrUnreachableDatabaseURLIsOneChineseLine() throws {
        let bad = try launch([], environment: ["DATABASE_URL": "mysql://jixiao:secret@localhost/jixiao"])
        XCTAssertNotEqual(try bad.waitForExit(), 0)
        try assertOneChineseLine(bad.stderr, mentioning: "DATABASE_URL")
        XCTAssertFalse(bad.stderr.contains("secret"), "the password is never shown")

        let closed = try Self.freePort()
        let unreachable = try launch([], environment: ["DATABASE_URL": "postgres://jixiao:secret@127.0.0.1:\(closed)/jixiao?sslmode=disable"])
        XCTAssertNotEqual(try unreachable.waitForExit(), 0)
        try assertOneChineseLine(unreachable.stderr, mentioning: "无法连接 PostgreSQL（127.0.0.1:\(closed)）")
    }

    func testBinary_helpListsEverySettingInChinese() throws {
        let run = try launch(["--help"], listens: false)
        XCTAssertEqual(try run.waitForExit(), 0)
        for setting in ["--port", "--hostname", "--database", "--content", "--demo", "--root-code", "--root-name", "--root-kind", "--behind-https-proxy",
                        "DATABASE_URL", "JIXIAO_ADMIN_PASSWORD", "JIXIAO_ROOT_UNIT_CODE", "JIXIAO_ROOT_UNIT_NAME", "JIXIAO_ROOT_UNIT_KIND",
                        "JIXIAO_BEHIND_HTTPS_PROXY", "LOG_LEVEL"] {
            XCTAssertTrue(run.stdout.contains(setting), "--help does not mention \(setting)")
        }
        XCTAssertTrue(run.stdout.contains("生产启动"))
    }

    // MARK: - Helpers

    private func assertOneChineseLine(_ text: String, mentioning expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let lines = text.split(whereSeparator: \.isNewline).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        XCTAssertEqual(lines.count, 1, "expected one line on stderr, got:\n\(text)", file: file, line: line)
        let first = String(lines.first ?? "")
        XCTAssertTrue(first.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }, "not Chinese: \(first)", file: file, line: line)
        XCTAssertTrue(first.contains(expected), "“\(first)” does not mention “\(expected)”", file: file, line: line)
    }

    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jixiao-startup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    /// `jixiao serve` with `arguments` in a fresh directory (or `directory`), on a free port, with an environment
    /// free of the test run's own DATABASE_URL and JIXIAO_… settings.
    private func launch(_ arguments: [String], environment extra: [String: String] = [:], in directory: URL? = nil,
                        port: Int? = nil, listens: Bool = true) throws -> ServerProcess {
        guard let binary = Self.binary else {
            throw XCTSkip("the jixiao executable was not found beside the test bundle (build it with `swift build`): process tests skipped")
        }
        let directory = try directory ?? temporaryDirectory()
        var environment = ProcessInfo.processInfo.environment.filter { $0.key != "DATABASE_URL" && !$0.key.hasPrefix("JIXIAO_") }
        environment.merge(extra) { $1 }
        let port = listens ? try port ?? Self.freePort() : 0
        let all = ["serve"] + arguments + (listens ? ["--port", String(port)] : [])
        return try ServerProcess(binary: binary, arguments: all, environment: environment, directory: directory, port: port)
    }

    /// The `jixiao` executable of this build: in the build products directory that holds the test bundle.
    static let binary: URL? = {
        var places = [Bundle(for: StartupTests.self).bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL,
                      URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        places += Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        places.append(repository.appendingPathComponent(".build/debug"))
        return places.map { $0.appendingPathComponent("jixiao") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? channel.close().wait() }
        guard let port = channel.localAddress?.port else { throw XCTSkip("no free port") }
        return port
    }
}

/// One running `jixiao serve`, its output in files (a pipe left unread would block the server).
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let directory: URL
    let port: Int
    private let output: URL
    private let errors: URL

    init(binary: URL, arguments: [String], environment: [String: String], directory: URL, port: Int) throws {
        self.directory = directory
        self.port = port
        let tag = UUID().uuidString.prefix(8)
        output = directory.appendingPathComponent("stdout-\(tag).txt")
        errors = directory.appendingPathComponent("stderr-\(tag).txt")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
    }

    var stdout: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: errors, encoding: .utf8)) ?? "" }
    var base: String { "http://127.0.0.1:\(port)" }

    /// Polls /healthz for up to 60 s (a debug build loading the full demo takes a while on two cores).
    func waitUntilHealthy(timeout: TimeInterval = 60) async throws {
        let client = HTTPClient.testing
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard process.isRunning else {
                throw ServerProcessFailure(message: "jixiao serve exited with \(process.terminationStatus):\n\(stderr)\n\(stdout.suffix(2000))")
            }
            if let response = try? await client.execute(HTTPClientRequest(url: base + "/healthz"), timeout: .seconds(2)),
                response.status == .ok
            {
                return
            }
            try await Task.sleep(nanoseconds: 250_000_000)
        }
        throw ServerProcessFailure(message: "/healthz did not answer 200 within \(Int(timeout)) s:\n\(stdout.suffix(2000))\n\(stderr)")
    }

    /// Signs in through the login form as a browser would; returns the answer's status (303 = signed in).
    func signIn(_ client: HTTPClient, _ username: String, _ password: String) async throws -> UInt {
        let form = try await client.execute(HTTPClientRequest(url: base + "/login"), timeout: .seconds(10))
        let cookie = form.headers["set-cookie"].first.flatMap { $0.split(separator: ";").first.map(String.init) }
        let page = String(buffer: try await form.body.collect(upTo: 1 << 20))
        guard let range = page.range(of: "name=\"_csrf\" value=\"") else { throw ServerProcessFailure(message: "no CSRF field:\n\(page)") }
        let csrf = String(page[range.upperBound...].prefix { $0 != "\"" })
        var request = HTTPClientRequest(url: base + "/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        let fields = ["username": username, "password": password, "_csrf": csrf, "next": "/"]
        let allowed = CharacterSet.alphanumerics
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(10))
        return response.status.code
    }

    /// Waits for the process to end by itself (bounded), returning its exit status.
    func waitForExit(timeout: TimeInterval = 60) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        guard !process.isRunning else {
            process.terminate()
            throw ServerProcessFailure(message: "jixiao serve did not exit within \(Int(timeout)) s:\n\(stdout.suffix(2000))")
        }
        return process.terminationStatus
    }

    /// SIGTERM and wait; returns the exit status. Safe to call twice.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        }
        return process.terminationStatus
    }
}

struct ServerProcessFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

extension HTTPClient {
    /// A client that reports redirects instead of following them (sign-in answers 303); it lives as long as the
    /// test process, like HTTPClient.shared, so it is never shut down.
    static let testing = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
}
