import Foundation
import SQLKit

/// A file that was refused, with where: file, row (1 = the header line) and column. Nothing of it was stored.
public struct IngestError: Error, Sendable, CustomStringConvertible, Equatable {
    public let file: String
    public let row: Int?
    public let column: String?
    public let message: String
    public init(file: String, row: Int?, column: String?, message: String) {
        self.file = file
        self.row = row
        self.column = column
        self.message = message
    }
    public var description: String {
        var place = file
        if let row { place += " 第 \(row) 行" }
        if let column { place += "，\(column) 列" }
        return "\(place)：\(message)（整个文件未导入）"
    }
}

public struct IngestResult: Sendable, Equatable {
    public let kind: String
    /// Data rows read.
    public let rows: Int
    /// Versions stored now; the rest were already there (a repeated import stores none).
    public let inserted: Int
    public var unchanged: Int { rows - inserted }
}

/// A typed value ready to bind: integers (counts, flags, 分) or text; nil for an empty optional field.
public enum RecordValue: Sendable, Equatable, Encodable {
    case int(Int64)
    case text(String)
    case null

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let v): try c.encode(v)
        case .text(let v): try c.encode(v)
        case .null: try c.encodeNil()
        }
    }
}

public struct FieldProblem: Error, Sendable { public let message: String }

extension Result where Failure == FieldProblem {
    static func failure(_ message: String) -> Self { .failure(FieldProblem(message: message)) }
}

/// Checks one field against its column type. Returns the value or a Chinese sentence saying what is wrong.
public enum FieldCheck {
    public static func value(_ raw: String, _ column: Column) -> Result<RecordValue, FieldProblem> {
        let text = trimmed(raw)
        if text.isEmpty {
            if column.required {
                return column.name == "deleted" ? .success(.int(0)) : .failure("不能为空")
            }
            if column.type == .flag { return .success(.int(0)) }
            return .success(.null)
        }
        switch column.type {
        case .text(let max):
            // Characters never outnumber UTF-8 bytes: count them only when the bytes could be too many.
            if text.utf8.count > max, text.count > max { return .failure("超过 \(max) 个字符") }
            if hasControl(text) { return .failure("含有控制字符") }
            return .success(.text(text))
        case .int(let range):
            guard text.utf8.count <= 19, let v = Int64(text) else { return .failure("不是整数：“\(clip(text))”") }
            if !range.contains(v) { return .failure("\(v) 超出范围 \(range.lowerBound)…\(range.upperBound)") }
            return .success(.int(v))
        case .flag:
            switch text {
            case "1", "是", "true", "TRUE", "True": return .success(.int(1))
            case "0", "否", "false", "FALSE", "False": return .success(.int(0))
            default: return .failure("应为 1/0 或 是/否：“\(clip(text))”")
            }
        case .choice(let words):
            if words.contains(text) { return .success(.text(text)) }
            return .failure("应为 \(words.joined(separator: "、")) 之一：“\(clip(text))”")
        case .date:
            guard CalendarText.isDate(text) else { return .failure("不是日期 YYYY-MM-DD：“\(clip(text))”") }
            return .success(.text(text))
        case .month:
            guard CalendarText.isMonth(text) else { return .failure("不是月份 YYYY-MM：“\(clip(text))”") }
            return .success(.text(text))
        case .timestamp:
            // A date alone means the start of that day.
            if CalendarText.isDate(text) { return .success(.text(text + " 00:00:00")) }
            let t = text.utf8.contains(UInt8(ascii: "T")) ? text.replacingOccurrences(of: "T", with: " ") : text
            guard CalendarText.isTimestamp(t) else {
                return .failure("不是时间 YYYY-MM-DD HH:MM:SS：“\(clip(text))”")
            }
            return .success(.text(t))
        case .money:
            guard let fen = Money.fen(text) else { return .failure("不是金额（元，至多两位小数）：“\(clip(text))”") }
            return .success(.int(fen))
        }
    }

    /// `trimmingCharacters(in: .whitespaces)`, without Foundation when both ends are plain ASCII (nearly always).
    static func trimmed(_ raw: String) -> String {
        let u = raw.utf8
        guard let first = u.first, let last = u.last else { return raw }
        func plain(_ b: UInt8) -> Bool { b < 0x80 && b != 0x20 && b != 0x09 }
        if plain(first) && plain(last) { return raw }
        return raw.trimmingCharacters(in: .whitespaces)
    }

