/// A scheme prepared for scoring: the tree flattened into arrays, every formula bound to
/// array slots, and one evaluation order that respects children, `score()` references,
/// metrics and cross effects. Built once; scores any number of data sets.
public struct CompiledScheme: Sendable {
    struct Node: Sendable {
        var indicator: Indicator
        var parent: Int?
        var children: [Int]
        var rule: RuleBox?
        var veto: BoundExpression?
        var variants: [(when: BoundExpression, max: Fixed)]
        var effects: [(when: BoundExpression, zero: Int?, parentDeduct: (index: Int, points: Fixed)?)]
        var isLeaf: Bool { children.isEmpty }
    }

    /// What the hot loop needs of a node, with no reference-counted fields, so reading it copies nothing.
    struct Shape: Sendable {
        var isLeaf: Bool
        var kind: IndicatorKind
        var floor: Fixed?
        var cap: Fixed?
        var hasAppliesTo: Bool
        var hasVariants: Bool
        var hasVeto: Bool
        var hasEffects: Bool
        /// The declared max (variants and not-applicable children may lower it per subject).
        var max: Fixed
        /// A regular indicator that applies to everyone: its max is part of its parent's for everyone.
        var inParentMax: Bool
        /// Where this node's children sit in `childList`: `childList[childStart ..< childEnd]`.
        var childStart: Int
        var childEnd: Int
        /// Column of this ranking node in the run's ranking table, or -1.
        var rankingColumn: Int
    }

    public let scheme: Scheme
    var nodes: [Node]
    let shapes: [Shape]
    /// Every node's children, back to back (see `Shape.childStart`): the hot loop reads no `Node`.
    let childList: [Int]
    /// Each leaf's compiled rule, by node index (nil for groups): read without copying a `Node`.
    let rules: [RuleBox?]
    /// Each leaf's rule in fast form, where its formulas are plain arithmetic (see `FastPlan`).
    let fastPlan: FastPlan
    /// Ranking nodes, in the order of their columns.
    let rankingNodes: [Int]
    /// True when some indicator has cross effects (zeroing, parent deductions).
    let hasEffects: Bool
    let codeIndex: [String: Int]
    /// Names read from the subject's inputs (or attributes), by slot.
    let slotNames: [String]
    let metrics: [(name: String, expression: BoundExpression)]
    /// Node indices in evaluation order.
    let order: [Int]
    let roots: [Int]
    let aggregateCount: Int
    let gradeVetoes: [(when: BoundExpression, grade: String)]
    /// Node indices (in tree order) whose entered figure a rule reads: with `inputNames`, what a data-entry form asks for.
    public let enteredIndicators: [Int]
    /// Every named input the rules read from a subject (declared in `inputs:` or not), in first-use order.
    public var inputNames: [String] { slotNames }
    /// The inputs a data-entry form asks for: `inputNames` without those only indicators applying to nobody read.
    public let entryInputNames: [String]
    /// Warnings found while compiling (errors are thrown).
    public let warnings: [Problem]
    /// Per node: whether its score can change when another subject's figures change (it reads peers through a
    /// ranking or an aggregate, takes part in a cross effect, or depends on such a node through `score()`, a
    /// metric or its children). A partial re-score recomputes these for every subject (see `ScoredPeriod`).
    let peerDependent: [Bool]

