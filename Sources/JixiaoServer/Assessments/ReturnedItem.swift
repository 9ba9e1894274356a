import Fluent
import Foundation

/// An indicator a reviewer sent back with the assessment, naming what to correct: the sheet marks it until the
/// assessment is submitted again. A return still moves the whole assessment back one stage (the stage before
/// is where figures change); the marks say which indicators the reviewer means.
final class ReturnedItem: Model, @unchecked Sendable {
    static let schema = "returned_items"
    @ID(key: .id) var id: UUID?
    @Parent(key: "assessment_id") var assessment: Assessment
    @Field(key: "code") var code: String
    @Field(key: "message") var message: String
    @Field(key: "at") var at: Date
    @Field(key: "display_name") var displayName: String
    /// Until the assessment is submitted again.
    @Field(key: "open") var open: Bool

    init() {}
    init(assessmentID: UUID, code: String, message: String, at: Date, displayName: String) {
        self.$assessment.id = assessmentID
        self.code = code
        self.message = message
        self.at = at
        self.displayName = displayName
        self.open = true
    }
}

/// 4: indicators returned with a message.
struct CreateReturnedItems: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ReturnedItem.schema)
            .id()
            .field("assessment_id", .uuid, .required, .references(Assessment.schema, .id))
            .field("code", .string, .required)
            .field("message", .string, .required)
            .field("at", .datetime, .required)
            .field("display_name", .string, .required)
            .field("open", .bool, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ReturnedItem.schema).delete()
    }
}
