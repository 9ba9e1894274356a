/// One printed figure checked against its recomputation.
public struct AuditItem: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// score: a subject's indicator score; composite: a composite cell (score or total).
        case score, total, grade, fund, composite
        /// 扣分 (max − score) and 得分率 (score ÷ max) columns.
        case deduction, rate
        /// A figure the document's text derives by arithmetic from figures it gives.
        case arithmetic
    }
    public var kind: Kind
    public var subject: String
    public var stage: String
    public var code: String?
    public var name: String
    /// As printed (the places as written).
    public var printed: String
    public var computed: String
    public var agrees: Bool
    /// Why they differ: the derivation's last steps, or what is missing.
    public var note: String
}

/// A printed cell the audit did not check (or a class of such cells), and why.
public struct UncheckedCell: Sendable, Hashable {
    public var subject: String
    public var stage: String
    public var code: String?
    public var name: String
    /// The printed figure, when the data file carries it.
    public var printed: String
    /// How many printed cells this stands for.
    public var cells: Int
    public var why: String
}

/// Everything the audit found: the checked cells and the printed cells it could not check.
public struct AuditResult: Sendable {
    public var items: [AuditItem]
    public var unchecked: [UncheckedCell]

    public var agreeing: Int { items.filter(\.agrees).count }
    public var disagreeing: Int { items.count - agreeing }
    public var uncheckedCells: Int { unchecked.map(\.cells).reduce(0, +) }
    /// Printed cells the data file carries or lists: checked plus not checkable.
    public var printedCells: Int { items.count + uncheckedCells }

    /// The closing line of `jixiao audit`.
    public var summary: String {
        var line = "印刷数字 \(printedCells) 格：核对 \(items.count) 格，一致 \(agreeing) 格，不一致 \(disagreeing) 格，无法核对 \(uncheckedCells) 格"
        let reasons = Dictionary(grouping: unchecked, by: \.why).map { (why: $0.key, cells: $0.value.map(\.cells).reduce(0, +)) }
            .sorted { ($0.cells, $1.why) > ($1.cells, $0.why) }
        if !reasons.isEmpty { line += "：" + reasons.map { "\($0.why)（\($0.cells) 格）" }.joined(separator: "；") }
        return line
    }
}

/// Recomputes every score, subtotal, total, grade, 扣分, 得分率, fund figure and composite that a data file says
/// the document printed, and reports agree / disagree with both numbers (BRIEF.md: the seeds' own cells
/// sometimes contradict their rules). Printed cells it cannot recompute are listed with the reason.
public enum Audit {
    /// THE comparison of a printed figure with a recomputed one; every agree / disagree goes through here.
    ///
    /// A printed figure agrees only when it equals the recomputed figure rounded, with the scheme's rounding
    /// mode, to the places it was printed with: a printed 4.26 disagrees with 4.265 (→ 4.27), 1.8 agrees with
    /// 1.83, 91.9% agrees with 91.898%. A scheme that declares `audit: {tolerance: t}` also accepts a printed
    /// figure within t of the recomputed one. An overflowed figure agrees with nothing.
    /// The recomputed figure is exact, so the rounding is of the true value (4.265 exactly, not 4.26499999).
    public static func agrees(_ printed: PrintedFigure, _ computed: Exact, mode: RoundingMode, tolerance: Fixed?) -> Bool {
        guard !printed.value.isOverflow, !computed.isOverflow else { return false }
        let places = printed.fractionPlaces
        let shown = computed.rounded(places: places, mode: mode)
        if !shown.isOverflow, shown == Exact(printed.value.rounded(places: places, mode: mode)) { return true }
        if let tolerance { return computed.isWithin(tolerance, of: printed.value) }
        return false
    }

    /// The same for a figure that is a decimal already (a fund-table amount).
    public static func agrees(_ printed: PrintedFigure, _ computed: Fixed, mode: RoundingMode, tolerance: Fixed?) -> Bool {
        agrees(printed, Exact(computed), mode: mode, tolerance: tolerance)
    }

    /// The same, for an outcome under a scheme's rounding mode and tolerance (false when nothing was scored).
    public static func agrees(_ printed: PrintedFigure, _ outcome: Outcome, in scheme: Scheme) -> Bool {
        guard let computed = outcome.score else { return false }
        return agrees(printed, computed, mode: scheme.rounding.mode, tolerance: scheme.auditTolerance)
    }

