import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A load generator for a running `jixiao serve` with the demo data: signs in like a browser, then keeps
/// N connections busy for a fixed time and prints requests per second and latency percentiles for
/// (a) the province's ranking JSON (21 cities and 183 counties) and (b) saving one assessment's figures,
/// each connection saving its own assessment with the revision the last save returned; then (c) the first
/// ranking read after a save, by 16 readers at once.
@main
struct LoadBenchmark {
    struct Options {
        var url = "http://127.0.0.1:8181"
        var connections = 32
        var seconds = 10.0
    }

    static func main() async throws {
        var options = Options()
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = arguments.next() {
            switch argument {
            case "--url": options.url = arguments.next() ?? options.url
            case "--connections": options.connections = Int(arguments.next() ?? "") ?? options.connections
            case "--seconds": options.seconds = Double(arguments.next() ?? "") ?? options.seconds
            default: print("usage: jixiao-load [--url URL] [--connections N] [--seconds S]"); return
            }
        }
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: options.connections)
        configuration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        var failed = false
        do {
            try await run(options, client)
        } catch {
            print("error: \(error)")
            failed = true
        }
        try await client.shutdown()
        if failed { exit(1) }
    }

    static func run(_ options: Options, _ client: HTTPClient) async throws {
        // (a) The ranking as the province's read-only leader sees it.
        let leader = try await Session.signIn(client, options.url, "lingdao")
        let overview = try await leader.json(client, "/api/assessments")
        guard let schemeID = overview["schemeID"] as? String, let period = overview["period"] as? String else {
            throw Failure("no assessments in the demo data")
        }
        let rankingPath = "/api/rankings/\(schemeID)/\(period)"
        let ranking = try await leader.json(client, rankingPath)
        let rows = (ranking["rows"] as? [[String: Any]]) ?? []
        let counties = rows.filter { $0["kind"] as? String == "县市区" }.count
        print("ranking: \(rankingPath) — \(rows.count) rows, \(counties) counties")
        let reads = try await measure(options) { _ in
            let response = try await leader.send(client, "GET", rankingPath)
            return response.status == .ok
        }
        reads.report(label: "ranking_json")

        // (b) Saves by the province's reviewer: one assessment per connection, each waiting for 初评.
        let reviewer = try await Session.signIn(client, options.url, "shengshenhe")
        let lines = (overview["assessments"] as? [[String: Any]]) ?? []
        let mine = try await reviewer.json(client, "/api/assessments")
        let open = ((mine["assessments"] as? [[String: Any]]) ?? []).filter { $0["mine"] as? Bool == true }
        guard open.count >= options.connections else { throw Failure("only \(open.count) assessments at 初评 for \(options.connections) connections (of \(lines.count))") }
        let slots = open.prefix(options.connections).map { Slot(id: $0["id"] as! String, revision: $0["revision"] as! Int) }
        let saves = try await measure(options) { connection in
            let slot = slots[connection]
            slot.flip.toggle()
            let value = slot.flip ? "91.5%" : "92.5%"
            let body: [String: Any] = ["revision": slot.revision, "figures": ["落实精准度": value],
                                       "reasons": ["落实精准度": "负载测试：核查后调整"]]
            let response = try await reviewer.send(client, "PUT", "/api/assessments/\(slot.id)/figures", json: body)
            guard response.status == .ok, let answer = try JSONSerialization.jsonObject(with: response.body) as? [String: Any],
                let revision = answer["revision"] as? Int
            else { return false }
            slot.revision = revision
            return true
        }
        saves.report(label: "save_figures")
        print("ranking_requests_per_second: \(String(format: "%.0f", reads.perSecond))")
        print("saves_per_second: \(String(format: "%.0f", saves.perSecond))")

        // (c) The first ranking read after a save, by 16 readers at once: the period is scored again once
        // (single flight), and every reader waits for that one computation.
        var firstReads: [Double] = []
        let slot = slots[0]
        for trial in 0..<20 {
            let body: [String: Any] = ["revision": slot.revision, "figures": ["落实精准度": trial % 2 == 0 ? "90.5%" : "93.5%"],
                                       "reasons": ["落实精准度": "负载测试：保存后首次读取"]]
            let response = try await reviewer.send(client, "PUT", "/api/assessments/\(slot.id)/figures", json: body)
            guard response.status == .ok, let answer = try JSONSerialization.jsonObject(with: response.body) as? [String: Any],
                let revision = answer["revision"] as? Int
            else { throw Failure("save before the first read failed: \(response.status)") }
            slot.revision = revision
            let latencies = try await withThrowingTaskGroup(of: Double.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        let began = DispatchTime.now().uptimeNanoseconds
                        let read = try await leader.send(client, "GET", rankingPath)
                        guard read.status == .ok else { throw Failure("ranking after save: \(read.status)") }
                        return Double(DispatchTime.now().uptimeNanoseconds - began) / 1e6
                    }
                }
                var all: [Double] = []
                for try await latency in group { all.append(latency) }
                return all
            }
            firstReads += latencies
        }
        let sorted = firstReads.sorted()
        print("first_read_after_save: reads \(sorted.count) (20 saves × 16 readers)")
        print("first_read_after_save_p50_ms: \(String(format: "%.1f", sorted[sorted.count / 2]))")
        print("first_read_after_save_p99_ms: \(String(format: "%.1f", sorted[min(sorted.count - 1, sorted.count * 99 / 100)]))")
    }

    final class Slot: @unchecked Sendable {
        let id: String
        var revision: Int
        var flip = false
        init(id: String, revision: Int) {
            self.id = id
            self.revision = revision
        }
    }

    struct Result {
        var latencies: [Double]
        var failures: Int
        var seconds: Double

        var perSecond: Double { Double(latencies.count) / seconds }

        func report(label: String) {
            let sorted = latencies.sorted()
            func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
            print("\(label): requests \(sorted.count), failures \(failures), seconds \(String(format: "%.1f", seconds))")
            print("\(label)_requests_per_second: \(String(format: "%.0f", Double(sorted.count) / seconds))")
            print("\(label)_p50_ms: \(String(format: "%.2f", percentile(0.50)))")
            print("\(label)_p99_ms: \(String(format: "%.2f", percentile(0.99)))")
        }
    }

    /// Runs `request` on every connection in a loop for the configured time (after a one-second warm-up).
    static func measure(_ options: Options, _ request: @escaping @Sendable (Int) async throws -> Bool) async throws -> Result {
        let warmUp = Date().addingTimeInterval(1)
        while Date() < warmUp { _ = try await request(0) }
        let start = Date()
        let end = start.addingTimeInterval(options.seconds)
        let results = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for connection in 0..<options.connections {
                group.addTask {
                    var latencies: [Double] = []
                    var failures = 0
                    while Date() < end {
                        let began = DispatchTime.now().uptimeNanoseconds
                        let ok = try await request(connection)
                        let took = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
                        if ok { latencies.append(took) } else { failures += 1 }
                    }
                    return (latencies, failures)
                }
            }
            var all: ([Double], Int) = ([], 0)
            for try await part in group { all.0 += part.0; all.1 += part.1 }
            return all
        }
        return Result(latencies: results.0, failures: results.1, seconds: Date().timeIntervalSince(start))
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A signed-in browser session: the cookie and the CSRF token.
struct Session: Sendable {
    let base: String
    let cookie: String
    let csrf: String

