import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// What one uploaded workbook may make us read and hold. A hostile file can declare any sizes
/// and any cell addresses, so every limit is on what is actually produced, not on what is declared.
public enum XLSXLimits {
    /// Bytes one part (entry) may inflate to, counted as they are produced.
    public static let entryBytes = 64 << 20
    /// Bytes all parts of one workbook may inflate to together.
    public static let totalBytes = 128 << 20
    /// Entries in the archive; a real workbook has a few dozen.
    public static let entries = 10_000
    /// Sheets read from one workbook.
    public static let sheets = 256
    /// Excel's own limits on addresses: rows 1…1,048,576, columns A…XFD.
    public static let excelRows = 1_048_576
    public static let excelColumns = 16_384
    /// Rows and cells (empty padding included) materialised across the workbook: the public
    /// `Sheet` is dense, so a far-away address costs memory for every row and cell before it.
    public static let rows = 100_000
    public static let cells = 2_000_000
    /// Elements per sheet part, and per other part (workbook, relationships: every element of
    /// those is kept), and their nesting; SpreadsheetML nests about six deep.
    public static let elements = 8_000_000
    public static let listElements = 100_000
    public static let depth = 64
}

extension Workbook {
    /// Reads an .xlsx: every worksheet's cells as text or decimal text (shared and inline strings).
    public init(xlsxData data: Data) throws {
        let archive = try ZipReader(data, maximumEntries: XLSXLimits.entries)
        var inflated = 0
        func read(_ path: String) throws -> Data? {
            guard let entry = archive.entries[path] else { return nil }
            let tooLarge = XLSXError("xlsx 中的 \(path) 解压后过大（单个文件不能超过 \(XLSXLimits.entryBytes >> 20) MiB，全部不能超过 \(XLSXLimits.totalBytes >> 20) MiB）")
            // The declared size is only a hint (a zip bomb declares a small one); the limits are
            // enforced on the bytes inflation produces, chunk by chunk.
            guard entry.uncompressedSize <= XLSXLimits.entryBytes else { throw tooLarge }
            var bytes = Data()
            try archive.extract(entry) { chunk in
                guard bytes.count + chunk.count <= XLSXLimits.entryBytes, inflated + chunk.count <= XLSXLimits.totalBytes
                else { throw tooLarge }
                inflated += chunk.count
                bytes.append(chunk)
            }
            return bytes
        }
        guard let workbookXML = try read("xl/workbook.xml") else { throw XLSXError("xlsx 缺少 xl/workbook.xml") }
        let relationships = try read("xl/_rels/workbook.xml.rels").map { try XMLElements.parse($0, part: "xl/_rels/workbook.xml.rels") } ?? []
        let targets = Dictionary(
            relationships.filter { $0.name == "Relationship" }.compactMap { element in
                element.attributes["Id"].map { ($0, element.attributes["Target"] ?? "") }
            }, uniquingKeysWith: { a, _ in a })
        let shared: [String] = try read("xl/sharedStrings.xml").map { try XMLElements.sharedStrings($0) } ?? []
        var sheets: [Sheet] = []
        var budget = XMLElements.Budget()
        for element in try XMLElements.parse(workbookXML, part: "xl/workbook.xml") where element.name == "sheet" {
            guard sheets.count < XLSXLimits.sheets else { throw XLSXError("xlsx 中的工作表过多（超过 \(XLSXLimits.sheets) 个）") }
            let name = element.attributes["name"] ?? "Sheet\(sheets.count + 1)"
            let id = element.attributes["r:id"] ?? ""
            var target = targets[id] ?? "worksheets/sheet\(sheets.count + 1).xml"
            if target.hasPrefix("/") { target.removeFirst() } else { target = "xl/" + target }
            guard let sheetXML = try read(target) else { throw XLSXError("xlsx 缺少工作表 \(target)") }
            sheets.append(Sheet(name: name, rows: try XMLElements.rows(sheetXML, sheet: name, shared: shared, budget: &budget)))
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

    /// Rows and cells materialised so far across the workbook's sheets.
    struct Budget {
        var rows = 0
        var cells = 0
    }

    /// SpreadsheetML never declares a DTD; refusing one up front rules out entity expansion
    /// ("billion laughs") whatever the XML parser underneath would do with it. Processing
    /// instructions are refused too: Foundation's XMLParser on Linux crashes (strlen of NULL)
    /// on one without data, such as `<?x?>`, and Excel writes none besides the declaration.
    static func checkNoDTD(_ data: Data, part: String) throws {
        if data.range(of: Data("<!DOCTYPE".utf8)) != nil || data.range(of: Data("<!ENTITY".utf8)) != nil {
            throw XLSXError("xlsx 中的 \(part) 含有 DTD 声明，不予读取")
        }
        let opening = Data("<?".utf8)
        var from = data.startIndex
        while let found = data.range(of: opening, in: from..<data.endIndex) {
            let declaration = data[found.lowerBound...].prefix(6)
            let atStart = found.lowerBound == data.startIndex
                || (found.lowerBound == data.startIndex + 3 && data.prefix(3) == Data([0xEF, 0xBB, 0xBF]))
            guard atStart, declaration.count == 6, declaration.prefix(5) == Data("<?xml".utf8),
                [0x20, 0x09, 0x0A, 0x0D].contains(declaration.last!)
            else { throw XLSXError("xlsx 中的 \(part) 含有 XML 处理指令，不予读取") }
            from = found.upperBound
        }
    }

    /// Runs `parser` with `delegate`, turning a delegate's abort into its own located error.
    static func run(_ data: Data, part: String, _ delegate: BoundedDelegate) throws {
        try checkNoDTD(data, part: part)
        // Foundation's XMLParser on Linux traps on names that are not UTF-8 (libxml2 passes them on).
        guard String(data: data, encoding: .utf8) != nil else { throw XLSXError("xlsx 中的 \(part) 不是 UTF-8 编码的 XML") }
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        let parsed = parser.parse()
        if let error = delegate.failure { throw error }
        guard parsed else {
            // libxml2 without its "huge" option stops near 10 MB of XML; say so rather than blame the file.
            let size = data.count > 10_000_000 ? "，或超过约 10 MB 无法读取" : ""
            throw XLSXError("xlsx 中的 \(part) 不是有效的 XML\(size)（第 \(parser.lineNumber) 行）")
        }
    }

    /// Counts elements and depth for every part, and lets a subclass stop the parse with a reason.
    class BoundedDelegate: NSObject, XMLParserDelegate {
        let part: String
        let elementLimit: Int
        var failure: XLSXError?
        private var depth = 0
        private var elements = 0
        init(part: String, elementLimit: Int = XLSXLimits.elements) {
            self.part = part
            self.elementLimit = elementLimit
        }

        func fail(_ parser: XMLParser, _ message: String) {
            if failure == nil { failure = XLSXError(message) }
            parser.abortParsing()
        }

        /// `false` once the parse has been stopped.
        func enter(_ parser: XMLParser) -> Bool {
            guard failure == nil else { return false }
            depth += 1
            elements += 1
            if depth > XLSXLimits.depth {
                fail(parser, "xlsx 中的 \(part) 第 \(parser.lineNumber) 行：XML 嵌套过深（超过 \(XLSXLimits.depth) 层）")
            } else if elements > elementLimit {
                fail(parser, "xlsx 中的 \(part) 第 \(parser.lineNumber) 行：XML 元素过多（超过 \(elementLimit) 个）")
            }
            return failure == nil
        }

        func leave() { depth -= 1 }

        // Declared here so that subclasses override them: the protocol's witnesses are this
        // class's methods, and a subclass method that does not override one is never called.
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            _ = enter(parser)
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {}
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            leave()
        }
    }

    static func parse(_ data: Data, part: String) throws -> [Element] {
        let collector = Collector(part: part, elementLimit: XLSXLimits.listElements)
        try run(data, part: part, collector)
        return collector.elements
    }

    final class Collector: BoundedDelegate {
        var elements: [Element] = []
        override func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            guard enter(parser) else { return }
            elements.append(Element(name: name, attributes: attributes))
        }
    }