    /// The checked items only (what pages and the score JSON list).
    public static func run(_ report: ScoreReport) -> [AuditItem] { examine(report).items }

    public static func examine(_ report: ScoreReport) -> AuditResult {
        var audit = Pass(report: report)
        audit.run()
        return AuditResult(items: audit.items, unchecked: audit.unchecked)
    }

    /// A leaf whose score the reviewer enters: its printed score is the entered value, not a recomputation.
    static func isJudged(_ indicator: Indicator) -> Bool {
        guard !indicator.isGroup else { return false }
        if case .judged? = indicator.rule { return true }
        return indicator.rule == nil
    }

    /// Why a judged leaf's printed score is not a check: the score is entered, not computed.
    static let judgedReason = "评分人给分（judged），印刷得分即填报值，无规则可重算"

    /// One audit of one report.
    struct Pass {
        let report: ScoreReport
        var items: [AuditItem] = []
        var unchecked: [UncheckedCell] = []

        var scheme: Scheme { report.scheme.scheme }

        mutating func run() {
            let indicators = report.indicators
            for (stageIndex, stage) in report.stages.enumerated() {
                for result in stage.subjects {
                    let subject = result.subject
                    let printed = stageIndex == 0 ? subject.printed : (subject.stages[stage.stage]?.printed ?? Printed())
                    if printed.isEmpty { continue }
                    let place = Place(subject: subject.name, stage: stage.stage, declared: Self.declared(printed))
                    for (index, indicator) in indicators.enumerated() {
                        cell(place, printed, indicator, index: index, outcome: result.outcomes[index], max: result.maxima[index],
                             explanation: result.explanations[safe: index] ?? [], value: subject.values[indicator.code])
                    }
                    totals(place, printed, total: result.total, max: result.totalMax)
                    if let grade = printed.grade {
                        let computed = result.grade ?? "—"
                        items.append(
                            AuditItem(kind: .grade, subject: subject.name, stage: stage.stage, code: nil, name: "评价等级",
                                      printed: grade, computed: computed, agrees: grade == computed,
                                      note: grade == computed ? "" : "按计算的总分 \(result.gradedScore?.formatted() ?? "—") 定等"))
                    }
                    fund(place, printed.fund, subject.fundTable)
                    arithmetic(place, printed.arithmetic)
                    listed(place, printed)
                }
                if stageIndex == report.stages.count - 1, let composite = stage.composite {
                    let printed = report.data.compositePrinted
                    let place = Place(subject: "综合", stage: stage.stage, composite: true, declared: Self.declared(printed))
                    for (index, indicator) in indicators.enumerated() {
                        cell(place, printed, indicator, index: index, outcome: composite.outcomes[index], max: indicator.max,
                             explanation: [], value: nil)
                    }
                    totals(place, printed, total: composite.total, max: scheme.total)
                    if let grade = printed.grade {
                        let computed = composite.grade ?? "—"
                        items.append(
                            AuditItem(kind: .grade, subject: "综合", stage: stage.stage, code: nil, name: "综合评价等级",
                                      printed: grade, computed: computed, agrees: grade == computed,
                                      note: grade == computed ? "" : "按计算的综合得分 \(composite.total.statusText) 定等"))
                    }
                    arithmetic(place, printed.arithmetic)
                    listed(place, printed)
                }
            }
        }

        /// Whose printed figures are being checked, and which of its codes the data file says are not checkable.
        struct Place {
            var subject: String
            var stage: String
            var composite = false
            var declared: [String: String] = [:]
            var scoreKind: AuditItem.Kind { composite ? .composite : .score }
        }

        /// The codes the data file says are not checkable, with why.
        static func declared(_ printed: Printed) -> [String: String] {
            var reasons: [String: String] = [:]
            for entry in printed.notCheckable { for code in entry.codes { reasons[code] = entry.why } }
            return reasons
        }

