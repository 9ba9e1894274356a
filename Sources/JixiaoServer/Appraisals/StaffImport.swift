import Fluent
import Foundation
import JixiaoXLSX
import Vapor

/// Import of a unit's staff from CSV or xlsx: 工号,姓名,部室,岗位,党员,州管干部[,在职]. All or nothing: any bad row and
/// nothing is written. A 工号 already known updates that person (kept over years); a new 部室 becomes a 部门 node
/// below the unit, each person a 个人 node below their 部室 (so that the org tree's paths scope who sees whom).
enum StaffImport {
    static let header = ["工号", "姓名", "部室", "岗位", "党员", "州管干部"]
    static let maxRows = 2_000
    static let maxText = 50

    struct Row: Sendable {
        let staffNo: String
        let name: String
        let department: String
        let post: String
        let partyMember: Bool
        let cadre: Bool
        let active: Bool
        let line: Int
    }

    static func rows(csv text: String, file: String) throws -> [Row] { try rows(table: CSV.parse(text), file: file) }

    static func rows(xlsx data: Data, file: String) throws -> [Row] {
        let workbook: Workbook
        do { workbook = try Workbook(xlsxData: data) } catch {
            throw InputProblems(problems: ["\(file)：不是有效的 xlsx 文件（\(error)）"])
        }
        guard let sheet = workbook.sheets.first else { throw InputProblems(problems: ["\(file)：没有工作表"]) }
        return try rows(table: sheet.rows.map { $0.map(\.text) }, file: file)
    }

    static func yesNo(_ text: String) -> Bool? {
        switch text {
        case "是", "Y", "y", "1", "党员": return true
        case "否", "N", "n", "0", "": return false
        default: return nil
        }
    }

    static func rows(table: [[String]], file: String) throws -> [Row] {
        guard let first = table.first, first.prefix(6).map({ $0.trimmingCharacters(in: .whitespaces) }) == header else {
            throw InputProblems(problems: ["\(file) 第 1 行：表头应为 \(header.joined(separator: ","))（可再加一列 在职）"])
        }
        var problems: [String] = []
        var rows: [Row] = []
        var seen: Set<String> = []
        for (offset, cells) in table.dropFirst().enumerated() {
            let line = offset + 2
            let cell = { (column: Int) in column < cells.count ? cells[column].trimmingCharacters(in: .whitespaces) : "" }
            if cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            if rows.count >= maxRows { problems.append("\(file)：超过 \(maxRows) 行"); break }
            let at = "\(file) 第 \(line) 行"
            let staffNo = cell(0)
            if staffNo.isEmpty || staffNo.count > 16 || !OrgImport.isValidCode(staffNo) {
                problems.append("\(at) 第 1 列（工号）：“\(staffNo.prefix(20))” 应为 1–16 个字母、数字、“-”或“.”")
            } else if !seen.insert(staffNo).inserted {
                problems.append("\(at) 第 1 列（工号）：“\(staffNo)” 重复")
            }
            for (column, title) in [(1, "姓名"), (2, "部室"), (3, "岗位")] {
                let text = cell(column)
                if (column != 3 && text.isEmpty) || text.count > maxText || text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                    problems.append("\(at) 第 \(column + 1) 列（\(title)）：\(column == 3 ? "" : "不能为空，")不超过 \(maxText) 个字，不含控制字符")
                }
            }
            let party = yesNo(cell(4)), cadre = yesNo(cell(5)), active = cell(6).isEmpty ? true : yesNo(cell(6))
            if party == nil { problems.append("\(at) 第 5 列（党员）：“\(cell(4).prefix(10))” 应为 是 或 否") }
            if cadre == nil { problems.append("\(at) 第 6 列（州管干部）：“\(cell(5).prefix(10))” 应为 是 或 否") }
            if active == nil { problems.append("\(at) 第 7 列（在职）：“\(cell(6).prefix(10))” 应为 是 或 否") }
            rows.append(Row(staffNo: staffNo, name: cell(1), department: cell(2), post: cell(3), partyMember: party ?? false,
                            cadre: cadre ?? false, active: active ?? true, line: line))
        }
        if !problems.isEmpty { throw InputProblems(problems: Array(problems.prefix(200))) }
        if rows.isEmpty { throw InputProblems(problems: ["\(file)：没有数据行"]) }
        return rows
    }

    /// Writes the rows in the caller's transaction; returns (added, updated).
    static func save(_ rows: [Row], file: String, unit: AppraisalUnit, org: OrgUnit, on db: any Database) async throws -> (Int, Int) {
        guard let unitID = unit.id, let orgID = org.id else { throw Abort(.internalServerError) }
        var departments: [String: OrgUnit] = [:]
        var nodes: [UUID: OrgUnit] = [:]
        for node in try await OrgUnit.query(on: db).within(org.path).all() {
            nodes[node.id ?? UUID()] = node
            if node.$parent.id == orgID && node.kind == "部门" { departments[node.name] = node }
        }
        let codes = Set(try await OrgUnit.query(on: db).all().map(\.code))
        var known: [String: AppraisalPerson] = [:]
        for person in try await AppraisalPerson.query(on: db).filter(\.$appraisalUnitID == unitID).all() { known[person.staffNo] = person }
        var problems: [String] = []
        var added = 0, updated = 0
        for row in rows {
            if let person = known[row.staffNo] {
                if person.department != row.department {
                    problems.append("\(file) 第 \(row.line) 行 第 3 列（部室）：\(row.staffNo) \(person.name) 在“\(person.department)”，导入不能调整部室")
                    continue
                }
                person.name = row.name
                person.post = row.post
                person.partyMember = row.partyMember
                person.cadre = row.cadre
                person.active = row.active
                try await person.update(on: db)
                if let node = nodes[person.orgUnitID], node.name != row.name {
                    node.name = row.name
                    try await node.update(on: db)
                }
                updated += 1
                continue
            }
            let department: OrgUnit
            if let found = departments[row.department] {
                department = found
            } else {
                var number = departments.count + 1
                while codes.contains("\(org.code)-D\(number)") || departments.values.contains(where: { $0.code == "\(org.code)-D\(number)" }) { number += 1 }
                let code = "\(org.code)-D\(number)"
                department = OrgUnit(id: UUID(), code: code, name: row.department, kind: "部门", parentID: orgID, path: org.path + code + "/")
                try await department.create(on: db)
                departments[row.department] = department
            }
            let code = "\(org.code)-P\(row.staffNo)"
            if codes.contains(code) {
                problems.append("\(file) 第 \(row.line) 行 第 1 列（工号）：代码 \(code) 已被组织机构中的其他单位使用")
                continue
            }
            let node = OrgUnit(id: UUID(), code: code, name: row.name, kind: "个人", parentID: department.id, path: department.path + code + "/")
            try await node.create(on: db)
            try await AppraisalPerson(appraisalUnitID: unitID, orgUnitID: node.id ?? UUID(), staffNo: row.staffNo, name: row.name,
                                      department: row.department, post: row.post, partyMember: row.partyMember, cadre: row.cadre,
                                      active: row.active).create(on: db)
            added += 1
        }
        // Thrown inside the transaction: nothing of the file is written.
        if !problems.isEmpty { throw InputProblems(problems: problems) }
        try await Application.bumpCounter("org", on: db)
        return (added, updated)
    }
}
