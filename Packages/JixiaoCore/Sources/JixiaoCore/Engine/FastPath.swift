/// The engine's fast path: rules whose formulas are arithmetic on numeric inputs, compiled once
/// into flat programs with their constants precomputed, and evaluated without building `Term`s,
/// throwing, or touching reference-counted values.
///
/// The fast path never decides anything the general path (`RuleEvaluator`) would decide
/// differently: it computes with the same `Exact` operations in the same order, and whenever
/// anything is not plainly a number (a missing or non-numeric input, a division by zero, an
/// overflow, a value outside every tier, a subject without a rank) it gives up and returns nil,
/// and the general path evaluates the rule from the start and says why. Explanations always take
/// the general path.
///
/// Everything here is plain data (no reference-counted payloads): programs are ranges of one shared
/// op array, tiers and ladder rungs ranges of shared arrays, so reading a leaf's plan copies a few
/// words and retains nothing.
struct FastPlan: Sendable {
    enum Op: Sendable {
        case slot(Int)
        case constant(Exact)
        case indicatorMax(Int)
        case add, subtract, multiply, divide, negate
        case min(Int), max(Int)
        case floor, ceil, abs
    }

    /// A formula: `ops[start ..< start + count]`, postfix; `depth` the deepest its stack gets.
    struct Program: Sendable {
        var start: Int32 = 0
        var count: Int32 = 0
        var depth: Int32 = 0
        var isPresent: Bool { count > 0 }
    }

    enum Kind: UInt8, Sendable {
        case proportional, rate, threshold, tiers, shortfall, deviation, incidents, ranking, rescale, formula
    }

    /// One leaf's rule: its kind, up to five programs and the rule's constants.
    struct Leaf: Sendable {
        var kind: Kind
        var a = Program(), b = Program(), c = Program(), d = Program(), e = Program()
        var op: ComparisonOperator = .equal
        var step: Fixed = .zero
        var deduct: Fixed = .zero
        var deductSet = false
        var floor: Fixed? = nil
        var cap: Fixed? = nil
        var cutoffScore: Fixed = .zero
        var above = false
        var wholeSteps = false
        var from: Fixed = .zero
        /// Tiers or ladder rungs: `tiers[rangeStart ..< rangeEnd]` / `rungs[…]`.
        var rangeStart: Int32 = 0
        var rangeEnd: Int32 = 0
    }

    var leaves: [Leaf?] = []
    var ops: [Op] = []
    /// `ops` for the raw 64-bit evaluator (`FastPath64`), position for position.
    var ops64: [Op64] = []
    var tiers: [Tier] = []
    var rungs: [LadderRung] = []

    init(_ rules: [RuleBox?]) {
        for box in rules { leaves.append(box.flatMap { leaf($0.rule) }) }
        ops64 = ops.map(Op64.init)
    }

    /// nil when some formula of the rule is not plain arithmetic on numbers.
    private mutating func leaf(_ rule: CompiledRule) -> Leaf? {
        let mark = ops.count
        func fail() -> Leaf? {
            ops.removeSubrange(mark...)
            return nil
        }
        switch rule {
        case .proportional(let input, let target):
            guard let a = program(input), let b = program(target) else { return fail() }
            return Leaf(kind: .proportional, a: a, b: b)
        case .rate(let rate):
            guard let a = program(rate) else { return fail() }
            return Leaf(kind: .rate, a: a)
        case .threshold(let input, let op, let value, let accept, let pass, let fail_):
            guard accept.isEmpty, let value, let a = program(input), let b = program(value), let c = program(pass),
                let d = program(fail_)
            else { return fail() }
            var leaf = Leaf(kind: .threshold, a: a, b: b, c: c, d: d)
            leaf.op = op
            return leaf
        case .tiers(let input, let list):
            guard let a = program(input) else { return fail() }
            var leaf = Leaf(kind: .tiers, a: a)
            leaf.rangeStart = Int32(tiers.count)
            tiers.append(contentsOf: list)
            leaf.rangeEnd = Int32(tiers.count)
            return leaf
        case .shortfall(let rule, let input, let target, let base, let cutoff):
            guard let a = program(input), let b = program(target) else { return fail() }
            var leaf = Leaf(kind: .shortfall, a: a, b: b)
            if let base { guard let c = program(base) else { return fail() }; leaf.c = c }
            if let cutoff { guard let d = program(cutoff) else { return fail() }; leaf.d = d }
            leaf.step = rule.step
            leaf.deduct = rule.deduct
            leaf.floor = rule.floor
            leaf.cutoffScore = rule.cutoffScore
            leaf.above = rule.above
            leaf.wholeSteps = rule.steps == .whole
            return leaf
        case .deviation(let input, let target):
            guard let a = program(input), let b = program(target) else { return fail() }
            return Leaf(kind: .deviation, a: a, b: b)
        case .incidents(let rule, let count, let base):
            guard let a = program(count) else { return fail() }
            var leaf = Leaf(kind: .incidents, a: a)
            if let base { guard let c = program(base) else { return fail() }; leaf.c = c }
            leaf.deduct = rule.deduct ?? .zero
            leaf.cap = rule.cap
            leaf.rangeStart = Int32(rungs.count)
            rungs.append(contentsOf: rule.ladder)
            leaf.rangeEnd = Int32(rungs.count)
            return leaf
        case .ranking(_, let metric):
            guard let a = program(metric) else { return fail() }
            return Leaf(kind: .ranking, a: a)
        case .rescale(let input, let from):
            guard let a = program(input) else { return fail() }
            var leaf = Leaf(kind: .rescale, a: a)
            leaf.from = from
            return leaf
        case .formula(let formula):
            guard let a = program(formula) else { return fail() }
            return Leaf(kind: .formula, a: a)
        case .lateness, .checklist, .bonus, .judged, .growth:
            return nil
        }
    }