        /// One indicator's printed score, 扣分 and 得分率.
        mutating func cell(
            _ place: Place, _ printed: Printed, _ indicator: Indicator, index: Int, outcome: Outcome, max: Fixed,
            explanation: [String], value: Value?
        ) {
            let code = indicator.code
            if let why = place.declared[code] {
                let shown = printed.scores[code]?.description ?? value.map { "\($0)" } ?? ""
                unchecked.append(UncheckedCell(subject: place.subject, stage: place.stage, code: code, name: indicator.name,
                                               printed: shown, cells: 1, why: why))
            } else if let figure = printed.scores[code] {
                let judged = !place.composite && Audit.isJudged(indicator)
                if judged, Audit.agrees(figure, outcome, in: scheme) {
                    unchecked.append(UncheckedCell(subject: place.subject, stage: place.stage, code: code, name: indicator.name,
                                                   printed: figure.description, cells: 1, why: Audit.judgedReason))
                } else if var item = score(place.scoreKind, place, code: code, name: indicator.name, figure, outcome, explanation: explanation) {
                    if judged { item.note = "填报的给分与印刷得分不同" }
                    if let formula = printed.formulas[code] { recheck(&item, figure, formula, max: max) }
                    items.append(item)
                }
            }
            guard indicator.kind == .regular else { return }
            if let figure = printed.deductions[code] {
                append(derived(.deduction, place, code: code, name: "\(indicator.name) 扣分", figure, outcome.score.map { max - $0 },
                               outcome, formula: outcome.score.map { "分值 \(max) − 得分 \($0.formatted())" }))
            }
            if let figure = printed.rates[code] {
                append(derived(.rate, place, code: code, name: "\(indicator.name) 得分率", figure, outcome.score.flatMap { $0.divided(by: Exact(max)) },
                               outcome, formula: outcome.score.map { "得分 \($0.formatted()) ÷ 分值 \(max)" }))
            }
        }

        mutating func totals(_ place: Place, _ printed: Printed, total: Outcome, max: Fixed) {
            let kind: AuditItem.Kind = place.composite ? .composite : .total
            if let figure = printed.total {
                append(score(kind, place, code: nil, name: place.composite ? "综合得分" : "总分", figure, total, explanation: []))
            }
            if let figure = printed.totalDeduction {
                append(derived(.deduction, place, code: nil, name: "总分 扣分", figure, total.score.map { max - $0 }, total,
                               formula: total.score.map { "满分 \(max) − 总分 \($0.formatted())" }))
            }
            if let figure = printed.totalRate {
                append(derived(.rate, place, code: nil, name: "总分 得分率", figure, total.score.flatMap { $0.divided(by: Exact(max)) }, total,
                               formula: total.score.map { "总分 \($0.formatted()) ÷ 满分 \(max)" }))
            }
        }

        /// Adds a checked cell (nil: `score` / `derived` found it not checkable and listed it already).
        mutating func append(_ item: AuditItem?) {
            guard let item else { return }
            items.append(item)
        }

        func shown(_ figure: PrintedFigure, _ computed: Exact) -> String {
            PrintedFigure(figure.value, places: Swift.max(figure.places, scheme.rounding.places), isPercent: figure.isPercent).text(computed)
        }

        mutating func score(
            _ kind: AuditItem.Kind, _ place: Place, code: String?, name: String, _ figure: PrintedFigure, _ outcome: Outcome,
            explanation: [String]
        ) -> AuditItem? {
            guard let computed = outcome.score else {
                if case .notApplicable = outcome {
                    return AuditItem(kind: kind, subject: place.subject, stage: place.stage, code: code, name: name,
                                     printed: figure.description, computed: outcome.statusText, agrees: false,
                                     note: "印刷了得分，按规则却不适用")
                }
                notCheckable(place, code: code, name: name, figure, outcome)
                return nil
            }
            let agrees = Audit.agrees(figure, computed, mode: scheme.rounding.mode, tolerance: scheme.auditTolerance)
            let note = agrees ? "" : explanation.suffix(3).joined(separator: "；")
            return AuditItem(kind: kind, subject: place.subject, stage: place.stage, code: code, name: name,
                             printed: figure.description, computed: shown(figure, computed), agrees: agrees,
                             note: note.isEmpty && !agrees ? "差 \((computed - figure.value).formatted(places: Swift.max(2, figure.fractionPlaces)))" : note)
        }

