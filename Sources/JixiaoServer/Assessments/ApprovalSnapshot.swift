import Fluent
import Foundation
import JixiaoCore

/// What an assessment scored when it was approved: the total, the grade and every indicator's score with
/// its derivation, kept as they were. Scores are recomputed live (a peer's later figures can move a ranking),
/// and a reopened assessment can change: the sheet shows the snapshot beside the scores of now.
final class ApprovalSnapshot: Model, @unchecked Sendable {
    static let schema = "approval_snapshots"
    @ID(key: .id) var id: UUID?
    @Parent(key: "assessment_id") var assessment: Assessment
    @Field(key: "at") var at: Date
    @Field(key: "username") var username: String
    /// The approver's name as people read it (the account's display name at the time).
    @Field(key: "display_name") var displayName: String
    @Field(key: "revision") var revision: Int
    @Field(key: "total") var total: String
    @OptionalField(key: "grade") var grade: String?
    /// `Snapshot.Body` as JSON: per indicator code, its score as shown and its derivation.
    @Field(key: "body") var body: String

    init() {}
    init(assessmentID: UUID, at: Date, username: String, displayName: String, revision: Int, total: String, grade: String?, body: String) {
        self.$assessment.id = assessmentID
        self.at = at
        self.username = username
        self.displayName = displayName
        self.revision = revision
        self.total = total
        self.grade = grade
        self.body = body
    }

    struct Body: Codable, Sendable {
        struct Line: Codable, Sendable {
            let code: String
            let score: String
            let explanation: [String]
        }
        let lines: [Line]
    }

    /// The snapshot of `result` (the stage reached at approval) under `compiled`.
    static func body(_ result: SubjectResult, _ compiled: CompiledScheme) throws -> String {
        let lines = (0..<compiled.indicatorCount).map { index in
            Body.Line(code: compiled.indicator(at: index).code, score: result.outcomes[index].statusText,
                      explanation: result.explanations.indices.contains(index) ? result.explanations[index] : [])
        }
        return String(decoding: try JSONEncoder().encode(Body(lines: lines)), as: UTF8.self)
    }

    /// Scores by indicator code; empty when the stored body cannot be read.
    var scores: [String: String] {
        guard let decoded = try? JSONDecoder().decode(Body.self, from: Data(body.utf8)) else { return [:] }
        return Dictionary(decoded.lines.map { ($0.code, $0.score) }, uniquingKeysWith: { a, _ in a })
    }
}

/// 3: the snapshot taken at each approval.
struct CreateApprovalSnapshots: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ApprovalSnapshot.schema)
            .id()
            .field("assessment_id", .uuid, .required, .references(Assessment.schema, .id))
            .field("at", .datetime, .required)
            .field("username", .string, .required)
            .field("display_name", .string, .required)
            .field("revision", .int, .required)
            .field("total", .string, .required)
            .field("grade", .string)
            .field("body", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ApprovalSnapshot.schema).delete()
    }
}
