import JixiaoCore
import Yams

/// Reads scheme files (docs/schemes.md) into `Scheme`.
public enum SchemeFile {
    public static func load(path: String) throws(FileError) -> Scheme {
        try parse(try readText(path), file: path)
    }

    public static func parse(_ text: String, file: String) throws(FileError) -> Scheme {
        let reader = YAMLReader(file: file)
        let root = try reader.root(text)
        var top = try reader.mapping(root, "方案文件")
        var header = try top.required("scheme") { (n) throws(FileError) in try reader.mapping(n, "scheme") }
        let id = try header.required("id") { (n) throws(FileError) in try reader.string(n, "id") }
        let name = try header.required("name") { (n) throws(FileError) in try reader.string(n, "name") }
        let year = try header.optional("year") { (n) throws(FileError) in try reader.int(n, "year") }
        let version = try header.optional("version") { (n) throws(FileError) in try reader.int(n, "version") } ?? 1
        let kind = try header.optional("subject_kind") { (n) throws(FileError) in
            try enumValue(reader, n, SubjectKind.self, "subject_kind")
        } ?? .region
        let total = try header.fixed("total") ?? 100
        let source = try header.string("source")
        try header.finish()

        var rounding = Rounding()
        if var fields = try top.optional("rounding", { (n) throws(FileError) in try reader.mapping(n, "rounding") }) {
            rounding.mode = try fields.optional("mode") { (n) throws(FileError) in try enumValue(reader, n, RoundingMode.self, "mode") } ?? .halfUp
            rounding.places = try fields.optional("places") { (n) throws(FileError) in try reader.int(n, "places") } ?? 2
            guard (0...8).contains(rounding.places) else { throw FileError(fields.location, "rounding.places 应为 0–8") }
            rounding.point = try fields.optional("at") { (n) throws(FileError) in try enumValue(reader, n, Rounding.Point.self, "at") } ?? .indicator
            try fields.finish()
        }
        let stages = try top.optional("stages") { (n) throws(FileError) in
            try reader.sequence(n, "stages").map { (s) throws(FileError) in try reader.string(s, "stage") }
        } ?? ["自评分"]
        if stages.isEmpty { throw FileError(top.location, "stages 不能为空") }
        let requireSum = try top.optional("require_children_sum") { (n) throws(FileError) in try reader.bool(n, "require_children_sum") } ?? false
        let rescale = try top.optional("not_applicable_total") { (n) throws(FileError) -> Bool in
            let text = try reader.string(n, "not_applicable_total")
            guard ["rescale", "drop"].contains(text) else { throw reader.fail(n, "not_applicable_total 应为 rescale 或 drop") }
            return text == "rescale"
        } ?? false
        let tolerance = try top.optional("audit") { (n) throws(FileError) -> Fixed? in
            var fields = try reader.mapping(n, "audit")
            let tolerance = try fields.fixed("tolerance")
            if let tolerance, tolerance < .zero { throw FileError(fields.location, "audit.tolerance 不能为负数") }
            try fields.finish()
            return tolerance
        } ?? nil
        func declarations(_ key: String) throws(FileError) -> [InputDeclaration] {
            try top.optional(key) { (n) throws(FileError) in
                try reader.sequence(n, key).map { (item) throws(FileError) -> InputDeclaration in
                    var fields = try reader.mapping(item, "\(key) 的条目")
                    let declaration = InputDeclaration(
                        name: try fields.required("name") { (n) throws(FileError) in try reader.string(n, "name") },
                        unit: try fields.string("unit"), text: try fields.string("text"))
                    try fields.finish()
                    return declaration
                }
            } ?? []
        }
        let inputs = try declarations("inputs")
        let attributes = try declarations("attributes")
        var locations: [String: SourceLocation] = [:]
        var metrics: [(name: String, formula: Expression)] = []
        if let fields = try top.optional("metrics", { (n) throws(FileError) in try reader.mapping(n, "metrics") }) {
            for (key, keyNode, value) in try fields.pairs() {
                metrics.append((key, try reader.operand(value, "metrics.\(key)")))
                locations["metrics.\(key)"] = reader.location(keyNode)
            }
        }
        for (key, _) in top.mapping where key.string == "grades" { locations["grades"] = reader.location(key) }
        let grades = try top.optional("grades") { (n) throws(FileError) in try readGrades(reader, n, total: total) }
        let composite = try top.optional("composite") { (n) throws(FileError) in try readComposite(reader, n) }
        let indicators = try top.required("indicators") { (n) throws(FileError) in
            try reader.sequence(n, "indicators").map { (item) throws(FileError) in try readIndicator(reader, item) }
        }
        try top.finish()
        var scheme = Scheme(
            id: id, name: name, year: year, version: version, subjectKind: kind, total: total, source: source,
            rounding: rounding, stages: stages, requireChildrenSum: requireSum, inputs: inputs, metrics: metrics,
            grades: grades, composite: composite, indicators: indicators, location: reader.location(root))
        scheme.rescaleNotApplicable = rescale
        scheme.attributes = attributes
        scheme.locations = locations
        scheme.auditTolerance = tolerance
        return scheme
    }

