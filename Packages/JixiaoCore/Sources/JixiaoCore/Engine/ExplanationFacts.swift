/// What overrode or limited an indicator's rule result for one subject, recorded by the engine as it
/// happens, so that explanations and drafted deduction notes cite it instead of the rule's arithmetic.
public enum ScoreFact: Sendable, Hashable {
    /// R20: the indicator's own veto held; its condition as written and the figures it read.
    case vetoed(condition: String, figures: String)
    /// R21: an effect of indicator `byCode` held (on this subject) and zeroes this indicator.
    case zeroed(byCode: String, byName: String, condition: String, figures: String)
    /// R21: an effect of indicator `byCode` held on the child subject `fromSubject` and takes `points` off this one.
    case parentDeduction(fromSubject: String, byCode: String, byName: String, points: Fixed, condition: String, figures: String)
    /// The computed score went past a bound (floor: 扣完为止; cap: 封顶) and was limited to it.
    case limited(computed: Exact, bound: Exact, isFloor: Bool)
    /// R10: the checklist items not satisfied.
    case unmet([ChecklistItem])
}

extension Run {
    /// Facts are kept when explaining, like the derivation lines: the fast path (live previews, the benchmark)
    /// pays nothing for them.
    func record(_ fact: ScoreFact, _ subject: Int, _ index: Int) {
        guard explain else { return }
        facts[subject, default: [:]][index, default: []].append(fact)
    }

    func factsOf(_ subject: Int, _ index: Int) -> [ScoreFact] { facts[subject]?[index] ?? [] }

    // MARK: Recording (one call each from the engine)

    func recordVeto(_ index: Int, _ subject: Int) {
        guard explain else { return }
        guard let veto = compiled.nodes[index].veto else { return }
        let (condition, figures) = trigger(veto, subject)
        record(.vetoed(condition: condition, figures: figures), subject, index)
    }

    func recordZero(_ target: Int, by index: Int, _ subject: Int, _ when: BoundExpression) {
        guard explain else { return }
        let by = compiled.nodes[index].indicator
        let (condition, figures) = trigger(when, subject)
        record(.zeroed(byCode: by.code, byName: by.name, condition: condition, figures: figures), subject, target)
    }

    func recordParentDeduction(_ parent: Int, _ target: Int, from subject: Int, by index: Int, _ points: Fixed, _ when: BoundExpression) {
        guard explain else { return }
        let by = compiled.nodes[index].indicator
        let (condition, figures) = trigger(when, subject)
        record(.parentDeduction(fromSubject: data.subjects[subject].name, byCode: by.code, byName: by.name, points: points,
                                condition: condition, figures: figures), parent, target)
    }

    /// What made a condition that held hold: the alternatives of an `or` that hold, as written, and the figures
    /// they read (left out when they only repeat a yes/no name: "受到投诉", not "受到投诉（受到投诉 = 是）").
    func trigger(_ condition: BoundExpression, _ subject: Int) -> (condition: String, figures: String) {
        let cursor = Cursor(run: self, subject: subject)
        func held(_ expression: BoundExpression) -> [BoundExpression] {
            guard case .binary(.or, let lhs, let rhs, _) = expression else { return [expression] }
            let holding = [lhs, rhs].filter { (try? $0.evaluate(cursor).requireBool("or")) == true }
            return (holding.isEmpty ? [lhs, rhs] : holding).flatMap(held)
        }
        let figures = figures(of: condition, subject: subject)
        // A yes/no name reads as itself ("受到投诉"), its negation as "名 = 否"; anything else as written, with its figures.
        var redundant = true
        let text = held(condition).map { part -> String in
            switch part {
            case .slot, .attribute, .metric:
                if figures.contains("\(describe(part)) = 是") { return describe(part) }
            case .unary(.not, let operand):
                switch operand {
                case .slot, .attribute, .metric:
                    if figures.contains("\(describe(operand)) = 否") { return "\(describe(operand)) = 否" }
                default: break
                }
            default: break
            }
            redundant = false
            return describe(part)
        }.joined(separator: " or ")
        return (text, redundant ? "" : figures)
    }

    // MARK: Trace lines built from the facts

