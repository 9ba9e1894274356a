import Foundation
import JixiaoPlatform
import SQLKit
import Vapor

/// A month's change explained by the records that moved it: for one unit, the records of each kind that a moved
/// metric reads, changed or added between the previous cut-off and this one (a version with `changed_at` in
/// (previous cut, this cut]). Counted and listed set-based in SQL, at most `LeagueStore.listedRecords` per kind.
struct MovedRecords: Sendable, Equatable {
    struct Line: Sendable, Equatable {
        let id: String
        /// True when the record had no version at or before the previous cut (新增), false when it had (变更).
        let added: Bool
        /// Its latest version as of this cut, columns as text.
        let fields: [String: String]
    }

    struct Kind: Sendable, Equatable {
        let kind: String
        /// Records of this kind with a version in the window.
        let count: Int
        /// The most recently changed first, at most `LeagueStore.listedRecords`.
        let lines: [Line]
    }

    let from: String
    let to: String
    /// Moved metric → the record kinds it reads (in `kinds` when any of its records moved, or with a count of 0).
    let byMetric: [String: [String]]
    let kinds: [Kind]

    func kind(_ name: String) -> Kind? { kinds.first { $0.kind == name } }

    /// The moved records of `unit` (a county's own; a city's own and its counties') for the metrics that moved.
    static func load(unit: LeagueSnapshot.UnitLine, metrics: [String], from previousCut: String, to cut: String,
                     file: MetricsFile, on sql: any SQLDatabase) async throws -> MovedRecords {
        var byMetric: [String: [String]] = [:]
        var wanted: [String] = []
        for metric in metrics {
            let kinds = file.recordKinds(of: metric)
            byMetric[metric] = kinds
            for kind in kinds where !wanted.contains(kind) { wanted.append(kind) }
        }
        var kinds: [Kind] = []
        for name in wanted {
            guard let kind = Records.kind(named: name), let unitColumn = kind.unitColumn else { continue }
            kinds.append(try await moved(kind, unitColumn: unitColumn, unit: unit, from: previousCut, to: cut, on: sql))
        }
        return MovedRecords(from: previousCut, to: cut, byMetric: byMetric, kinds: kinds)
    }

    static func moved(_ kind: RecordKind, unitColumn: String, unit: LeagueSnapshot.UnitLine, from: String, to: String,
                      on sql: any SQLDatabase) async throws -> Kind {
        let table = SQLIdentifier(kind.table), column = SQLIdentifier(unitColumn)
        // The unit's own rows; a city's also those of its counties (as the platform's units table has them).
        let scope: SQLQueryString = unit.level == "city"
            ? "(t.\(column) = \(bind: unit.code) OR t.\(column) IN (SELECT u.record_id FROM \(ident: Records.units.table) u WHERE u.parent_code = \(bind: unit.code)))"
            : "t.\(column) = \(bind: unit.code)"
        struct Count: Decodable { let n: Int }
        let count = try await sql.raw("""
            SELECT COUNT(DISTINCT t.record_id) AS n FROM \(table) t
            WHERE \(scope) AND t.changed_at > \(bind: from) AND t.changed_at <= \(bind: to)
            """).first(decoding: Count.self)?.n ?? 0
        guard count > 0 else { return Kind(kind: kind.name, count: 0, lines: []) }
        let columns = kind.allColumns.filter { $0.name != "record_id" }
        let casts = columns.map { "CAST(t.\($0.name) AS TEXT) AS \($0.name)" }.joined(separator: ", ")
        // The latest version as of the cut of each record changed in the window, most recent first.
        let rows = try await sql.raw("""
            SELECT t.record_id, \(unsafeRaw: casts),
              CASE WHEN EXISTS (SELECT 1 FROM \(table) p WHERE p.record_id = t.record_id AND p.changed_at <= \(bind: from))
                THEN 0 ELSE 1 END AS added
            FROM \(table) t
            WHERE \(scope) AND t.changed_at > \(bind: from) AND t.changed_at <= \(bind: to)
              AND NOT EXISTS (SELECT 1 FROM \(table) o WHERE o.record_id = t.record_id AND o.changed_at > t.changed_at
                              AND o.changed_at <= \(bind: to))
            ORDER BY t.changed_at DESC, t.record_id
            LIMIT \(unsafeRaw: String(LeagueStore.listedRecords))
            """).all()
        var lines: [Line] = []
        for row in rows {
            var fields: [String: String] = [:]
            for column in columns {
                guard let text = try row.decode(column: column.name, as: String?.self) else { continue }
                if column.type == .money, let fen = Int64(text) { fields[column.name] = Money.yuan(fen) } else { fields[column.name] = text }
            }
            lines.append(Line(id: try row.decode(column: "record_id", as: String.self),
                              added: try row.decode(column: "added", as: Int.self) == 1, fields: fields))
        }
        return Kind(kind: kind.name, count: count, lines: lines)
    }
}
