import Fluent
import SQLKit
import Vapor

extension Application {
    /// Runs a write in one transaction: on SQLite queued on the one writer connection (see WriteGate),
    /// on PostgreSQL directly. Every write of the app goes through here or through AssessmentStore's queue.
    func write<T: Sendable>(_ work: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        if let writeGate { return try await writeGate.run(work) }
        return try await db.transaction { try await work($0) }
    }

    /// Bumps a shared counter (in the caller's transaction), telling every app server that what it cached
    /// under that name is stale.
    static func bumpCounter(_ name: String, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw("UPDATE change_counters SET value = value + 1 WHERE name = \(bind: name)").run()
    }
}
