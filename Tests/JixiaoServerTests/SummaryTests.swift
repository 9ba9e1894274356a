import Fluent
import Foundation
import JixiaoCore
import Vapor
import XCTest
@testable import JixiaoServer

/// 总体情况: progress by stage per city, grades, the indicators where most points are lost, the trend.
final class SummaryTests: XCTestCase {
    var app: Application!
    override func setUp() async throws { app = try await makeApp() }
    override func tearDown() async throws { try await app.asyncShutdown() }

    func testProvinceSummary_countsEveryCityByStage_andListsWherePointsAreLost() async throws {
        let province = Browser(app)
        try await province.login("shengshenhe")
        let found = try await SchemeVersion.query(on: app.db).filter(\.$code == "000").first()
        let version = try XCTUnwrap(found)
        let opened = try await province.get("summary")
        XCTAssertEqual(opened.status, .seeOther, "the index opens a period")
        let page = try await province.get("summary/\(try version.requireID().uuidString)/2018-06")
        XCTAssertEqual(page.status, .ok)
        let html = page.body.string

        // The model from the same scores: each city's counts add up to its assessments (the city and its counties).
        let board = app.scoreBoard
        let scores = try await board.scores(version, period: "2018-06", on: app.db)
        let view = SummaryView(scores, userPath: "/51/", trend: [])
        XCTAssertEqual(view.progress.map(\.name), ["成都市", "绵阳市"])
        let chengdu = scores.rows.filter { $0.unitPath.hasPrefix("/51/5101/") }
        XCTAssertEqual(view.progress[0].total, chengdu.count)
        XCTAssertEqual(view.progress[0].counts.last, chengdu.filter { $0.state.status == .approved }.count, "已审定 is the last column")
        XCTAssertEqual(view.grades.map(\.count).reduce(0, +), view.count, "every assessment has a grade or counts as 未评分")
        // Losses: sorted, and the first one's points are the sum of what each unit lost on it.
        let first = try XCTUnwrap(view.losses.first)
        XCTAssertTrue(zip(view.losses, view.losses.dropFirst()).allSatisfy { $0.points >= $1.points })
        let index = try XCTUnwrap(scores.scheme.compiled.index(of: first.code))
        let kind = scores.scheme.compiled.indicator(at: index).kind
        let recomputed = scores.rows.compactMap { scores.current($0).pointsLost(at: index, kind: kind) }.reduce(Exact.zero, +)
        XCTAssertEqual(first.points, recomputed)

        XCTAssertTrue(html.contains("id=\"progress\"") && html.contains("成都市") && html.contains("绵阳市"))
        XCTAssertTrue(html.contains("id=\"losses\"") && html.contains(first.code))
        XCTAssertTrue(html.contains("<svg"), "charts drawn by the server")
        XCTAssertTrue(html.contains("逐期平均得分"))

        // A city sees its own counties, not the other city.
        let city = Browser(app)
        try await city.login("chengdu")
        let cityPage = try await city.get("summary/\(try version.requireID().uuidString)/2018-06").body.string
        XCTAssertTrue(cityPage.contains("锦江区") && !cityPage.contains("涪城区"))
    }
}
