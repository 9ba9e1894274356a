import Fluent
import JixiaoPlatform
import SQLKit

/// Migration 9: the platform's person-level records of seed 000 (`pf_*` tables, `Records` in JixiaoPlatform/RecordSchema.swift),
/// in the server's own database so that the monthly league table is computed where the assessments live.
struct CreatePlatformRecords: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await Records.createTables(on: sql)
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for kind in Records.all.reversed() {
            try await sql.drop(table: kind.table).ifExists().run()
        }
    }
}
