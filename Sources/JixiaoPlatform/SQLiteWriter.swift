import Foundation
import SQLKit
// sqlite-nio's vendored SQLite amalgamation (every function prefixed `sqlite_nio_`). It comes with SQLiteKit, so no
// system library is needed; it is the same SQLite build the server's SQLiteNIO connections use.
import VaporCSQLite

/// The fast ingest on SQLite: one connection of its own through the sqlite3 C API, one prepared
/// `INSERT … ON CONFLICT (record_id, changed_at) DO NOTHING` per file, values bound per row, one transaction per file.
///
/// Same semantics as `Ingest` over SQLKit (which stays the path for PostgreSQL and for databases without a file):
/// idempotent by (record_id, changed_at); a version already stored (or twice in the file) must be identical, or the
/// file is refused naming its row and first differing column; a bad row refuses the whole file with its row and
/// column; nothing of a refused file is stored. The CSV is read on one thread and checked batches are written on
/// another; at most `queueLimit` batches wait, so memory is bounded whatever the file's size.
///
/// The database file may be open in SQLiteNIO connections at the same time (the CLI, the server): this connection
/// takes the write lock with `BEGIN IMMEDIATE` and waits for it up to `busyTimeoutMilliseconds`; readers go on
/// reading the last committed state in WAL mode. The caller must not hold SQLite's write lock on another
/// connection while waiting for this one (that would wait until the timeout and fail).
public enum SQLiteBulk {
    static let batchRows = 1_000
    static let queueLimit = 4
    public static let busyTimeoutMilliseconds: Int32 = 60_000

    /// The file behind a SQLite database (`PRAGMA database_list`), or nil: not SQLite, or a database with no file
    /// (`:memory:`), which another connection cannot open.
    public static func databaseFile(of db: any SQLDatabase) async throws -> String? {
        guard db.dialect.name == "sqlite" else { return nil }
        for row in try await db.raw("PRAGMA database_list").all() {
            guard (try? row.decode(column: "name", as: String.self)) == "main" else { continue }
            let file = (try? row.decode(column: "file", as: String.self)) ?? ""
            return file.isEmpty ? nil : file
        }
        return nil
    }