    public init(_ scheme: Scheme) throws(SchemeErrors) {
        var builder = Builder(scheme: scheme)
        builder.build()
        let problems = builder.problems + SchemeChecks.staticProblems(scheme)
        if problems.contains(where: { $0.severity == .error }) {
            throw SchemeErrors(problems: problems.filter { $0.severity == .error })
        }
        self.scheme = scheme
        self.nodes = builder.nodes
        var childList: [Int] = []
        var rankingNodes: [Int] = []
        var shapes: [Shape] = []
        for (index, node) in builder.nodes.enumerated() {
            let start = childList.count
            childList.append(contentsOf: node.children)
            var column = -1
            if case .ranking? = node.rule?.rule {
                column = rankingNodes.count
                rankingNodes.append(index)
            }
            shapes.append(
                Shape(isLeaf: node.isLeaf, kind: node.indicator.kind, floor: node.indicator.floor, cap: node.indicator.cap,
                      hasAppliesTo: node.indicator.appliesTo != nil, hasVariants: !node.variants.isEmpty, hasVeto: node.veto != nil,
                      hasEffects: !node.effects.isEmpty, max: node.indicator.max,
                      inParentMax: node.indicator.kind == .regular && node.indicator.appliesTo == nil,
                      childStart: start, childEnd: childList.count, rankingColumn: column))
        }
        self.shapes = shapes
        self.childList = childList
        self.rankingNodes = rankingNodes
        self.rules = builder.nodes.map(\.rule)
        self.fastPlan = FastPlan(builder.nodes.map(\.rule))
        self.hasEffects = builder.nodes.contains { !$0.effects.isEmpty }
        self.codeIndex = builder.codeIndex
        self.slotNames = builder.slotNames
        self.enteredIndicators = builder.valueIndices.sorted()
        self.entryInputNames = builder.slotNames.indices.filter(builder.askedSlots.contains).map { builder.slotNames[$0] }
        self.metrics = builder.boundMetrics
        self.order = builder.order
        self.roots = builder.roots
        self.aggregateCount = builder.aggregateCount
        self.gradeVetoes = builder.gradeVetoes
        self.warnings = problems
        self.peerDependent = CompiledScheme.peerDependence(builder)
    }

    /// Seeds: nodes whose own formulas read peers (aggregates, also through metrics), ranking rules, and every
    /// node with cross effects or targeted by one (a parent deduction crosses subjects; effects are rare, so all
    /// of them are treated alike). Then, in evaluation order, every node whose children or dependencies are marked.
    private static func peerDependence(_ builder: Builder) -> [Bool] {
        var metricReadsPeers: [Bool?] = Array(repeating: nil, count: builder.boundMetrics.count)
        func readsPeers(_ expression: BoundExpression) -> Bool {
            var found = false
            expression.walk { node in
                switch node {
                case .aggregate: found = true
                case .metric(let metric):
                    if metricReadsPeers[metric] == nil {
                        metricReadsPeers[metric] = false  // a cycle is an error caught at compile time; guard anyway
                        metricReadsPeers[metric] = readsPeers(builder.boundMetrics[metric].expression)
                    }
                    if metricReadsPeers[metric] == true { found = true }
                default: break
                }
            }
            return found
        }
        var marked = Array(repeating: false, count: builder.nodes.count)
        for (index, node) in builder.nodes.enumerated() {
            var expressions: [BoundExpression] = node.rule?.rule.expressions ?? []
            if case .ranking? = node.rule?.rule { marked[index] = true }
            if let veto = node.veto { expressions.append(veto) }
            expressions += node.variants.map(\.when)
            if !node.effects.isEmpty {
                marked[index] = true
                for effect in node.effects {
                    if let zero = effect.zero { marked[zero] = true }
                    if let deduct = effect.parentDeduct { marked[deduct.index] = true }
                }
            }
            if expressions.contains(where: readsPeers) { marked[index] = true }
        }
        for index in builder.order where !marked[index] {
            if builder.nodes[index].children.contains(where: { marked[$0] }) || builder.dependencies[index].contains(where: { marked[$0] }) {
                marked[index] = true
            }
        }
        return marked
    }

    public var indicatorCount: Int { nodes.count }
    /// How many indicators a partial re-score recomputes for every subject (see `peerDependent`).
    public var peerDependentCount: Int { peerDependent.filter { $0 }.count }
    public func index(of code: String) -> Int? { codeIndex[code] }
    public func indicator(at index: Int) -> Indicator { nodes[index].indicator }
}

/// Holds a compiled rule by reference, so the hot loop reads it without copying its payloads.
final class RuleBox: Sendable {
    let rule: CompiledRule
    init(_ rule: CompiledRule) { self.rule = rule }
}

