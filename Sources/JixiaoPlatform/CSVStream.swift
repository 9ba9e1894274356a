import Foundation

/// A CSV reader that streams a file in fixed-size chunks: memory stays bounded by the chunk and one record,
/// whatever the file's size. RFC 4180 quoting (quotes doubled inside quoted fields, line breaks inside quotes),
/// CRLF or LF, an optional UTF-8 BOM. A record longer than `maxRecordBytes` or wider than `maxFields` is refused.
public struct CSVStream: Sendable {
    public static let maxRecordBytes = 64 * 1024
    public static let maxFields = 64
    static let chunkSize = 1 << 18

    public enum Problem: Error, Equatable, Sendable {
        case recordTooLong(row: Int)
        case tooManyFields(row: Int)
        case unterminatedQuote(row: Int)
        case notUTF8(row: Int)
        case unreadable(String)
    }

    /// Calls `body` with each record's fields and its row number (1 = the first line of the file).
    public static func read(
        _ url: URL, _ body: (_ row: Int, _ fields: [String]) throws -> Void
    ) throws {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw Problem.unreadable(url.lastPathComponent)
        }
        defer { try? handle.close() }
        var parser = Parser()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: chunkSize) ?? Data() } catch {
                throw Problem.unreadable(url.lastPathComponent)
            }
            if chunk.isEmpty { break }
            try chunk.withUnsafeBytes { raw in
                try parser.feed(raw.bindMemory(to: UInt8.self), body)
            }
        }
        try parser.finish(body)
    }

    /// Parses CSV held in memory (the JSON API and tests).
    public static func parse(_ text: String, _ body: (_ row: Int, _ fields: [String]) throws -> Void) throws {
        var parser = Parser()
        var bytes = Array(text.utf8)
        try bytes.withUnsafeMutableBufferPointer { buffer in
            try parser.feed(UnsafeBufferPointer(buffer), body)
        }
        try parser.finish(body)
    }

    struct Parser {
        var field: [UInt8] = []
        var fields: [String] = []
        var inQuotes = false
        var quoteSeen = false  // a quote just closed (or a doubled quote is pending)
        var recordBytes = 0
        var row = 1  // the row of the record being read
        var line = 1  // the physical line (quoted line breaks advance it)
        var atStart = true
        var fieldStarted = false
        var sawAny = false

        mutating func endField() throws {
            guard let text = String(validating: field, as: UTF8.self) else { throw Problem.notUTF8(row: row) }
            fields.append(text)
            if fields.count > CSVStream.maxFields { throw Problem.tooManyFields(row: row) }
            field.removeAll(keepingCapacity: true)
            quoteSeen = false
            fieldStarted = false
        }

        mutating func endRecord(_ body: (Int, [String]) throws -> Void) throws {
            try endField()
            // A blank line is skipped (it is not a record of one empty field).
            if !(fields.count == 1 && fields[0].isEmpty) { try body(row, fields) }
            fields.removeAll(keepingCapacity: true)
            recordBytes = 0
            line += 1
            row = line
        }

        mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Int, [String]) throws -> Void) throws {
            var start = 0
            if atStart {
                atStart = false
                if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
            }
            var i = start
            while i < bytes.count {
                let b = bytes[i]
                i += 1
                sawAny = true
                recordBytes += 1
                if recordBytes > CSVStream.maxRecordBytes { throw Problem.recordTooLong(row: row) }
                if inQuotes {
                    if b == UInt8(ascii: "\"") {
                        inQuotes = false
                        quoteSeen = true
                    } else {
                        if b == UInt8(ascii: "\n") { line += 1 }
                        field.append(b)
                    }
                    continue
                }
                switch b {
                case UInt8(ascii: "\""):
                    if quoteSeen {
                        field.append(b)  // "" inside a quoted field
                        inQuotes = true
                        quoteSeen = false
                    } else if !fieldStarted {
                        inQuotes = true
                        fieldStarted = true
                    } else {
                        field.append(b)  // a stray quote inside an unquoted field is kept as text
                    }
                case UInt8(ascii: ","):
                    try endField()
                case UInt8(ascii: "\n"):
                    if field.last == UInt8(ascii: "\r"), !quoteSeen { field.removeLast() }
                    try endRecord(body)
                case UInt8(ascii: "\r"):
                    if quoteSeen { break }  // CR after a closing quote
                    field.append(b)
                    fieldStarted = true
                default:
                    field.append(b)
                    fieldStarted = true
                }
            }
        }

        mutating func finish(_ body: (Int, [String]) throws -> Void) throws {
            if inQuotes { throw Problem.unterminatedQuote(row: row) }
            if !field.isEmpty || !fields.isEmpty || quoteSeen {
                if field.last == UInt8(ascii: "\r") { field.removeLast() }
                try endField()
                if !(fields.count == 1 && fields[0].isEmpty) { try body(row, fields) }
                fields.removeAll()
            }
        }
    }
}
