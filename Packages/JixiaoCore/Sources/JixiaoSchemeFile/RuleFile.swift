import JixiaoCore
import Yams

/// Reads the `rule:` mapping of an indicator: one reader per rule kind.
enum RuleFile {
    static func read(_ reader: YAMLReader, _ node: Node) throws(FileError) -> Rule {
        var f = try reader.mapping(node, "rule")
        let kind = try f.required("kind") { (n) throws(FileError) in try reader.string(n, "kind") }
        let value = Expression.valueReference
        let rule: Rule
        switch kind {
        case "proportional":
            rule = .proportional(input: try f.operand("input") ?? value, target: try f.operand("target"))
        case "rate":
            rule = .rate(rate: try f.required("rate") { (n) throws(FileError) in try reader.operand(n, "rate") })
        case "threshold":
            let accept: [String] = try f.optional("accept") { (n) throws(FileError) in
                if case .scalar = n { return [try reader.string(n, "accept")] }
                return try reader.sequence(n, "accept").map { (s) throws(FileError) in try reader.string(s, "accept") }
            } ?? []
            let op = try f.optional("op") { (n) throws(FileError) in try enumValue(reader, n, ComparisonOperator.self, "op") } ?? .greaterOrEqual
            rule = .threshold(
                Threshold(
                    input: try f.operand("input") ?? value, op: op, value: try f.operand("value"), accept: accept,
                    pass: try f.operand("pass") ?? .maxReference, fail: try f.operand("fail") ?? .constant(.number(.zero))))
        case "tiers":
            rule = .tiers(input: try f.operand("input") ?? value, tiers: try f.required("tiers") { (n) throws(FileError) in try tiers(reader, n) })
        case "shortfall":
            let steps = try f.optional("steps") { (n) throws(FileError) in try enumValue(reader, n, StepCounting.self, "steps") } ?? .proportional
            let direction = try f.string("direction") ?? "below"
            guard ["below", "above"].contains(direction) else { throw FileError(f.location, "direction 应为 below 或 above") }
            rule = .shortfall(
                Shortfall(
                    input: try f.operand("input") ?? value, target: try f.operand("target"),
                    step: try f.fixed("step") ?? .one,
                    deduct: try f.required("deduct") { (n) throws(FileError) in try reader.fixed(n, "deduct") },
                    steps: steps, above: direction == "above", base: try f.operand("base"), floor: try f.fixed("floor"),
                    cutoff: try f.operand("cutoff"), cutoffScore: try f.fixed("cutoff_score") ?? .zero))
        case "deviation":
            rule = .deviation(input: try f.operand("input") ?? value, target: try f.operand("target"))
        case "lateness":
            let due = try f.required("due") { (n) throws(FileError) -> YearMonth in
                let text = try reader.string(n, "due")
                guard let month = YearMonth(text) else { throw reader.fail(n, "due 应为年月，如 2019-12") }
                return month
            }
            rule = .lateness(
                Lateness(
                    input: try f.operand("input") ?? value, due: due,
                    deduct: try f.required("deduct") { (n) throws(FileError) in try reader.fixed(n, "deduct") },
                    nextYear: try f.fixed("next_year") ?? .zero))
        case "checklist":
            let items = try f.required("items") { (n) throws(FileError) in
                try reader.sequence(n, "items").map { (item) throws(FileError) -> ChecklistItem in
                    var fields = try reader.mapping(item, "清单条目")
                    let result = ChecklistItem(
                        id: try fields.required("id") { (i) throws(FileError) in try reader.string(i, "id") },
                        text: try fields.string("text") ?? "",
                        points: try fields.required("points") { (p) throws(FileError) in try reader.fixed(p, "points") })
                    try fields.finish()
                    return result
                }
            }
            rule = .checklist(items: items)
        case "incidents":
            let ladder = try f.optional("ladder") { (n) throws(FileError) in
                try reader.sequence(n, "ladder").map { (item) throws(FileError) -> LadderRung in
                    var fields = try reader.mapping(item, "ladder 的条目")
                    let rung = LadderRung(
                        count: try fields.required("count") { (c) throws(FileError) in try reader.int(c, "count") },
                        deduct: try fields.required("deduct") { (d) throws(FileError) in try reader.fixed(d, "deduct") })
                    try fields.finish()
                    return rung
                }
            } ?? []
            rule = .incidents(
                Incidents(
                    count: try f.operand("count") ?? value, deduct: try f.fixed("deduct"), ladder: ladder,
                    cap: try f.fixed("cap"), base: try f.operand("base")))
        case "bonus":
            var points: [String: Fixed] = [:]
            if let fields = try f.optional("points", { (n) throws(FileError) in try reader.mapping(n, "points") }) {
                for (key, _, node) in try fields.pairs() { points[key] = try reader.fixed(node, "points.\(key)") }
            }
            var cap: Fixed?
            var uncapped = false
            if let capNode = f.node("cap") {
                if case .scalar(let scalar) = capNode, ["none", "不封顶"].contains(scalar.string) {
                    uncapped = true
                } else {
                    cap = try reader.fixed(capNode, "cap")
                }
            }
            rule = .bonus(
                Bonus(
                    items: try f.operand("items") ?? value, per: try f.fixed("per"), points: points,
                    free: try f.optional("free") { (n) throws(FileError) in try reader.int(n, "free") } ?? 0,
                    highestOnly: try f.optional("highest_only") { (n) throws(FileError) in try reader.bool(n, "highest_only") } ?? false,
                    cap: cap, uncapped: uncapped))
        case "judged":
            let each = try f.optional("each") { (n) throws(FileError) -> ClosedRange<Fixed> in
                let bounds = try reader.sequence(n, "each").map { (b) throws(FileError) in try reader.fixed(b, "each") }
                guard bounds.count == 2, bounds[0] <= bounds[1] else { throw reader.fail(n, "each 应为 [最小, 最大]") }
                return bounds[0]...bounds[1]
            }
            let reason = try f.string("reason") ?? "optional"
            guard ["required", "optional"].contains(reason) else { throw FileError(f.location, "reason 应为 required 或 optional") }
            rule = .judged(Judged(each: each, reasonRequired: reason == "required"))
        case "ranking":
            let order = try f.string("order") ?? "desc"
            guard ["desc", "asc"].contains(order) else { throw FileError(f.location, "order 应为 desc 或 asc") }
            let among = try f.string("among") ?? "all"
            guard ["all", "siblings"].contains(among) else { throw FileError(f.location, "among 应为 all 或 siblings") }
            var coefficient = Ranking.Coefficient.linear(first: .one, last: Fixed("0.6")!)
            if var fields = try f.optional("coefficient", { (n) throws(FileError) in try reader.mapping(n, "coefficient") }) {
                if let table = try fields.optional("table", { (n) throws(FileError) in
                    try reader.sequence(n, "table").map { (t) throws(FileError) in try reader.fixed(t, "table") }
                }) {
                    coefficient = .table(table)
                } else {
                    coefficient = .linear(first: try fields.fixed("first") ?? .one, last: try fields.fixed("last") ?? Fixed("0.6")!)
                }
                try fields.finish()
            }
            rule = .ranking(
                Ranking(
                    metric: try f.required("metric") { (n) throws(FileError) in try reader.operand(n, "metric") },
                    descending: order == "desc", coefficient: coefficient, amongSiblings: among == "siblings"))
        case "growth":
            let measure = try f.string("measure") ?? "rate"
            guard ["rate", "difference"].contains(measure) else { throw FileError(f.location, "measure 应为 rate 或 difference") }
            rule = .growth(
                Growth(
                    current: try f.required("current") { (n) throws(FileError) in try reader.operand(n, "current") },
                    previous: try f.required("previous") { (n) throws(FileError) in try reader.operand(n, "previous") },
                    relative: measure == "rate",
                    tiers: try f.required("tiers") { (n) throws(FileError) in try tiers(reader, n) }))
        case "rescale":
            rule = .rescale(input: try f.operand("input") ?? value, from: try f.fixed("from") ?? 100)
        case "formula":
            rule = .formula(score: try f.required("score") { (n) throws(FileError) in try reader.operand(n, "score") })
        default:
            throw reader.fail(node, "未知的规则类型 “\(kind)”（可用：\(Rule.kindNames.joined(separator: " | "))）")
        }
        try f.finish()
        return rule
    }

    static func tiers(_ reader: YAMLReader, _ node: Node) throws(FileError) -> [Tier] {
        try reader.sequence(node, "tiers").map { (item) throws(FileError) -> Tier in
            var fields = try reader.mapping(item, "档位")
            let tier = Tier(
                from: try fields.fixed("from"), to: try fields.fixed("to"),
                fromExclusive: try fields.optional("from_exclusive") { (n) throws(FileError) in try reader.bool(n, "from_exclusive") } ?? false,
                toInclusive: try fields.optional("to_inclusive") { (n) throws(FileError) in try reader.bool(n, "to_inclusive") } ?? false,
                points: try fields.required("points") { (n) throws(FileError) in try reader.fixed(n, "points") })
            try fields.finish()
            return tier
        }
    }
}

extension StepCounting: CaseIterable {
    public static let allCases: [StepCounting] = [.proportional, .whole]
}

extension Expression {
    /// `value`: the indicator's own entered figure, the default input of every rule.
    static let valueReference = try! Expression(parsing: "value")
    /// `max`: the indicator's max for this subject.
    static let maxReference = try! Expression(parsing: "max")
}
