/// How a composite comes from its parts, in lines a reviewer can check by hand: the subjects' weights and,
/// per indicator, each subject's score × weight, with the weights renormalised where a subject's cell is not
/// applicable (seed 001); or the components' score rates × weights (seed 003). Functions over the results:
/// the values shown as "=" are the engine's.
public enum CompositeExplanation {
    /// The subjects and weights of a subject-weighted composite, and how it is formed.
    public static func header(_ report: ScoreReport, stage: StageResult) -> [String] {
        guard let composite = stage.composite, case .subjects(_, let order, let renormalise)? = report.scheme.scheme.composite else { return [] }
        let names = names(report)
        let sum = composite.weights.map(\.weight).reduce(Fixed.zero, +)
        var lines = ["权重：" + composite.weights.map { "\(names[$0.subject] ?? $0.subject) \($0.weight)" }.joined(separator: "、") + "（合计 \(sum)）"]
        switch order {
        case .perIndicator: lines.append("逐项加权：每个末级指标按权重合成综合得分，再逐级相加")
        case .totals: lines.append("按总分加权：各考核对象的总分按权重合成")
        }
        lines.append(renormalise ? "某考核对象不适用的指标，其权重按比例分给其余考核对象（重新归一）" : "某考核对象不适用的指标按 0 分计，权重不重新分配")
        return lines
    }

    /// The derivation of the composite's cell for one indicator.
    public static func lines(_ report: ScoreReport, stage: StageResult, index: Int) -> [String] {
        guard let composite = stage.composite, case .subjects(_, let order, let renormalise)? = report.scheme.scheme.composite else { return [] }
        let node = report.scheme.nodes[index]
        if order == .perIndicator && !node.isLeaf { return groupLines(report, composite, index) }
        let blended = blend(report, stage, composite.weights, renormalise: renormalise) { $0.outcomes[index] }
        var lines = blended.lines
        if case .scored(let value) = composite.outcomes[index], let exact = blended.exact, exact != value {
            let rounding = report.scheme.scheme.rounding
            lines.append("\(rounding.mode.chineseName)保留 \(rounding.places) 位：\(exact) → \(value.formatted(places: rounding.places))")
        }
        return lines
    }

    /// The composite total: the sum of the top-level indicators (per indicator) or the weighted totals, and the grade.
    public static func totalLines(_ report: ScoreReport, stage: StageResult) -> [String] {
        guard let composite = stage.composite, case .subjects(_, let order, let renormalise)? = report.scheme.scheme.composite else { return [] }
        var lines: [String]
        switch order {
        case .perIndicator:
            let roots = report.scheme.roots
            let parts = roots.compactMap { root -> String? in
                guard let score = composite.outcomes[root].score else { return nil }
                return "\(report.indicators[root].code) \(report.indicators[root].name) \(score)"
            }
            lines = ["综合总分 = 各一级指标之和：" + parts.joined(separator: " + ") + " = \(composite.total.statusText)"]
        case .totals:
            lines = blend(report, stage, composite.weights, renormalise: renormalise) { $0.total }.lines
            lines.append("综合总分 \(composite.total.statusText)")
        }
        if let score = composite.total.score, let basis = Grading.bandBasis(report.scheme.scheme.grades.bands, score) {
            lines.append("等级 \(basis.grade)：\(basis.text)")
        }
        return lines
    }

    /// Seed 003: "综合得分 = A 日常管理 45.5 ÷ 40 × 40% × 100 + … = 101".
    public static func componentLine(_ report: ScoreReport, _ result: SubjectResult) -> String? {
        guard case .components(let components)? = report.scheme.scheme.composite, let composite = result.composite else { return nil }
        let total = report.scheme.scheme.total
        let parts = components.compactMap { code, weight -> String? in
            guard let index = report.scheme.index(of: code), let score = result.outcomes[index].score else { return nil }
            return "\(code) \(report.indicators[index].name) \(score) ÷ \(result.maxima[index]) × \(weight.percentText) × \(total)"
        }
        return "综合得分 = " + parts.joined(separator: " + ") + " = \(composite.formatted())"
    }

    // MARK: Parts

    private static func names(_ report: ScoreReport) -> [String: String] {
        Dictionary(report.data.subjects.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    private static func blend(
        _ report: ScoreReport, _ stage: StageResult, _ weights: [(subject: String, weight: Fixed)], renormalise: Bool,
        _ outcome: (SubjectResult) -> Outcome
    ) -> (lines: [String], exact: Exact?) {
        var scored: [(name: String, score: Exact, weight: Fixed)] = []
        var dropped: [String] = []
        var terms: [String] = []
        var weightSum = Fixed.zero
        for (id, weight) in weights {
            guard let result = stage.subjects.first(where: { $0.subject.id == id }) else { continue }
            let name = result.subject.name
            switch outcome(result) {
            case .scored(let score):
                scored.append((name, score, weight))
                terms.append("\(name) \(score) × \(weight)")
                weightSum += weight
            case .notApplicable:
                if renormalise {
                    dropped.append(name)
                } else {
                    terms.append("\(name) 不适用（按 0）× \(weight)")
                    weightSum += weight
                }
            case .missing: return (["\(name) 未评分 → 综合得分未评分"], nil)
            case .failed: return (["\(name) 有错误 → 综合得分无法计算"], nil)
            }
        }
        guard !scored.isEmpty else { return (["各考核对象均不适用 → 综合不适用"], nil) }
        var lines: [String] = []
        if !dropped.isEmpty {
            lines.append(dropped.joined(separator: "、") + " 不适用，权重按比例分给其余考核对象：" + scored.map { part in
                "\(part.name) \(part.weight) ÷ \(weightSum) = \((Exact(part.weight).divided(by: Exact(weightSum)) ?? .zero).formatted(places: 4))"
            }.joined(separator: "、"))
        }
        let weighted = scored.map { $0.score * $0.weight }.reduce(Exact.zero, +)
        guard let exact = weighted.divided(by: Exact(weightSum)) else { return (lines, nil) }
        if weightSum == .one {
            lines.append(terms.joined(separator: " + ") + " = \(exact)")
        } else {
            lines.append("(" + terms.joined(separator: " + ") + ") ÷ \(weightSum) = \(exact)")
        }
        return (lines, exact)
    }

    private static func groupLines(_ report: ScoreReport, _ composite: CompositeResult, _ index: Int) -> [String] {
        var lines: [String] = []
        var parts: [String] = []
        var notApplicable: [String] = []
        for child in report.scheme.nodes[index].children {
            let indicator = report.indicators[child]
            switch composite.outcomes[child] {
            case .scored(let score):
                lines.append("\(indicator.code) \(indicator.name)：\(score)")
                parts.append(score.description)
            case .notApplicable: notApplicable.append("\(indicator.code) \(indicator.name)")
            case .missing, .failed: lines.append("\(indicator.code) \(indicator.name)：\(composite.outcomes[child].statusText)")
            }
        }
        if !notApplicable.isEmpty { lines.append("不适用（不计入）：" + notApplicable.joined(separator: "、")) }
        if !parts.isEmpty { lines.append("合计：" + parts.joined(separator: " + ") + " = \(composite.outcomes[index].score?.description ?? composite.outcomes[index].statusText)") }
        return lines
    }
}