    private mutating func program(_ expression: BoundExpression) -> Program? {
        let start = ops.count
        guard FastPlan.emit(expression, into: &ops) else {
            ops.removeSubrange(start...)
            return nil
        }
        var height = 0
        var deepest = 0
        for op in ops[start...] {
            switch op {
            case .slot, .constant, .indicatorMax: height += 1
            case .add, .subtract, .multiply, .divide: height -= 1
            case .min(let count), .max(let count): height -= count - 1
            case .negate, .floor, .ceil, .abs: break
            }
            deepest = Swift.max(deepest, height)
        }
        return Program(start: Int32(start), count: Int32(ops.count - start), depth: Int32(deepest))
    }

    private static func emit(_ expression: BoundExpression, into ops: inout [Op]) -> Bool {
        switch expression {
        case .constant(.number(let number)):
            guard !number.isOverflow else { return false }
            ops.append(.constant(Exact(number)))
        case .slot(let index): ops.append(.slot(index))
        case .indicatorMax(let index): ops.append(.indicatorMax(index))
        case .unary(.negate, let operand):
            guard emit(operand, into: &ops) else { return false }
            ops.append(.negate)
        case .binary(let op, let lhs, let rhs, _):
            let code: Op
            switch op {
            case .add: code = .add
            case .subtract: code = .subtract
            case .multiply: code = .multiply
            case .divide: code = .divide
            default: return false
            }
            guard emit(lhs, into: &ops), emit(rhs, into: &ops) else { return false }
            ops.append(code)
        case .call(let function, let arguments):
            switch function {
            case .min, .max:
                guard !arguments.isEmpty else { return false }
                for argument in arguments { guard emit(argument, into: &ops) else { return false } }
                ops.append(function == .min ? .min(arguments.count) : .max(arguments.count))
            case .floor, .ceil, .abs:
                guard arguments.count == 1, emit(arguments[0], into: &ops) else { return false }
                ops.append(function == .floor ? .floor : (function == .ceil ? .ceil : .abs))
            default: return false
            }
        default: return false
        }
        return true
    }
}

extension Run {
    /// A formula's value for one subject, or nil for "ask the general path".
    @inline(__always) func evaluate(_ program: FastPlan.Program, _ subject: Int) -> Exact? {
        let start = Int(program.start)
        if program.count == 1 {
            switch fastOps[start] {
            case .slot(let index): return slotNumber(subject, index)
            case .constant(let value): return value
            default: break
            }
        }
        return withUnsafeTemporaryAllocation(of: Exact.self, capacity: Int(program.depth)) { stack -> Exact? in
            var top = 0
            for position in start..<(start + Int(program.count)) {
                let op = fastOps[position]
                switch op {
                case .slot(let index):
                    guard let value = slotNumber(subject, index) else { return nil }
                    stack[top] = value
                    top += 1
                case .constant(let value):
                    stack[top] = value
                    top += 1
                case .indicatorMax(let index):
                    stack[top] = Exact(maximum(subject, index))
                    top += 1
                case .add:
                    top -= 1
                    stack[top - 1] = stack[top - 1] + stack[top]
                case .subtract:
                    top -= 1
                    stack[top - 1] = stack[top - 1] - stack[top]
                case .multiply:
                    top -= 1
                    stack[top - 1] = stack[top - 1] * stack[top]
                case .divide:
                    top -= 1
                    guard let quotient = stack[top - 1].divided(by: stack[top]) else { return nil }
                    stack[top - 1] = quotient
                case .negate: stack[top - 1] = -stack[top - 1]
                case .min(let count), .max(let count):
                    // As `min(a, b, …)` does: every argument checked in range, then folded left.
                    let first = top - count
                    var best = stack[first]
                    if best.isOverflow { return nil }
                    for position in (first + 1)..<top {
                        let next = stack[position]
                        if next.isOverflow { return nil }
                        if case .min = op { best = Exact.min(best, next) } else { best = Exact.max(best, next) }
                    }
                    top = first + 1
                    stack[first] = best
                case .floor:
                    if stack[top - 1].isOverflow { return nil }
                    stack[top - 1] = stack[top - 1].floored
                case .ceil:
                    if stack[top - 1].isOverflow { return nil }
                    stack[top - 1] = stack[top - 1].ceiled
                case .abs:
                    if stack[top - 1].isOverflow { return nil }
                    stack[top - 1] = stack[top - 1].magnitude
                }
            }
            let result = stack[0]
            return result.isOverflow ? nil : result
        }
    }