    static func readIndicator(_ reader: YAMLReader, _ node: Node) throws(FileError) -> Indicator {
        var fields = try reader.mapping(node, "指标")
        let code = try fields.required("code") { (n) throws(FileError) in try reader.string(n, "code") }
        var indicator = Indicator(
            code: code,
            name: try fields.required("name") { (n) throws(FileError) in try reader.string(n, "name") },
            max: try fields.fixed("max") ?? .zero)
        indicator.location = reader.location(node)
        indicator.kind = try fields.optional("kind") { (n) throws(FileError) in try enumValue(reader, n, IndicatorKind.self, "kind") } ?? .regular
        indicator.unit = try fields.string("unit")
        indicator.target = try fields.optional("target") { (n) throws(FileError) in try reader.value(n, "target") }
        if case .scalar(let scalar)? = fields.node("target") { indicator.targetText = scalar.string }
        indicator.frequency = try fields.optional("frequency") { (n) throws(FileError) in try enumValue(reader, n, Frequency.self, "frequency") } ?? .annual
        indicator.text = try fields.string("text")
        indicator.parts = try fields.optional("parts") { (n) throws(FileError) in
            try reader.sequence(n, "parts").map { (p) throws(FileError) in try reader.fixed(p, "parts 的条目") }
        } ?? []
        indicator.children = try fields.optional("children") { (n) throws(FileError) in
            try reader.sequence(n, "children").map { (item) throws(FileError) in try readIndicator(reader, item) }
        } ?? []
        if !fields.has("max") && indicator.children.isEmpty {
            throw reader.fail(node, "指标 \(code) 缺少 “max”")
        }
        if !fields.has("max") {
            indicator.max = indicator.children.filter { $0.kind == .regular }.map(\.max).reduce(Fixed.zero, +)
        }
        indicator.rule = try fields.optional("rule") { (n) throws(FileError) in try RuleFile.read(reader, n) }
        indicator.floor = try fields.fixed("floor")
        indicator.cap = try fields.fixed("cap")
        indicator.appliesTo = try fields.optional("applies_to") { (n) throws(FileError) in
            if case .scalar = n { return [try reader.string(n, "applies_to")] }
            return try reader.sequence(n, "applies_to").map { (s) throws(FileError) in try reader.string(s, "applies_to") }
        }
        indicator.variants = try fields.optional("variants") { (n) throws(FileError) in
            try reader.sequence(n, "variants").map { (item) throws(FileError) -> Variant in
                var variant = try reader.mapping(item, "variants 的条目")
                let result = Variant(
                    when: try variant.required("when") { (w) throws(FileError) in try reader.operand(w, "when") },
                    max: try variant.required("max") { (m) throws(FileError) in try reader.fixed(m, "max") })
                try variant.finish()
                return result
            }
        } ?? []
        indicator.veto = try fields.operand("veto")
        indicator.effects = try fields.optional("effects") { (n) throws(FileError) in
            try reader.sequence(n, "effects").map { (item) throws(FileError) -> Effect in
                var effect = try reader.mapping(item, "effects 的条目")
                let when = try effect.required("when") { (w) throws(FileError) in try reader.operand(w, "when") }
                let zero = try effect.string("zero")
                let parent = try effect.optional("parent_deduct") { (p) throws(FileError) -> (indicator: String, points: Fixed) in
                    var fields = try reader.mapping(p, "parent_deduct")
                    let pair = (
                        indicator: try fields.required("indicator") { (i) throws(FileError) in try reader.string(i, "indicator") },
                        points: try fields.required("points") { (i) throws(FileError) in try reader.fixed(i, "points") }
                    )
                    try fields.finish()
                    return pair
                }
                if zero == nil && parent == nil { throw reader.fail(item, "effects 的条目需要 zero 或 parent_deduct") }
                try effect.finish()
                return Effect(when: when, zero: zero, parentDeduct: parent)
            }
        } ?? []
        indicator.source = try fields.string("source")
        try fields.finish()
        return indicator
    }

