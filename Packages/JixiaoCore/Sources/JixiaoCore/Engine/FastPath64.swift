/// The fast path's fast path: the same formulas and rules as `FastPlan` computes them in `Exact`, computed on
/// raw 64-bit decimals (value × 10⁸), as long as every step's exact result is such a decimal. The moment one is
/// not (a quotient with more than eight decimals, a product beyond 64 bits, a division by zero, anything at
/// `Int64.min`, which `Fixed` reserves for its poison), the step gives up (nil) and the subject is computed by
/// the `Exact` fast path, which gives up in turn to the general path. So a result here is always the one those
/// give: every operation below is the `Exact` operation's own decimal shortcut (see `Exact.+`, `*`,
/// `divided(by:)`, `clamped`, `rounded`), with the same checks.
struct Op64: Sendable {
    enum Code: UInt8, Sendable {
        case slot, constant, indicatorMax, add, subtract, multiply, divide, negate, min, max, floor, ceil, abs
        /// A constant beyond 64-bit decimals: the program is left to `Exact`.
        case never
    }
    var code: Code
    /// The slot, constant (raw), indicator or argument count, as the code needs.
    var value: Int64

    init(_ op: FastPlan.Op) {
        switch op {
        case .slot(let index): self.init(code: .slot, value: Int64(index))
        case .constant(let value):
            if let raw = value.smallDecimal, raw != .min { self.init(code: .constant, value: raw) } else { self.init(code: .never, value: 0) }
        case .indicatorMax(let index): self.init(code: .indicatorMax, value: Int64(index))
        case .add: self.init(code: .add, value: 0)
        case .subtract: self.init(code: .subtract, value: 0)
        case .multiply: self.init(code: .multiply, value: 0)
        case .divide: self.init(code: .divide, value: 0)
        case .negate: self.init(code: .negate, value: 0)
        case .min(let count): self.init(code: .min, value: Int64(count))
        case .max(let count): self.init(code: .max, value: Int64(count))
        case .floor: self.init(code: .floor, value: 0)
        case .ceil: self.init(code: .ceil, value: 0)
        case .abs: self.init(code: .abs, value: 0)
        }
    }

    init(code: Code, value: Int64) {
        self.code = code
        self.value = value
    }
}

/// Raw-decimal arithmetic with the `Exact` decimal shortcuts' results, nil wherever those leave the shortcut.
enum Raw {
    static let unit: Int64 = 100_000_000

    @inline(__always) static func add(_ a: Int64, _ b: Int64) -> Int64? {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow || sum == .min ? nil : sum
    }

    @inline(__always) static func subtract(_ a: Int64, _ b: Int64) -> Int64? {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        return overflow || difference == .min ? nil : difference
    }

    @inline(__always) static func multiply(_ a: Int64, _ b: Int64) -> Int64? {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { return nil }
        let (quotient, remainder) = product.quotientAndRemainder(dividingBy: unit)
        return remainder != 0 || quotient == .min ? nil : quotient
    }

    @inline(__always) static func divide(_ a: Int64, _ b: Int64) -> Int64? {
        guard b != 0, b != -1 else { return nil }
        let (shifted, overflow) = a.multipliedReportingOverflow(by: unit)
        guard !overflow else { return nil }
        let (quotient, remainder) = shifted.quotientAndRemainder(dividingBy: b)
        return remainder != 0 || quotient == .min ? nil : quotient
    }

    @inline(__always) static func negate(_ a: Int64) -> Int64 { -a }  // a != .min here, so -a is in range

    @inline(__always) static func floor(_ a: Int64) -> Int64? {
        var whole = a / unit
        if a < 0 && a % unit != 0 { whole -= 1 }
        let (raw, overflow) = whole.multipliedReportingOverflow(by: unit)
        return overflow || raw == .min ? nil : raw
    }

    @inline(__always) static func ceil(_ a: Int64) -> Int64? {
        var whole = a / unit
        if a > 0 && a % unit != 0 { whole += 1 }
        let (raw, overflow) = whole.multipliedReportingOverflow(by: unit)
        return overflow || raw == .min ? nil : raw
    }

