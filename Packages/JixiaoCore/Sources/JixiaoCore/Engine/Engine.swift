/// Scores a data set under a compiled scheme: every stage, every subject, every indicator.
///
/// Indicator-major: each indicator is computed for all subjects before the next one, in the
/// compiled order. That makes cross-subject rules simple and exact: rankings (R14) and peer
/// targets (R16) see all peers' finished figures, and effects on a parent region (R21) land
/// before the parent's own indicator is computed, because subjects run deepest first.
public struct Engine: Sendable {
    public let compiled: CompiledScheme

    public init(_ compiled: CompiledScheme) { self.compiled = compiled }

    /// - Parameter explain: record each score's derivation (slower; for `explain` and reports).
    public func score(_ data: DataSet, explain: Bool = false) throws(DataErrors) -> ScoreReport {
        try DataChecks.check(data, against: compiled)
        let stages = compiled.scheme.stages.map { stage in
            let run = Run(compiled: compiled, data: data, stage: stage, explain: explain)
            run.execute()
            return run.result()
        }
        return ScoreReport(scheme: compiled, data: data, stages: stages)
    }
}

/// One stage's computation. A class so that formula evaluation can memoise into it.
final class Run {
    let compiled: CompiledScheme
    let data: DataSet
    let stage: String
    let explain: Bool
    let subjectCount: Int
    let parents: [Int?]
    let depths: [Int]
    /// Subjects deepest first, so children's effects reach parents in time.
    let subjectOrder: [Int]
    var slots: [[Value?]]
    var values: [[Value?]]
    var reasons: [[String: String]]
    var metricCache: [[Result<Term, EvaluationError>?]]
    // Per subject × indicator, flattened (see `cell`): no nested-array uniqueness checks in the hot loop.
    let nodeCount: Int
    @exclusivity(unchecked) var outcomes: [Outcome]
    @exclusivity(unchecked) var maxima: [Fixed]
    @exclusivity(unchecked) var computed: [Bool]
    @exclusivity(unchecked) var zeroed: [Bool]
    /// R21: points a child's effect takes off this subject's indicator.
    @exclusivity(unchecked) var parentDeductions: [Fixed?]
    var explanations: [[[String]]]
    @exclusivity(unchecked) var rankings: [(rank: Int, count: Int, coefficient: Exact)?]
    var warnings: [[String]]
    var aggregateCache: [Int: [Int: Term]] = [:]
    /// Peer aggregates computed without some peers, whose figures are missing: aggregate id → depth → those
    /// peers. Their readers' scores are provisional (see `provisional`).
    var peerGaps: [Int: [Int: [Int]]] = [:]
    /// Per subject, per indicator: the peers whose missing figures make the score provisional (an aggregate
    /// or a ranking computed from the peers that have entered).
    var provisional: [Int: [Int: Set<Int>]] = [:]
    private var aggregateReads: [Int: [(id: Int, operandless: Bool)]] = [:]
    /// Per subject, per indicator: vetoes, effects and bounds that overrode a rule's result (see `ScoreFact`).
    var facts: [Int: [Int: [ScoreFact]]] = [:]

