import Fluent
import Foundation
import JixiaoXLSX
import Vapor

/// Import of an org tree from CSV or xlsx: columns 代码, 名称, 类型, 上级代码 (a parent is in the file
/// above its children, or already in the database). All or nothing: any bad row and nothing is written.
enum OrgImport {
    static let kinds = ["省", "市州", "县市区", "部门", "项目", "个人"]
    static let header = ["代码", "名称", "类型", "上级代码"]
    /// Bounds on what one file may hold: a tree deeper than this is a mistake or an attack (a 20,000-deep
    /// chain once made the paths 1.6 GB), and so are longer codes and names.
    static let maxDepth = 12
    static let maxRows = 50_000
    static let maxCodeLength = 32
    static let maxNameLength = 100

    struct Row: Sendable {
        let code: String
        let name: String
        let kind: String
        let parent: String?
        /// 1-based line (CSV) or row (xlsx) number, for messages.
        let line: Int
    }

    static func rows(csv text: String, file: String) throws -> [Row] {
        try rows(table: CSV.parse(text), file: file, unit: "行")
    }

    static func rows(xlsx data: Data, file: String) throws -> [Row] {
        let workbook: Workbook
        do { workbook = try Workbook(xlsxData: data) } catch {
            throw InputProblems(problems: ["\(file)：不是有效的 xlsx 文件（\(error)）"])
        }
        guard let sheet = workbook.sheets.first else { throw InputProblems(problems: ["\(file)：没有工作表"]) }
        return try rows(table: sheet.rows.map { $0.map(\.text) }, file: file, unit: "行")
    }

    private static func rows(table: [[String]], file: String, unit: String) throws -> [Row] {
        guard let first = table.first, first.prefix(4).map({ $0.trimmingCharacters(in: .whitespaces) }) == header else {
            throw InputProblems(problems: ["\(file) 第 1 \(unit)：表头应为 \(header.joined(separator: ","))"])
        }
        var problems: [String] = []
        var rows: [Row] = []
        var seen: Set<String> = []
        for (offset, cells) in table.dropFirst().enumerated() {
            let line = offset + 2
            let cell = { (column: Int) in column < cells.count ? cells[column].trimmingCharacters(in: .whitespaces) : "" }
            if cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            let code = cell(0), name = cell(1), kind = cell(2), parent = cell(3)
            let at = "\(file) 第 \(line) \(unit)"
            if rows.count >= maxRows { problems.append("\(file)：超过 \(maxRows) 行，请分文件导入"); break }
            if !isValidCode(code) {
                problems.append("\(at) 第 1 列（代码）：“\(code.prefix(40))” 应为 1–\(maxCodeLength) 个字母、数字、“-”或“.”")
                continue
            }
            if !parent.isEmpty && !isValidCode(parent) { problems.append("\(at) 第 4 列（上级代码）：“\(parent.prefix(40))” 不是有效的代码") }
            if name.isEmpty { problems.append("\(at) 第 2 列（名称）：不能为空") }
            if name.count > maxNameLength || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                problems.append("\(at) 第 2 列（名称）：不超过 \(maxNameLength) 个字，且不能含控制字符")
            }
            if !kinds.contains(kind) { problems.append("\(at) 第 3 列（类型）：“\(kind)” 应为 \(kinds.joined(separator: "、")) 之一") }
            if !seen.insert(code).inserted { problems.append("\(at) 第 1 列（代码）：“\(code)” 重复") }
            rows.append(Row(code: code, name: name, kind: kind, parent: parent.isEmpty ? nil : parent, line: line))
        }
        if !problems.isEmpty { throw InputProblems(problems: problems) }
        if rows.isEmpty { throw InputProblems(problems: ["\(file)：没有数据行"]) }
        return rows
    }

    /// Letters, digits, "-" and "." only: a code is a segment of the paths that scope accounts.
    static func isValidCode(_ code: String) -> Bool {
        !code.isEmpty && code.count <= maxCodeLength
            && code.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == ".") }
    }

    /// Adds new units and renames existing ones (a unit's parent never changes: its path scopes accounts).
    /// With a `scope` (the importing account's node path), every row must lie within it: a unit that exists
    /// must be at or below that node, a new unit's parent too; a new top-level unit is refused.
    /// Returns (added, updated).
    static func save(_ rows: [Row], file: String, scope: String? = nil, on database: any Database) async throws -> (added: Int, updated: Int) {
        try await database.transaction { db in
            var known: [String: OrgUnit] = [:]
            for unit in try await OrgUnit.query(on: db).all() { known[unit.code] = unit }
            var problems: [String] = []
            var added: [OrgUnit] = []
            var updated = 0
            func outside(_ path: String) -> Bool { scope.map { !path.hasPrefix($0) } ?? false }
            for row in rows {
                let at = "\(file) 第 \(row.line) 行"
                if let existing = known[row.code], outside(existing.path) {
                    problems.append("\(at)：“\(row.code)”（\(existing.name)）不在您的管辖范围内，不能修改")
                    continue
                }
                if let existing = known[row.code] {
                    let parentCode = existing.path.split(separator: "/").dropLast().last.map(String.init)
                    if parentCode != row.parent {
                        problems.append("\(at)：“\(row.code)” 已存在，上级为 “\(parentCode ?? "无")”，导入不能改变上级")
                        continue
                    }
                    if existing.name != row.name || existing.kind != row.kind {
                        existing.name = row.name
                        existing.kind = row.kind
                        try await existing.update(on: db)
                        updated += 1
                    }
                    continue
                }
                var parentUnit: OrgUnit?
                if let parent = row.parent {
                    guard let found = known[parent] else {
                        problems.append("\(at) 第 4 列（上级代码）：找不到 “\(parent)”（上级须已存在或写在本行之前）")
                        continue
                    }
                    if outside(found.path) {
                        problems.append("\(at) 第 4 列（上级代码）：“\(parent)”不在您的管辖范围内")
                        continue
                    }
                    parentUnit = found
                } else if scope != nil {
                    problems.append("\(at)：“\(row.code)”是新的顶级单位，不在您的管辖范围内（第 4 列应填上级代码）")
                    continue
                }
                let path = (parentUnit?.path ?? "/") + row.code + "/"
                if path.split(separator: "/").count > maxDepth {
                    problems.append("\(at)：层级超过 \(maxDepth) 级")
                    continue
                }
                let unit = OrgUnit(id: UUID(), code: row.code, name: row.name, kind: row.kind, parentID: parentUnit?.id, path: path)
                known[row.code] = unit
                added.append(unit)
            }
            if !problems.isEmpty { throw InputProblems(problems: Array(problems.prefix(200))) }
            try await added.create(on: db, chunk: 200)
            // Names appear in cached rankings: every app server re-reads them.
            if updated > 0 { try await Application.bumpCounter("org", on: db) }
            return (added.count, updated)
        }
    }
}

/// RFC 4180 CSV: commas, quoted fields with doubled quotes, CRLF or LF, an optional byte-order mark.
enum CSV {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var iterator = (text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else { field.append(c) }
                continue
            }
            switch c {
            case "\"": quoted = true
            case ",": row.append(field); field = ""
            case "\n", "\r\n", "\r":
                row.append(field); field = ""
                rows.append(row); row = []
            default: field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    static func line(_ fields: [String]) -> String {
        fields.map { $0.contains(where: { ",\"\n".contains($0) }) ? "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : $0 }
            .joined(separator: ",")
    }
}
