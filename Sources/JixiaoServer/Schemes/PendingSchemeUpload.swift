import Fluent
import Foundation

/// An uploaded scheme file that passed its checks with warnings and waits for its admin to confirm it.
/// Kept in the database, not in a server's memory: the confirmation may reach another app server.
/// One per admin (a new upload replaces the last), and swept after a day.
final class PendingSchemeUpload: Model, @unchecked Sendable {
    static let schema = "pending_scheme_uploads"
    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: User
    @Field(key: "filename") var filename: String
    @Field(key: "yaml") var yaml: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
    init(id: UUID? = nil, userID: UUID, filename: String, yaml: String, createdAt: Date = Date()) {
        self.id = id
        self.$user.id = userID
        self.filename = filename
        self.yaml = yaml
        self.createdAt = createdAt
    }

    /// How long an unconfirmed upload is kept.
    static let lifetime: TimeInterval = 24 * 3600
}

/// Migration 5: uploads waiting for confirmation (see PendingSchemeUpload).
struct CreatePendingSchemeUploads: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PendingSchemeUpload.schema)
            .id()
            .field("user_id", .uuid, .required, .references(User.schema, .id))
            .field("filename", .string, .required)
            .field("yaml", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(PendingSchemeUpload.schema).delete()
    }
}
