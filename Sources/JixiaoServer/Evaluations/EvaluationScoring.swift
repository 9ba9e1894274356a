import Foundation
import JixiaoCore

/// One subject (column) of an evaluation as scored: its unit, its assessment, its weight.
struct EvaluationColumn: Sendable {
    let unitCode: String
    let unitName: String
    let assessmentID: UUID
    let state: WorkflowState
    let revision: Int
    /// The weight the composite uses: as entered, or the subject's figure (renormalised by the engine).
    let weight: Fixed
    /// The weight's share of all weights (what the page shows): weight ÷ Σ weights.
    let share: Exact?
    let figure: String
}

/// Everything the evaluation's pages print, computed once from the period's scores: each subject scored by the
/// engine, the composite over the evaluation's subjects with the evaluation's weights (not the scheme file's,
/// which name the example's subjects), the deductions, rates, renormalised weights and the printed document's cells.
struct EvaluationResult: Sendable {
    struct Line: Sendable {
        let index: Int
        let indicator: Indicator
        let depth: Int
        let isLeaf: Bool
        /// The figure is entered in the grid (a judged score, a checklist, a rate …), not computed.
        let isEntered: Bool
        let isJudged: Bool
        let composite: Outcome
        /// 扣分: max − composite.
        let deduction: Exact?
        /// 得分率: composite ÷ max.
        let rate: Exact?
        /// Set where some subjects do not apply: the weights of the others, renormalised.
        let renormalised: [(unitCode: String, share: Exact)]?
        let printedComposite: String?
        let compositeDiffers: Bool
        /// Per column.
        let cells: [Outcome]
        let printedCells: [String?]
        let cellDiffers: [Bool]
    }

    let schemeName: String
    let period: String
    let compiled: CompiledScheme
    let columns: [EvaluationColumn]
    /// Per column, the final stage's result of that subject.
    let subjects: [SubjectResult]
    let lines: [Line]
    let total: Outcome
    let grade: String?
    let printed: DocumentFigures?
    let problems: [String]

    var totalText: String { total.score.map { $0.formatted() } ?? total.statusText }
    var totalMax: Fixed { compiled.scheme.total }
    var totalDeduction: Exact? { total.score.map { Exact(totalMax) - $0 } }
    var totalRate: Exact? { total.score.flatMap { $0.divided(by: Exact(totalMax)) } }
    var totalDiffers: Bool { Self.differs(total, printed?.total) }
    var gradeDiffers: Bool { printed?.grade != nil && printed?.grade != grade }
    /// The top-level groups (table 2-1's rows).
    var groups: [Line] { lines.filter { $0.depth == 0 } }

    /// Whether a live outcome disagrees with a printed figure (compared at the places it was printed with).
    static func differs(_ outcome: Outcome, _ printed: String?) -> Bool {
        guard let printed, let figure = PrintedFigure(printed) else { return false }
        guard let score = outcome.score else { return true }
        return figure.text(score) != figure.text(figure.value)
    }