    /// `Exact.rounded(places:mode:)` of a decimal, for 0 ≤ places < 8 (its 64-bit shortcut).
    @inline(__always) static func rounded(_ raw: Int64, unit placeUnit: Int64, mode: RoundingMode) -> Int64? {
        let (quotient, remainder) = raw.quotientAndRemainder(dividingBy: placeUnit)
        if remainder == 0 { return raw }
        let twice = 2 * remainder.magnitude
        let away: Bool
        switch mode {
        case .down: away = false
        case .halfUp: away = twice >= placeUnit.magnitude
        case .halfEven: away = twice > placeUnit.magnitude || (twice == placeUnit.magnitude && quotient % 2 != 0)
        }
        let stepped = away ? quotient + (raw < 0 ? -1 : 1) : quotient
        let (result, overflow) = stepped.multipliedReportingOverflow(by: placeUnit)
        return overflow || result == .min ? nil : result
    }

    @inline(__always) static func exact(_ raw: Int64) -> Exact { Exact(numerator: Int128(raw), denominator: Exact.decimalScale) }

    /// A declared decimal's raw value, nil for the poison.
    @inline(__always) static func of(_ fixed: Fixed) -> Int64? { fixed.isOverflow ? nil : fixed.raw }
}

extension Run {
    /// A subject's input in `slot` as a raw decimal, when it is a number in range.
    @inline(__always) func slotRaw64(_ subject: Int, _ slot: Int) -> Int64? {
        let position = subject * slotCount + slot
        guard slotIsNumber[position] else { return nil }
        let raw = slotRaw[position]
        return raw == .min ? nil : raw
    }

    /// A formula's value as a raw decimal, or nil for "ask `evaluate`".
    @inline(__always) func evaluate64(_ program: FastPlan.Program, _ subject: Int) -> Int64? {
        let start = Int(program.start)
        if program.count == 1 {
            let op = fastOps64[start]
            switch op.code {
            case .slot: return slotRaw64(subject, Int(op.value))
            case .constant: return op.value
            default: break
            }
        }
        return withUnsafeTemporaryAllocation(of: Int64.self, capacity: Int(program.depth)) { stack -> Int64? in
            var top = 0
            for position in start..<(start + Int(program.count)) {
                let op = fastOps64[position]
                switch op.code {
                case .slot:
                    guard let value = slotRaw64(subject, Int(op.value)) else { return nil }
                    stack[top] = value
                    top += 1
                case .constant:
                    stack[top] = op.value
                    top += 1
                case .indicatorMax:
                    guard let value = Raw.of(maximum(subject, Int(op.value))) else { return nil }
                    stack[top] = value
                    top += 1
                case .add:
                    top -= 1
                    guard let value = Raw.add(stack[top - 1], stack[top]) else { return nil }
                    stack[top - 1] = value
                case .subtract:
                    top -= 1
                    guard let value = Raw.subtract(stack[top - 1], stack[top]) else { return nil }
                    stack[top - 1] = value
                case .multiply:
                    top -= 1
                    guard let value = Raw.multiply(stack[top - 1], stack[top]) else { return nil }
                    stack[top - 1] = value
                case .divide:
                    top -= 1
                    guard let value = Raw.divide(stack[top - 1], stack[top]) else { return nil }
                    stack[top - 1] = value
                case .negate: stack[top - 1] = Raw.negate(stack[top - 1])
                case .min, .max:
                    let count = Int(op.value)
                    let first = top - count
                    var best = stack[first]
                    for position in (first + 1)..<top {
                        let next = stack[position]
                        if op.code == .min { best = next < best ? next : best } else { best = best < next ? next : best }
                    }
                    top = first + 1
                    stack[first] = best
                case .floor:
                    guard let value = Raw.floor(stack[top - 1]) else { return nil }
                    stack[top - 1] = value
                case .ceil:
                    guard let value = Raw.ceil(stack[top - 1]) else { return nil }
                    stack[top - 1] = value
                case .abs: stack[top - 1] = Swift.abs(stack[top - 1])  // never .min: every step above refuses it
                case .never: return nil
                }
            }
            return stack[0]
        }
    }

