import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Vapor
import XCTest
@testable import JixiaoServer

/// A minimal W3C WebDriver client (plain JSON over HTTP) for chromedriver driving headless Chromium.
final class WebDriver: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"
    let base: URL
    private(set) var session = ""
    private let process: Process
    private let client = HTTPClient(eventLoopGroupProvider: .singleton)

    /// Starts chromedriver on `port` and a headless Chromium session (as root it needs --no-sandbox).
    init(chromedriver: String, chromium: String, port: Int) async throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: chromedriver)
        process.arguments = ["--port=\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        base = URL(string: "http://127.0.0.1:\(port)")!
        for _ in 0..<50 {
            if (try? await request("GET", "/status")) != nil { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:chromeOptions": ["binary": chromium, "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,1000", "--lang=zh-CN",
            ]],
        ]]]
        let answer: [String: Any]
        do { answer = try await request("POST", "/session", capabilities) } catch {
            process.terminate()
            try? await client.shutdown()
            throw error
        }
        guard let value = answer["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            throw Failure(description: "chromedriver did not start a session: \(answer)")
        }
        session = id
    }

    func quit() async {
        _ = try? await request("DELETE", "/session/\(session)")
        process.terminate()
        // (Process.waitUntilExit spins a run loop on Linux: poll instead.)
        for _ in 0..<50 where process.isRunning { try? await Task.sleep(nanoseconds: 100_000_000) }
        try? await client.shutdown()
    }

    func open(_ url: String) async throws { _ = try await request("POST", "/session/\(session)/url", ["url": url]) }

    func currentURL() async throws -> String { try await request("GET", "/session/\(session)/url")["value"] as? String ?? "" }

    /// The first element matching a CSS selector, waiting up to `timeout` seconds for it to appear.
    func find(_ selector: String, timeout: Double = 5) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let answer = try? await request("POST", "/session/\(session)/element", ["using": "css selector", "value": selector])
            if let value = answer?["value"] as? [String: Any], let id = value[Self.elementKey] as? String { return id }
            if Date() > deadline { throw Failure(description: "no element matches \(selector) on \(try await currentURL())") }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
    }

    func click(_ selector: String) async throws {
        _ = try await request("POST", "/session/\(session)/element/\(try await find(selector))/click", [:])
    }

    /// Clicks something that loads a new page, and waits until the old page is gone (its root element
    /// goes stale), so the next lookup never finds an element of the page being left.
    func follow(_ selector: String, timeout: Double = 10) async throws {
        let root = try await find("html")
        try await click(selector)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            do {
                _ = try await request("GET", "/session/\(session)/element/\(root)/name")
            } catch {
                return  // stale: the new page has replaced it
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw Failure(description: "clicking \(selector) did not load a new page")
    }

    func type(_ selector: String, _ text: String) async throws {
        let element = try await find(selector)
        _ = try await request("POST", "/session/\(session)/element/\(element)/clear", [:])
        _ = try await request("POST", "/session/\(session)/element/\(element)/value", ["text": text])
    }

    /// Waits for the page's confirm() or alert() dialog, accepts it, and returns its text.
    func acceptDialog(timeout: Double = 5) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let answer = try? await request("GET", "/session/\(session)/alert/text"), let text = answer["value"] as? String {
                _ = try await request("POST", "/session/\(session)/alert/accept", [:])
                return text
            }
            if Date() > deadline { throw Failure(description: "no dialog on \(try await currentURL())") }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
    }

    func text(_ selector: String) async throws -> String {
        try await request("GET", "/session/\(session)/element/\(try await find(selector))/text")["value"] as? String ?? ""
    }

    func attribute(_ selector: String, _ name: String) async throws -> String {
        try await request("GET", "/session/\(session)/element/\(try await find(selector))/attribute/\(name)")["value"] as? String ?? ""
    }

    /// Waits until the element's text satisfies `condition`; returns the text.
    func wait(_ selector: String, timeout: Double = 5, until condition: (String) -> Bool) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let text = (try? await text(selector)) ?? ""
            if condition(text) { return text }
            if Date() > deadline { throw Failure(description: "\(selector) still reads “\(text)”") }
            try await Task.sleep(nanoseconds: 150_000_000)
        }
    }

    /// Sets the window's size, as a phone (390 × 844) or a desktop (1366 × 1000) would show the page.
    func resize(width: Int, height: Int) async throws {
        _ = try await request("POST", "/session/\(session)/window/rect", ["width": width, "height": height])
    }

    /// Runs `script` in the page and returns what it returns (numbers, strings and booleans as Any).
    func evaluate(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await request("POST", "/session/\(session)/execute/sync", ["script": script, "args": arguments])["value"]
    }

    func screenshot(to path: String) async throws {
        guard let encoded = try await request("GET", "/session/\(session)/screenshot")["value"] as? String,
            let data = Data(base64Encoded: encoded)
        else { throw Failure(description: "no screenshot") }
        try data.write(to: URL(fileURLWithPath: path))
    }

    private func request(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: base.absoluteString + path)
        request.method = .init(rawValue: method)
        if let body {
            request.body = .bytes(ByteBuffer(bytes: [UInt8](try JSONSerialization.data(withJSONObject: body))))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let response = try await client.execute(request, timeout: .seconds(60))
        let data = Data(try await response.body.collect(upTo: 32 << 20).readableBytesView)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw Failure(description: "not JSON") }
        if let value = object["value"] as? [String: Any], let error = value["error"] as? String {
            throw Failure(description: "\(method) \(path): \(error): \(value["message"] ?? "")")
        }
        return object
    }
}