    /// Scores the evaluation's subjects. `weights` by unit code; a subject without a weight counts 0.
    static func compute(scores: PeriodScores, columns specs: [(unitCode: String, weight: Fixed, figure: String)],
                        printed: DocumentFigures?) throws -> EvaluationResult {
        let base = scores.scheme.compiled.scheme
        var problems: [String] = []
        var data: [SubjectData] = []
        var columns: [EvaluationColumn] = []
        let weightSum = specs.reduce(Fixed.zero) { $0 + $1.weight }
        for spec in specs {
            guard let row = scores.rows.first(where: { $0.unitCode == spec.unitCode }) else {
                problems.append("单位 \(spec.unitCode) 没有本期的考核，未计入")
                continue
            }
            var subject = scores.report.data.subjects[row.subject]
            subject.parent = nil
            data.append(subject)
            columns.append(EvaluationColumn(unitCode: row.unitCode, unitName: row.unitName, assessmentID: row.assessmentID, state: row.state,
                                            revision: row.revision, weight: spec.weight,
                                            share: weightSum.isZero ? nil : Exact(spec.weight).divided(by: Exact(weightSum)), figure: spec.figure))
        }
        var scheme = base
        let (order, renormalise): (Composite.Order, Bool) = {
            if case .subjects(_, let order, let renormalise)? = base.composite { return (order, renormalise) }
            return (.perIndicator, true)
        }()
        scheme.composite = .subjects(weights: columns.map { (subject: $0.unitCode, weight: $0.weight) }, order: order, renormalise: renormalise)
        let compiled = try CompiledScheme(scheme)
        let report = try Engine(compiled).score(DataSet(schemeID: scheme.id, period: scores.period, subjects: data), explain: true)
        let stage = report.finalStage
        let composite = stage.composite
        let entered = Set(compiled.enteredIndicators)
        var lines: [Line] = []
        func walk(_ indicator: Indicator, depth: Int) {
            guard let index = compiled.index(of: indicator.code) else { return }
            let outcome = composite?.outcomes[index] ?? .missing("没有综合得分")
            let cells = stage.subjects.map { $0.outcomes[index] }
            let printedCells = columns.map { printed?.subjects[$0.unitCode]?[indicator.code] }
            var renormalised: [(unitCode: String, share: Exact)]?
            if !indicator.isGroup, cells.contains(.notApplicable), cells.contains(where: { $0.score != nil }) {
                let applicable = columns.indices.filter { cells[$0].score != nil }
                let sum = applicable.reduce(Fixed.zero) { $0 + columns[$1].weight }
                renormalised = applicable.compactMap { column in
                    Exact(columns[column].weight).divided(by: Exact(sum)).map { (unitCode: columns[column].unitCode, share: $0) }
                }
            }
            let isJudged: Bool = { if case .judged? = indicator.rule { return true } else { return false } }()
            lines.append(Line(
                index: index, indicator: indicator, depth: depth, isLeaf: !indicator.isGroup, isEntered: entered.contains(index),
                isJudged: isJudged, composite: outcome,
                deduction: outcome.score.map { Exact(indicator.max) - $0 },
                rate: outcome.score.flatMap { $0.divided(by: Exact(indicator.max)) },
                renormalised: renormalised, printedComposite: printed?.composite[indicator.code],
                compositeDiffers: differs(outcome, printed?.composite[indicator.code]),
                cells: cells, printedCells: printedCells,
                cellDiffers: zip(cells, printedCells).map { differs($0, $1) }))
            for child in indicator.children { walk(child, depth: depth + 1) }
        }
        for indicator in scheme.indicators { walk(indicator, depth: 0) }
        return EvaluationResult(schemeName: scheme.name, period: scores.period, compiled: compiled, columns: columns, subjects: stage.subjects,
                                lines: lines, total: composite?.total ?? .missing("没有综合得分"), grade: composite?.grade,
                                printed: printed, problems: problems)
    }

    /// The subject's total as printed by the document, and whether the live total differs.
    func printedTotal(_ column: Int) -> String? { printed?.subjectTotals[columns[column].unitCode] }
    func subjectTotalDiffers(_ column: Int) -> Bool { Self.differs(subjects[column].total, printedTotal(column)) }
}

/// The drafted deduction lines of an evaluation: per indicator, "扣减 X 分：…" from its findings (the points added up,
/// the texts in order, each subject's prefixed with its name).
enum FindingDraft {
    struct Item: Sendable {
        let unitCode: String
        let code: String
        let points: Fixed?
        let text: String
    }

    static func lines(_ findings: [Item], names: [String: String], indicators: CompiledScheme) -> [(code: String, text: String)] {
        var order: [String] = []
        var byCode: [String: [Item]] = [:]
        for finding in findings {
            if byCode[finding.code] == nil { order.append(finding.code) }
            byCode[finding.code, default: []].append(finding)
        }
        let position = { (code: String) in indicators.index(of: code) ?? Int.max }
        return order.sorted { position($0) < position($1) }.map { code in
            let items = byCode[code] ?? []
            let points = items.compactMap(\.points).reduce(Fixed.zero, +)
            let texts = items.map { item in
                let text = String(item.text.reversed().drop { "。；;，, ".contains($0) }.reversed())
                return (item.unitCode.isEmpty ? "" : "\(names[item.unitCode] ?? item.unitCode)：") + text
            }
            let name = indicators.index(of: code).map { indicators.indicator(at: $0).name } ?? code
            return (code, "扣减\(points.formatted())分：\(name)，\(texts.joined(separator: "；"))。")
        }
    }
}