    /// A control character (general category Cc: U+0000–U+001F, U+007F–U+009F), found on the UTF-8 bytes.
    static func hasControl(_ text: String) -> Bool {
        var afterC2 = false
        for b in text.utf8 {
            if b < 0x20 || b == 0x7F || (afterC2 && b >= 0x80 && b <= 0x9F) { return true }
            afterC2 = b == 0xC2
        }
        return false
    }

    static func clip(_ s: String) -> String { s.count > 40 ? String(s.prefix(40)) + "…" : s }
}

/// 元 with up to two decimals ⇄ an exact integer number of 分.
public enum Money {
    public static func fen(_ text: String) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 13,
            whole.allSatisfy({ $0.isASCII && $0.isNumber }), let yuan = Int64(whole)
        else { return nil }
        var cents: Int64 = 0
        if parts.count == 2 {
            let frac = parts[1]
            guard (1...2).contains(frac.count), frac.allSatisfy({ $0.isASCII && $0.isNumber }), let f = Int64(frac)
            else { return nil }
            cents = frac.count == 1 ? f * 10 : f
        }
        return yuan * 100 + cents
    }

    public static func yuan(_ fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let a = fen.magnitude
        let c = a % 100
        return "\(sign)\(a / 100).\(c < 10 ? "0" : "")\(c)"
    }
}

/// Dates and times checked on their UTF-8 bytes at fixed places (no splitting, no Character walks: this runs for
/// every date of every row). Same rules as before: YYYY-MM-DD with a real day, YYYY-MM, YYYY-MM-DD HH:MM:SS.
enum CalendarText {
    /// The number spelled by `count` ASCII digits from `at`, nil if one is not a digit.
    static func number(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, _ count: Int) -> Int? {
        var v = 0
        for i in at..<(at + count) {
            let d = b[i] &- 48
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
        }
        return v
    }
    static func bytes(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        var s = s
        return s.withUTF8(body)
    }
    static func isDate(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), let y = number(b, 0, 4),
            let m = number(b, 5, 2), let d = number(b, 8, 2), (1...12).contains(m), d >= 1
        else { return false }
        let days = [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1]
    }
    static func isDate(_ s: String) -> Bool { bytes(s) { $0.count == 10 && isDate($0) } }
    static func isMonth(_ s: String) -> Bool {
        bytes(s) { b in
            guard b.count == 7, b[4] == UInt8(ascii: "-"), number(b, 0, 4) != nil, let m = number(b, 5, 2) else {
                return false
            }
            return (1...12).contains(m)
        }
    }
    static func isTimestamp(_ s: String) -> Bool {
        bytes(s) { b in
            guard b.count == 19, isDate(b), b[10] == UInt8(ascii: " "), b[13] == UInt8(ascii: ":"),
                b[16] == UInt8(ascii: ":"), let h = number(b, 11, 2), let m = number(b, 14, 2), let sec = number(b, 17, 2)
            else { return false }
            return h < 24 && m < 60 && sec < 60
        }
    }
}

/// Turns rows of text (a CSV record or a JSON object) into checked values in table order.
public struct RowMapper: Sendable {
    public let kind: RecordKind
    /// For each table column, its index in the incoming header (nil: absent, allowed only for optional columns).
    let positions: [Int?]
    let headerCount: Int

    /// Maps a header; an unknown or missing required column refuses the file at row 1.
    public init(kind: RecordKind, header: [String], file: String) throws(IngestError) {
        self.kind = kind
        let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
        var seen = Set<String>()
        for name in names {
            if kind.column(name) == nil {
                throw IngestError(
                    file: file, row: 1, column: name,
                    message: "\(kind.label)没有这一列（应有：\(kind.allColumns.map(\.name).joined(separator: ",")))")
            }
            if !seen.insert(name).inserted { throw IngestError(file: file, row: 1, column: name, message: "列重复") }
        }
        var positions: [Int?] = []
        for column in kind.allColumns {
            let at = names.firstIndex(of: column.name)
            if at == nil, column.required, column.name != "deleted" {
                throw IngestError(file: file, row: 1, column: column.name, message: "缺少必填列")
            }
            positions.append(at)
        }
        self.positions = positions
        self.headerCount = names.count
    }

