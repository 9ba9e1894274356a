import Fluent
import SQLKit

/// The migrations, in order. Append only: a database that ran the first n keeps them and runs the rest.
enum Migrations {
    static let all: [any Migration] = [
        CreateSchema(),  // 1: org tree, accounts, schemes, assessments, figures, audit log, evidence
        CreateSharedState(),  // 2: sessions, sign-in attempts, change counters (what app servers must agree on)
        CreateApprovalSnapshots(),  // 3: what an assessment scored when approved (Assessments/ApprovalSnapshot.swift)
        CreateReturnedItems(),  // 4: indicators a reviewer returned with a message (Assessments/ReturnedItem.swift)
        CreatePendingSchemeUploads(),  // 5: scheme uploads with warnings, waiting for their admin's confirmation (Schemes/PendingSchemeUpload.swift)
        AddAccountManagement(),  // 6: accounts' state (disabled, must change password, last sign-in), sessions by user, account audit log
        CreateAppraisals(),  // 7: staff appraisal (seed 003): persons, 日常管理 entries, 附件2 sheets, 民主测评 polls and tallies (Appraisals/AppraisalModels.swift)
        CreateEvaluations(),  // 8: evaluations across subjects, their findings and log (Evaluations/EvaluationModels.swift)
        CreatePlatformRecords(),  // 9: the platform's person-level records of seed 000 (Platform/PlatformRecordsMigration.swift)
        CreatePlatformIngest(),  // 10: API tokens, record uploads and their progress, their audit log (PlatformIngest/PlatformIngestModels.swift)
        CreatePlatformLeague(),  // 11: seed 000's monthly league tables frozen per cut-off, and which figures are the platform's (Platform/LeagueModels.swift)
    ]
}

/// The first schema, identical on SQLite and PostgreSQL.
struct CreateSchema: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(OrgUnit.schema)
            .id()
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("kind", .string, .required)
            .field("parent_id", .uuid, .references(OrgUnit.schema, .id))
            .field("path", .string, .required)
            .unique(on: "code")
            .create()
        try await database.schema(User.schema)
            .id()
            .field("username", .string, .required)
            .field("display_name", .string, .required)
            .field("password_hash", .string, .required)
            .field("role", .string, .required)
            .field("unit_id", .uuid, .required, .references(OrgUnit.schema, .id))
            .unique(on: "username")
            .create()
        try await database.schema(SchemeVersion.schema)
            .id()
            .field("code", .string, .required)
            .field("version", .int, .required)
            .field("name", .string, .required)
            .field("year", .int)
            .field("yaml", .string, .required)
            .field("frozen", .bool, .required)
            .field("created_at", .datetime)
            .unique(on: "code", "version")
            .create()
        try await database.schema(Assessment.schema)
            .id()
            .field("scheme_id", .uuid, .required, .references(SchemeVersion.schema, .id))
            .field("period", .string, .required)
            .field("unit_id", .uuid, .required, .references(OrgUnit.schema, .id))
            .field("stage", .int, .required)
            .field("status", .string, .required)
            .field("comment", .string)
            .field("revision", .int, .required)
            .field("updated_at", .datetime)
            .unique(on: "scheme_id", "period", "unit_id")
            .create()
        try await database.schema(EntryValue.schema)
            .id()
            .field("assessment_id", .uuid, .required, .references(Assessment.schema, .id))
            .field("stage", .int, .required)
            .field("field", .string, .required)
            .field("value", .string, .required)
            .field("reason", .string)
            .unique(on: "assessment_id", "stage", "field")
            .create()
        try await database.schema(AuditEntry.schema)
            .id()
            .field("assessment_id", .uuid, .required, .references(Assessment.schema, .id))
            .field("username", .string, .required)
            .field("at", .datetime, .required)
            .field("action", .string, .required)
            .field("field", .string)
            .field("old_value", .string)
            .field("new_value", .string)
            .field("reason", .string)
            .create()
        try await database.schema(Evidence.schema)
            .id()
            .field("assessment_id", .uuid, .required, .references(Assessment.schema, .id))
            .field("filename", .string, .required)
            .field("content_type", .string, .required)
            .field("note", .string, .required)
            .field("data", .data, .required)
            .field("username", .string, .required)
            .field("at", .datetime, .required)
            .create()
        // A sheet reads its log and its files by assessment.
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "audit_log_by_assessment").on(AuditEntry.schema).column("assessment_id").run()
            try await sql.create(index: "evidence_by_assessment").on(Evidence.schema).column("assessment_id").run()
        }
    }

    func revert(on database: any Database) async throws {
        for schema in [Evidence.schema, AuditEntry.schema, EntryValue.schema, Assessment.schema, SchemeVersion.schema, User.schema, OrgUnit.schema] {
            try await database.schema(schema).delete()
        }
    }
}

