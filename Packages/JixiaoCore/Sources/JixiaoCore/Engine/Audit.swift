/// One printed figure checked against its recomputation.
public struct AuditItem: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case score, total, grade, fund, composite
    }
    public var kind: Kind
    public var subject: String
    public var stage: String
    public var code: String?
    public var name: String
    public var printed: String
    public var computed: String
    public var agrees: Bool
    /// Why they differ: the derivation's last steps, or what is missing.
    public var note: String
}

/// Recomputes every score, total, grade, fund figure and composite that a data file says
/// the document printed, and reports agree / disagree with both numbers (BRIEF.md: the
/// seeds' own cells sometimes contradict their rules).
public enum Audit {
    /// Scores agree within ±0.01, as the documents print two places.
    public static let tolerance = Fixed(raw: 1_000_000)  // 0.01
    /// A printed rate agrees within ±0.01 percentage point.
    static let rateTolerance = Fixed(raw: 10_000)  // 0.0001

    public static func run(_ report: ScoreReport) -> [AuditItem] {
        var items: [AuditItem] = []
        let indicators = report.indicators
        for (stageIndex, stage) in report.stages.enumerated() {
            for result in stage.subjects {
                let subject = result.subject
                let printed = stageIndex == 0 ? subject.printed : (subject.stages[stage.stage]?.printed ?? Printed())
                for (index, indicator) in indicators.enumerated() {
                    guard let value = printed.scores[indicator.code] else { continue }
                    items.append(
                        scoreItem(.score, subject: subject.name, stage: stage.stage, indicator: indicator, printed: value,
                                  outcome: result.outcomes[index], explanation: result.explanations.isEmpty ? [] : result.explanations[index]))
                }
                if let total = printed.total {
                    items.append(
                        scoreItem(.total, subject: subject.name, stage: stage.stage, indicator: nil, printed: total,
                                  outcome: result.total, explanation: []))
                }
                if let grade = printed.grade {
                    let computed = result.grade ?? "—"
                    items.append(
                        AuditItem(kind: .grade, subject: subject.name, stage: stage.stage, code: nil, name: "评价等级",
                                  printed: grade, computed: computed, agrees: grade == computed,
                                  note: grade == computed ? "" : "按计算的总分 \(result.gradedScore?.formatted() ?? "—") 定等"))
                }
                if stageIndex == 0, let table = subject.fundTable {
                    items += fundItems(printed.fund, table, subject: subject.name, stage: stage.stage)
                }
            }
            if stageIndex == report.stages.count - 1, let composite = stage.composite {
                let printed = report.data.compositePrinted
                for (index, indicator) in indicators.enumerated() {
                    guard let value = printed.scores[indicator.code] else { continue }
                    items.append(
                        scoreItem(.composite, subject: "综合", stage: stage.stage, indicator: indicator, printed: value,
                                  outcome: composite.outcomes[index], explanation: []))
                }
                if let total = printed.total {
                    items.append(scoreItem(.composite, subject: "综合", stage: stage.stage, indicator: nil, printed: total, outcome: composite.total, explanation: []))
                }
                if let grade = printed.grade {
                    let computed = composite.grade ?? "—"
                    items.append(
                        AuditItem(kind: .grade, subject: "综合", stage: stage.stage, code: nil, name: "综合评价等级",
                                  printed: grade, computed: computed, agrees: grade == computed, note: ""))
                }
            }
        }
        return items
    }

    static func scoreItem(
        _ kind: AuditItem.Kind, subject: String, stage: String, indicator: Indicator?, printed: Fixed, outcome: Outcome,
        explanation: [String]
    ) -> AuditItem {
        let name = indicator?.name ?? "总分"
        guard let computed = outcome.score else {
            let why: String
            switch outcome {
            case .missing(let what): why = "未评分：\(what)"
            case .failed(let what): why = "计算错误：\(what)"
            default: why = "计算结果为不适用"
            }
            return AuditItem(kind: kind, subject: subject, stage: stage, code: indicator?.code, name: name,
                             printed: printed.formatted(), computed: outcome.statusText, agrees: false, note: why)
        }
        let agrees = computed.fixed.isWithin(tolerance, of: printed)
        let note = agrees ? "" : explanation.suffix(3).joined(separator: "；")
        return AuditItem(kind: kind, subject: subject, stage: stage, code: indicator?.code, name: name,
                         printed: printed.formatted(), computed: computed.formatted(), agrees: agrees,
                         note: note.isEmpty && !agrees ? "差 \((computed - printed).formatted())" : note)
    }

