import Fluent
import Foundation
import JixiaoPlatform
import SQLKit
import Vapor

/// Who may upload record files: the admins, and the province's staff (any role but 填报员 on a top-level unit).
enum PlatformIngestRules {
    static func managesTokens(_ user: SignedIn) -> Bool { AccountRules.managesAccounts(user.role) }

    static func mayUpload(_ user: SignedIn) -> Bool {
        AccountRules.managesAccounts(user.role) || (user.role != .filler && isTopLevel(user.unitPath))
    }

    static func isTopLevel(_ path: String) -> Bool { path.split(separator: "/").count == 1 }

    /// Bounds of one push (the JSON API) and one uploaded file.
    static let maxPushBytes = 10 << 20
    static let maxPushRecords = 50_000
    static let maxUploadBytes = 200 << 20
    /// Distinct unit codes one file may name (a province has a few hundred units).
    static let maxDistinctUnits = 20_000

    /// The column whose unit must lie within the uploader's (or the token's) tree: the record's county
    /// (or unit), and for the platform's own unit list the unit itself.
    static func scopeColumn(_ kind: RecordKind) -> String? { kind.name == Records.units.name ? "record_id" : kind.unitColumn }

    /// The stamp a receipt is recorded with (as the CLI's).
    static func stamp(_ date: Date = Date()) -> String { ISO8601DateFormatter().string(from: date) }
}

enum PlatformScope {
    /// The codes among `codes` that are outside the tree at `scope`: a unit of the org tree must lie at or below
    /// it; a code the org tree does not know is accepted only from a top-level unit (the whole province's data
    /// may name platform units the org tree does not list), refused from any unit below.
    static func outside(_ codes: Set<String>, scope: String, on db: any Database) async throws -> Set<String> {
        guard !codes.isEmpty else { return [] }
        var paths: [String: String] = [:]
        let all = Array(codes)
        for start in stride(from: 0, to: all.count, by: 500) {
            let chunk = Array(all[start..<min(start + 500, all.count)])
            for unit in try await OrgUnit.query(on: db).filter(\.$code ~~ chunk).all() { paths[unit.code] = unit.path }
        }
        let top = PlatformIngestRules.isTopLevel(scope)
        return codes.filter { code in
            if let path = paths[code] { return !path.hasPrefix(scope) }
            return !top
        }
    }

    static func message(code: String, scopeName: String) -> String {
        "单位“\(code)”不在“\(scopeName)”的范围内"
    }

    /// A unit record names its parent (`parent_code`): the platform's metrics of a city add up its counties by it.
    /// Below the top level a unit's records may not move it: the parent must be the org tree's (none for a root).
    /// `parents`: per unit code, the parent its first record names and that record's row. Returns the first unit
    /// (by row) whose record names another parent, with the org tree's. Codes the tree does not know are left to
    /// `outside`.
    static func reparented(_ parents: [String: (parent: String?, row: Int)], scope: String, on db: any Database) async throws
        -> (code: String, row: Int, given: String?, expected: String?)?
    {
        guard !parents.isEmpty, !PlatformIngestRules.isTopLevel(scope) else { return nil }
        var expected: [String: String?] = [:]
        let all = Array(parents.keys)
        for start in stride(from: 0, to: all.count, by: 500) {
            let chunk = Array(all[start..<min(start + 500, all.count)])
            for unit in try await OrgUnit.query(on: db).filter(\.$code ~~ chunk).all() {
                let path = unit.path.split(separator: "/").map(String.init)
                expected[unit.code] = path.count >= 2 ? path[path.count - 2] : nil
            }
        }
        return parents.compactMap { code, named -> (code: String, row: Int, given: String?, expected: String?)? in
            guard let tree = expected[code], named.parent != tree else { return nil }
            return (code, named.row, named.parent, tree)
        }.min { $0.row < $1.row }
    }

    static func reparentMessage(code: String, given: String?, expected: String?) -> String {
        "单位“\(code)”的上级应为“\(expected ?? "无")”，记录中为“\(given ?? "无")”：只有省级可以调整单位的隶属关系"
    }