    func vetoLine(_ index: Int, _ subject: Int) -> String {
        for case .vetoed(let condition, let figures) in factsOf(subject, index).reversed() {
            return "否决条件成立：\(condition)" + (figures.isEmpty ? "" : "（\(figures)）") + " → 本指标计 0 分"
        }
        return "否决条件成立 → 本指标计 0 分"
    }

    func zeroedLine(_ index: Int, _ subject: Int) -> String {
        var causes: [String] = []
        for case .zeroed(let code, let name, let condition, let figures) in factsOf(subject, index) {
            causes.append("\(code) \(name) 的条件 \(condition) 成立" + (figures.isEmpty ? "" : "（\(figures)）"))
        }
        return causes.isEmpty ? "因其他指标的交叉影响 → 本指标计 0 分" : "交叉影响：" + causes.joined(separator: "；") + " → 本指标计 0 分"
    }

    func effectLine(_ target: Int, by index: Int, _ subject: Int, _ when: BoundExpression) -> String {
        let (condition, figures) = trigger(when, subject)
        let cause = "交叉影响条件 \(condition) 成立" + (figures.isEmpty ? "" : "（\(figures)）")
        if target == index { return cause + " → 本指标计 0 分" }
        let indicator = compiled.nodes[target].indicator
        return cause + " → 指标 \(indicator.code) \(indicator.name) 计 0 分"
    }

    func parentDeductionLine(_ index: Int, _ subject: Int, before: Exact, after: Exact) -> String {
        var parts: [String] = []
        var total = Fixed.zero
        for case .parentDeduction(let from, let code, let name, let points, let condition, let figures) in factsOf(subject, index) {
            total += points
            parts.append("下级 \(from) 的 \(code) \(name) 条件 \(condition) 成立" + (figures.isEmpty ? "" : "（\(figures)）") + "，扣 \(points) 分")
        }
        let limited = before - total != after ? "，低于下限，按下限计：本指标得 \(after) 分" : ""
        return "交叉影响：" + parts.joined(separator: "；") + "；\(before) − \(total) = \(before - total)\(limited)"
    }

    /// One line per child of a group: code, name, score, max; not-applicable children together on one line.
    func childLines(_ index: Int, _ subject: Int) -> [String] {
        var lines: [String] = []
        var notApplicable: [String] = []
        for child in compiled.nodes[index].children {
            let indicator = compiled.nodes[child].indicator
            switch outcome(cell(subject, child)) {
            case .scored(let score): lines.append("\(indicator.code) \(indicator.name)：\(score)（分值 \(maximum(subject, child))）")
            case .notApplicable: notApplicable.append("\(indicator.code) \(indicator.name)")
            case .missing, .failed: lines.append("\(indicator.code) \(indicator.name)：\(outcome(cell(subject, child)).statusText)")
            }
        }
        if !notApplicable.isEmpty { lines.append("不适用（不计入）：" + notApplicable.joined(separator: "、")) }
        return lines
    }

    // MARK: Formulas as a reviewer reads them

    /// A bound formula back as text, with the names it reads.
    func describe(_ expression: BoundExpression) -> String {
        switch expression {
        case .constant(let value):
            if case .text(let text) = value { return "“\(text)”" }
            return value.description
        case .slot(let index): return compiled.slotNames[index]
        case .metric(let index): return compiled.metrics[index].name
        case .indicatorValue(let index): return "value(\"\(compiled.nodes[index].indicator.code)\")"
        case .indicatorScore(let index): return "score(\"\(compiled.nodes[index].indicator.code)\")"
        case .indicatorMax: return "max"
        case .fund(let name): return "fund.\(name)"
        case .attribute(let name): return name  // the subject's attribute, as a reviewer names it
        case .unary(.not, let operand): return "not " + describe(operand)
        case .unary(.negate, let operand): return "-" + describe(operand)
        case .binary(_, _, _, let source): return source
        case .call(let function, let arguments): return function.rawValue + "(" + arguments.map(describe).joined(separator: ", ") + ")"
        case .aggregate(let function, _, let operand): return function.rawValue + "(" + (operand.map(describe) ?? "") + ")"
        }
    }