    static func fundItems(_ printed: [String: Fixed], _ table: FundTable, subject: String, stage: String) -> [AuditItem] {
        var items: [AuditItem] = []
        for name in FundTable.figureNames {
            guard let value = printed[name] else { continue }
            let isRate = name.hasSuffix("率")
            guard let computed = table.figure(name) else {
                items.append(AuditItem(kind: .fund, subject: subject, stage: stage, code: nil, name: name,
                                       printed: value.description, computed: "无法计算", agrees: false, note: "分母为 0"))
                continue
            }
            // A printed rate is compared at the precision it was printed with (91.9 vs 91.898…%).
            let places = isRate ? max(2, decimalPlaces(value)) : 2
            let shown = computed.rounded(places: places)
            let agrees = (!shown.isOverflow && shown == value.rounded(places: places))
                || computed.isWithin(isRate ? rateTolerance : tolerance, of: value)
            let show: (Fixed) -> String = { isRate ? $0.formattedPercent(places: max(0, places - 2)) : $0.formatted() }
            let formula: String
            switch name {
            case "结余": formula = "到位 \(table.totalArrived.formatted()) − 支出 \(table.totalSpent.formatted())"
            case "预算执行率": formula = "支出 ÷ 预算 = \(table.totalSpent.formatted()) ÷ \(table.totalBudget.formatted())"
            case "资金到位率": formula = "到位 ÷ 预算 = \(table.totalArrived.formatted()) ÷ \(table.totalBudget.formatted())"
            case "资金实际支出率": formula = "支出 ÷ 到位 = \(table.totalSpent.formatted()) ÷ \(table.totalArrived.formatted())"
            default: formula = ""
            }
            items.append(AuditItem(kind: .fund, subject: subject, stage: stage, code: nil, name: name,
                                   printed: show(value), computed: show(computed), agrees: agrees, note: agrees ? "" : formula))
        }
        if !table.items.isEmpty {
            let agrees = table.itemsSpent == table.totalSpent
            items.append(AuditItem(kind: .fund, subject: subject, stage: stage, code: nil, name: "支出明细合计",
                                   printed: table.totalSpent.formatted(), computed: table.itemsSpent.formatted(), agrees: agrees,
                                   note: agrees ? "" : "各子项目支出之和与实际支出不符"))
        }
        return items
    }

    /// Significant fractional digits of a value: 0.919 → 3.
    static func decimalPlaces(_ value: Fixed) -> Int {
        var raw = value.raw.magnitude % UInt64(Fixed.scale)
        if raw == 0 { return 0 }
        var places = Fixed.fractionDigits
        while raw % 10 == 0 {
            raw /= 10
            places -= 1
        }
        return places
    }
}

/// Drafts deduction notes in the documents' style: "扣减0.49分：…". The note tells why the points were lost:
/// a veto, a cross effect or a child region's problem is cited with what triggered it; a reviewer's reason or
/// the document's finding as written; a bound (扣完为止, 封顶) as such; a checklist by the items not met; a group
/// by the children that lost points; otherwise the rule's first step.
public enum DeductionText {
    /// nil when nothing was deducted or the indicator is not scored. Deduction indicators (扣分项) count the
    /// points they take away; bonus indicators never deduct.
    public static func draft(_ result: SubjectResult, index: Int, indicator: Indicator) -> String? {
        guard let score = result.outcomes[index].score, let lost = lost(indicator.kind, max: result.maxima[index], score: score),
            lost > .zero
        else { return nil }
        let facts = result.facts[index] ?? []
        let given = result.reasons[indicator.code] ?? result.subject.findings.first { $0.code == indicator.code }?.text
        let overrides = facts.compactMap(overrideCause)
        let reason: String
        if !overrides.isEmpty {
            reason = (overrides + [given].compactMap { $0 }).joined(separator: "；")
        } else if let given {
            reason = given
        } else if indicator.isGroup {
            reason = childrenCause(result, index, indicator) + boundCause(facts, indicator, max: result.maxima[index], lost: lost)
        } else if case .unmet(let items)? = facts.last(where: { if case .unmet = $0 { return true } else { return false } }) {
            reason = "未满足：" + items.map { "\($0.id) \($0.text)（\($0.points) 分）" }.joined(separator: "、") + boundCause(facts, indicator, max: result.maxima[index], lost: lost)
        } else if let cap = capCause(facts) {
            reason = cap
        } else {
            reason = (firstRuleStep(result, index) ?? "未达到评分标准") + boundCause(facts, indicator, max: result.maxima[index], lost: lost)
        }
        return "扣减\(lost.formatted())分：\(indicator.name)，\(reason)"
    }

