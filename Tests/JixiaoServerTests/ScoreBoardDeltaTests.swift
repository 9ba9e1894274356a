import Fluent
import Foundation
import JixiaoCore
import Vapor
import XCTest
@testable import JixiaoServer

/// A period scored again after a write keeps the subjects whose assessments did not change and reads only the
/// changed ones: the result must be the one a full read gives, whatever was written.
final class ScoreBoardDeltaTests: XCTestCase {
    var app: Application!
    override func setUp() async throws { app = try await makeApp() }
    override func tearDown() async throws { try await app.asyncShutdown() }

    /// 40 random writes in scheme 000's month (rankings among counties, so every subject depends on the written
    /// one): figures set, changed at a review stage, removed; stages moved. After each, the board's partial
    /// re-read equals a fresh board's full read, subject by subject, stage by stage.
    func testPartialReread_equalsAFullRead_afterRandomWrites() async throws {
        let first = try await Assessment.query(on: app.db).filter(\.$period == "2018-06").first()
        let any = try XCTUnwrap(first)
        let version = try await app.scoreBoard.version(any.$scheme.id, on: app.db)
        let ids = try await Assessment.query(on: app.db).filter(\.$scheme.$id == version.requireID()).filter(\.$period == "2018-06")
            .all().map { try $0.requireID() }
        XCTAssertGreaterThan(ids.count, 10)
        let scheme = try await app.scoreBoard.scheme(version)
        let fields = scheme.entryFields.map(\.key)
        let values = ["0", "1", "3", "12", "45.5", "80%", "100%", "2", "7", "0.5"]
        var random = SeededRandom(seed: 20261201)
        _ = try await app.scoreBoard.scores(version, period: "2018-06", on: app.db)

        let partialBefore = await app.scoreBoard.partialComputations
        for step in 0..<40 {
            let id = ids[Int(random.next() % UInt64(ids.count))]
            let field = fields[Int(random.next() % UInt64(fields.count))]
            let stage = Int(random.next() % 3)
            let choice = random.next() % 10
            let value = values[Int(random.next() % UInt64(values.count))]
            let state = WorkflowState(stage: Int(random.next() % 3), status: [.editing, .returned, .approved][Int(random.next() % 3)])
            try await app.db.transaction { db in
                guard let assessment = try await Assessment.find(id, on: db) else { throw Abort(.notFound) }
                let existing = try await EntryValue.query(on: db).filter(\.$assessment.$id == id).filter(\.$stage == stage)
                    .filter(\.$field == field).first()
                if choice < 6 {
                    if let existing {
                        existing.value = value
                        try await existing.save(on: db)
                    } else {
                        try await EntryValue(assessmentID: id, stage: stage, field: field, value: value,
                                             reason: stage > 0 ? "复核第 \(step) 次" : nil).save(on: db)
                    }
                } else if choice < 8 {
                    try await existing?.delete(on: db)
                } else {
                    assessment.stage = state.stage
                    assessment.status = state.status
                }
                assessment.revision += 1
                try await assessment.save(on: db)
            }
            let partial = try await app.scoreBoard.scores(version, period: "2018-06", on: app.db)
            let full = try await ScoreBoard().scores(version, period: "2018-06", on: app.db)
            // Derivations of the written subject every time, of every subject every eighth write.
            try Self.assertSame(partial, full, "after write \(step) to \(field) at stage \(stage)", explaining: step % 8 == 0 ? nil : [id])
        }
        let partialAfter = await app.scoreBoard.partialComputations
        let reread = await app.scoreBoard.rereadAssessments
        XCTAssertEqual(partialAfter - partialBefore, 40, "every re-score after one write kept the unchanged subjects")
        XCTAssertEqual(reread, 40, "and read one assessment's figures each time")
    }

    /// A save through the form (the real write path) is seen by the next read, partially re-read.
    func testASaveThroughTheForm_isSeenByTheNextRead() async throws {
        let id = try await assessmentID(app, unit: "510102")
        let city = Browser(app)
        try await city.login("chengdu")
        let sheet = try await city.json("api/assessments/\(id)", as: SheetDTO.self)
        let assessment = try await Assessment.find(id, on: app.db)
        let version = try await app.scoreBoard.version(try XCTUnwrap(assessment).$scheme.id, on: app.db)
        let earlier = try await app.scoreBoard.scores(version, period: "2018-06", on: app.db)
        let saved = try await city.putFigures(id, revision: sheet.revision, ["落实精准度": "12%"], reasons: ["落实精准度": "复核"])
        XCTAssertEqual(saved.status, .ok, saved.body.string)
        let before = await app.scoreBoard.partialComputations
        let partial = try await app.scoreBoard.scores(version, period: "2018-06", on: app.db)
        let after = await app.scoreBoard.partialComputations
        XCTAssertEqual(after - before, 1)
        let full = try await ScoreBoard().scores(version, period: "2018-06", on: app.db)
        try Self.assertSame(partial, full, "after a save through the form")
        let row = try XCTUnwrap(partial.row(id))
        XCTAssertNotEqual(partial.report.data.subjects[row.subject], earlier.report.data.subjects[row.subject], "the saved figure is in")
        XCTAssertEqual(partial.report.data.subjects[row.subject].stages.values.compactMap { $0.inputs["落实精准度"] }.first, Value.parse("12%"))
    }

