import Foundation
import ZIPFoundation

/// A spreadsheet as Jixiao writes and reads it: sheets of rows of cells. Numbers are kept
/// as decimal text, so nothing passes through binary floating point on the way to Excel.
public struct Workbook: Sendable, Equatable {
    public var sheets: [Sheet]
    public init(sheets: [Sheet]) { self.sheets = sheets }
}

public struct Sheet: Sendable, Equatable {
    public var name: String
    public var rows: [[Cell]]
    /// How the sheet prints; the default sizes columns from their content and fits the width to one page.
    public var layout: PageLayout
    public init(name: String, rows: [[Cell]], layout: PageLayout = PageLayout()) {
        self.name = name
        self.rows = rows
        self.layout = layout
    }
}

/// Column widths and page setup as written (reading a workbook gives the default: only cells are read).
/// A sheet always prints one page wide (`fitToWidth="1" fitToHeight="0"`): as many pages down as it needs.
public struct PageLayout: Sendable, Equatable {
    public enum Orientation: String, Sendable, Equatable {
        /// Landscape when the columns together are wider than a portrait A4 page holds at 100 %.
        case automatic
        case portrait
        case landscape
    }

    public var orientation: Orientation
    /// Widths in Excel's character units by zero-based column; other columns are sized from their content.
    public var columnWidths: [Int: Int]
    /// No column sized from content is wider than this; longer text wraps within it.
    public var maximumColumnWidth: Int
    /// The first rows (title and header) repeated at the top of every printed page; 0 for none.
    public var repeatedRows: Int
    /// A heading among the repeated rows widens its column to at most this and wraps beyond it, so that a long
    /// heading ("2.2.2 服务残疾人覆盖率 系数") over short figures does not push the sheet to several pages across.
    public var maximumHeadingWidth: Int

    public init(orientation: Orientation = .automatic, columnWidths: [Int: Int] = [:], maximumColumnWidth: Int = 40,
                repeatedRows: Int = 0, maximumHeadingWidth: Int = 12) {
        self.orientation = orientation
        self.columnWidths = columnWidths
        self.maximumColumnWidth = maximumColumnWidth
        self.repeatedRows = repeatedRows
        self.maximumHeadingWidth = maximumHeadingWidth
    }

    /// What a portrait A4 page holds across at 100 %, in character units (about 90); wider goes landscape.
    static let portraitWidth = 90
}

public enum Cell: Sendable, Equatable {
    case text(String)
    /// A number as exact decimal text, e.g. "1.99".
    case number(String)
    case empty

    public var text: String {
        switch self {
        case .text(let text), .number(let text): return text
        case .empty: return ""
        }
    }

    /// A figure shown as text elsewhere (a score, a total, an entered value): a number cell when the text is a
    /// plain decimal ("-1.5", "20.76", "12"), otherwise text ("未评分", "91.2%"), empty when empty.
    /// Never for codes ("510101", "2.3.1"): those are identifiers and stay `.text`.
    public static func figure(_ text: String) -> Cell {
        if text.isEmpty { return .empty }
        return isPlainDecimal(text) ? .number(text) : .text(text)
    }

    /// An optional minus, digits, and an optional point followed by digits: what Excel stores as a number
    /// without changing it (no exponent, no thousands separator, no leading "+", at most 30 characters).
    public static func isPlainDecimal(_ text: String) -> Bool {
        var scalars = Substring(text).unicodeScalars[...]
        guard !scalars.isEmpty, scalars.count <= 30 else { return false }
        if scalars.first == "-" { scalars = scalars.dropFirst() }
        let isDigit = { (scalar: Unicode.Scalar) in scalar.value >= 48 && scalar.value <= 57 }
        let whole = scalars.prefix(while: isDigit)
        guard !whole.isEmpty else { return false }
        let rest = scalars.dropFirst(whole.count)
        if rest.isEmpty { return true }
        guard rest.first == ".", rest.count > 1 else { return false }
        return rest.dropFirst().allSatisfy(isDigit)
    }
}