/// One browser test's setup: the small demo app on a random port, a headless Chromium, numbered screenshots
/// in artifacts/e2e/<prefix>-NN-name.png, and sign-in as a demo user. Skips when Chromium is not installed.
struct BrowserHarness {
    let app: Application
    let browser: WebDriver
    let site: String
    let prefix: String
    private let step = NIOLockedValueBox(0)

    static func run(_ prefix: String, adjust: (inout ServerSettings) -> Void = { _ in },
                    _ body: (BrowserHarness) async throws -> Void) async throws {
        let chromedriver = ProcessInfo.processInfo.environment["CHROMEDRIVER"] ?? "/usr/bin/chromedriver"
        let chromium = ProcessInfo.processInfo.environment["CHROMIUM"] ?? "/usr/bin/chromium"
        guard FileManager.default.isExecutableFile(atPath: chromedriver), FileManager.default.isExecutableFile(atPath: chromium) else {
            throw XCTSkip("chromium and chromium-driver are not installed: the browser test is skipped")
        }
        try FileManager.default.createDirectory(at: repository.appendingPathComponent("artifacts/e2e"), withIntermediateDirectories: true)
        let port = Int.random(in: 20000..<30000)
        let app = try await makeApp(adjust: adjust)
        try await app.server.start(address: .hostname("127.0.0.1", port: port))
        let browser: WebDriver
        do {
            browser = try await WebDriver(chromedriver: chromedriver, chromium: chromium, port: port + 1)
        } catch {
            await app.server.shutdown()
            try await app.asyncShutdown()
            throw error
        }
        let harness = BrowserHarness(app: app, browser: browser, site: "http://127.0.0.1:\(port)", prefix: prefix)
        do {
            try await body(harness)
        } catch {
            try? await harness.shot("failure")
            await browser.quit()
            await app.server.shutdown()
            try await app.asyncShutdown()
            throw error
        }
        await browser.quit()
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    /// Saves a screenshot as artifacts/e2e/<prefix>-NN-<name>.png.
    func shot(_ name: String) async throws {
        let number = step.withLockedValue { $0 += 1; return $0 }
        let path = repository.appendingPathComponent(String(format: "artifacts/e2e/%@-%02d-%@.png", prefix, number, name)).path
        try await browser.screenshot(to: path)
        print("screenshot: \(path)")
    }

    func signIn(_ username: String, password: String = DemoData.password) async throws {
        try await browser.open(site + "/login")
        try await browser.type("#username", username)
        try await browser.type("#password", password)
        try await browser.follow("#login")
    }

    func signOut() async throws {
        try await browser.click("#logout")
        _ = try await browser.find("#username")
    }
}