    /// Per unit code, the parent its first unit record names (`parent_code`, empty as none) and that record's row.
    static func parents(_ rows: [[RecordValue]], rowNumbers: [Int]? = nil) -> [String: (parent: String?, row: Int)] {
        let columns = Records.units.allColumns
        guard let id = columns.firstIndex(where: { $0.name == "record_id" }),
            let parent = columns.firstIndex(where: { $0.name == "parent_code" })
        else { return [:] }
        var first: [String: (parent: String?, row: Int)] = [:]
        for (index, row) in rows.enumerated() where row.count > max(id, parent) {
            guard case .text(let code) = row[id], first[code] == nil else { continue }
            var named: String? = nil
            if case .text(let text) = row[parent], !text.isEmpty { named = text }
            first[code] = (named, rowNumbers.flatMap { index < $0.count ? $0[index] : nil } ?? index + 1)
        }
        return first
    }
}

/// Runs an ingest so that it never makes other users' saves fail: on SQLite as one job of the write gate (the
/// other writes wait for it in the gate's queue instead of meeting "database is locked"), on PostgreSQL on a
/// session of its own (one connection from BEGIN to COMMIT).
enum PlatformIngestRunner {
    /// One CSV file. On SQLite with a database file, the bulk writer (JixiaoPlatform's `SQLiteBulk`: its own
    /// connection, one prepared statement, one transaction) as a job of the write gate alone; otherwise `Ingest`
    /// through SQLKit as below. Same rules either way.
    static func csv(
        _ app: Application, _ url: URL, kind: RecordKind, recordedAt stamp: String, progress: @escaping @Sendable (Int) -> Void
    ) async throws -> IngestResult {
        if let gate = app.writeGate, let path = try await bulkPath(app) {
            return try await gate.alone {
                try await SQLiteBulk.csv(url, kind: kind, path: path, recordedAt: stamp, progress: progress)
            }
        }
        return try await run(app) { db in
            try await Ingest.csv(url, kind: kind, into: db, recordedAt: stamp, progress: progress)
        }
    }

    /// Checked rows (a push, an xlsx sheet); `file` and `rowNumbers` name where a refused row came from.
    static func rows(
        _ app: Application, _ rows: [[RecordValue]], kind: RecordKind, recordedAt stamp: String, file: String = "JSON",
        rowNumbers: [Int]? = nil
    ) async throws -> IngestResult {
        if let gate = app.writeGate, let path = try await bulkPath(app) {
            return try await gate.alone {
                try await SQLiteBulk.rows(rows, kind: kind, path: path, recordedAt: stamp, file: file, rowNumbers: rowNumbers)
            }
        }
        return try await run(app) { db in try await Ingest.rows(rows, kind: kind, into: db, recordedAt: stamp, file: file) }
    }

    /// The SQLite file the bulk writer opens (sqlite-kit keeps even an "in-memory" database in a temporary file).
    static func bulkPath(_ app: Application) async throws -> String? {
        guard let sql = app.db as? any SQLDatabase else { return nil }
        return try await SQLiteBulk.databaseFile(of: sql)
    }

    static func run<T: Sendable>(_ app: Application, _ work: @escaping @Sendable (any SQLDatabase) async throws -> T)
        async throws -> T
    {
        if let gate = app.writeGate {
            // The gate's job runs inside the gate's transaction; the ingest's own BEGIN/COMMIT become a savepoint,
            // and a refusal rolls back to it without failing the other writes of the same batch.
            let outcome: Result<T, any Error> = try await gate.run { db in
                guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "数据库不支持 SQL") }
                do { return .success(try await work(SavepointDatabase(base: sql))) } catch { return .failure(error) }
            }
            return try outcome.get()
        }
        guard let sql = app.db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "数据库不支持 SQL") }
        return try await work(sql)
    }
}