    /// A save's own re-score (made to check the rules) is what the next read takes, without scoring again, and it
    /// equals a full scoring after each of several saves; a read after a save whose data differ scores again.
    func testTheReadAfterASave_takesTheSavesTrial_andItEqualsAFullScoring() async throws {
        let id = try await assessmentID(app, unit: "510102")
        let city = Browser(app)
        try await city.login("chengdu")
        let assessment = try await Assessment.find(id, on: app.db)
        let version = try await app.scoreBoard.version(try XCTUnwrap(assessment).$scheme.id, on: app.db)
        _ = try await app.scoreBoard.scores(version, period: "2018-06", on: app.db)
        let takenBefore = await app.scoreBoard.trialsTaken
        for (step, value) in ["12%", "55.5%", "0%", "97%"].enumerated() {
            let sheet = try await city.json("api/assessments/\(id)", as: SheetDTO.self)
            let saved = try await city.putFigures(id, revision: sheet.revision, ["落实精准度": value], reasons: ["落实精准度": "复核 \(step)"])
            XCTAssertEqual(saved.status, .ok, saved.body.string)
            let computationsBefore = await app.scoreBoard.computations
            let read = try await app.scoreBoard.scores(version, period: "2018-06", on: app.db)
            let taken = await app.scoreBoard.trialsTaken
            let computationsAfter = await app.scoreBoard.computations
            XCTAssertEqual(computationsAfter - computationsBefore, 1, "one read of the period after save \(step)")
            XCTAssertEqual(taken - takenBefore, step + 1, "the read after save \(step) took that save's trial")
            let full = try await ScoreBoard().scores(version, period: "2018-06", on: app.db)
            try Self.assertSame(read, full, "after save \(step) through the form", explaining: [id])
        }
        // A form save (its trial kept), then the same figure overwritten outside the form before anyone read: the
        // trial's data are not what is stored, so the next read scores again, and still equals a full scoring.
        let sheet = try await city.json("api/assessments/\(id)", as: SheetDTO.self)
        let saved = try await city.putFigures(id, revision: sheet.revision, ["落实精准度": "44%"], reasons: ["落实精准度": "复核"])
        XCTAssertEqual(saved.status, .ok, saved.body.string)
        try await app.db.transaction { db in
            let stored = try await EntryValue.query(on: db).filter(\.$assessment.$id == id).filter(\.$field == "落实精准度")
                .sort(\.$stage, .descending).first()
            let entry = try XCTUnwrap(stored)
            entry.value = "33%"
            try await entry.save(on: db)
            let row = try await Assessment.find(id, on: db)
            let written = try XCTUnwrap(row)
            written.revision += 1
            try await written.save(on: db)
        }
        let takenBeforeDirect = await app.scoreBoard.trialsTaken
        let read = try await app.scoreBoard.scores(version, period: "2018-06", on: app.db)
        let takenAfterDirect = await app.scoreBoard.trialsTaken
        XCTAssertEqual(takenAfterDirect, takenBeforeDirect, "the kept trial does not match the data written outside the form")
        let row = try XCTUnwrap(read.row(id))
        XCTAssertEqual(read.report.data.subjects[row.subject].stages.values.compactMap { $0.inputs["落实精准度"] }.first, Value.parse("33%"))
        try Self.assertSame(read, try await ScoreBoard().scores(version, period: "2018-06", on: app.db), "after a write outside the form")
    }

    /// `explaining`: whose derivations to compare (nil: everyone's).
    static func assertSame(_ partial: PeriodScores, _ full: PeriodScores, _ context: String, explaining: Set<UUID>? = nil) throws {
        XCTAssertEqual(partial.rows.map(\.assessmentID), full.rows.map(\.assessmentID), context)
        XCTAssertEqual(partial.rows.map(\.revision), full.rows.map(\.revision), context)
        XCTAssertEqual(partial.rows.map(\.state), full.rows.map(\.state), context)
        XCTAssertEqual(partial.report.data.subjects, full.report.data.subjects, context)
        XCTAssertEqual(partial.report.stages.count, full.report.stages.count, context)
        for (a, b) in zip(partial.report.stages, full.report.stages) {
            for (x, y) in zip(a.subjects, b.subjects) {
                XCTAssertEqual(x.outcomes, y.outcomes, "\(context): \(x.subject.id) at \(a.stage)")
                XCTAssertEqual(x.total, y.total, "\(context): \(x.subject.id) at \(a.stage)")
                XCTAssertEqual(x.grade, y.grade, context)
                XCTAssertEqual(x.rank, y.rank, context)
                XCTAssertEqual(x.provisional, y.provisional, context)
                XCTAssertEqual(x.missingPeers, y.missingPeers, context)
            }
        }
        // Derivations are computed per subject on demand: each one as a full scoring with explanations gives it.
        let explainedFull = try Engine(full.scheme.compiled).score(full.report.data, explain: true)
        for row in partial.rows where explaining?.contains(row.assessmentID) ?? true {
            for (x, y) in zip(partial.explained(row), explainedFull.stages.map({ $0.subjects[row.subject] })) {
                XCTAssertEqual(x.explanations, y.explanations, "\(context): \(row.unitCode)")
                XCTAssertEqual(x.facts, y.facts, "\(context): \(row.unitCode)")
                XCTAssertEqual(x.outcomes, y.outcomes, "\(context): \(row.unitCode)")
            }
        }
    }
}