    /// Imports one CSV file of `kind` into the SQLite database at `path`, all or nothing.
    /// `progress` is told the rows stored so far (from the writer's thread).
    public static func csv(
        _ url: URL, kind: RecordKind, path: String, recordedAt: String, progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> IngestResult {
        try await pipeline(file: url.lastPathComponent, kind: kind, path: path, recordedAt: recordedAt, progress: progress) {
            emit in try CSVStream.read(url) { row, fields in try emit(row, fields) }
        }
    }

    /// Imports CSV text (tests, small uploads) the same way.
    public static func csvText(
        _ text: String, file: String, kind: RecordKind, path: String, recordedAt: String
    ) async throws -> IngestResult {
        try await pipeline(file: file, kind: kind, path: path, recordedAt: recordedAt, progress: nil) { emit in
            try CSVStream.parse(text) { row, fields in try emit(row, fields) }
        }
    }

    /// Imports already checked rows (the JSON API, xlsx) in one transaction; a row's number in messages is its
    /// position (1 = the first) or, when given, `rowNumbers[i]`.
    public static func rows(
        _ rows: [[RecordValue]], kind: RecordKind, path: String, recordedAt: String, file: String = "JSON",
        rowNumbers: [Int]? = nil, progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> IngestResult {
        try await onThread {
            let writer = try Writer(path: path, kind: kind, recordedAt: recordedAt, file: file)
            return try writer.transaction {
                var inserted = 0
                var batch: [Ingest.NumberedRow] = []
                batch.reserveCapacity(batchRows)
                for (i, values) in rows.enumerated() {
                    let number = rowNumbers.flatMap { i < $0.count ? $0[i] : nil } ?? i + 1
                    batch.append(Ingest.NumberedRow(row: number, values: values))
                    if batch.count == batchRows {
                        inserted += try writer.write(batch)
                        progress?(i + 1)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                inserted += try writer.write(batch)
                progress?(rows.count)
                return IngestResult(kind: kind.name, rows: rows.count, inserted: inserted)
            }
        }
    }

    /// Reader thread → bounded queue → writer thread (the caller awaits the writer).
    static func pipeline(
        file: String, kind: RecordKind, path: String, recordedAt: String, progress: (@Sendable (Int) -> Void)?,
        reader: @escaping @Sendable (_ emit: (Int, [String]) throws -> Void) throws -> Void
    ) async throws -> IngestResult {
        let queue = BatchQueue(limit: queueLimit)
        let producer = Thread {
            do {
                var mapper: RowMapper?
                var batch: [Ingest.NumberedRow] = []
                batch.reserveCapacity(batchRows)
                try reader { row, fields in
                    guard let m = mapper else {
                        mapper = try RowMapper(kind: kind, header: fields, file: file)
                        return
                    }
                    batch.append(Ingest.NumberedRow(row: row, values: try m.values(fields, row: row, file: file)))
                    if batch.count == batchRows {
                        guard queue.put(batch) else { throw CancellationError() }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if mapper == nil { throw IngestError(file: file, row: nil, column: nil, message: "文件为空（没有表头）") }
                if !batch.isEmpty { _ = queue.put(batch) }
                queue.finish(nil)
            } catch let problem as CSVStream.Problem {
                queue.finish(problem.ingestError(file: file))
            } catch {
                queue.finish(error)
            }
        }
        producer.start()
        return try await onThread {
            do {
                let writer = try Writer(path: path, kind: kind, recordedAt: recordedAt, file: file)
                return try writer.transaction {
                    var rows = 0
                    var inserted = 0
                    while let batch = try queue.take() {
                        inserted += try writer.write(batch)
                        rows += batch.count
                        progress?(rows)
                    }
                    return IngestResult(kind: kind.name, rows: rows, inserted: inserted)
                }
            } catch {
                queue.cancel()
                throw error
            }
        }
    }

    /// Runs blocking work (the C API, file reading) on a thread of its own, not on Swift's cooperative pool.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<T, any Error>) in
            Thread { done.resume(with: Result { try work() }) }.start()
        }
    }

    /// One connection, its prepared statements, one file's transaction. Used on one thread only.
    final class Writer {
        let db: OpaquePointer
        let kind: RecordKind
        let file: String
        let columns: [Column]
        var insert: OpaquePointer?
        var lookup: OpaquePointer?

        init(path: String, kind: RecordKind, recordedAt: String, file: String) throws {
            self.kind = kind
            self.file = file
            self.columns = kind.allColumns
            var handle: OpaquePointer?
            let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI | SQLITE_OPEN_EXRESCODE
            let rc = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
            guard rc == SQLITE_OK, let handle else {
                let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "code \(rc)"
                sqlite_nio_sqlite3_close_v2(handle)
                throw SQLiteBulkError(message: "无法打开数据库 \(path)：\(message)")
            }
            db = handle
            sqlite_nio_sqlite3_busy_timeout(db, SQLiteBulk.busyTimeoutMilliseconds)
            // The connection's page cache: index pages of a large file stay in memory (bounded, 64 MiB).
            try exec("PRAGMA cache_size = -65536")
            let names = columns.map(\.name)
            insert = try prepare(
                "INSERT INTO \(kind.table) (\(names.joined(separator: ", ")), recorded_at) VALUES (" +
                    Array(repeating: "?", count: names.count + 1).joined(separator: ", ") +
                    ") ON CONFLICT (record_id, changed_at) DO NOTHING")
            lookup = try prepare(
                "SELECT \(names.joined(separator: ", ")) FROM \(kind.table) WHERE record_id = ?1 AND changed_at = ?2")
            // recorded_at is the same for the whole file; bindings survive sqlite3_reset.
            try check(bindText(insert, Int32(names.count + 1), recordedAt))
        }

        deinit {
            sqlite_nio_sqlite3_finalize(insert)
            sqlite_nio_sqlite3_finalize(lookup)
            sqlite_nio_sqlite3_close_v2(db)
        }

        func transaction<T>(_ body: () throws -> T) throws -> T {
            try exec("BEGIN IMMEDIATE")
            do {
                let result = try body()
                try exec("COMMIT")
                return result
            } catch {
                try? exec("ROLLBACK")
                throw error
            }
        }

        /// Stores a batch and returns how many versions were new.
        func write(_ batch: [Ingest.NumberedRow]) throws -> Int {
            guard let insert else { return 0 }
            var inserted = 0
            for row in batch {
                guard row.values.count == columns.count else {
                    throw IngestError(
                        file: file, row: row.row, column: nil,
                        message: "值的个数 \(row.values.count) 与\(kind.label)的列数 \(columns.count) 不符")
                }
                for (i, value) in row.values.enumerated() { try check(bind(insert, Int32(i + 1), value)) }
                let rc = sqlite_nio_sqlite3_step(insert)
                sqlite_nio_sqlite3_reset(insert)
                guard rc == SQLITE_DONE else { throw failure(rc) }
                if sqlite_nio_sqlite3_changes(db) > 0 {
                    inserted += 1
                } else {
                    try checkStored(row)
                }
            }
            return inserted
        }

        /// The version was already there: it must be identical, or the file is refused at this row and column.
        func checkStored(_ row: Ingest.NumberedRow) throws {
            guard let lookup else { return }
            defer { sqlite_nio_sqlite3_reset(lookup) }
            try check(bind(lookup, 1, row.values[0]))
            try check(bind(lookup, 2, row.values[1]))
            let rc = sqlite_nio_sqlite3_step(lookup)
            guard rc == SQLITE_ROW else {
                if rc == SQLITE_DONE { return }  // not a key conflict (cannot happen: the key is the only unique one)
                throw failure(rc)
            }
            for (i, column) in columns.enumerated() {
                let old = storedValue(lookup, Int32(i), column)
                let new = row.values[i]
                if old != new {
                    throw IngestError(
                        file: file, row: row.row, column: column.name,
                        message: "记录 \(Ingest.text(row.values[0])) 在 \(Ingest.text(row.values[1])) 的版本与已有版本不同" +
                            "（已有“\(FieldCheck.clip(Ingest.text(old)))”，此处“\(FieldCheck.clip(Ingest.text(new)))”）")
                }
            }
        }

        func storedValue(_ statement: OpaquePointer, _ i: Int32, _ column: Column) -> RecordValue {
            if sqlite_nio_sqlite3_column_type(statement, i) == SQLITE_NULL { return .null }
            if Records.isInteger(column.type) { return .int(sqlite_nio_sqlite3_column_int64(statement, i)) }
            guard let text = sqlite_nio_sqlite3_column_text(statement, i) else { return .null }
            return .text(String(cString: text))
        }

        func bind(_ statement: OpaquePointer, _ i: Int32, _ value: RecordValue) -> Int32 {
            switch value {
            case .int(let v): return sqlite_nio_sqlite3_bind_int64(statement, i, v)
            case .text(let v): return bindText(statement, i, v)
            case .null: return sqlite_nio_sqlite3_bind_null(statement, i)
            }
        }

        func bindText(_ statement: OpaquePointer?, _ i: Int32, _ text: String) -> Int32 {
            let length = UInt64(text.utf8.count)
            return text.withCString { chars in
                sqlite_nio_sqlite3_bind_text64(statement, i, chars, length, sqliteTransient, UInt8(SQLITE_UTF8))
            }
        }

        func prepare(_ sql: String) throws -> OpaquePointer? {
            var statement: OpaquePointer?
            let rc = sqlite_nio_sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
            guard rc == SQLITE_OK else { throw failure(rc) }
            return statement
        }

        func exec(_ sql: String) throws {
            let rc = sqlite_nio_sqlite3_exec(db, sql, nil, nil, nil)
            guard rc == SQLITE_OK else { throw failure(rc) }
        }

        func check(_ rc: Int32) throws {
            guard rc == SQLITE_OK else { throw failure(rc) }
        }

        func failure(_ rc: Int32) -> SQLiteBulkError {
            SQLiteBulkError(message: "\(file)：SQLite 出错（\(rc)）：\(String(cString: sqlite_nio_sqlite3_errmsg(db)))")
        }
    }
}

/// A database failure of the bulk writer (not a fault of the file's contents).
public struct SQLiteBulkError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// `SQLITE_TRANSIENT`: SQLite copies the bound bytes before the bind call returns.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// Checked batches from the reader thread to the writer thread; `put` blocks while `limit` batches wait.
final class BatchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [[Ingest.NumberedRow]] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private let limit: Int
    init(limit: Int) { self.limit = limit }

    /// False when the writer gave up (the reader should stop).
    func put(_ batch: [Ingest.NumberedRow]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= limit && !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(batch)
        condition.broadcast()
        return true
    }

    func finish(_ error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, nil at the end, or the reader's error.
    func take() throws -> [Ingest.NumberedRow]? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !finished { condition.wait() }
        if !items.isEmpty {
            let batch = items.removeFirst()
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