    /// `fastRaw` on raw decimals: the rule's raw score, or nil for "ask `fastRaw`".
    @inline(__always) func fastRaw64(_ leaf: FastPlan.Leaf, _ subject: Int, _ index: Int, max: Int64, kind: IndicatorKind) -> Int64? {
        switch leaf.kind {
        case .proportional:
            guard let actual = evaluate64(leaf.a, subject), let goal = evaluate64(leaf.b, subject),
                let product = Raw.multiply(actual, max)
            else { return nil }
            return Raw.divide(product, goal)

        case .rate:
            guard let value = evaluate64(leaf.a, subject) else { return nil }
            return Raw.multiply(value, max)

        case .threshold:
            guard let actual = evaluate64(leaf.a, subject), let required = evaluate64(leaf.b, subject) else { return nil }
            let holds: Bool
            switch leaf.op {
            case .greaterOrEqual: holds = actual >= required
            case .greater: holds = actual > required
            case .lessOrEqual: holds = actual <= required
            case .less: holds = actual < required
            case .equal: holds = actual == required
            case .notEqual: holds = actual != required
            }
            return evaluate64(holds ? leaf.c : leaf.d, subject)

        case .tiers:
            guard let value = evaluate64(leaf.a, subject) else { return nil }
            for position in Int(leaf.rangeStart)..<Int(leaf.rangeEnd) {
                // `Tier.contains` on raw decimals (a bound at the poison is left to it).
                let tier = fastTiers[position]
                if let from = tier.from {
                    guard let bound = Raw.of(from) else { return nil }
                    if tier.fromExclusive ? !(value > bound) : !(value >= bound) { continue }
                }
                if let to = tier.to {
                    guard let bound = Raw.of(to) else { return nil }
                    if tier.toInclusive ? !(value <= bound) : !(value < bound) { continue }
                }
                return Raw.of(tier.points)
            }
            return nil

        case .shortfall:
            guard let actual = evaluate64(leaf.a, subject), let goal = evaluate64(leaf.b, subject) else { return nil }
            let start: Int64
            if leaf.c.isPresent {
                guard let value = evaluate64(leaf.c, subject) else { return nil }
                start = value
            } else {
                start = max
            }
            if leaf.d.isPresent {
                guard let floorValue = evaluate64(leaf.d, subject) else { return nil }
                if actual < floorValue { return Raw.of(leaf.cutoffScore) }
            }
            guard let gap = leaf.above ? Raw.subtract(actual, goal) : Raw.subtract(goal, actual) else { return nil }
            guard gap > 0 else { return start }
            guard let step = Raw.of(leaf.step), let ratio = Raw.divide(gap, step) else { return nil }
            guard let steps = leaf.wholeSteps ? Raw.floor(ratio) : ratio, let deduct = Raw.of(leaf.deduct),
                let deduction = Raw.multiply(steps, deduct), let remaining = Raw.subtract(start, deduction)
            else { return nil }
            let lowest: Int64
            if let floor = leaf.floor {
                guard let raw = Raw.of(floor) else { return nil }
                lowest = raw
            } else {
                lowest = kind == .deduction ? -max : 0
            }
            return Swift.max(remaining, lowest)

        case .deviation:
            guard let actual = evaluate64(leaf.a, subject), let goal = evaluate64(leaf.b, subject),
                let difference = Raw.subtract(actual, goal),
                let share = Raw.divide(Swift.abs(difference), goal),
                let rest = Raw.subtract(Raw.unit, share), let scaled = Raw.multiply(rest, max)
            else { return nil }
            return Swift.max(0, scaled)

        case .incidents:
            guard let number = evaluate64(leaf.a, subject), number >= 0, number % Raw.unit == 0 else { return nil }
            let count = Int(number / Raw.unit)
            guard count < 1_000_000_000 else { return nil }
            let start: Int64
            if leaf.c.isPresent {
                guard let value = evaluate64(leaf.c, subject) else { return nil }
                start = value
            } else {
                start = kind == .deduction ? 0 : max
            }
            var deduction: Fixed
            if leaf.rangeEnd > leaf.rangeStart {
                deduction = .zero
                for position in Int(leaf.rangeStart)..<Int(leaf.rangeEnd) where fastRungs[position].count <= count {
                    deduction = fastRungs[position].deduct
                }
            } else {
                deduction = leaf.deduct * Fixed(count)
            }
            let cap = leaf.cap ?? Fixed(raw: max)
            if deduction > cap { deduction = cap }
            guard let points = Raw.of(deduction) else { return nil }
            return Raw.subtract(start, points)

        case .ranking:
            guard let (_, _, _, scaled) = ranking(subject, column: shapes[index].rankingColumn), max == shapes[index].max.raw,
                let raw = scaled.smallDecimal, raw != .min
            else { return nil }
            return raw

        case .rescale:
            guard let external = evaluate64(leaf.a, subject), let product = Raw.multiply(external, max), let from = Raw.of(leaf.from)
            else { return nil }
            return Raw.divide(product, from)

        case .formula:
            return evaluate64(leaf.a, subject)
        }
    }
}
