import Fluent
import Foundation
import SQLKit

/// Migration 10: the monthly league tables of seed 000 frozen as of each cut-off (`platform_snapshots`), and which
/// figures of an assessment came from the platform's records (`platform_figures`).
///
/// A snapshot row is written once and never changed: a recomputation that comes out different appends a new row
/// (the page shows the newest; the older ones stay for the record). Its body is the whole table as JSON
/// (`LeagueSnapshot`): units, metrics, findings with their record refs, scores and ranks as computed then.
struct CreatePlatformLeague: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(LeagueSnapshotRow.schema)
            .id()
            .field("scheme_code", .string, .required)
            .field("scheme_id", .uuid, .required, .references(SchemeVersion.schema, .id))
            .field("month", .string, .required)
            .field("cut", .string, .required)
            .field("taken_at", .datetime, .required)
            .field("taken_by", .string, .required)
            .field("digest", .string, .required)
            .field("body", .string, .required)
            .create()
        try await database.schema(PlatformFigure.schema)
            .id()
            .field("assessment_id", .uuid, .required, .references(Assessment.schema, .id))
            .field("field", .string, .required)
            .field("value", .string, .required)
            .field("cut", .string, .required)
            .unique(on: "assessment_id", "field")
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.raw("CREATE INDEX platform_snapshots_month ON platform_snapshots (scheme_code, month, taken_at)").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(PlatformFigure.schema).delete()
        try await database.schema(LeagueSnapshotRow.schema).delete()
    }
}

/// One frozen league table (see CreatePlatformLeague).
final class LeagueSnapshotRow: Model, @unchecked Sendable {
    static let schema = "platform_snapshots"
    @ID(key: .id) var id: UUID?
    @Field(key: "scheme_code") var schemeCode: String
    @Parent(key: "scheme_id") var scheme: SchemeVersion
    @Field(key: "month") var month: String
    /// The cut-off moment, "2018-06-25 23:59:59".
    @Field(key: "cut") var cut: String
    @Field(key: "taken_at") var takenAt: Date
    @Field(key: "taken_by") var takenBy: String
    /// SHA-256 of the body's numbers (not of when or by whom): an unchanged recomputation writes nothing.
    @Field(key: "digest") var digest: String
    @Field(key: "body") var body: String

    init() {}
    init(id: UUID? = nil, schemeCode: String, schemeID: UUID, month: String, cut: String, takenAt: Date, takenBy: String,
         digest: String, body: String) {
        self.id = id
        self.schemeCode = schemeCode
        self.$scheme.id = schemeID
        self.month = month
        self.cut = cut
        self.takenAt = takenAt
        self.takenBy = takenBy
        self.digest = digest
        self.body = body
    }
}

/// A figure of an assessment that the platform computed (the input's name as `field`, the text stored in
/// entry_values at the self-assessment stage): the filler cannot type over it (AssessmentStore refuses).
final class PlatformFigure: Model, @unchecked Sendable {
    static let schema = "platform_figures"
    @ID(key: .id) var id: UUID?
    @Parent(key: "assessment_id") var assessment: Assessment
    @Field(key: "field") var field: String
    @Field(key: "value") var value: String
    @Field(key: "cut") var cut: String

    init() {}
}
