import Vapor
import Fluent
import Foundation
import SQLKit

/// An API token the platform pushes records with (`Authorization: Bearer …`), scoped to a unit's tree.
/// Only the SHA-256 of the secret is stored; the secret itself is shown once, when it is issued.
final class PlatformToken: Model, @unchecked Sendable {
    static let schema = "platform_tokens"
    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Parent(key: "unit_id") var unit: OrgUnit
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "unit_name") var unitName: String
    /// Hex SHA-256 of the secret.
    @Field(key: "secret_hash") var secretHash: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "created_by") var createdBy: String
    @OptionalField(key: "expires_at") var expiresAt: Date?
    @OptionalField(key: "last_used_at") var lastUsedAt: Date?
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    @OptionalField(key: "revoked_by") var revokedBy: String?

    init() {}
    init(name: String, unit: OrgUnit, secretHash: String, createdBy: String, expiresAt: Date?, at: Date = Date()) throws {
        id = UUID()
        self.name = name
        $unit.id = try unit.requireID()
        unitPath = unit.path
        unitName = unit.name
        self.secretHash = secretHash
        createdAt = at
        self.createdBy = createdBy
        self.expiresAt = expiresAt
    }

    /// Usable now: not revoked, not expired.
    func isValid(at now: Date = Date()) -> Bool { revokedAt == nil && (expiresAt.map { $0 > now } ?? true) }

    /// A new secret: 32 random bytes (256 bits) as URL-safe text, with a prefix that says what it is.
    static func newSecret() -> String {
        "jxpf_" + [UInt8].random(count: 32).base64.replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ secret: String) -> String {
        Digest.sha256Hex(secret)
    }
}

/// One upload of a record file and how far its import got. Kept in the database, so that any app server
/// answers the progress page; the server that received the file runs the import and writes the progress.
final class PlatformImport: Model, @unchecked Sendable {
    static let schema = "platform_imports"
    @ID(key: .id) var id: UUID?
    @Field(key: "unit_path") var unitPath: String
    @Field(key: "username") var username: String
    @Field(key: "user_name") var userName: String
    @Field(key: "file") var file: String
    @Field(key: "kind") var kind: String
    @Field(key: "bytes") var bytes: Int
    /// queued, checking, storing, done, failed.
    @Field(key: "state") var state: String
    @Field(key: "rows_read") var rowsRead: Int
    @Field(key: "rows_stored") var rowsStored: Int
    /// An estimate from the file's line count (CSV) or the sheet's rows (xlsx), for the progress bar.
    @OptionalField(key: "rows_expected") var rowsExpected: Int?
    @OptionalField(key: "inserted") var inserted: Int?
    @OptionalField(key: "unchanged") var unchanged: Int?
    @OptionalField(key: "error") var error: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "finished_at") var finishedAt: Date?

    init() {}
    init(user: SignedIn, file: String, kind: String, bytes: Int, at: Date = Date()) {
        id = UUID()
        unitPath = user.unitPath
        username = user.username
        userName = user.displayName
        self.file = file
        self.kind = kind
        self.bytes = bytes
        state = "queued"
        rowsRead = 0
        rowsStored = 0
        createdAt = at
        updatedAt = at
    }
}

/// The append-only log of token and import actions: who (as they were then), when, what.
final class PlatformAuditEntry: Model, @unchecked Sendable {
    static let schema = "platform_audit"
    @ID(key: .id) var id: UUID?
    @Field(key: "at") var at: Date
    @Field(key: "actor_username") var actorUsername: String
    @Field(key: "actor_name") var actorName: String
    @Field(key: "actor_unit") var actorUnit: String
    @Field(key: "action") var action: String
    @Field(key: "detail") var detail: String

    init() {}
    init(actor: SignedIn, action: String, detail: String, at: Date = Date()) {
        id = UUID()
        self.at = at
        actorUsername = actor.username
        actorName = actor.displayName
        actorUnit = actor.unitName
        self.action = action
        self.detail = detail
    }
}

/// Migration 10: API tokens, record uploads with their progress, and their audit log.
struct CreatePlatformIngest: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PlatformToken.schema)
            .id()
            .field("name", .string, .required)
            .field("unit_id", .uuid, .required, .references(OrgUnit.schema, .id))
            .field("unit_path", .string, .required)
            .field("unit_name", .string, .required)
            .field("secret_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .field("created_by", .string, .required)
            .field("expires_at", .datetime)
            .field("last_used_at", .datetime)
            .field("revoked_at", .datetime)
            .field("revoked_by", .string)
            .unique(on: "secret_hash")
            .create()
        try await database.schema(PlatformImport.schema)
            .id()
            .field("unit_path", .string, .required)
            .field("username", .string, .required)
            .field("user_name", .string, .required)
            .field("file", .string, .required)
            .field("kind", .string, .required)
            .field("bytes", .int64, .required)
            .field("state", .string, .required)
            .field("rows_read", .int64, .required)
            .field("rows_stored", .int64, .required)
            .field("rows_expected", .int64)
            .field("inserted", .int64)
            .field("unchanged", .int64)
            .field("error", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("finished_at", .datetime)
            .create()
        try await database.schema(PlatformAuditEntry.schema)
            .id()
            .field("at", .datetime, .required)
            .field("actor_username", .string, .required)
            .field("actor_name", .string, .required)
            .field("actor_unit", .string, .required)
            .field("action", .string, .required)
            .field("detail", .string, .required)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "platform_imports_by_created").on(PlatformImport.schema).column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(PlatformAuditEntry.schema).delete()
        try await database.schema(PlatformImport.schema).delete()
        try await database.schema(PlatformToken.schema).delete()
    }
}