    /// The figures a condition that held reads for one subject, in the order written: "受到投诉 = 是、雷同人数 = 23".
    /// Of alternatives joined by `or`, only those that hold.
    func figures(of expression: BoundExpression, subject: Int) -> String {
        var seen: Set<String> = []
        var parts: [String] = []
        let cursor = Cursor(run: self, subject: subject)
        func show(_ result: () throws(EvaluationError) -> Term) -> String {
            do { return try result().description } catch .missing { return "未填报" } catch { return error.message }
        }
        func visit(_ node: BoundExpression) {
            let name: String
            let value: String
            switch node {
            case .slot(let index):
                name = compiled.slotNames[index]
                value = slot(subject, index)?.description ?? "未填报"
            case .attribute(let attribute):
                name = attribute
                value = data.subjects[subject].attributes[attribute]?.description ?? "未填报"
            case .metric(let index):
                name = compiled.metrics[index].name
                value = show { () throws(EvaluationError) in try cursor.metric(index) }
            case .indicatorValue(let index):
                name = describe(node)
                value = enteredValue(subject, index)?.description ?? "未填报"
            case .indicatorScore(let index):
                name = describe(node)
                value = outcome(cell(subject, index)).statusText
            case .fund(let figure):
                name = "fund.\(figure)"
                value = show { () throws(EvaluationError) in .number(try cursor.fund(figure)) }
            case .aggregate(let function, let id, let operand):
                name = describe(node)
                value = show { () throws(EvaluationError) in try cursor.aggregate(function, id: id, operand) }
            case .unary(_, let operand):
                visit(operand)
                return
            case .binary(.or, let lhs, let rhs, _):
                // The condition held: cite the alternatives that made it hold.
                let holding = [lhs, rhs].filter { (try? $0.evaluate(cursor).requireBool("or")) == true }
                (holding.isEmpty ? [lhs, rhs] : holding).forEach(visit)
                return
            case .binary(_, let lhs, let rhs, _):
                visit(lhs)
                visit(rhs)
                return
            case .call(_, let arguments):
                arguments.forEach(visit)
                return
            case .constant, .indicatorMax:
                return
            }
            if seen.insert(name).inserted { parts.append("\(name) = \(value)") }
        }
        visit(expression)
        return parts.joined(separator: "、")
    }

    /// R16 and R17: the peers (or children) an aggregate reads, each with its figure, and the result.
    func peerLine(_ function: Function, id: Int, _ operand: BoundExpression?, subject: Int) -> String {
        let cursor = Cursor(run: self, subject: subject)
        let result: String
        do { result = try cursor.aggregate(function, id: id, operand).description } catch { result = error.message }
        let shown = 30
        func list(_ members: [Int], _ figure: (Int) -> String) -> String {
            let entries = members.prefix(shown).map { member in
                data.subjects[member].name + (member == subject ? "（本对象）" : "") + " " + figure(member)
            }
            return entries.joined(separator: "、") + (members.count > shown ? " 等 \(members.count) 个" : "")
        }
        if function == .childrenCount {
            let children = (0..<subjectCount).filter { parents[$0] == subject }
            let condition = operand.map(describe) ?? ""
            guard let operand, !children.isEmpty else { return "下级中满足 \(condition) 的个数 = \(result)（没有下级考核对象）" }
            return "下级中满足 \(condition) 的个数 = \(result)：" + list(children) { child in
                do throws(EvaluationError) {
                    return try operand.evaluate(Cursor(run: self, subject: child)).requireBool("children_count") ? "是" : "否"
                } catch {
                    return error.message
                }
            }
        }
        let depth = depths[subject]
        let peers = (0..<subjectCount).filter { depths[$0] == depth }
        let label: String
        switch function {
        case .peerAvg: label = "同级平均"
        case .peerMin: label = "同级最低"
        case .peerMax: label = "同级最高"
        case .peerSum: label = "同级合计"
        default: label = "同级对象数"
        }
        guard let operand else { return "\(label) \(describe(.aggregate(function, id: id, operand))) = \(result)，同级共 \(peers.count) 个对象" }
        var counted = 0
        let figures = list(peers) { peer in
            do throws(EvaluationError) {
                let figure = try operand.number(Cursor(run: self, subject: peer), what: function.rawValue).description
                counted += 1
                return figure
            } catch .notApplicable {
                return "不适用（不计入）"
            } catch {
                return error.message
            }
        }
        let line = "\(label) \(describe(.aggregate(function, id: id, operand))) = \(result)，取自同级 \(counted) 个对象：" + figures
        guard let gap = peerGaps[id]?[depth], !gap.isEmpty else { return line }
        return line + "。暂按已填报的 \(counted) 个对象计算，尚未填报 \(gap.count) 个：" + gap.prefix(shown).map { data.subjects[$0].name }.joined(separator: "、")
            + (gap.count > shown ? " 等" : "") + "；全部填报后得分可能变化"
    }
}