/// A rule with its formulas bound.
enum CompiledRule: Sendable {
    case proportional(input: BoundExpression, target: BoundExpression)
    case rate(BoundExpression)
    case threshold(input: BoundExpression, op: ComparisonOperator, value: BoundExpression?, accept: [String],
                   pass: BoundExpression, fail: BoundExpression)
    case tiers(input: BoundExpression, tiers: [Tier])
    case shortfall(Shortfall, input: BoundExpression, target: BoundExpression, base: BoundExpression?,
                   cutoff: BoundExpression?)
    case deviation(input: BoundExpression, target: BoundExpression)
    case lateness(Lateness, input: BoundExpression)
    case checklist([ChecklistItem], input: BoundExpression)
    case incidents(Incidents, count: BoundExpression, base: BoundExpression?)
    case bonus(Bonus, items: BoundExpression)
    case judged(Judged, input: BoundExpression)
    case ranking(Ranking, metric: BoundExpression)
    case growth(Growth, current: BoundExpression, previous: BoundExpression)
    case rescale(input: BoundExpression, from: Fixed)
    case formula(BoundExpression)
}

extension CompiledScheme {
    /// Binds names and orders the tree; collects every problem instead of stopping at the first.
    fileprivate struct Builder {
        let scheme: Scheme
        var nodes: [Node] = []
        var codeIndex: [String: Int] = [:]
        var slotNames: [String] = []
        /// Slots read by some indicator that applies to someone, or by a metric, veto or grade rule.
        var askedSlots: Set<Int> = []
        /// Indicators whose entered figure (`value`) some rule reads: the ones a form asks for.
        var valueIndices: Set<Int> = []
        var slotIndex: [String: Int] = [:]
        var metricIndex: [String: Int] = [:]
        var boundMetrics: [(name: String, expression: BoundExpression)] = []
        var metricDependencies: [[Int]] = []  // indicator score dependencies of each metric, transitive
        var order: [Int] = []
        var roots: [Int] = []
        var aggregateCount = 0
        var gradeVetoes: [(when: BoundExpression, grade: String)] = []
        var problems: [Problem] = []
        /// Score dependencies of each node (besides its children).
        var dependencies: [Set<Int>] = []

        init(scheme: Scheme) { self.scheme = scheme }

        mutating func build() {
            for root in scheme.indicators { roots.append(add(root, parent: nil)) }
            dependencies = Array(repeating: [], count: nodes.count)
            bindMetrics()
            for index in nodes.indices { bindNode(index) }
            for (when, grade) in scheme.grades.veto {
                if let bound = bind(when, current: nil, code: nil) { gradeVetoes.append((bound, grade)) }
            }
            orderNodes()
        }

        private mutating func add(_ indicator: Indicator, parent: Int?) -> Int {
            // applies_to carries down: the items of one person's group do not exist for anyone else.
            var indicator = indicator
            if indicator.appliesTo == nil, let parent, let inherited = nodes[parent].indicator.appliesTo {
                indicator.appliesTo = inherited
            }
            let index = nodes.count
            if let existing = codeIndex[indicator.code] {
                problems.append(
                    Problem(.error, code: indicator.code, location: indicator.location,
                            "指标代码重复（与第 \(existing + 1) 个指标相同）"))
            }
            codeIndex[indicator.code] = index
            nodes.append(Node(indicator: indicator, parent: parent, children: [], rule: nil, veto: nil,
                              variants: [], effects: []))
            for child in indicator.children {
                let childIndex = add(child, parent: index)
                nodes[index].children.append(childIndex)
            }
            return index
        }

        private mutating func bindMetrics() {
            for (offset, metric) in scheme.metrics.enumerated() {
                if metricIndex[metric.name] != nil {
                    problems.append(Problem(.error, location: scheme.location, "指标公式 \(metric.name) 重复定义"))
                }
                metricIndex[metric.name] = offset
            }
            // Metric → metric references, for cycle detection and transitive score dependencies.
            var metricEdges: [[Int]] = Array(repeating: [], count: scheme.metrics.count)
            for (offset, metric) in scheme.metrics.enumerated() {
                let bound = bind(metric.formula, current: nil, code: "metrics.\(metric.name)") ?? .constant(.number(.zero))
                boundMetrics.append((metric.name, bound))
                metricEdges[offset] = bound.metricReferences
            }
            // Cycle check by depth-first search.
            var state = Array(repeating: 0, count: metricEdges.count)  // 0 new, 1 on stack, 2 done
            var cyclic = false
            func visit(_ m: Int, _ path: [Int]) {
                if state[m] == 2 || cyclic { return }
                if state[m] == 1 {
                    let cycle = (path.drop { $0 != m } + [m]).map { scheme.metrics[$0].name }
                    problems.append(Problem(.error, location: scheme.location, "公式循环引用：\(cycle.joined(separator: " → "))"))
                    cyclic = true
                    return
                }
                state[m] = 1
                for next in metricEdges[m] { visit(next, path + [m]) }
                state[m] = 2
            }
            for m in metricEdges.indices { visit(m, []) }
            // Transitive score dependencies of each metric.
            metricDependencies = boundMetrics.map { $0.expression.scoreReferences }
            if !cyclic {
                var changed = true
                while changed {
                    changed = false
                    for m in metricEdges.indices {
                        for other in metricEdges[m] {
                            let merged = Set(metricDependencies[m]).union(metricDependencies[other])
                            if merged.count != metricDependencies[m].count {
                                metricDependencies[m] = Array(merged)
                                changed = true
                            }
                        }
                    }
                }
            }
        }

        private mutating func bindNode(_ index: Int) {
            let indicator = nodes[index].indicator
            let code = indicator.code
            if let veto = indicator.veto { nodes[index].veto = bindTracked(veto, index) }
            nodes[index].variants = indicator.variants.compactMap { variant in
                bindTracked(variant.when, index).map { ($0, variant.max) }
            }
            for effect in indicator.effects {
                guard let when = bindTracked(effect.when, index) else { continue }
                var zero: Int?
                var parentDeduct: (Int, Fixed)?
                if let target = effect.zero {
                    if let targetIndex = codeIndex[target] {
                        zero = targetIndex
                        if targetIndex != index { dependencies[targetIndex].insert(index) }
                    } else {
                        problems.append(Problem(.error, code: code, location: indicator.location, "effects.zero 引用了不存在的指标 \(target)"))
                    }
                }
                if let deduct = effect.parentDeduct {
                    if let targetIndex = codeIndex[deduct.indicator] {
                        parentDeduct = (targetIndex, deduct.points)
                        if targetIndex != index { dependencies[targetIndex].insert(index) }
                    } else {
                        problems.append(Problem(.error, code: code, location: indicator.location, "effects.parent_deduct 引用了不存在的指标 \(deduct.indicator)"))
                    }
                }
                nodes[index].effects.append((when, zero, parentDeduct))
            }
            if indicator.isGroup {
                if indicator.rule != nil {
                    problems.append(Problem(.error, code: code, location: indicator.location, "有下级指标的指标不能再有 rule（其得分是下级之和）"))
                }
                return
            }
            let rule = indicator.rule ?? .judged(Judged(each: nil, reasonRequired: false))
            nodes[index].rule = compile(rule, index).map(RuleBox.init)
        }

        /// Binds and records the node's score dependencies.
        private mutating func bindTracked(_ expression: Expression, _ index: Int) -> BoundExpression? {
            guard let bound = bind(expression, current: index, code: nodes[index].indicator.code) else { return nil }
            for dependency in bound.scoreReferences where dependency != index { dependencies[index].insert(dependency) }
            for metric in bound.metricReferences {
                for dependency in metricDependencies[metric] where dependency != index { dependencies[index].insert(dependency) }
            }
            if bound.scoreReferences.contains(index) {
                problems.append(Problem(.error, code: nodes[index].indicator.code, location: nodes[index].indicator.location, "公式引用了本指标自己的得分"))
            }
            return bound
        }

        private mutating func compile(_ rule: Rule, _ index: Int) -> CompiledRule? {
            let indicator = nodes[index].indicator
            func b(_ expression: Expression) -> BoundExpression {
                bindTracked(expression, index) ?? .constant(.number(.zero))
            }
            func target(_ explicit: Expression?) -> BoundExpression {
                if let explicit { return b(explicit) }
                guard let target = indicator.target else {
                    problems.append(Problem(.error, code: indicator.code, location: indicator.location, "规则 \(rule.kindName) 需要目标值（target）"))
                    return .constant(.number(.one))
                }
                return .constant(target)
            }
            switch rule {
            case .proportional(let input, let explicit): return .proportional(input: b(input), target: target(explicit))
            case .rate(let rate): return .rate(b(rate))
            case .threshold(let t):
                if t.accept.isEmpty && t.value == nil && indicator.target == nil {
                    problems.append(Problem(.error, code: indicator.code, location: indicator.location, "threshold 需要 value、accept 或指标的 target"))
                }
                let value: BoundExpression? = t.accept.isEmpty ? (t.value.map(b) ?? indicator.target.map { .constant($0) }) : nil
                return .threshold(input: b(t.input), op: t.op, value: value, accept: t.accept, pass: b(t.pass), fail: b(t.fail))
            case .tiers(let input, let tiers): return .tiers(input: b(input), tiers: tiers)
            case .shortfall(let s):
                return .shortfall(s, input: b(s.input), target: target(s.target), base: s.base.map(b), cutoff: s.cutoff.map(b))
            case .deviation(let input, let explicit): return .deviation(input: b(input), target: target(explicit))
            case .lateness(let l): return .lateness(l, input: b(l.input))
            case .checklist(let items):
                valueIndices.insert(index)
                return .checklist(items, input: .indicatorValue(index))
            case .incidents(let i): return .incidents(i, count: b(i.count), base: i.base.map(b))
            case .bonus(let bonus): return .bonus(bonus, items: b(bonus.items))
            case .judged(let judged):
                valueIndices.insert(index)
                return .judged(judged, input: .indicatorValue(index))
            case .ranking(let ranking): return .ranking(ranking, metric: b(ranking.metric))
            case .growth(let growth): return .growth(growth, current: b(growth.current), previous: b(growth.previous))
            case .rescale(let input, let from):
                if from <= .zero {
                    problems.append(Problem(.error, code: indicator.code, location: indicator.location, "rescale 的 from 必须大于 0"))
                    return nil
                }
                return .rescale(input: b(input), from: from)
            case .formula(let score): return .formula(b(score))
            }
        }

        /// Resolves names; `current` is the indicator whose `value`, `target` and `max` are meant.
        mutating func bind(_ expression: Expression, current: Int?, code: String?) -> BoundExpression? {
            var failed = false
            func fail(_ message: String, _ range: SourceRange) {
                let caret = caretLine(for: range, in: expression.source)
                let location = current.flatMap { nodes[$0].indicator.location } ?? scheme.location
                problems.append(Problem(.error, code: code, location: location, "\(message)\n  \(expression.source)\n  \(caret)"))
                failed = true
            }
            func resolve(_ node: ExpressionNode) -> BoundExpression {
                switch node {
                case .literal(let value, _): return .constant(value)
                case .name(let name, let range):
                    switch name {
                    case "value":
                        guard let current else { fail("此处没有“本指标”，不能用 value", range); return .constant(.number(.zero)) }
                        valueIndices.insert(current)
                        return .indicatorValue(current)
                    case "max":
                        guard let current else { fail("此处没有“本指标”，不能用 max", range); return .constant(.number(.zero)) }
                        return .indicatorMax(current)
                    case "target":
                        guard let current else { fail("此处没有“本指标”，不能用 target", range); return .constant(.number(.zero)) }
                        guard let target = nodes[current].indicator.target else {
                            fail("指标 \(nodes[current].indicator.code) 没有目标值（target）", range)
                            return .constant(.number(.zero))
                        }
                        return .constant(target)
                    default: break
                    }
                    if name.hasPrefix("fund.") {
                        let figure = String(name.dropFirst(5))
                        guard FundTable.isFigure(figure) else {
                            fail("资金表没有 “\(figure)” 这一项（可用：\(FundTable.figureNames.joined(separator: "、"))）", range)
                            return .constant(.number(.zero))
                        }
                        return .fund(figure)
                    }
                    if name.hasPrefix("subject.") { return .attribute(String(name.dropFirst(8))) }
                    if let metric = metricIndex[name] { return .metric(metric) }
                    let slot: Int
                    if let existing = slotIndex[name] {
                        slot = existing
                    } else {
                        slot = slotNames.count
                        slotIndex[name] = slot
                        slotNames.append(name)
                    }
                    // An input read only by indicators that apply to nobody (`applies_to: []`) is asked of nobody.
                    if current.map({ nodes[$0].indicator.appliesTo != [] }) ?? true { askedSlots.insert(slot) }
                    return .slot(slot)
                case .unary(let op, let operand, _): return .unary(op, resolve(operand))
                case .binary(let op, let lhs, let rhs, let range):
                    let text = String(Array(expression.source)[min(range.lower, expression.source.count)..<min(range.upper, expression.source.count)])
                    return .binary(op, resolve(lhs), resolve(rhs), source: text)
                case .call(let name, let arguments, let range):
                    let function = Function(rawValue: name)!  // the parser admits known functions only
                    switch function {
                    case .score, .value:
                        let reference: String?
                        switch arguments[0] {
                        case .literal(.text(let text), _): reference = text
                        case .name(let text, _): reference = text
                        default: reference = nil
                        }
                        guard let reference else { fail("\(name)() 的参数应为带引号的指标代码", range); return .constant(.number(.zero)) }
                        guard let target = codeIndex[reference] else { fail("引用了不存在的指标 “\(reference)”", range); return .constant(.number(.zero)) }
                        if function == .value { valueIndices.insert(target) }
                        return function == .score ? .indicatorScore(target) : .indicatorValue(target)
                    case .peerAvg, .peerMin, .peerMax, .peerSum, .peerCount, .childrenCount:
                        aggregateCount += 1
                        return .aggregate(function, id: aggregateCount - 1, arguments.first.map(resolve))
                    default:
                        return .call(function, arguments.map(resolve))
                    }
                }
            }
            let bound = resolve(expression.root)
            return failed ? nil : bound
        }

        /// Children before parents, and every `score()` / effect dependency before its user.
        private mutating func orderNodes() {
            var state = Array(repeating: 0, count: nodes.count)
            var reported = false
            func visit(_ index: Int, _ path: [Int]) {
                if state[index] == 2 { return }
                if state[index] == 1 {
                    if !reported {
                        let cycle = (path.drop { $0 != index } + [index]).map { nodes[$0].indicator.code }
                        problems.append(Problem(.error, code: nodes[index].indicator.code, location: nodes[index].indicator.location,
                                                "指标之间循环引用：\(cycle.joined(separator: " → "))"))
                        reported = true
                    }
                    return
                }
                state[index] = 1
                for child in nodes[index].children { visit(child, path + [index]) }
                for dependency in dependencies[index].sorted() { visit(dependency, path + [index]) }
                state[index] = 2
                order.append(index)
            }
            for index in nodes.indices { visit(index, []) }
        }
    }
}

extension BoundExpression {
    var scoreReferences: [Int] {
        var found: [Int] = []
        walk { if case .indicatorScore(let index) = $0 { found.append(index) } }
        return found
    }

    var metricReferences: [Int] {
        var found: [Int] = []
        walk { if case .metric(let index) = $0 { found.append(index) } }
        return found
    }

    func walk(_ body: (BoundExpression) -> Void) {
        body(self)
        switch self {
        case .unary(_, let operand): operand.walk(body)
        case .binary(_, let lhs, let rhs, _):
            lhs.walk(body)
            rhs.walk(body)
        case .call(_, let arguments): arguments.forEach { $0.walk(body) }
        case .aggregate(_, _, let operand): operand?.walk(body)
        default: break
        }
    }
}
