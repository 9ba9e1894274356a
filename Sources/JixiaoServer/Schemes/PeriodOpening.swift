import Fluent
import Foundation
import JixiaoCore
import Vapor

/// Opening a period of a scheme version for units picked from the org tree: which units may be picked (those
/// of the admin's scope whose kind is what the scheme assesses), the tree they are shown in, and the check of
/// what comes back, which never trusts the form: every picked code is looked up again and its scope and kind
/// checked, each refusal naming the unit.
enum PeriodOpening {
    /// The most units one opening may name (a province's tree has a few hundred).
    static let maxUnits = 5000

    /// One unit of the tree; `selectable` when its kind is one the scheme assesses (else it only groups).
    struct Node: Sendable {
        let code: String
        let name: String
        let kind: String
        let selectable: Bool
        let children: [Node]

        /// The selectable units at or below this node.
        var selectableCount: Int { (selectable ? 1 : 0) + children.reduce(0) { $0 + $1.selectableCount } }
    }

    /// The tree of the units under the admin's node, pruned to the selectable units and their ancestors.
    static func tree(_ units: [OrgUnit], kinds: [String]) -> [Node] {
        let wanted = Set(kinds)
        let paths = Set(units.map(\.path))
        var children: [String: [OrgUnit]] = [:]
        var roots: [OrgUnit] = []
        for unit in units.sorted(by: { $0.path < $1.path }) {
            let parent = parentPath(unit.path)
            if let parent, paths.contains(parent) { children[parent, default: []].append(unit) } else { roots.append(unit) }
        }
        func build(_ unit: OrgUnit, depth: Int) -> Node? {
            // The tree's depth is bounded by its paths; this guard keeps a corrupt tree from recursing far.
            let below = depth > 32 ? [] : (children[unit.path] ?? []).compactMap { build($0, depth: depth + 1) }
            let selectable = wanted.contains(unit.kind)
            guard selectable || !below.isEmpty else { return nil }
            return Node(code: unit.code, name: unit.name, kind: unit.kind, selectable: selectable, children: below)
        }
        return roots.compactMap { build($0, depth: 0) }
    }

    /// "/51/5101/510104/" → "/51/5101/"; nil for a root.
    static func parentPath(_ path: String) -> String? {
        let parts = path.split(separator: "/")
        guard parts.count > 1 else { return nil }
        return "/" + parts.dropLast().joined(separator: "/") + "/"
    }

    /// A period as assessments name it: a year (2025) or a month of it (2025-06).
    static func period(_ text: String) -> Result<String, InputProblems> {
        let period = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if period.isEmpty { return .failure(InputProblems(problems: ["请填写考核期，例如 2025 或 2025-06"])) }
        guard period.count <= 7, period.range(of: #"^[0-9]{4}(-(0[1-9]|1[0-2]))?$"#, options: .regularExpression) != nil else {
            return .failure(InputProblems(problems: ["考核期“\(period.prefix(40))”应写作年份（如 2025）或年月（如 2025-06，月份 01–12）"]))
        }
        return .success(period)
    }

    /// The picked units, each checked: it exists, it is within the admin's scope, and its kind is one the
    /// scheme assesses. Every refusal names the unit; nothing is opened unless all pass.
    static func picked(_ codes: [String], user: SignedIn, subjectKind: SubjectKind, on db: any Database) async throws -> Result<[OrgUnit], InputProblems> {
        var seen = Set<String>()
        let codes = codes.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && seen.insert($0).inserted }
        if codes.isEmpty { return .failure(InputProblems(problems: ["请至少勾选一个单位"])) }
        if codes.count > maxUnits { return .failure(InputProblems(problems: ["一次最多开启 \(maxUnits) 个单位，您勾选了 \(codes.count) 个"])) }
        let found = try await OrgUnit.query(on: db).filter(\.$code ~~ codes).all()
        let byCode = Dictionary(found.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        let kinds = SchemeWording.unitKinds(subjectKind)
        var problems: [String] = []
        var units: [OrgUnit] = []
        for code in codes {
            guard let unit = byCode[code] else {
                problems.append("没有代码为“\(code.prefix(40))”的单位")
                continue
            }
            if user.reach(toPath: unit.path) == .outside {
                problems.append("“\(unit.name)”（\(unit.code)）不在您的管辖范围内，不能为它开启考核")
            } else if !kinds.contains(unit.kind) {
                problems.append("“\(unit.name)”（\(unit.code)）是\(unit.kind)，本方案的考核对象是\(SchemeWording.subjectKind(subjectKind))，不能为它开启考核")
            } else {
                units.append(unit)
            }
        }
        return problems.isEmpty ? .success(units) : .failure(InputProblems(problems: problems))
    }
}
