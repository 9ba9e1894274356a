import Foundation
import JixiaoXLSX
import SQLKit

/// Import of platform records from an xlsx workbook: the first sheet, a header row of column names as in the CSV
/// (`record_id,changed_at,…`), one record per row. The cells are read through JixiaoXLSX (which bounds the zip,
/// the XML and the cells), checked by the same `RowMapper` as the CSV, and stored through `Ingest.rows`: one
/// transaction, all or nothing, idempotent by (record id, changed at). Errors name the file, the sheet, the row
/// (as Excel numbers it) and the column.
public enum XLSXIngest {
    /// Checks every row of the first sheet and returns the values in table order; nothing is stored.
    /// `progress` is told the data rows checked so far.
    public static func check(
        _ data: Data, file: String, kind: RecordKind, progress: (@Sendable (Int) -> Void)? = nil
    ) throws(IngestError) -> [[RecordValue]] {
        try checkRows(data, file: file, kind: kind, progress: progress).values
    }

    /// As `check`, with each record's row number in the sheet (for messages about a record found later)
    /// and the sheet's name.
    public static func checkRows(
        _ data: Data, file: String, kind: RecordKind, progress: (@Sendable (Int) -> Void)? = nil
    ) throws(IngestError) -> (values: [[RecordValue]], rowNumbers: [Int], place: String) {
        let workbook: Workbook
        do { workbook = try Workbook(xlsxData: data) } catch {
            throw IngestError(file: file, row: nil, column: nil, message: "不是有效的 xlsx 文件（\(error)）")
        }
        guard let sheet = workbook.sheets.first else {
            throw IngestError(file: file, row: nil, column: nil, message: "没有工作表")
        }
        let place = "\(file)（工作表“\(sheet.name)”）"
        var mapper: RowMapper?
        var width = 0
        var out: [[RecordValue]] = []
        var numbers: [Int] = []
        for (offset, cells) in sheet.rows.enumerated() {
            let row = offset + 1
            var fields = cells.map { $0.text }
            // Excel leaves out empty cells at a row's end and may carry formatted but empty cells beyond the
            // header: neither is a column.
            while let last = fields.last, last.trimmingCharacters(in: .whitespaces).isEmpty, fields.count > width {
                fields.removeLast()
            }
            guard let m = mapper else {
                if fields.isEmpty { continue }  // blank rows above the header
                mapper = try RowMapper(kind: kind, header: fields, file: place)
                width = fields.count
                continue
            }
            if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            if fields.count < width { fields += Array(repeating: "", count: width - fields.count) }
            out.append(try m.values(fields, row: row, file: place))
            numbers.append(row)
            if out.count % 1000 == 0 { progress?(out.count) }
        }
        if mapper == nil { throw IngestError(file: place, row: nil, column: nil, message: "工作表为空（没有表头）") }
        progress?(out.count)
        return (out, numbers, place)
    }

    /// Checks the whole sheet, then stores it in one transaction (see `Ingest.rows`).
    public static func xlsx(
        _ data: Data, file: String, kind: RecordKind, into db: any SQLDatabase, recordedAt: String,
        progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> IngestResult {
        let rows = try check(data, file: file, kind: kind, progress: progress)
        return try await Ingest.rows(rows, kind: kind, into: db, recordedAt: recordedAt)
    }
}
