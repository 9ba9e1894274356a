import Foundation
import XCTVapor
@testable import JixiaoServer

/// The web application over the shipped seeds, on SQLite in memory (and on PostgreSQL when DATABASE_URL is set).
final class ServerTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    var app: Application!

    override func setUp() async throws {
        app = try await Application.make(.testing)
        try await configure(app, settings: ServerSettings(sqlitePath: nil, databaseURL: nil, contentDirectory: Self.repository.path))
    }

    override func tearDown() async throws {
        try await app.asyncShutdown()
        app = nil
    }

    func testHealthz_answersWhenTheDatabaseDoes() async throws {
        try await app.test(.GET, "healthz") { response async in
            XCTAssertEqual(response.status, .ok)
        }
    }

    func testSchemeList_listsEverySeedInChinese() async throws {
        try await app.test(.GET, "/") { response async in
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.headers.contentType, .html)
            let body = response.body.string
            XCTAssertTrue(body.contains("lang=\"zh\""))
            for id in ["000", "001", "002-01", "002-11", "003", "004"] {
                XCTAssertTrue(body.contains("/schemes/\(id)\""), "missing scheme \(id)")
            }
        }
    }

    func testSchemePage_showsPrintedRules() async throws {
        try await app.test(.GET, "schemes/002-01") { response async in
            XCTAssertEqual(response.status, .ok)
            XCTAssertTrue(response.body.string.contains("预算执行率得分 = 预算执行率 * 2.27"))
        }
    }

    func testResults_showComposite7487AndTheDisagreements() async throws {
        try await app.test(.GET, "schemes/001/results") { response async in
            XCTAssertEqual(response.status, .ok)
            XCTAssertTrue(response.body.string.contains("综合得分 74.87，等级 中"))
        }
        try await app.test(.GET, "schemes/002-01/results") { response async in
            XCTAssertTrue(response.body.string.contains("1.99"))
            XCTAssertTrue(response.body.string.contains("2.09"))
        }
    }

    func testRankingJSON_exactDecimalsInRankOrder() async throws {
        try await app.test(.GET, "api/schemes/003/ranking") { response async throws in
            XCTAssertEqual(response.status, .ok)
            let ranking = try response.content.decode(RankingDTO.self)
            XCTAssertEqual(ranking.rows.first?.name, "肖波")
            XCTAssertEqual(ranking.rows.first?.total, "103.90")
            XCTAssertEqual(ranking.rows.first { $0.name == "莫国华" }?.grade, "四等")
            XCTAssertEqual(ranking.rows.compactMap(\.rank), ranking.rows.compactMap(\.rank).sorted())
        }
    }

    func testUnknownScheme_is404WithAChineseReason() async throws {
        try await app.test(.GET, "schemes/不存在/results") { response async in
            XCTAssertEqual(response.status, .notFound)
            XCTAssertTrue(response.body.string.contains("没有编号为"))
        }
        try await app.test(.GET, "api/schemes/nope/ranking") { response async in
            XCTAssertEqual(response.status, .notFound)
        }
    }

    func testHealthz_onPostgreSQL() async throws {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], url.hasPrefix("postgres") else {
            throw XCTSkip("DATABASE_URL is not set: the PostgreSQL health check is skipped")
        }
        let postgres = try await Application.make(.testing)
        do {
            try await configure(postgres, settings: ServerSettings(sqlitePath: nil, databaseURL: url, contentDirectory: Self.repository.path))
            try await postgres.test(.GET, "healthz") { response async in
                XCTAssertEqual(response.status, .ok)
            }
        } catch {
            try await postgres.asyncShutdown()
            throw error
        }
        try await postgres.asyncShutdown()
    }
}