    static func sharedStrings(_ data: Data) throws -> [String] {
        let reader = TextCollector(item: "si", part: "xl/sharedStrings.xml")
        try run(data, part: "xl/sharedStrings.xml", reader)
        return reader.items
    }

    /// Collects the text of `<t>` runs inside each `item` element.
    final class TextCollector: BoundedDelegate {
        let item: String
        var items: [String] = []
        private var current = ""
        private var inText = false
        init(item: String, part: String) {
            self.item = item
            super.init(part: part)
        }
        override func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            guard enter(parser) else { return }
            if name == item { current = "" }
            if name == "t" { inText = true }
        }
        override func parser(_ parser: XMLParser, foundCharacters string: String) {
            if inText { current += string }
        }
        override func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            leave()
            if name == "t" { inText = false }
            if name == item { items.append(current) }
        }
    }

    static func rows(_ data: Data, sheet: String, shared: [String], budget: inout Budget) throws -> [[Cell]] {
        let reader = SheetCollector(sheet: sheet, shared: shared, budget: budget)
        try run(data, part: "工作表 “\(sheet)”", reader)
        budget = reader.budget
        return reader.rows
    }

    final class SheetCollector: BoundedDelegate {
        let sheet: String
        let shared: [String]
        var budget: Budget
        var rows: [[Cell]] = []
        private var row: [Cell] = []
        private var rowNumber = 0
        private var column = 0
        private var reference = ""
        private var type = ""
        private var text = ""
        private var capturing = false
        init(sheet: String, shared: [String], budget: Budget) {
            self.sheet = sheet
            self.shared = shared
            self.budget = budget
            super.init(part: "工作表 “\(sheet)”")
        }

        private func where_(_ parser: XMLParser, _ cell: String?) -> String {
            "xlsx 工作表 “\(sheet)”" + (cell.map { " 单元格 \($0)" } ?? " 第 \(rowNumber) 行") + "（XML 第 \(parser.lineNumber) 行）"
        }

        /// Pads `rows` up to (not including) row `number`, within the row budget.
        private func padRows(to number: Int, _ parser: XMLParser) -> Bool {
            while rows.count < number - 1 {
                guard take(rows: 1, parser) else { return false }
                rows.append([])
            }
            return true
        }

        private func take(rows count: Int = 0, cells: Int = 0, _ parser: XMLParser) -> Bool {
            budget.rows += count
            budget.cells += cells
            if budget.rows > XLSXLimits.rows {
                fail(parser, "\(where_(parser, nil))：行数过多（整个文件最多读取 \(XLSXLimits.rows) 行）")
            } else if budget.cells > XLSXLimits.cells {
                fail(parser, "\(where_(parser, reference.isEmpty ? nil : reference))：单元格过多（整个文件最多读取 \(XLSXLimits.cells) 个，空单元格也计入）")
            }
            return failure == nil
        }

        override func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            guard enter(parser) else { return }
            switch name {
            case "row":
                let number: Int
                if let attribute = attributes["r"] {
                    guard let parsed = Int(attribute), parsed >= 1, parsed <= XLSXLimits.excelRows else {
                        fail(parser, "\(where_(parser, nil))：行号 “\(attribute.prefix(40))” 无效（应为 1–\(XLSXLimits.excelRows)）")
                        return
                    }
                    number = parsed
                } else {
                    number = rowNumber + 1
                }
                // Rows come in order; a row at or before one already read would overwrite it.
                guard number > rows.count, number <= XLSXLimits.excelRows else {
                    fail(parser, "\(where_(parser, nil))：行号 \(number) 重复或倒序，或超出 \(XLSXLimits.excelRows)")
                    return
                }
                guard padRows(to: number, parser) else { return }
                rowNumber = number
                row = []
            case "c":
                type = attributes["t"] ?? "n"
                text = ""
                reference = attributes["r"] ?? ""
                if let attribute = attributes["r"] {
                    guard let index = SheetCollector.columnIndex(attribute) else {
                        fail(parser, "\(where_(parser, String(attribute.prefix(40))))：单元格地址无效（列应为 A–XFD）")
                        return
                    }
                    column = index
                } else {
                    column = row.count
                }
                guard column < XLSXLimits.excelColumns else {
                    fail(parser, "\(where_(parser, nil))：列数超出 XFD（\(XLSXLimits.excelColumns) 列）")
                    return
                }
            case "v", "t": capturing = true
            default: break
            }
        }
        override func parser(_ parser: XMLParser, foundCharacters string: String) {
            if capturing { text += string }
        }
        override func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            leave()
            guard failure == nil else { return }
            switch name {
            case "v", "t": capturing = false
            case "c":
                guard column >= row.count else {
                    fail(parser, "\(where_(parser, reference))：单元格重复或倒序")
                    return
                }
                guard take(cells: column - row.count + 1, parser) else { return }
                while row.count < column { row.append(.empty) }
                switch type {
                case "s":
                    guard let index = Int(text.trimmingCharacters(in: .whitespaces)), index >= 0, index < shared.count else {
                        fail(parser, "\(where_(parser, reference))：共享字符串编号 “\(text.prefix(40))” 无效（共有 \(shared.count) 个）")
                        return
                    }
                    row.append(.text(shared[index]))
                case "inlineStr", "str": row.append(.text(text))
                case "b": row.append(.text(text == "1" ? "TRUE" : "FALSE"))
                default: row.append(text.isEmpty ? .empty : .number(text))
                }
            case "row":
                guard take(rows: 1, parser) else { return }
                rows.append(row)
            default: break
            }
        }

        /// "AB12" → 26 (zero-based), or `nil` past XFD or when the letters are not followed by a row.
        static func columnIndex(_ reference: String) -> Int? {
            var index = 0
            var letters = 0
            for scalar in reference.unicodeScalars {
                guard scalar.value >= 65 && scalar.value <= 90 else { break }
                letters += 1
                guard letters <= 3 else { return nil }
                index = index * 26 + Int(scalar.value - 64)
            }
            guard letters > 0, index <= XLSXLimits.excelColumns else { return nil }
            return index - 1
        }
    }
}