/// A database already inside a transaction, for code that opens its own with `BEGIN`/`COMMIT`/`ROLLBACK`
/// (JixiaoPlatform's `Ingest`): those three become a savepoint, everything else passes through.
struct SavepointDatabase: SQLDatabase {
    let base: any SQLDatabase
    static let name = "platform_ingest"

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        base.execute(sql: translated(query), onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await base.execute(sql: translated(query), onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }

    private func translated(_ query: any SQLExpression) -> any SQLExpression {
        guard query is SQLQueryString || query is SQLRaw else { return query }
        let (sql, binds) = base.serialize(query)
        guard binds.isEmpty else { return query }
        switch sql.trimmingCharacters(in: .whitespaces).uppercased() {
        case "BEGIN", "BEGIN TRANSACTION": return SQLRaw("SAVEPOINT \(Self.name)")
        case "COMMIT", "COMMIT TRANSACTION": return SQLRaw("RELEASE SAVEPOINT \(Self.name)")
        case "ROLLBACK", "ROLLBACK TRANSACTION": return SQLRaw("ROLLBACK TO SAVEPOINT \(Self.name)")
        default: return query
        }
    }
}

/// A value of a pushed record: text, a number (kept as its decimal text, never through Double), true/false, null.
enum PushedValue: Decodable, Sendable {
    case text(String)
    case null

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let v = try? c.decode(Int64.self) { self = .text(String(v)); return }
        if let v = try? c.decode(Bool.self) { self = .text(v ? "1" : "0"); return }
        if let v = try? c.decode(String.self) { self = .text(v); return }
        if let v = try? c.decode(Decimal.self) { self = .text(NSDecimalNumber(decimal: v).stringValue); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "应为文字、数字、true/false 或 null")
    }

    var text: String {
        switch self {
        case .text(let t): return t
        case .null: return ""
        }
    }
}

/// A refusal of a push: the JSON answer names the record (counted from 1) and the field.
struct PushProblem: Error, Content {
    var error: String
    var record: Int?
    var field: String?
}

enum PlatformPush {
    /// Checks every pushed record against its kind's columns; returns the values in table order.
    static func values(_ records: [[String: PushedValue]], kind: RecordKind) throws(PushProblem) -> [[RecordValue]] {
        let names = kind.allColumns.map(\.name)
        let mapper: RowMapper
        do { mapper = try RowMapper(kind: kind, header: names, file: "请求") } catch {
            throw PushProblem(error: error.description)
        }
        var out: [[RecordValue]] = []
        out.reserveCapacity(records.count)
        for (index, record) in records.enumerated() {
            let number = index + 1
            if let unknown = record.keys.sorted().first(where: { kind.column($0) == nil }) {
                throw PushProblem(
                    error: "第 \(number) 条记录，字段 \(String(unknown.prefix(40)))：\(kind.label)没有这个字段（应有：\(names.joined(separator: ","))）",
                    record: number, field: String(unknown.prefix(40)))
            }
            let fields = names.map { record[$0]?.text ?? "" }
            do { out.append(try mapper.values(fields, row: number, file: "请求")) } catch {
                throw PushProblem(error: "第 \(number) 条记录，字段 \(error.column ?? "")：\(error.message)",
                                  record: number, field: error.column)
            }
        }
        return out
    }

    /// The first record whose unit lies outside the token's tree, if any.
    static func outsideProblem(_ rows: [[RecordValue]], kind: RecordKind, token: PlatformToken, on db: any Database)
        async throws -> PushProblem?
    {
        guard let column = PlatformIngestRules.scopeColumn(kind),
            let at = kind.allColumns.firstIndex(where: { $0.name == column })
        else { return nil }
        func code(_ row: [RecordValue]) -> String? { if case .text(let t) = row[at] { return t } else { return nil } }
        let codes = Set(rows.compactMap(code))
        let outside = try await PlatformScope.outside(codes, scope: token.unitPath, on: db)
        guard !outside.isEmpty, let index = rows.firstIndex(where: { code($0).map(outside.contains) ?? false }),
            let bad = code(rows[index])
        else {
            guard kind.name == Records.units.name,
                let moved = try await PlatformScope.reparented(PlatformScope.parents(rows), scope: token.unitPath, on: db)
            else { return nil }
            return PushProblem(
                error: "第 \(moved.row) 条记录，字段 parent_code：\(PlatformScope.reparentMessage(code: moved.code, given: moved.given, expected: moved.expected))，本次推送未写入任何记录",
                record: moved.row, field: "parent_code")
        }
        return PushProblem(
            error: "第 \(index + 1) 条记录，字段 \(column)：\(PlatformScope.message(code: bad, scopeName: token.unitName))，本次推送未写入任何记录",
            record: index + 1, field: column)
    }
}