    init(compiled: CompiledScheme, data: DataSet, stage: String, explain: Bool) {
        self.compiled = compiled
        self.data = data
        self.stage = stage
        self.explain = explain
        let subjects = data.subjects
        subjectCount = subjects.count
        let indexByID = Dictionary(subjects.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        parents = subjects.map { $0.parent.flatMap { indexByID[$0] } }
        var depths = Array(repeating: 0, count: subjects.count)
        for index in subjects.indices {
            var depth = 0
            var cursor = parents[index]
            while let next = cursor, depth <= subjects.count {  // DataChecks rejects cycles; bound anyway
                depth += 1
                cursor = parents[next]
            }
            depths[index] = depth
        }
        self.depths = depths
        subjectOrder = subjects.indices.sorted { depths[$0] > depths[$1] || (depths[$0] == depths[$1] && $0 < $1) }

        // The stage's figures: the subject's own, overlaid by each review stage up to this one.
        let stageNames = compiled.scheme.stages
        let upTo = (stageNames.firstIndex(of: stage) ?? 0)
        let nodeCount = compiled.nodes.count
        var slots: [[Value?]] = []
        var values: [[Value?]] = []
        var reasons: [[String: String]] = []
        slots.reserveCapacity(subjects.count)
        values.reserveCapacity(subjects.count)
        for subject in subjects {
            var inputs = subject.inputs
            var entered = subject.values
            var why = subject.reasons
            if upTo > 0 {
                for later in stageNames[1...upTo] {
                    guard let change = subject.stages[later] else { continue }
                    inputs.merge(change.inputs) { $1 }
                    entered.merge(change.values) { $1 }
                    why.merge(change.reasons) { $1 }
                }
            }
            slots.append(compiled.slotNames.map { inputs[$0] ?? subject.attributes[$0] })
            var row = [Value?](repeating: nil, count: nodeCount)
            for (code, value) in entered { if let index = compiled.codeIndex[code] { row[index] = value } }
            values.append(row)
            reasons.append(why)
        }
        self.slots = slots
        self.values = values
        self.reasons = reasons
        metricCache = Array(repeating: Array(repeating: nil, count: compiled.metrics.count), count: subjects.count)
        self.nodeCount = nodeCount
        let cells = subjects.count * nodeCount
        outcomes = Array(repeating: .missing("尚未计算"), count: cells)
        let declaredMaxima = compiled.nodes.map(\.indicator.max)
        maxima = []
        maxima.reserveCapacity(cells)
        for _ in 0..<subjects.count { maxima.append(contentsOf: declaredMaxima) }
        computed = Array(repeating: false, count: cells)
        zeroed = Array(repeating: false, count: cells)
        parentDeductions = Array(repeating: nil, count: cells)
        explanations = Array(repeating: explain ? Array(repeating: [], count: nodeCount) : [], count: subjects.count)
        rankings = Array(repeating: nil, count: cells)
        warnings = Array(repeating: [], count: subjects.count)
    }

    @inline(__always) func cell(_ subject: Int, _ index: Int) -> Int { subject * nodeCount + index }

    func execute() {
        for index in compiled.order {
            if case .ranking(let ranking, let metric)? = compiled.nodes[index].rule?.rule {
                rank(index, ranking, metric)
            }
            for subject in subjectOrder { compute(index, subject) }
        }
    }

    // MARK: One indicator for one subject

    private func compute(_ index: Int, _ subject: Int) {
        let shape = compiled.shapes[index]
        var trace: [String]? = explain ? [] : nil
        defer {
            computed[cell(subject, index)] = true
            if let trace { explanations[subject][index] += trace }
        }
        if shape.hasAppliesTo, let appliesTo = compiled.nodes[index].indicator.appliesTo,
            !appliesTo.contains(data.subjects[subject].id)
        {
            outcomes[cell(subject, index)] = .notApplicable
            maxima[cell(subject, index)] = .zero
            trace?.append("不适用于本考核对象")
            return
        }
        let cursor = Cursor(run: self, subject: subject)
        // R29: the first matching variant sets this subject's max.
        if shape.hasVariants {
            for variant in compiled.nodes[index].variants {
                if (try? variant.when.evaluate(cursor).requireBool("variants")) == true {
                    maxima[cell(subject, index)] = variant.max
                    trace?.append("考核对象条件 \(describe(variant.when)) 成立，分值为 \(variant.max)")
                    break
                }
            }
        }
        let max = maxima[cell(subject, index)]
        var outcome: Outcome
        if shape.isLeaf {
            outcome = leafOutcome(shape, index, subject, cursor, max: max, trace: &trace)
        } else {
            outcome = groupOutcome(index, subject, trace: &trace)
        }
        if case .scored(var score) = outcome {
            if shape.hasVeto, let veto = compiled.nodes[index].veto, (try? veto.evaluate(cursor).requireBool("veto")) == true {
                score = .zero
                recordVeto(index, subject)
                trace?.append(vetoLine(index, subject))
            }
            if zeroed[cell(subject, index)] {
                score = .zero
                trace?.append(zeroedLine(index, subject))
            }
            if let deduction = parentDeductions[cell(subject, index)] {
                let before = score
                score = Exact.max(score - deduction, Exact(bounds(shape, max: max).lower))
                trace?.append(parentDeductionLine(index, subject, before: before, after: score))
            }
            outcome = .scored(score)
        }
        outcomes[cell(subject, index)] = outcome
        if !peerGaps.isEmpty, shape.isLeaf, case .scored = outcome { notePeerGaps(index, subject) }
        if shape.hasEffects { applyEffects(index, subject, cursor, trace: &trace) }
    }

    /// Marks the indicator provisional for this subject when an aggregate its rule reads left peers out.
    private func notePeerGaps(_ index: Int, _ subject: Int) {
        let reads: [(id: Int, operandless: Bool)]
        if let known = aggregateReads[index] {
            reads = known
        } else {
            var found: [(id: Int, operandless: Bool)] = []
            var seenMetrics: Set<Int> = []
            func visit(_ expression: BoundExpression) {
                switch expression {
                case .aggregate(let function, let id, let operand):
                    if function != .childrenCount { found.append((id, operand == nil)) }
                    if let operand { visit(operand) }
                case .metric(let metric):
                    if seenMetrics.insert(metric).inserted { visit(compiled.metrics[metric].expression) }
                case .unary(_, let operand): visit(operand)
                case .binary(_, let lhs, let rhs, _):
                    visit(lhs)
                    visit(rhs)
                case .call(_, let arguments): arguments.forEach(visit)
                default: break
                }
            }
            compiled.nodes[index].rule?.rule.expressions.forEach(visit)
            reads = found
            aggregateReads[index] = found
        }
        for read in reads {
            guard let gap = peerGaps[read.id]?[depths[subject]], !gap.isEmpty else { continue }
            provisional[subject, default: [:]][index, default: []].formUnion(gap)
        }
    }

    /// [floor, cap] of an indicator's score by its kind and keys.
    func bounds(_ shape: CompiledScheme.Shape, max: Fixed) -> (lower: Fixed, upper: Fixed) {
        switch shape.kind {
        case .regular, .bonus: return (shape.floor ?? .zero, shape.cap ?? max)
        case .deduction: return (shape.floor ?? -max, shape.cap ?? .zero)
        }
    }

    private func leafOutcome(
        _ shape: CompiledScheme.Shape, _ index: Int, _ subject: Int, _ cursor: Cursor, max: Fixed,
        trace: inout [String]?
    ) -> Outcome {
        if case .notApplicable? = values[subject][index] {
            maxima[cell(subject, index)] = .zero
            trace?.append("填报为不适用")
            return .notApplicable
        }
        guard let rule = compiled.nodes[index].rule else { return .failed("没有规则") }
        let raw: Exact
        do {
            let evaluator = RuleEvaluator(run: self, cursor: cursor, index: index, max: max, tracing: trace != nil)
            raw = try evaluator.evaluate(rule, trace: &trace)
        } catch .notApplicable {
            maxima[cell(subject, index)] = .zero
            trace?.append("所需数据为不适用 → 本指标不适用")
            return .notApplicable
        } catch .missing(let what) {
            trace?.append("缺少数据：\(what)")
            return .missing(what)
        } catch {
            trace?.append(error.message)
            return .failed(error.message)
        }
        if raw.isOverflow { return .failed(EvaluationError.overflow.message) }
        let (lower, upper) = bounds(shape, max: max)
        var score = raw.clamped(to: lower, upper)
        if score != raw {
            record(.limited(computed: raw, bound: score, isFloor: raw < Exact(lower)), subject, index)
            trace?.append(TraceText.limited(computed: raw, bound: score, isFloor: raw < Exact(lower)))
        }
        let rounding = compiled.scheme.rounding
        if rounding.point == .indicator {
            let rounded = score.rounded(places: rounding.places, mode: rounding.mode)
            if rounded != score { trace?.append("\(rounding.mode.chineseName)保留 \(rounding.places) 位：\(score) → \(rounded.formatted(places: rounding.places))") }
            score = rounded
        }
        return .scored(score)
    }

    private func groupOutcome(_ index: Int, _ subject: Int, trace: inout [String]?) -> Outcome {
        let node = compiled.nodes[index]
        var sum = Exact.zero
        var missing: [String] = []
        var failed: [String] = []
        var applicable = 0
        var removedMax = Fixed.zero
        var parts: [String] = []
        for child in node.children {
            let childIndicator = compiled.nodes[child].indicator
            // The group's max for this subject follows its children's: an n/a child takes its whole max
            // away, a variant moves it. Alternatives (applies_to) are not part of everyone's max.
            if childIndicator.kind == .regular && childIndicator.appliesTo == nil {
                removedMax += childIndicator.max - maxima[cell(subject, child)]
            }
            switch outcomes[cell(subject, child)] {
            case .scored(let score):
                applicable += 1
                sum += score
                if trace != nil { parts.append(score.description) }
            case .notApplicable: break
            case .missing: missing.append(childIndicator.code)
            case .failed: failed.append(childIndicator.code)
            }
        }
        if !failed.isEmpty { return .failed("下级指标有错误：\(failed.joined(separator: "、"))") }
        if !missing.isEmpty { return .missing("下级指标未评分：\(missing.joined(separator: "、"))") }
        if applicable == 0 {
            maxima[cell(subject, index)] = .zero
            trace?.append("下级指标均不适用")
            return .notApplicable
        }
        maxima[cell(subject, index)] = maxima[cell(subject, index)] - removedMax
        if removedMax != .zero { trace?.append("下级指标不适用或分值调整，本指标分值为 \(maxima[cell(subject, index)])") }
        if trace != nil { trace! += childLines(index, subject) }
        trace?.append("合计：\(TraceText.sum(parts)) = \(sum)")
        let indicator = node.indicator
        let lower = indicator.floor ?? (indicator.kind == .deduction ? -maxima[cell(subject, index)] : Fixed(raw: Int64.min + 1))
        let upper = indicator.cap ?? (indicator.kind == .bonus ? maxima[cell(subject, index)] : Fixed(raw: Int64.max))
        let bounded = sum.clamped(to: lower, upper)
        if bounded != sum {
            record(.limited(computed: sum, bound: bounded, isFloor: sum < Exact(lower)), subject, index)
            trace?.append(TraceText.limited(computed: sum, bound: bounded, isFloor: sum < Exact(lower)))
        }
        return .scored(bounded)
    }

    private func applyEffects(_ index: Int, _ subject: Int, _ cursor: Cursor, trace: inout [String]?) {
        let node = compiled.nodes[index]
        for effect in node.effects {
            let holds: Bool
            do {
                holds = try effect.when.evaluate(cursor).requireBool("effects.when")
            } catch {
                warnings[subject].append("指标 \(node.indicator.code) 的交叉影响条件无法判断：\(error.message)")
                continue
            }
            guard holds else { continue }
            if let target = effect.zero {
                recordZero(target, by: index, subject, effect.when)
                if target == index {
                    if case .scored = outcomes[cell(subject, index)] { outcomes[cell(subject, index)] = .scored(Exact.zero) }
                    trace?.append(effectLine(target, by: index, subject, effect.when))
                } else {
                    zeroed[cell(subject, target)] = true
                    trace?.append(effectLine(target, by: index, subject, effect.when))
                }
            }
            if let (target, points) = effect.parentDeduct, let parent = parents[subject] {
                parentDeductions[cell(parent, target)] = (parentDeductions[cell(parent, target)] ?? .zero) + points
                recordParentDeduction(parent, target, from: subject, by: index, points, effect.when)
                trace?.append("交叉影响：上级 \(data.subjects[parent].name) 的指标 \(compiled.nodes[target].indicator.code) 扣 \(points) 分")
            }
        }
    }

    // MARK: Ranking (R14)

    private func rank(_ index: Int, _ ranking: Ranking, _ metric: BoundExpression) {
        // Peer groups: same level, or same parent. Subjects without the metric are not ranked.
        // A subject whose figures are missing is left out, and the ranks of its group are provisional.
        var groups: [Int: [(subject: Int, metric: Exact)]] = [:]
        var gaps: [Int: [Int]] = [:]
        for subject in 0..<subjectCount {
            let group = ranking.amongSiblings ? (parents[subject] ?? -1) : depths[subject]
            let number: Exact
            do throws(EvaluationError) {
                number = try metric.number(Cursor(run: self, subject: subject), what: "metric")
            } catch .missing {
                gaps[group, default: []].append(subject)
                continue
            } catch {
                continue
            }
            groups[group, default: []].append((subject, number))
        }
        for (group, members) in groups {
            if let gap = gaps[group] {
                for member in members { provisional[member.subject, default: [:]][index, default: []].formUnion(gap) }
            }
            let sorted = members.sorted {
                $0.metric != $1.metric ? (ranking.descending ? $0.metric > $1.metric : $0.metric < $1.metric) : $0.subject < $1.subject
            }
            var rank = 0
            for (position, member) in sorted.enumerated() {
                if position == 0 || sorted[position - 1].metric != member.metric { rank = position + 1 }
                rankings[cell(member.subject, index)] = (rank, sorted.count, coefficient(ranking.coefficient, rank: rank, count: sorted.count))
            }
        }
    }

    /// The coefficient of `rank` among `count`, exactly: on a linear curve the k-th of n is
    /// first − (first − last) × (k − 1) / (n − 1), one quotient, never a rounded step times k.
    func coefficient(_ curve: Ranking.Coefficient, rank: Int, count: Int) -> Exact {
        switch curve {
        case .linear(let first, let last):
            guard count > 1, let share = Exact.ratio(rank - 1, count - 1) else { return Exact(first) }
            return Exact(first) - Exact(first - last) * share
        case .table(let table):
            guard !table.isEmpty else { return .one }
            return Exact(table[Swift.min(rank - 1, table.count - 1)])
        }
    }

    // MARK: Totals, grades, composites

    func result() -> StageResult {
        let scheme = compiled.scheme
        var subjects: [SubjectResult] = []
        for subject in 0..<subjectCount {
            var total = Exact.zero
            var totalMax = scheme.total
            var missing: [String] = []
            var failed: [String] = []
            for root in compiled.roots {
                let indicator = compiled.nodes[root].indicator
                switch outcomes[cell(subject, root)] {
                case .scored(let score): total += score
                case .notApplicable: if indicator.kind == .regular { totalMax -= indicator.max }
                case .missing: missing.append(indicator.code)
                case .failed: failed.append(indicator.code)
                }
                if case .scored = outcomes[cell(subject, root)], indicator.kind == .regular {
                    totalMax -= indicator.max - maxima[cell(subject, root)]
                }
            }
            let totalOutcome: Outcome
            if !failed.isEmpty {
                totalOutcome = .failed("指标有错误：\(failed.joined(separator: "、"))")
            } else if !missing.isEmpty {
                totalOutcome = .missing("指标未评分：\(missing.joined(separator: "、"))")
            } else if scheme.rescaleNotApplicable, totalMax > .zero, totalMax != scheme.total,
                let rate = total.divided(by: Exact(totalMax))
            {
                totalOutcome = .scored((rate * scheme.total).rounded(places: scheme.rounding.places, mode: scheme.rounding.mode))
                totalMax = scheme.total
            } else {
                totalOutcome = .scored(total.rounded(places: scheme.rounding.places, mode: scheme.rounding.mode))
            }
            subjects.append(
                SubjectResult(
                    subject: data.subjects[subject], outcomes: Array(outcomes[cell(subject, 0)..<cell(subject + 1, 0)]),
                    maxima: Array(maxima[cell(subject, 0)..<cell(subject + 1, 0)]),
                    total: totalOutcome, totalMax: totalMax, composite: nil, grade: nil, rank: nil,
                    explanations: explanations[subject], rankings: rankingsOf(subject), warnings: warnings[subject],
                    reasons: reasons[subject]))
            subjects[subjects.count - 1].facts = facts[subject] ?? [:]
            if let marks = provisional[subject] { subjects[subjects.count - 1].provisional = provisionalPeers(marks) }
        }
        if case .components(let components)? = scheme.composite {
            for subject in subjects.indices {
                subjects[subject].composite = componentComposite(components, subjects[subject])
            }
        }
        Grading(run: self).grade(&subjects)
        var stage = StageResult(stage: stage, subjects: subjects, composite: nil)
        if case .subjects(let weights, let order, let renormalise)? = scheme.composite {
            stage.composite = subjectComposite(weights, order: order, renormalise: renormalise, subjects)
        }
        return stage
    }

    /// The provisional marks of one subject, carried up to every group above a marked indicator, as peer ids.
    private func provisionalPeers(_ marks: [Int: Set<Int>]) -> [Int: [String]] {
        var spread: [Int: Set<Int>] = [:]
        for (index, peers) in marks {
            var node: Int? = index
            while let current = node {
                spread[current, default: []].formUnion(peers)
                node = compiled.nodes[current].parent
            }
        }
        return spread.mapValues { $0.sorted().map { data.subjects[$0].id } }
    }

    private func rankingsOf(_ subject: Int) -> [Int: (rank: Int, count: Int, coefficient: Exact)] {
        var found: [Int: (rank: Int, count: Int, coefficient: Exact)] = [:]
        for index in 0..<nodeCount { if let ranking = rankings[cell(subject, index)] { found[index] = ranking } }
        return found
    }

    private func componentComposite(_ components: [(indicator: String, weight: Fixed)], _ result: SubjectResult) -> Fixed? {
        var sum = Exact.zero
        for (code, weight) in components {
            guard let index = compiled.codeIndex[code], let score = result.outcomes[index].score,
                let rate = score.divided(by: Exact(result.maxima[index]))
            else { return nil }
            sum += rate * weight * compiled.scheme.total
        }
        return sum.rounded(places: compiled.scheme.rounding.places, mode: compiled.scheme.rounding.mode).fixed
    }

    private func subjectComposite(
        _ weights: [(subject: String, weight: Fixed)], order: Composite.Order, renormalise: Bool, _ subjects: [SubjectResult]
    ) -> CompositeResult {
        let weightByIndex: [(Int, Fixed)] = weights.compactMap { entry in
            subjects.firstIndex { $0.subject.id == entry.subject }.map { ($0, entry.weight) }
        }
        let rounding = compiled.scheme.rounding
        func blend(_ outcomesOf: (Int) -> Outcome) -> Outcome {
            var weighted = Exact.zero
            var weightSum = Fixed.zero
            var any = false
            for (subject, weight) in weightByIndex {
                switch outcomesOf(subject) {
                case .scored(let score):
                    weighted += score * weight
                    weightSum += weight
                    any = true
                case .notApplicable:
                    if !renormalise { weightSum += weight }
                case .missing(let why): return .missing(why)
                case .failed(let why): return .failed(why)
                }
            }
            guard any, let value = weighted.divided(by: Exact(weightSum)) else { return .notApplicable }
            return .scored(value)
        }
        var outcomes = Array(repeating: Outcome.notApplicable, count: compiled.nodes.count)
        var total: Outcome
        switch order {
        case .perIndicator:
            for index in compiled.order {
                let node = compiled.nodes[index]
                if node.isLeaf {
                    outcomes[index] = blend { subjects[$0].outcomes[index] }
                    if case .scored(let value) = outcomes[index], rounding.point == .indicator {
                        outcomes[index] = .scored(value.rounded(places: rounding.places, mode: rounding.mode))
                    }
                } else {
                    outcomes[index] = Run.sum(node.children.map { outcomes[$0] })
                }
            }
            total = Run.sum(compiled.roots.map { outcomes[$0] })
        case .totals:
            for index in compiled.order {
                outcomes[index] = blend { subjects[$0].outcomes[index] }
            }
            total = blend { subjects[$0].total }
        }
        if case .scored(let value) = total { total = .scored(value.rounded(places: rounding.places, mode: rounding.mode)) }
        let grade = total.score.flatMap { Grading.band(compiled.scheme.grades.bands, $0) }
        return CompositeResult(outcomes: outcomes, total: total, grade: grade, weights: weights)
    }

    static func sum(_ parts: [Outcome]) -> Outcome {
        var sum = Exact.zero
        var any = false
        for part in parts {
            switch part {
            case .scored(let score):
                sum += score
                any = true
            case .notApplicable: continue
            case .missing, .failed: return part
            }
        }
        return any ? .scored(sum) : .notApplicable
    }
}

extension RoundingMode {
    var chineseName: String {
        switch self {
        case .halfUp: return "四舍五入"
        case .halfEven: return "四舍六入五成双"
        case .down: return "截尾"
        }
    }
}