    public func values(_ fields: [String], row: Int, file: String) throws(IngestError) -> [RecordValue] {
        if fields.count != headerCount {
            throw IngestError(file: file, row: row, column: nil, message: "列数 \(fields.count) 与表头不符")
        }
        var out: [RecordValue] = []
        out.reserveCapacity(positions.count)
        for (column, at) in zip(kind.allColumns, positions) {
            let raw = at.flatMap { $0 < fields.count ? fields[$0] : nil } ?? ""
            switch FieldCheck.value(raw, column) {
            case .success(let v): out.append(v)
            case .failure(let problem): throw IngestError(file: file, row: row, column: column.name, message: problem.message)
            }
        }
        return out
    }
}

/// Bulk import of platform records: streaming, all or nothing per file, idempotent by (record id, changed at).
public enum Ingest {
    /// Rows per INSERT: about 16,000 bound values, well under SQLite's 32,766 and PostgreSQL's 65,535 parameters
    /// (fewer, larger statements: the per-statement cost dominated with 400 rows).
    /// On PostgreSQL a batch is one array per column (see `insertUnnest`), so its size is not bounded by the
    /// parameter limit: 5,000 rows.
    static func batchRows(_ kind: RecordKind, _ db: any SQLDatabase) -> Int {
        if db.dialect.name == "postgresql" { return 5_000 }
        return max(1, 16_000 / (kind.allColumns.count + 1))
    }

    /// A checked row and where it came from (its CSV line, or its position in a JSON request).
    struct NumberedRow: Sendable {
        let row: Int
        let values: [RecordValue]
    }

