import Fluent
import Foundation
import JixiaoCore
import JixiaoSchemeFile
import Vapor
import XCTest
@testable import JixiaoServer

/// Scheme 004 in the small demo: 绵阳市 has entered, 成都市 not yet. 5.4.1 compares each city's pass rate with the
/// province's average, so 绵阳's score is provisional (taken over the cities that have entered) until 成都 enters.
final class PeerScoreTests: XCTestCase {
    var app: Application!
    override func setUp() async throws { app = try await makeApp() }
    override func tearDown() async throws { try await app.asyncShutdown() }

    func testPeerAverage_isProvisionalUntilEveryCityHasEntered_andOnlyThenApproves() async throws {
        let mianyang = try await assessmentID(app, unit: "5107", period: "2013")
        let chengdu = try await assessmentID(app, unit: "5101", period: "2013")
        let approver = Browser(app)
        try await approver.login("shengshending")
        let before = try await approver.json("api/assessments/\(mianyang)", as: SheetDTO.self)
        XCTAssertEqual(before.provisional, "暂按已填报的 1 个市州计算，尚未填报 1 个：成都市")
        XCTAssertNotNil(Fixed(before.totals[0]), "绵阳's total is a number, not 未评分: \(before.totals)")
        let page = try await approver.get("assessments/\(mianyang)").body.string
        XCTAssertTrue(page.contains("id=\"provisional\"") && page.contains("（暂定）"), "the sheet says the score is provisional")
        XCTAssertTrue(page.contains("暂定：暂按已填报的 1 个市州计算"), "and so does 5.4.1's row")

        // At 审定 while provisional: approval is refused, saying why.
        try await Self.move(app, mianyang, toStage: 2)
        let revision = try await approver.json("api/assessments/\(mianyang)", as: SheetDTO.self).revision
        let refused = try await approver.post("assessments/\(mianyang)/approve", ["revision": String(revision)])
        XCTAssertEqual(refused.status, .unprocessableEntity)
        XCTAssertTrue(refused.body.string.contains("暂定") && refused.body.string.contains("成都市"), refused.body.string)

        // 成都市's filler enters the example's figures for 南京市.
        let filler = Browser(app)
        try await filler.login("chengdutianbao")
        let sheet = try await filler.json("api/assessments/\(chengdu)", as: SheetDTO.self)
        XCTAssertNil(sheet.provisional, "成都 itself has no total yet, nothing to mark")
        let saved = try await filler.putFigures(chengdu, revision: sheet.revision, try Self.figures(of: "南京市"))
        XCTAssertEqual(saved.status, .ok, saved.body.string)

        let after = try await approver.json("api/assessments/\(mianyang)", as: SheetDTO.self)
        XCTAssertNil(after.provisional, "every city has entered: the score is final")
        let chengduAfter = try await approver.json("api/assessments/\(chengdu)", as: SheetDTO.self)
        XCTAssertNotNil(Fixed(chengduAfter.totals[0]), "\(chengduAfter.totals)")
        XCTAssertNil(chengduAfter.provisional)
        let approved = try await approver.post("assessments/\(mianyang)/approve", ["revision": String(after.revision)])
        XCTAssertEqual(approved.status, .seeOther, approved.body.string)
        let locked = try await approver.json("api/assessments/\(mianyang)", as: SheetDTO.self)
        XCTAssertEqual(locked.status, "approved")
    }

    /// The figures of one of the example's cities as a filler types them (rates as percentages).
    static func figures(of city: String) throws -> [String: String] {
        let root = repository
        let scheme = try SchemeFile.load(path: root.appendingPathComponent("schemes/004-employment.yaml").path)
        let data = try DataFile.load(path: root.appendingPathComponent("examples/004-employment.yaml").path)
        let subject = try XCTUnwrap(data.subjects.first { $0.id == city })
        let percent = Set(scheme.inputs.filter { $0.unit == "%" }.map(\.name))
        var figures: [String: String] = [:]
        for (name, value) in subject.inputs {
            if percent.contains(name), let number = value.number { figures[name] = (number * 100).description + "%" } else { figures[name] = value.description }
        }
        for (code, value) in subject.values { figures["#" + code] = value.description }
        return figures
    }

    static func move(_ app: Application, _ id: UUID, toStage stage: Int) async throws {
        let found = try await Assessment.find(id, on: app.db)
        let assessment = try XCTUnwrap(found)
        assessment.stage = stage
        assessment.revision += 1
        try await assessment.save(on: app.db)
    }
}