public struct XLSXError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Workbook {
    /// The .xlsx bytes (Office Open XML, inline strings, one worksheet per sheet).
    public func xlsxData() throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        var names: [String] = []
        for sheet in sheets { names.append(Workbook.uniqueSheetName(sheet.name, taken: names)) }
        var files: [(String, String)] = [
            ("[Content_Types].xml", contentTypes),
            ("_rels/.rels", rootRelationships),
            ("xl/workbook.xml", workbookXML(names)),
            ("xl/_rels/workbook.xml.rels", workbookRelationships),
            ("xl/styles.xml", Workbook.styles),
        ]
        for (index, sheet) in sheets.enumerated() {
            files.append(("xl/worksheets/sheet\(index + 1).xml", Workbook.sheetXML(sheet)))
        }
        for (path, text) in files {
            let data = Data(text.utf8)
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
                provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
        }
        guard let bytes = archive.data else { throw XLSXError("无法生成 xlsx") }
        return bytes
    }

    public func write(to path: String) throws {
        try xlsxData().write(to: URL(fileURLWithPath: path))
    }

    /// Excel: at most 31 characters, none of []:*?/\, unique.
    static func uniqueSheetName(_ name: String, taken: [String]) -> String {
        let cleaned = String(name.map { "[]:*?/\\".contains($0) ? "_" : $0 }.prefix(28))
        var candidate = cleaned.isEmpty ? "Sheet" : cleaned
        var counter = 2
        while taken.contains(candidate) {
            candidate = "\(cleaned.prefix(25))(\(counter))"
            counter += 1
        }
        return candidate
    }

    private var contentTypes: String {
        var overrides = ""
        for index in sheets.indices {
            overrides += "<Override PartName=\"/xl/worksheets/sheet\(index + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        return """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\(overrides)</Types>
            """
    }

    private var rootRelationships: String {
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
        """
    }

    private func workbookXML(_ names: [String]) -> String {
        var entries = ""
        for (index, name) in names.enumerated() {
            entries += "<sheet name=\"\(Workbook.escape(name))\" sheetId=\"\(index + 1)\" r:id=\"rId\(index + 1)\"/>"
        }
        return """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>\(entries)</sheets>\(printTitles(names))</workbook>
            """
    }

    /// Each sheet's repeated rows, as Excel names them (`_xlnm.Print_Titles`, local to the sheet).
    private func printTitles(_ names: [String]) -> String {
        var defined = ""
        for (index, sheet) in sheets.enumerated() where sheet.layout.repeatedRows > 0 {
            let quoted = "'" + names[index].replacingOccurrences(of: "'", with: "''") + "'"
            defined += "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"\(index)\">\(Workbook.escape(quoted))!$1:$\(sheet.layout.repeatedRows)</definedName>"
        }
        return defined.isEmpty ? "" : "<definedNames>\(defined)</definedNames>"
    }

    private var workbookRelationships: String {
        var entries = ""
        for index in sheets.indices {
            entries += "<Relationship Id=\"rId\(index + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\(index + 1).xml\"/>"
        }
        entries += "<Relationship Id=\"rId\(sheets.count + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
        return """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\(entries)</Relationships>
            """
    }

    static let styles = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf/><xf applyAlignment="1"><alignment wrapText="1" vertical="top"/></xf></cellXfs></styleSheet>
        """

    /// Style 1 of `styles`: text wrapped within its column, top-aligned.
    static let wrapStyle = 1

    static func sheetXML(_ sheet: Sheet) -> String {
        let widths = columnWidths(sheet)
        var rows = ""
        for (rowIndex, row) in sheet.rows.enumerated() {
            rows += "<row r=\"\(rowIndex + 1)\">"
            for (columnIndex, cell) in row.enumerated() {
                let reference = columnName(columnIndex) + String(rowIndex + 1)
                switch cell {
                case .empty: continue
                case .number(let text): rows += "<c r=\"\(reference)\"><v>\(escape(text))</v></c>"
                case .text(let text):
                    // Text wider than its column wraps (a title row spans the columns after it and never wraps).
                    let wraps = !isTitle(row, columns: widths.count) && displayWidth(text) > widths[columnIndex]
                    rows += "<c r=\"\(reference)\"\(wraps ? " s=\"\(wrapStyle)\"" : "") t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escape(text))</t></is></c>"
                }
            }
            rows += "</row>"
        }
        let columns = widths.enumerated().map { column, width in
            "<col min=\"\(column + 1)\" max=\"\(column + 1)\" width=\"\(width)\" customWidth=\"1\"/>"
        }.joined()
        let landscape: Bool
        switch sheet.layout.orientation {
        case .portrait: landscape = false
        case .landscape: landscape = true
        case .automatic: landscape = widths.reduce(0, +) > PageLayout.portraitWidth
        }
        // Element order is fixed by the schema: sheetPr, cols, sheetData, pageMargins, pageSetup.
        return """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>\(columns.isEmpty ? "" : "<cols>\(columns)</cols>")<sheetData>\(rows)</sheetData><pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/><pageSetup paperSize="9" orientation="\(landscape ? "landscape" : "portrait")" fitToWidth="1" fitToHeight="0"/></worksheet>
            """
    }

    /// A row with one filled cell in a sheet of several columns: a title, which spans the row when printed,
    /// so it sizes no column (a long title once made column A 52 wide and the sheet five pages across).
    static func isTitle(_ row: [Cell], columns: Int) -> Bool {
        columns > 1 && row.first.map { $0 != .empty } == true && row.dropFirst().allSatisfy { $0 == .empty }
    }

    /// Each column's width: the layout's, or the widest cell's text plus a margin, within 6 … the maximum.
    static func columnWidths(_ sheet: Sheet) -> [Int] {
        let count = sheet.rows.map(\.count).max() ?? 0
        return (0..<count).map { column in
            if let given = sheet.layout.columnWidths[column] { return max(1, min(255, given)) }
            var widest = 0
            for (index, row) in sheet.rows.enumerated() where column < row.count && !isTitle(row, columns: count) {
                let width = displayWidth(row[column].text)
                widest = max(widest, index < sheet.layout.repeatedRows ? min(width, sheet.layout.maximumHeadingWidth) : width)
            }
            return min(max(6, sheet.layout.maximumColumnWidth), max(6, widest + 2))
        }
    }

    /// The width of text in Excel's character units: its longest line, a CJK or full-width character counting two.
    static func displayWidth(_ text: String) -> Int {
        var widest = 0
        var current = 0
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                widest = max(widest, current)
                current = 0
            } else {
                current += isWide(scalar) ? 2 : 1
            }
        }
        return max(widest, current)
    }

    static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return true
        default: return false
        }
    }

    /// 0 → A, 25 → Z, 26 → AA.
    static func columnName(_ index: Int) -> String {
        var index = index
        var name = ""
        repeat {
            name = String(UnicodeScalar(UInt8(65 + index % 26))) + name
            index = index / 26 - 1
        } while index >= 0
        return name
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default:
                // XML 1.0 forbids most control characters; drop them rather than write a broken file.
                if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r" { continue }
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
