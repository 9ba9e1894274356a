import Fluent
import Foundation
import JixiaoXLSX

/// Import of an org tree from CSV or xlsx: columns 代码, 名称, 类型, 上级代码 (a parent is in the file
/// above its children, or already in the database). All or nothing: any bad row and nothing is written.
enum OrgImport {
    static let kinds = ["省", "市州", "县市区", "部门", "项目", "个人"]
    static let header = ["代码", "名称", "类型", "上级代码"]

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
            if code.isEmpty || code.contains("/") { problems.append("\(at) 第 1 列（代码）：不能为空，也不能含 /"); continue }
            if name.isEmpty { problems.append("\(at) 第 2 列（名称）：不能为空") }
            if !kinds.contains(kind) { problems.append("\(at) 第 3 列（类型）：“\(kind)” 应为 \(kinds.joined(separator: "、")) 之一") }
            if !seen.insert(code).inserted { problems.append("\(at) 第 1 列（代码）：“\(code)” 重复") }
            rows.append(Row(code: code, name: name, kind: kind, parent: parent.isEmpty ? nil : parent, line: line))
        }
        if !problems.isEmpty { throw InputProblems(problems: problems) }
        if rows.isEmpty { throw InputProblems(problems: ["\(file)：没有数据行"]) }
        return rows
    }

    /// Adds new units and renames existing ones (a unit's parent never changes: its path scopes accounts).
    /// Returns (added, updated).
    static func save(_ rows: [Row], file: String, on database: any Database) async throws -> (added: Int, updated: Int) {
        try await database.transaction { db in
            var known: [String: OrgUnit] = [:]
            for unit in try await OrgUnit.query(on: db).all() { known[unit.code] = unit }
            var problems: [String] = []
            var added: [OrgUnit] = []
            var updated = 0
            for row in rows {
                let at = "\(file) 第 \(row.line) 行"
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
                    parentUnit = found
                }
                let unit = OrgUnit(id: UUID(), code: row.code, name: row.name, kind: row.kind, parentID: parentUnit?.id,
                                   path: (parentUnit?.path ?? "/") + row.code + "/")
                known[row.code] = unit
                added.append(unit)
            }
            if !problems.isEmpty { throw InputProblems(problems: problems) }
            try await added.create(on: db, chunk: 200)
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