        mutating func derived(
            _ kind: AuditItem.Kind, _ place: Place, code: String?, name: String, _ figure: PrintedFigure, _ computed: Exact?,
            _ outcome: Outcome, formula: String?
        ) -> AuditItem? {
            guard let computed else {
                notCheckable(place, code: code, name: name, figure, outcome.score == nil ? outcome : .failed("分值为 0"))
                return nil
            }
            let agrees = Audit.agrees(figure, computed, mode: scheme.rounding.mode, tolerance: scheme.auditTolerance)
            return AuditItem(kind: kind, subject: place.subject, stage: place.stage, code: code, name: name,
                             printed: figure.description, computed: shown(figure, computed), agrees: agrees,
                             note: agrees ? "" : formula ?? "")
        }

        mutating func notCheckable(_ place: Place, code: String?, name: String, _ figure: PrintedFigure, _ outcome: Outcome) {
            let why: String
            switch outcome {
            case .missing(let what): why = "未评分：\(what)"
            case .failed(let what): why = "计算错误：\(what)"
            case .notApplicable: why = "按规则不适用"
            case .scored: why = ""
            }
            unchecked.append(UncheckedCell(subject: place.subject, stage: place.stage, code: code, name: name,
                                           printed: figure.description, cells: 1, why: why))
        }

        /// A second recomputation of a printed score from the text's figures: the cell agrees only when both do.
        mutating func recheck(_ item: inout AuditItem, _ figure: PrintedFigure, _ formula: Expression, max: Fixed) {
            let outcome = Audit.evaluate(formula, max: max, rounding: scheme.rounding, floor: nil)
            guard let value = outcome.score else {
                item.agrees = false
                item.note = [item.note, "按正文公式 \(formula.source) 无法计算：\(outcome.statusText)"].filter { !$0.isEmpty }.joined(separator: "；")
                return
            }
            let agrees = Audit.agrees(figure, value, mode: scheme.rounding.mode, tolerance: scheme.auditTolerance)
            item.computed += "；按正文 \(shown(figure, value))"
            if !agrees {
                item.agrees = false
                item.note = [item.note, "按正文 \(formula.source) = \(value.formatted(places: Fixed.fractionDigits))"].filter { !$0.isEmpty }.joined(separator: "；")
            }
        }

        mutating func arithmetic(_ place: Place, _ entries: [PrintedArithmetic]) {
            for entry in entries {
                let outcome = Audit.evaluate(entry.formula, max: Audit.figureRange, rounding: Rounding(mode: scheme.rounding.mode, places: 8, point: .total),
                                             floor: -Audit.figureRange)
                append(derived(.arithmetic, place, code: nil, name: entry.name, entry.printed, outcome.score, outcome,
                               formula: entry.formula.source))
            }
        }

        /// Cells described in words that the data file lists as not checkable.
        mutating func listed(_ place: Place, _ printed: Printed) {
            for entry in printed.notCheckable where entry.codes.isEmpty {
                unchecked.append(UncheckedCell(subject: place.subject, stage: place.stage, code: nil, name: entry.what ?? "",
                                               printed: "", cells: entry.cells, why: entry.why))
            }
        }

        mutating func fund(_ place: Place, _ printed: [String: PrintedFigure], _ table: FundTable?) {
            guard !printed.isEmpty else { return }
            let entries = printed.sorted { (Audit.fundOrder($0.key), $0.key) < (Audit.fundOrder($1.key), $1.key) }
            guard let table else {
                for (key, figure) in entries {
                    unchecked.append(UncheckedCell(subject: place.subject, stage: place.stage, code: nil, name: "资金表 \(key)",
                                                   printed: figure.description, cells: 1, why: "数据文件没有资金表（fund_table）"))
                }
                return
            }
            for (key, figure) in entries {
                if key == Printed.itemsTotalKey {
                    let agrees = Audit.agrees(figure, table.itemsSpent, mode: scheme.rounding.mode, tolerance: scheme.auditTolerance)
                    items.append(AuditItem(kind: .fund, subject: place.subject, stage: place.stage, code: nil, name: "项目支出内容 合计",
                                           printed: figure.description, computed: shown(figure, Exact(table.itemsSpent)), agrees: agrees,
                                           note: agrees ? "" : "\(table.items.count) 个子项目支出之和"))
                    continue
                }
                let (column, name) = Audit.fundColumn(key)
                guard let columnTable = Audit.column(table, column), let computed = columnTable.exactFigure(name) else {
                    unchecked.append(UncheckedCell(subject: place.subject, stage: place.stage, code: nil, name: "资金表 \(key)",
                                                   printed: figure.description, cells: 1, why: "无法计算（分母为 0）"))
                    continue
                }
                let agrees = Audit.agrees(figure, computed, mode: scheme.rounding.mode, tolerance: scheme.auditTolerance)
                items.append(AuditItem(kind: .fund, subject: place.subject, stage: place.stage, code: nil,
                                       name: column == "合计" ? name : "\(column) \(name)",
                                       printed: figure.description, computed: shown(figure, computed), agrees: agrees,
                                       note: agrees ? "" : Audit.fundFormula(name, columnTable)))
            }
        }
    }

