import Foundation
import ZIPFoundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

extension Workbook {
    /// Reads an .xlsx: every worksheet's cells as text or decimal text (shared and inline strings).
    public init(xlsxData data: Data) throws {
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw XLSXError("不是有效的 xlsx 文件（无法解压）")
        }
        func read(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            guard entry.uncompressedSize < 64 << 20 else { throw XLSXError("xlsx 中的 \(path) 过大") }
            var bytes = Data()
            _ = try archive.extract(entry) { bytes.append($0) }
            return bytes
        }
        guard let workbookXML = try read("xl/workbook.xml") else { throw XLSXError("xlsx 缺少 xl/workbook.xml") }
        let relationships = try read("xl/_rels/workbook.xml.rels").map { try XMLElements.parse($0) } ?? []
        let targets = Dictionary(
            relationships.filter { $0.name == "Relationship" }.compactMap { element in
                element.attributes["Id"].map { ($0, element.attributes["Target"] ?? "") }
            }, uniquingKeysWith: { a, _ in a })
        let shared: [String] = try read("xl/sharedStrings.xml").map { try XMLElements.sharedStrings($0) } ?? []
        var sheets: [Sheet] = []
        for element in try XMLElements.parse(workbookXML) where element.name == "sheet" {
            let name = element.attributes["name"] ?? "Sheet\(sheets.count + 1)"
            let id = element.attributes["r:id"] ?? ""
            var target = targets[id] ?? "worksheets/sheet\(sheets.count + 1).xml"
            if target.hasPrefix("/") { target.removeFirst() } else { target = "xl/" + target }
            guard let sheetXML = try read(target) else { throw XLSXError("xlsx 缺少工作表 \(target)") }
            sheets.append(Sheet(name: name, rows: try XMLElements.rows(sheetXML, shared: shared)))
        }
        self.init(sheets: sheets)
    }
}

/// A minimal event-based reading of the few SpreadsheetML parts we need.
enum XMLElements {
    struct Element {
        var name: String
        var attributes: [String: String]
    }

    static func parse(_ data: Data) throws -> [Element] {
        let collector = Collector()
        let parser = XMLParser(data: data)
        parser.delegate = collector
        guard parser.parse() else { throw XLSXError("xlsx 内容不是有效的 XML") }
        return collector.elements
    }

    final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            elements.append(Element(name: name, attributes: attributes))
        }
    }

    static func sharedStrings(_ data: Data) throws -> [String] {
        let reader = TextCollector(item: "si")
        let parser = XMLParser(data: data)
        parser.delegate = reader
        guard parser.parse() else { throw XLSXError("xlsx 的共享字符串不是有效的 XML") }
        return reader.items
    }

    /// Collects the text of `<t>` runs inside each `item` element.
    final class TextCollector: NSObject, XMLParserDelegate {
        let item: String
        var items: [String] = []
        private var current = ""
        private var inText = false
        init(item: String) { self.item = item }
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if name == item { current = "" }
            if name == "t" { inText = true }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if inText { current += string }
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "t" { inText = false }
            if name == item { items.append(current) }
        }
    }

    static func rows(_ data: Data, shared: [String]) throws -> [[Cell]] {
        let reader = SheetCollector(shared: shared)
        let parser = XMLParser(data: data)
        parser.delegate = reader
        guard parser.parse() else { throw XLSXError("xlsx 工作表不是有效的 XML") }
        return reader.rows
    }

    final class SheetCollector: NSObject, XMLParserDelegate {
        let shared: [String]
        var rows: [[Cell]] = []
        private var row: [Cell] = []
        private var rowNumber = 0
        private var column = 0
        private var type = ""
        private var text = ""
        private var capturing = false
        init(shared: [String]) { self.shared = shared }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            switch name {
            case "row":
                let number = Int(attributes["r"] ?? "") ?? rowNumber + 1
                while rows.count < number - 1 { rows.append([]) }  // keep row numbers: empty rows stay
                rowNumber = number
                row = []
            case "c":
                type = attributes["t"] ?? "n"
                text = ""
                column = attributes["r"].map(SheetCollector.columnIndex) ?? row.count
            case "v", "t": capturing = true
            default: break
            }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if capturing { text += string }
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            switch name {
            case "v", "t": capturing = false
            case "c":
                while row.count < column { row.append(.empty) }
                switch type {
                case "s": row.append(.text(Int(text).flatMap { $0 < shared.count ? shared[$0] : nil } ?? ""))
                case "inlineStr", "str": row.append(.text(text))
                case "b": row.append(.text(text == "1" ? "TRUE" : "FALSE"))
                default: row.append(text.isEmpty ? .empty : .number(text))
                }
            case "row": rows.append(row)
            default: break
            }
        }

        /// "AB12" → 27.
        static func columnIndex(_ reference: String) -> Int {
            var index = 0
            for scalar in reference.unicodeScalars {
                guard scalar.value >= 65 && scalar.value <= 90 else { break }
                index = index * 26 + Int(scalar.value - 64)
            }
            return max(0, index - 1)
        }
    }
}