    static func readGrades(_ reader: YAMLReader, _ node: Node, total: Fixed) throws(FileError) -> GradeRules {
        var fields = try reader.mapping(node, "grades")
        var rules = GradeRules()
        rules.bands = try fields.optional("bands") { (n) throws(FileError) in
            try reader.sequence(n, "bands").map { (item) throws(FileError) -> GradeBand in
                var band = try reader.mapping(item, "bands 的条目")
                let result = GradeBand(
                    grade: try band.required("grade") { (g) throws(FileError) in try reader.string(g, "grade") },
                    min: try band.required("min") { (m) throws(FileError) in try reader.fixed(m, "min") })
                try band.finish()
                return result
            }
        } ?? []
        rules.veto = try fields.optional("veto") { (n) throws(FileError) in
            try reader.sequence(n, "veto").map { (item) throws(FileError) -> (when: Expression, grade: String) in
                var veto = try reader.mapping(item, "veto 的条目")
                let result = (
                    when: try veto.required("when") { (w) throws(FileError) in try reader.operand(w, "when") },
                    grade: try veto.required("grade") { (g) throws(FileError) in try reader.string(g, "grade") }
                )
                try veto.finish()
                return result
            }
        } ?? []
        rules.below = try fields.optional("below") { (n) throws(FileError) -> (score: Fixed, grade: String) in
            var below = try reader.mapping(n, "below")
            let result = (
                score: try below.required("score") { (s) throws(FileError) in try reader.fixed(s, "score") },
                grade: try below.required("grade") { (g) throws(FileError) in try reader.string(g, "grade") }
            )
            rules.belowInclusive = try below.optional("inclusive") { (b) throws(FileError) in try reader.bool(b, "inclusive") } ?? false
            try below.finish()
            return result
        }
        rules.byRank = try fields.optional("by_rank") { (n) throws(FileError) in
            try reader.sequence(n, "by_rank").map { (item) throws(FileError) -> (grade: String, share: Fixed) in
                var rank = try reader.mapping(item, "by_rank 的条目")
                let result = (
                    grade: try rank.required("grade") { (g) throws(FileError) in try reader.string(g, "grade") },
                    share: try rank.required("share") { (s) throws(FileError) in try reader.fixed(s, "share") }
                )
                try rank.finish()
                return result
            }
        } ?? []
        rules.quota = try fields.optional("quota") { (n) throws(FileError) -> RankQuota in
            var quota = try reader.mapping(n, "quota")
            var result = RankQuota()
            result.base = try quota.optional("base") { (b) throws(FileError) in try enumValue(reader, b, RankQuota.Base.self, "quota.base") } ?? result.base
            result.rounding = try quota.optional("rounding") { (r) throws(FileError) in
                try enumValue(reader, r, RankQuota.Rounding.self, "quota.rounding")
            } ?? result.rounding
            try quota.finish()
            return result
        } ?? RankQuota()
        try fields.finish()
        if rules.bands.isEmpty && rules.byRank.isEmpty { rules.bands = GradeRules.fiscalDefaultBands(total: total) }
        return rules
    }

    static func readComposite(_ reader: YAMLReader, _ node: Node) throws(FileError) -> Composite {
        var fields = try reader.mapping(node, "composite")
        let over = try fields.required("over") { (n) throws(FileError) in try reader.string(n, "over") }
        let composite: Composite
        switch over {
        case "subjects":
            let weightFields = try fields.required("weights") { (n) throws(FileError) in try reader.mapping(n, "weights") }
            var weights: [(subject: String, weight: Fixed)] = []
            for (key, _, value) in try weightFields.pairs() { weights.append((key, try reader.fixed(value, "weights.\(key)"))) }
            let order = try fields.optional("order") { (n) throws(FileError) in try enumValue(reader, n, Composite.Order.self, "order") } ?? .perIndicator
            let renormalise = try fields.optional("not_applicable") { (n) throws(FileError) -> Bool in
                let text = try reader.string(n, "not_applicable")
                guard ["renormalise", "renormalize", "zero"].contains(text) else {
                    throw reader.fail(n, "not_applicable 应为 renormalise 或 zero")
                }
                return text != "zero"
            } ?? true
            composite = .subjects(weights: weights, order: order, renormalise: renormalise)
        case "components":
            let components = try fields.required("components") { (n) throws(FileError) in
                try reader.sequence(n, "components").map { (item) throws(FileError) -> (indicator: String, weight: Fixed) in
                    var component = try reader.mapping(item, "components 的条目")
                    let result = (
                        indicator: try component.required("indicator") { (i) throws(FileError) in try reader.string(i, "indicator") },
                        weight: try component.required("weight") { (w) throws(FileError) in try reader.fixed(w, "weight") }
                    )
                    try component.finish()
                    return result
                }
            }
            composite = .components(components)
        default:
            throw reader.fail(node, "composite.over 应为 subjects 或 components，实际是 “\(over)”")
        }
        try fields.finish()
        return composite
    }
}

func enumValue<T: RawRepresentable>(_ reader: YAMLReader, _ node: Node, _ type: T.Type, _ what: String) throws(FileError) -> T
where T.RawValue == String, T: CaseIterable {
    let text = try reader.string(node, what)
    guard let value = T(rawValue: text) else {
        let allowed = T.allCases.map(\.rawValue).joined(separator: " | ")
        throw reader.fail(node, "\(what) 的值 “\(text)” 无效（可用：\(allowed)）")
    }
    return value
}

extension Rounding.Point: CaseIterable {
    public static let allCases: [Rounding.Point] = [.indicator, .total]
}

extension Composite.Order: CaseIterable {
    public static let allCases: [Composite.Order] = [.perIndicator, .totals]
}