    /// Points lost: below max for regular indicators, below 0 for deduction indicators.
    static func lost(_ kind: IndicatorKind, max: Fixed, score: Exact) -> Exact? {
        switch kind {
        case .regular: return max - score
        case .deduction: return -score
        case .bonus: return nil
        }
    }

    private static func overrideCause(_ fact: ScoreFact) -> String? {
        switch fact {
        case .vetoed(let condition, let figures):
            return "否决条件成立：\(condition)" + (figures.isEmpty ? "" : "（\(figures)）") + "，本项计0分"
        case .zeroed(let code, let name, let condition, let figures):
            return "因 \(code) \(name) 的交叉影响计0分：\(condition)" + (figures.isEmpty ? "" : "（\(figures)）")
        case .parentDeduction(let from, let code, let name, let points, let condition, let figures):
            return "下级 \(from) \(code) \(name)：\(condition)" + (figures.isEmpty ? "" : "（\(figures)）") + "，同时扣本级\(points.formatted())分"
        case .limited, .unmet: return nil
        }
    }

    /// "，应扣6.00分，扣完5.00分为止" when a floor limited the score (the rule's own result against what was taken).
    private static func boundCause(_ facts: [ScoreFact], _ indicator: Indicator, max: Fixed, lost: Exact) -> String {
        for case .limited(let computed, _, true) in facts {
            let top = indicator.kind == .deduction ? Exact.zero : Exact(max)
            return "，应扣\((top - computed).formatted())分，扣完\(lost.formatted())分为止"
        }
        return ""
    }

    /// A cap below the max is the whole reason: "得分以上限1.03分计（按规则计算为1.685分）".
    private static func capCause(_ facts: [ScoreFact]) -> String? {
        for case .limited(let computed, let bound, false) in facts.reversed() {
            return "得分以上限\(bound.formatted())分计（按评分标准计算为\(computed)分）"
        }
        return nil
    }

    /// "其中 2.1 落实精准度 扣12.00分、2.2 … 扣1.12分".
    private static func childrenCause(_ result: SubjectResult, _ index: Int, _ indicator: Indicator) -> String {
        var parts: [String] = []
        var child = index + 1
        for childIndicator in indicator.children {
            if let score = result.outcomes[safe: child]?.score,
                let lost = lost(childIndicator.kind, max: result.maxima[child], score: score), lost > .zero
            {
                parts.append("\(childIndicator.code) \(childIndicator.name) 扣\(lost.formatted())分")
            }
            child += childIndicator.flattened.count
        }
        return parts.isEmpty ? "下级指标未得满分" : "其中 " + parts.joined(separator: "、")
    }

    /// The rule's deciding steps: its first two derivation lines, past those that only set the stage (peers,
    /// variants), the bound, rounding and effect lines, a reason already cited and a bare "5 − 1 = 4".
    private static func firstRuleStep(_ result: SubjectResult, _ index: Int) -> String? {
        let preambles = ["同级", "下级中", "考核对象条件", "四舍五入", "四舍六入", "截尾", "计算得", "理由：", "交叉影响", "否决条件"]
        let steps = (result.explanations[safe: index] ?? []).filter { line in
            let arithmetic = line.first.map { $0.isNumber || $0 == "-" } == true && line.contains(" − ") && line.contains(" = ")
            return !arithmetic && !preambles.contains { line.hasPrefix($0) }
        }
        return steps.isEmpty ? nil : steps.prefix(2).joined(separator: "；")
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