    // MARK: Fund-table columns

    static let fiscalSources = ["中央级", "省级", "市级", "区县转移"]
    static let otherSources = ["单位自有", "银行贷款等", "社会资本"]

    /// `市级.结余` → (市级, 结余); a bare figure is the 合计 column's.
    static func fundColumn(_ key: String) -> (column: String, figure: String) {
        guard let dot = key.firstIndex(of: ".") else { return ("合计", key) }
        return (String(key[..<dot]), String(key[key.index(after: dot)...]))
    }

    /// The table restricted to one printed column: 合计, a 小计, or one source.
    static func column(_ table: FundTable, _ column: String) -> FundTable? {
        let sources: [String]
        switch column {
        case "合计": return table
        case "财政资金小计": sources = fiscalSources
        case "其他资金小计": sources = otherSources
        default:
            guard FundTable.sourceNames.contains(column) else { return nil }
            sources = [column]
        }
        let keep: ([String: Fixed]) -> [String: Fixed] = { $0.filter { sources.contains($0.key) } }
        return FundTable(sources: table.sources.filter(sources.contains), budget: keep(table.budget), invested: keep(table.invested),
                         arrived: keep(table.arrived), spent: keep(table.spent))
    }

    /// Printing order: 合计, 小计, sources; within a column the table's rows (1) … (8).
    static func fundOrder(_ key: String) -> Int {
        if key == Printed.itemsTotalKey { return 9_999 }
        let (column, name) = fundColumn(key)
        let columns = Printed.fundColumns + FundTable.sourceNames
        let row = FundTable.figures[name].flatMap { figure in FundTable.figureNames.firstIndex { FundTable.figures[$0] == figure } }
        return (columns.firstIndex(of: column) ?? 98) * 100 + (row ?? 98)
    }

    static func fundFormula(_ name: String, _ table: FundTable) -> String {
        switch FundTable.figures[name] {
        case .budget?: return "预算安排各来源之和"
        case .invested?: return "项目实际投入各来源之和"
        case .arrived?: return "资金到位各来源之和"
        case .spent?: return "实际支出各来源之和"
        case .balance?: return "到位 \(table.totalArrived.formatted()) − 支出 \(table.totalSpent.formatted())"
        case .executionRate?: return "支出 ÷ 预算 = \(table.totalSpent.formatted()) ÷ \(table.totalBudget.formatted())"
        case .arrivalRate?: return "到位 ÷ 预算 = \(table.totalArrived.formatted()) ÷ \(table.totalBudget.formatted())"
        case .spendingRate?: return "支出 ÷ 到位 = \(table.totalSpent.formatted()) ÷ \(table.totalArrived.formatted())"
        case nil: return ""
        }
    }

    // MARK: Formulas over the text's figures

    /// The widest figure a printed arithmetic check computes (within the number range of about ±92 billion).
    static let figureRange = Fixed(10_000_000_000)

    /// Evaluates a formula over constants (and `max`) with the engine itself: a one-indicator scheme, so the
    /// arithmetic is exactly the engine's. Names other than `max` are inputs nobody entered: 未评分.
    static func evaluate(_ formula: Expression, max: Fixed, rounding: Rounding, floor: Fixed?) -> Outcome {
        let indicator = Indicator(code: "公式", name: "公式", max: max, rule: .formula(score: formula), floor: floor)
        let scheme = Scheme(id: "audit", name: "audit", total: max, rounding: rounding, indicators: [indicator])
        do {
            let report = try Engine(CompiledScheme(scheme)).score(DataSet(schemeID: "audit", period: "", subjects: [SubjectData(id: "公式")]))
            return report.stages[0].subjects[0].outcomes[0]
        } catch {
            return .failed("公式无法计算：\(error)")
        }
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

extension Collection {
    subscript(safe index: Index) -> Element? { indices.contains(index) ? self[index] : nil }
}