extension RuleEvaluator {
    /// Notes each peer aggregate the rule reads (directly or through metrics), before the rule's own lines.
    func notePeers(_ box: RuleBox) {
        var seenAggregates: Set<Int> = []
        var seenMetrics: Set<Int> = []
        func visit(_ expression: BoundExpression) {
            switch expression {
            case .aggregate(let function, let id, let operand):
                if seenAggregates.insert(id).inserted { note(run.peerLine(function, id: id, operand, subject: cursor.subject)) }
            case .metric(let index):
                if seenMetrics.insert(index).inserted { visit(run.compiled.metrics[index].expression) }
            case .unary(_, let operand): visit(operand)
            case .binary(_, let lhs, let rhs, _):
                visit(lhs)
                visit(rhs)
            case .call(_, let arguments): arguments.forEach(visit)
            default: break
            }
        }
        box.rule.expressions.forEach(visit)
    }

    /// Records that the rule's own result went past a bound, and says so with the final score.
    func limit(_ computed: Exact, to bound: Exact, floor: Bool) {
        run.record(.limited(computed: computed, bound: bound, isFloor: floor), cursor.subject, index)
        note(TraceText.limited(computed: computed, bound: bound, isFloor: floor))
    }
}

extension CompiledRule {
    /// Every formula the rule reads.
    var expressions: [BoundExpression] {
        switch self {
        case .proportional(let input, let target), .deviation(let input, let target): return [input, target]
        case .rate(let rate): return [rate]
        case .threshold(let input, _, let value, _, let pass, let fail): return [input] + (value.map { [$0] } ?? []) + [pass, fail]
        case .tiers(let input, _), .lateness(_, let input), .checklist(_, let input), .bonus(_, let input), .judged(_, let input),
            .ranking(_, let input), .rescale(let input, _), .formula(let input):
            return [input]
        case .shortfall(_, let input, let target, let base, let cutoff): return [input, target] + [base, cutoff].compactMap { $0 }
        case .incidents(_, let count, let base): return [count] + [base].compactMap { $0 }
        case .growth(_, let current, let previous): return [current, previous]
        }
    }
}

/// The wording of derivation lines the engine shares between rules.
enum TraceText {
    /// "8 − 5 + 2" from the terms 8, -5, 2.
    static func sum(_ terms: [String]) -> String {
        var text = ""
        for (offset, term) in terms.enumerated() {
            if offset == 0 { text = term.hasPrefix("-") ? "−" + term.dropFirst() : term }
            else { text += term.hasPrefix("-") ? " − " + term.dropFirst() : " + " + term }
        }
        return text
    }

    /// The last word on a bounded score: what was computed, which bound applied, and the score.
    static func limited(computed: Exact, bound: Exact, isFloor: Bool) -> String {
        isFloor
            ? "计算得 \(computed)，低于下限 \(bound)（扣完为止），按下限计：本指标得 \(bound) 分"
            : "计算得 \(computed)，超过上限 \(bound)，按上限计：本指标得 \(bound) 分"
    }
}

extension Fixed {
    /// A share as a percentage with only the digits it has: 0.2 → 20%, 0.125 → 12.5%.
    public var percentText: String { (self * Fixed.hundred).description + "%" }
}

extension CompiledScheme {
    /// The index of an indicator's parent group (nil at the top level).
    public func parent(of index: Int) -> Int? { nodes[index].parent }
    /// The indices of a group's children, in order.
    public func children(of index: Int) -> [Int] { nodes[index].children }
}