    struct Answer {
        let status: HTTPResponseStatus
        let body: Data
    }

    static func signIn(_ client: HTTPClient, _ base: String, _ username: String) async throws -> Session {
        let login = try await raw(client, base + "/login", method: .GET, headers: [:], body: nil)
        guard let cookie = login.headers.first(name: "set-cookie")?.split(separator: ";").first.map(String.init) else { throw Failure("no session cookie") }
        let html = String(decoding: login.body, as: UTF8.self)
        guard let range = html.range(of: "name=\"_csrf\" value=\"") else { throw Failure("no CSRF token on /login") }
        let csrf = String(html[range.upperBound...].prefix { $0 != "\"" })
        let form = "username=\(username)&password=jixiao2026&_csrf=\(csrf.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? csrf)"
        let answer = try await raw(client, base + "/login", method: .POST,
                                   headers: ["cookie": cookie, "content-type": "application/x-www-form-urlencoded"], body: Data(form.utf8))
        guard answer.status == .seeOther else { throw Failure("sign-in as \(username) failed: \(answer.status)") }
        // Signing in starts a new session: keep the cookie the sign-in answer set.
        let signedIn = answer.headers.first(name: "set-cookie")?.split(separator: ";").first.map(String.init) ?? cookie
        // …and a new anti-forgery token, read from the first page as a browser would.
        let page = try await raw(client, base + "/org", method: .GET, headers: ["cookie": signedIn], body: nil)
        let pageHTML = String(decoding: page.body, as: UTF8.self)
        guard let tokenRange = pageHTML.range(of: "name=\"_csrf\" value=\"") else { throw Failure("no CSRF token after sign-in") }
        return Session(base: base, cookie: signedIn, csrf: String(pageHTML[tokenRange.upperBound...].prefix { $0 != "\"" }))
    }

    func send(_ client: HTTPClient, _ method: String, _ path: String, json: [String: Any]? = nil) async throws -> Answer {
        var headers: [String: String] = ["cookie": cookie, "x-csrf-token": csrf, "accept": "application/json"]
        var body: Data?
        if let json {
            body = try JSONSerialization.data(withJSONObject: json)
            headers["content-type"] = "application/json"
        }
        let answer = try await Self.raw(client, base + path, method: HTTPMethod(rawValue: method), headers: headers, body: body)
        return Answer(status: answer.status, body: answer.body)
    }

    func json(_ client: HTTPClient, _ path: String) async throws -> [String: Any] {
        let answer = try await send(client, "GET", path)
        guard answer.status == .ok, let object = try JSONSerialization.jsonObject(with: answer.body) as? [String: Any] else {
            throw Failure("GET \(path): \(answer.status)")
        }
        return object
    }

    static func raw(_ client: HTTPClient, _ url: String, method: HTTPMethod, headers: [String: String], body: Data?) async throws
        -> (status: HTTPResponseStatus, headers: HTTPHeaders, body: Data)
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: [UInt8](body))) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return (response.status, response.headers, Data(bytes.readableBytesView))
    }
}