    /// The rule's raw score (before the indicator's bounds and rounding), exactly as
    /// `RuleEvaluator.evaluate` computes it, or nil for "ask the general path".
    func fastRaw(_ leaf: FastPlan.Leaf, _ subject: Int, _ index: Int, max: Fixed) -> Exact? {
        switch leaf.kind {
        case .proportional:
            guard let actual = evaluate(leaf.a, subject), let goal = evaluate(leaf.b, subject) else { return nil }
            return (actual * Exact(max)).divided(by: goal)

        case .rate:
            guard let value = evaluate(leaf.a, subject) else { return nil }
            return value * Exact(max)

        case .threshold:
            guard let actual = evaluate(leaf.a, subject), let required = evaluate(leaf.b, subject) else { return nil }
            return evaluate(leaf.op.holds(actual, required) ? leaf.c : leaf.d, subject)

        case .tiers:
            guard let value = evaluate(leaf.a, subject) else { return nil }
            for position in Int(leaf.rangeStart)..<Int(leaf.rangeEnd) where fastTiers[position].contains(value) {
                return Exact(fastTiers[position].points)
            }
            return nil

        case .shortfall:
            guard let actual = evaluate(leaf.a, subject), let goal = evaluate(leaf.b, subject) else { return nil }
            let start: Exact
            if leaf.c.isPresent {
                guard let value = evaluate(leaf.c, subject) else { return nil }
                start = value
            } else {
                start = Exact(max)
            }
            if leaf.d.isPresent {
                guard let floorValue = evaluate(leaf.d, subject) else { return nil }
                if actual < floorValue { return Exact(leaf.cutoffScore) }
            }
            let gap = leaf.above ? actual - goal : goal - actual
            guard gap > .zero else { return start }
            guard let ratio = gap.divided(by: Exact(leaf.step)) else { return nil }
            let steps = leaf.wholeSteps ? ratio.floored : ratio
            let deduction = steps * leaf.deduct
            return Exact.max(start - deduction, Exact(leaf.floor ?? (shapes[index].kind == .deduction ? -max : .zero)))

        case .deviation:
            guard let actual = evaluate(leaf.a, subject), let goal = evaluate(leaf.b, subject),
                let share = (actual - goal).magnitude.divided(by: goal)
            else { return nil }
            return Exact.max(.zero, (Exact.one - share) * max)

        case .incidents:
            guard let number = evaluate(leaf.a, subject), !number.isNegative, number.floored == number,
                let count = number.wholePart, count < 1_000_000_000
            else { return nil }
            let start: Exact
            if leaf.c.isPresent {
                guard let value = evaluate(leaf.c, subject) else { return nil }
                start = value
            } else {
                start = Exact(shapes[index].kind == .deduction ? .zero : max)
            }
            var deduction: Fixed
            if leaf.rangeEnd > leaf.rangeStart {
                deduction = .zero
                for position in Int(leaf.rangeStart)..<Int(leaf.rangeEnd) where fastRungs[position].count <= count {
                    deduction = fastRungs[position].deduct  // the last rung reached, as `ladder.last { … }`
                }
            } else {
                deduction = leaf.deduct * Fixed(count)
            }
            let cap = leaf.cap ?? max
            if deduction > cap { deduction = cap }
            return start - deduction

        case .ranking:
            guard let (_, _, coefficient, scaled) = ranking(subject, column: shapes[index].rankingColumn) else { return nil }
            return max == shapes[index].max ? scaled : max * coefficient

        case .rescale:
            guard let external = evaluate(leaf.a, subject) else { return nil }
            return (external * max).divided(by: Exact(leaf.from)) ?? .zero

        case .formula:
            return evaluate(leaf.a, subject)
        }
    }
}
