import Fluent
import Foundation
import JixiaoCore
import Vapor
import XCTest
@testable import JixiaoServer

/// 待我办理 across schemes and periods, and a batch step that goes through each sheet's own checks.
final class InboxTests: XCTestCase {
    var app: Application!
    override func setUp() async throws { app = try await makeApp() }
    override func tearDown() async throws { try await app.asyncShutdown() }

    func testInbox_listsTheUsersWork_andABatchSubmitsEachThroughItsChecks() async throws {
        let city = Browser(app)
        try await city.login("chengdu")
        let page = try await city.get("inbox").body.string
        let view = try await Self.inbox(app, "chengdu")
        XCTAssertGreaterThan(view.count, 0)
        XCTAssertTrue(page.contains("待我办理（\(view.count)）"))
        XCTAssertTrue(view.groups.allSatisfy { $0.items.allSatisfy { $0.stageName == "初评" && $0.action == .submit } },
                      "a city reviews: everything waiting for it is at 初评")
        XCTAssertFalse(page.contains("涪城区"), "nothing of 绵阳市")

        // Tick two, plus one that is not the city's to submit (绵阳's 涪城区): two go on, one is refused with why.
        let items = try XCTUnwrap(view.groups.first { $0.period == "2018-06" }).items.filter { $0.blocker == nil }.prefix(2)
        XCTAssertEqual(items.count, 2)
        let other = try await assessmentID(app, unit: "510701")
        var pairs: [(String, String)] = [("action", "submit")]
        for item in items {
            pairs += [("ids[]", item.row.assessmentID.uuidString), ("rev-\(item.row.assessmentID.uuidString)", String(item.row.revision))]
        }
        pairs += [("ids[]", other.uuidString), ("rev-\(other.uuidString)", "1")]
        let answer = try await city.post("inbox/batch", pairs: pairs)
        XCTAssertEqual(answer.status, .unprocessableEntity, "one was refused")
        let body = answer.body.string
        XCTAssertTrue(body.contains("id=\"batch-done\"") && body.contains("已提交"), body)
        XCTAssertTrue(body.contains("id=\"batch-refused\""))
        for item in items {
            let moved = try await Assessment.find(item.row.assessmentID, on: app.db)
            XCTAssertEqual(moved?.stage, 2, "\(item.row.unitName) is at 审定 now")
        }
        let untouched = try await Assessment.find(other, on: app.db)
        XCTAssertNotEqual(untouched?.stage, 2)

        // The province approves in a batch too; 004's 绵阳市 (provisional at 初评) is not the approver's yet.
        let province = Browser(app)
        try await province.login("shengshending")
        let approvals = try await Self.inbox(app, "shengshending")
        XCTAssertTrue(approvals.groups.allSatisfy { $0.items.allSatisfy { $0.action == .approve } })
        let first = try XCTUnwrap(approvals.groups.flatMap(\.items).first { $0.blocker == nil })
        _ = try await province.get("inbox")
        let approved = try await province.post("inbox/batch", pairs: [
            ("action", "approve"), ("ids[]", first.row.assessmentID.uuidString), ("rev-\(first.row.assessmentID.uuidString)", String(first.row.revision))])
        XCTAssertEqual(approved.status, .ok, approved.body.string)
        let locked = try await Assessment.find(first.row.assessmentID, on: app.db)
        XCTAssertEqual(locked?.status, .approved)
        let snapshots = try await ApprovalSnapshot.query(on: app.db).filter(\.$assessment.$id == first.row.assessmentID).count()
        XCTAssertEqual(snapshots, 1, "a batch approval keeps its snapshot like a single one")
    }

    /// The inbox model as `username` sees it, read through the page's own loader.
    static func inbox(_ app: Application, _ username: String) async throws -> InboxView {
        let request = Request(application: app, on: app.eventLoopGroup.next())
        let found = try await User.query(on: app.db).filter(\.$username == username).with(\.$unit).first()
        let user = try XCTUnwrap(found)
        return try await InboxView.load(request, user: try SignedIn(user: user, unit: user.unit))
    }
}