    /// Imports one CSV file of `kind`. Everything happens in one transaction on one session: a bad row anywhere
    /// rolls the whole file back and the error names its row and column. `progress` is told the rows read so far.
    public static func csv(
        _ url: URL, kind: RecordKind, into db: any SQLDatabase, recordedAt: String,
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> IngestResult {
        let file = url.lastPathComponent
        return try await db.withSession { session in
            try await transaction(session) { tx in
                try await importRows(file: file, kind: kind, into: tx, recordedAt: recordedAt, progress: progress) { emit in
                    try CSVStream.read(url) { row, fields in try emit(row, fields) }
                }
            }
        }
    }

    /// Imports CSV text (tests, small uploads) the same way.
    public static func csvText(
        _ text: String, file: String, kind: RecordKind, into db: any SQLDatabase, recordedAt: String
    ) async throws -> IngestResult {
        try await db.withSession { session in
            try await transaction(session) { tx in
                try await importRows(file: file, kind: kind, into: tx, recordedAt: recordedAt, progress: nil) { emit in
                    try CSVStream.parse(text) { row, fields in try emit(row, fields) }
                }
            }
        }
    }

    /// Imports already checked rows (the JSON API) in one transaction. A conflicting version is reported with
    /// its position in `rows` (1 = the first) as the row.
    public static func rows(
        _ rows: [[RecordValue]], kind: RecordKind, into db: any SQLDatabase, recordedAt: String, file: String = "JSON"
    ) async throws -> IngestResult {
        try await db.withSession { session in
            try await transaction(session) { tx in
                var inserted = 0
                var batch: [NumberedRow] = []
                let size = batchRows(kind, tx)
                for (i, row) in rows.enumerated() {
                    batch.append(NumberedRow(row: i + 1, values: row))
                    if batch.count == size {
                        inserted += try await insert(batch, kind: kind, into: tx, recordedAt: recordedAt, file: file)
                        batch.removeAll()
                    }
                }
                inserted += try await insert(batch, kind: kind, into: tx, recordedAt: recordedAt, file: file)
                return IngestResult(kind: kind.name, rows: rows.count, inserted: inserted)
            }
        }
    }

    public static func transaction<T: Sendable>(
        _ db: any SQLDatabase, _ body: @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        try await db.raw("BEGIN").run()
        do {
            let result = try await body(db)
            try await db.raw("COMMIT").run()
            return result
        } catch {
            try? await db.raw("ROLLBACK").run()
            throw error
        }
    }

    /// The synchronous reader runs on a thread of its own and hands checked batches to the writer through a
    /// stream; at most `BatchGate.limit` batches wait, so memory stays bounded whatever the file's size.
    static func importRows(
        file: String, kind: RecordKind, into db: any SQLDatabase, recordedAt: String,
        progress: (@Sendable (Int) -> Void)?,
        reader: @escaping @Sendable (_ emit: (Int, [String]) throws -> Void) throws -> Void
    ) async throws -> IngestResult {
        let size = batchRows(kind, db)
        let (stream, continuation) = AsyncThrowingStream<[NumberedRow], any Error>.makeStream(
            bufferingPolicy: .unbounded)
        let gate = BatchGate(limit: 4)
        let producer = Thread {
            do {
                var mapper: RowMapper?
                var batch: [NumberedRow] = []
                try reader { row, fields in
                    guard let m = mapper else {
                        mapper = try RowMapper(kind: kind, header: fields, file: file)
                        return
                    }
                    batch.append(NumberedRow(row: row, values: try m.values(fields, row: row, file: file)))
                    if batch.count == size {
                        gate.waitForRoom()
                        if gate.cancelled { throw CancellationError() }
                        continuation.yield(batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if mapper == nil { throw IngestError(file: file, row: nil, column: nil, message: "文件为空（没有表头）") }
                if !batch.isEmpty {
                    gate.waitForRoom()
                    continuation.yield(batch)
                }
                continuation.finish()
            } catch let problem as CSVStream.Problem {
                continuation.finish(throwing: problem.ingestError(file: file))
            } catch {
                continuation.finish(throwing: error)
            }
        }
        producer.start()
        var rows = 0
        var inserted = 0
        do {
            for try await batch in stream {
                gate.taken()
                inserted += try await insert(batch, kind: kind, into: db, recordedAt: recordedAt, file: file)
                rows += batch.count
                progress?(rows)
            }
        } catch {
            gate.cancel()
            throw error
        }
        return IngestResult(kind: kind.name, rows: rows, inserted: inserted)
    }

    /// Inserts a batch of versions, skipping those already stored, and returns how many were new. A skipped
    /// version must equal the stored one: two different contents for one (record id, changed at) refuse the file.
    static func insert(
        _ batch: [NumberedRow], kind: RecordKind, into db: any SQLDatabase, recordedAt: String, file: String
    ) async throws -> Int {
        guard !batch.isEmpty else { return 0 }
        if db.dialect.name == "postgresql" {
            let inserted = try await insertUnnest(batch, kind: kind, into: db, recordedAt: recordedAt, file: file)
            if inserted < batch.count { try await checkSkipped(batch, kind: kind, in: db, file: file) }
            return inserted
        }
        let columns = kind.allColumns.map(\.name) + ["recorded_at"]
        let insert = db.insert(into: kind.table).columns(columns)
        let stamp = SQLBind(recordedAt)
        for row in batch {
            var values: [any SQLExpression] = row.values.map(bindable)
            values.append(stamp)
            _ = insert.values(values)
        }
        _ = insert.ignoringConflicts(with: ["record_id", "changed_at"])
        let inserted: Int
        if db.dialect.name == "sqlite" {
            try await insert.run()
            inserted = try await db.raw("SELECT changes() AS n").first()?.decode(column: "n", as: Int.self) ?? 0
        } else {
            inserted = try await insert.returning("record_id").all().count
        }
        if inserted < batch.count { try await checkSkipped(batch, kind: kind, in: db, file: file) }
        return inserted
    }

    /// PostgreSQL: one `text[]` bind per column and `unnest`, so every batch is the same statement with
    /// columns + 1 parameters, whatever its rows (no statement text growing with the batch, no 65,535-parameter
    /// bound). NULL travels as '' and comes back by NULLIF: a stored text is never empty (an empty optional field
    /// is NULL, an empty required one is refused), and integers are cast back from their decimal text.
    static func insertUnnest(
        _ batch: [NumberedRow], kind: RecordKind, into db: any SQLDatabase, recordedAt: String, file: String
    ) async throws -> Int {
        let columns = kind.allColumns
        var arrays = Array(repeating: [String](), count: columns.count)
        for i in arrays.indices { arrays[i].reserveCapacity(batch.count) }
        for row in batch {
            guard row.values.count == columns.count else {
                throw IngestError(file: file, row: row.row, column: nil, message: "值的个数与列数不符")
            }
            for (i, value) in row.values.enumerated() {
                switch value {
                case .int(let v): arrays[i].append(String(v))
                case .text(let v): arrays[i].append(v)
                case .null: arrays[i].append("")
                }
            }
        }
        let names = columns.map(\.name)
        let selected = columns.enumerated().map { i, c in
            Records.isInteger(c.type) ? "NULLIF(u.c\(i), '')::bigint" : "NULLIF(u.c\(i), '')"
        }
        var query = rawSQL(
            "INSERT INTO \(kind.table) (\(names.joined(separator: ", ")), recorded_at) SELECT \(selected.joined(separator: ", ")), ")
        query.appendInterpolation(bind: recordedAt)
        query.appendLiteral(" FROM unnest(")
        for (i, array) in arrays.enumerated() {
            if i > 0 { query.appendLiteral(", ") }
            query.appendInterpolation(bind: array)
            query.appendLiteral("::text[]")
        }
        query.appendLiteral(
            ") AS u(\(columns.indices.map { "c\($0)" }.joined(separator: ", "))) " +
                "ON CONFLICT (record_id, changed_at) DO NOTHING RETURNING record_id")
        return try await db.raw(query).all().count
    }

    /// Plain integers and text bind without going through `Encodable` (the drivers' fast path); empty is NULL.
    static func bindable(_ value: RecordValue) -> any SQLExpression {
        switch value {
        case .int(let v): return SQLBind(v)
        case .text(let v): return SQLBind(v)
        case .null: return SQLLiteral.null
        }
    }

    /// Some versions of the batch were already stored (an import repeated, or the same version twice in a
    /// file): each must be identical to the stored one, or the file is refused naming its row and column.
    static func checkSkipped(_ batch: [NumberedRow], kind: RecordKind, in db: any SQLDatabase, file: String)
        async throws
    {
        var ids: [String] = []
        var seen = Set<String>()
        for row in batch {
            if case .text(let id) = row.values[0], seen.insert(id).inserted { ids.append(id) }
        }
        let columns = kind.allColumns
        var query = rawSQL("SELECT \(columns.map(\.name).joined(separator: ", ")) FROM \(kind.table) WHERE record_id IN (")
        for (i, id) in ids.enumerated() {
            if i > 0 { query.appendLiteral(", ") }
            query.appendInterpolation(bind: id)
        }
        query.appendLiteral(")")
        var stored: [String: [RecordValue]] = [:]
        for r in try await db.raw(query).all() {
            var values: [RecordValue] = []
            for column in columns {
                switch column.type {
                case .int, .money, .flag:
                    values.append(try r.decode(column: column.name, as: Int64?.self).map(RecordValue.int) ?? .null)
                default:
                    values.append(try r.decode(column: column.name, as: String?.self).map(RecordValue.text) ?? .null)
                }
            }
            stored[key(values)] = values
        }
        for row in batch {
            guard let old = stored[key(row.values)] else { continue }
            for (i, column) in columns.enumerated() where old[i] != row.values[i] {
                throw IngestError(
                    file: file, row: row.row, column: column.name,
                    message: "记录 \(text(row.values[0])) 在 \(text(row.values[1])) 的版本与已有版本不同" +
                        "（已有“\(FieldCheck.clip(text(old[i])))”，此处“\(FieldCheck.clip(text(row.values[i])))”）")
            }
        }
    }

    static func key(_ values: [RecordValue]) -> String { text(values[0]) + "\u{0}" + text(values[1]) }

    static func text(_ value: RecordValue) -> String {
        switch value {
        case .int(let v): return "\(v)"
        case .text(let v): return v
        case .null: return ""
        }
    }
}

/// Bounds how many parsed batches wait for the database (the reader blocks when the writer is behind).
final class BatchGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending = 0
    private let limit: Int
    private(set) var cancelled = false
    init(limit: Int) { self.limit = limit }
    func waitForRoom() {
        condition.lock()
        while pending >= limit && !cancelled { condition.wait() }
        pending += 1
        condition.unlock()
    }
    func taken() {
        condition.lock()
        pending -= 1
        condition.signal()
        condition.unlock()
    }
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}

extension CSVStream.Problem {
    func ingestError(file: String) -> IngestError {
        switch self {
        case .recordTooLong(let row):
            return IngestError(file: file, row: row, column: nil, message: "一行超过 \(CSVStream.maxRecordBytes) 字节")
        case .tooManyFields(let row):
            return IngestError(file: file, row: row, column: nil, message: "列数超过 \(CSVStream.maxFields)")
        case .unterminatedQuote(let row):
            return IngestError(file: file, row: row, column: nil, message: "引号没有闭合")
        case .notUTF8(let row):
            return IngestError(file: file, row: row, column: nil, message: "不是 UTF-8 编码")
        case .unreadable(let name):
            return IngestError(file: name, row: nil, column: nil, message: "无法读取文件")
        }
    }
}
