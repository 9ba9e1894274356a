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
    public init(name: String, rows: [[Cell]]) {
        self.name = name
        self.rows = rows
    }
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
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>\(entries)</sheets></workbook>
            """
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
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="1"><xf/></cellXfs></styleSheet>
        """

    static func sheetXML(_ sheet: Sheet) -> String {
        var rows = ""
        for (rowIndex, row) in sheet.rows.enumerated() {
            rows += "<row r=\"\(rowIndex + 1)\">"
            for (columnIndex, cell) in row.enumerated() {
                let reference = columnName(columnIndex) + String(rowIndex + 1)
                switch cell {
                case .empty: continue
                case .number(let text): rows += "<c r=\"\(reference)\"><v>\(escape(text))</v></c>"
                case .text(let text):
                    rows += "<c r=\"\(reference)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escape(text))</t></is></c>"
                }
            }
            rows += "</row>"
        }
        let widths = (0..<(sheet.rows.map(\.count).max() ?? 0)).map { column in
            let width = sheet.rows.map { column < $0.count ? $0[column].text.count * 2 : 0 }.max() ?? 8
            return "<col min=\"\(column + 1)\" max=\"\(column + 1)\" width=\"\(min(60, max(8, width)))\" customWidth=\"1\"/>"
        }.joined()
        return """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\(widths.isEmpty ? "" : "<cols>\(widths)</cols>")<sheetData>\(rows)</sheetData></worksheet>
            """
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
