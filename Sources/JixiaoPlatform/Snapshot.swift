import Foundation
import SQLKit

/// The state of some record tables as of a cut-off, materialised once per table into temporary tables of one
/// database session: per record id the latest version changed at or before the cut, deletions left out. Every
/// metric and check of the month then reads these instead of re-deriving the current versions per query (one
/// scan of each base table per month instead of one per metric). Temporary tables live in the session's
/// connection only, so a snapshot must be made and used inside one `withSession` and dropped at its end.
struct Snapshot: Sendable {
    let cut: Cut
    /// Record kind name → temporary table name.
    let tables: [String: String]
    /// PostgreSQL (some conditions are rendered as joins there).
    var isPostgres = false

    /// Materialises `kinds` (by name) as of `cut`. `filters` narrows a kind's snapshot (applied to the current
    /// version, alias `c0`, after currentness is decided), for checks that read only part of a big table.
    static func make(
        _ db: any SQLDatabase, cut: Cut, kinds: Set<String>, filters: [String: String] = [:]
    ) async throws -> Snapshot {
        // Unique per snapshot: two snapshots may share a session (last month's cut inside this month's).
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let moment = literal(cut.moment)
        let isPostgres = db.dialect.name == "postgresql"
        var tables: [String: String] = [:]
        for kind in Records.all where kinds.contains(kind.name) {
            let name = "pfs_\(kind.name)_\(tag)"
            let extra = filters[kind.name].map { " AND \($0)" } ?? ""
            // One pass over the table, each version's successor looked up in the (record_id, changed_at) key. On
            // SQLite the planner would otherwise walk the changed_at index (the cut bounds it) and fetch every row
            // by rowid out of order: measured 3× the CPU of a plain scan at 100,000 persons, since a cut keeps
            // nearly every version (all but those changed after it).
            let scan = isPostgres ? "" : " NOT INDEXED"
            try await db.raw(rawSQL(
                "CREATE TEMPORARY TABLE \(name) AS SELECT c0.* FROM \(kind.table) c0\(scan) WHERE c0.changed_at <= \(moment) " +
                    "AND c0.deleted = 0 AND NOT EXISTS (SELECT 1 FROM \(kind.table) c1 WHERE c1.record_id = c0.record_id " +
                    "AND c1.changed_at > c0.changed_at AND c1.changed_at <= \(moment))\(extra)"
            )).run()
            tables[kind.name] = name
            // The lookups the metrics make: a person by id, a person's needs, a county's tasks …
            var indexes: [String] = []
            if kind.name == Records.persons.name || kind.name == Records.units.name { indexes.append("record_id") }
            if kind.name == Records.needs.name { indexes.append("person_id, kind") }
            for (i, columns) in indexes.enumerated() {
                try await db.raw(rawSQL("CREATE INDEX \(name)_i\(i) ON \(name) (\(columns))")).run()
            }
            if isPostgres { try await db.raw(rawSQL("ANALYZE \(name)")).run() }
        }
        return Snapshot(cut: cut, tables: tables, isPostgres: isPostgres)
    }

    func table(_ kind: RecordKind) -> String {
        guard let name = tables[kind.name] else { preconditionFailure("\(kind.name) is not in the snapshot") }
        return name
    }

    func drop(_ db: any SQLDatabase) async {
        for name in tables.values { try? await db.raw(rawSQL("DROP TABLE IF EXISTS \(name)")).run() }
    }

    /// Makes a snapshot, runs `body` with it and drops it, in one session of `db`.
    static func with<T: Sendable>(
        _ db: any SQLDatabase, cut: Cut, kinds: Set<String>, filters: [String: String] = [:],
        _ body: @escaping @Sendable (any SQLDatabase, Snapshot) async throws -> T
    ) async throws -> T {
        try await db.withSession { session in
            let snapshot = try await make(session, cut: cut, kinds: kinds, filters: filters)
            do {
                let result = try await body(session, snapshot)
                await snapshot.drop(session)
                return result
            } catch {
                await snapshot.drop(session)
                throw error
            }
        }
    }

    /// A cut's moment as an SQL literal: it is made of the cut's integers only (`YYYY-MM-DD 23:59:59`), never of
    /// user text, and CREATE TABLE … AS takes no bound parameters on PostgreSQL.
    static func literal(_ moment: String) -> String {
        precondition(moment.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "-" || $0 == ":" || $0 == " ") })
        return "'\(moment)'"
    }
}

/// SQL text built in Swift from the code's own identifiers (table, column and temporary table names, never user
/// input) as a query. A function, because `SQLQueryString("… \(x) …")` would read the literal as SQLKit's
/// interpolation (binds), not as text.
func rawSQL(_ text: String) -> SQLQueryString { SQLQueryString(text) }