/// What several app servers behind one database must agree on, so that none holds state of its own:
/// sessions (see DatabaseSessions), failed sign-ins (see LoginLimiter) and counters that tell a server
/// its cached scores are stale (see ScoreBoard). Times are whole seconds since 1970, the same on both databases.
struct CreateSharedState: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("""
            CREATE TABLE sessions (id VARCHAR(64) PRIMARY KEY, data TEXT NOT NULL, created_at BIGINT NOT NULL,
                refreshed_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)
            """).run()
        try await sql.raw("CREATE INDEX sessions_by_expiry ON sessions (expires_at)").run()
        try await sql.raw("CREATE TABLE login_attempts (id VARCHAR(36) PRIMARY KEY, name_key VARCHAR(200) NOT NULL, at BIGINT NOT NULL)").run()
        try await sql.raw("CREATE INDEX login_attempts_by_name ON login_attempts (name_key, at)").run()
        try await sql.raw("CREATE TABLE change_counters (name VARCHAR(100) PRIMARY KEY, value BIGINT NOT NULL)").run()
        try await sql.raw("INSERT INTO change_counters (name, value) VALUES ('org', 0)").run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for table in ["change_counters", "login_attempts", "sessions"] { try await sql.raw("DROP TABLE \(unsafeRaw: table)").run() }
    }
}

/// Accounts managed in the browser: each account's state (added with defaults, so existing accounts stay usable and
/// are not asked to change their password), the user of each session (so that disabling an account ends its
/// sessions with one statement), and the account audit log, created whole.
struct AddAccountManagement: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        try await database.schema(User.schema).field("disabled", .bool, .required, .sql(.default(false))).update()
        try await database.schema(User.schema).field("must_change_password", .bool, .required, .sql(.default(false))).update()
        try await database.schema(User.schema).field("last_sign_in_at", .datetime).update()
        try await database.schema(AccountAuditEntry.schema)
            .id()
            .field("at", .datetime, .required)
            .field("actor_id", .uuid, .required)
            .field("actor_username", .string, .required)
            .field("actor_name", .string, .required)
            .field("actor_unit", .string, .required)
            .field("target_id", .uuid, .required, .references(User.schema, .id))
            .field("action", .string, .required)
            .field("detail", .string, .required)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE sessions ADD COLUMN user_id VARCHAR(36) NOT NULL DEFAULT ''").run()
        try await sql.raw("CREATE INDEX sessions_by_user ON sessions (user_id)").run()
        try await sql.create(index: "account_audit_by_target").on(AccountAuditEntry.schema).column("target_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AccountAuditEntry.schema).delete()
        try await database.schema(User.schema).deleteField("last_sign_in_at").deleteField("must_change_password").deleteField("disabled").update()
        if let sql = database as? any SQLDatabase {
            try await sql.raw("DROP INDEX sessions_by_user").run()
            try await sql.raw("ALTER TABLE sessions DROP COLUMN user_id").run()
        }
    }
}
