/// Which entered figures a rule's operand reads, and the value of one of them that makes the operand meet a
/// bound: the inverse of a formula, found on the formula itself (exactly, at the figure's grain).

/// A one-sided condition on an operand's value: `≥ 24`, `> 840`, `≤ 3`.
struct WhatIfGoal {
    var op: ComparisonOperator
    var bound: Exact

    func holds(_ value: Exact) -> Bool { op.holds(value, bound) }

    func holds(_ term: Term?) -> Bool {
        guard case .number(let number)? = term, !number.isOverflow else { return false }
        return holds(number)
    }
}

/// The figures an expression reads for one subject.
struct WhatIfReads {
    /// Numbers read where more means better or worse work (not only as a denominator or the base of a comparison).
    var numbers: [String] = []
    /// Yes/no figures.
    var flags: [String] = []
    /// Figures read only as a denominator or as the base a comparison is made against (任务数, 上月人数, 进度要求):
    /// moving them would not be better work, so they are never proposed.
    var bases: [String] = []
    var readsFund = false
    var readsPeers = false
    var readsScores = false
    var readsAttributes = false
    var readsMissing = false
    /// Returns the indicator's own entered number as its score (a judged branch: 001's `if(value == "计算", …, value)`).
    var judgedBranch = false
}

extension WhatIfContext {
    /// The figures `expression` reads for `subject` (through metrics), with where they stand.
    func reads(_ expression: BoundExpression, subject: Int, current: Int?, data: DataSet) -> WhatIfReads {
        var reads = WhatIfReads()
        var performance: Set<String> = []
        var seen: [String] = []
        func note(_ key: String, base: Bool) {
            if !seen.contains(key) { seen.append(key) }
            if !base { performance.insert(key) }
        }
        func visit(_ node: BoundExpression, base: Bool, depth: Int) {
            guard depth < 64 else { return }
            switch node {
            case .constant, .indicatorMax: break
            case .slot(let slot):
                let name = compiled.slotNames[slot]
                if figure(data, subject: subject, key: name) != nil {
                    note(name, base: base)
                } else if data.subjects[subject].attributes[name] != nil {
                    reads.readsAttributes = true
                } else {
                    reads.readsMissing = true
                }
            case .indicatorValue(let index):
                let key = "#" + compiled.indicator(at: index).code
                if figure(data, subject: subject, key: key) != nil { note(key, base: base) } else { reads.readsMissing = true }
            case .metric(let metric): visit(compiled.metrics[metric].expression, base: base, depth: depth + 1)
            case .indicatorScore: reads.readsScores = true
            case .fund: reads.readsFund = true
            case .attribute: reads.readsAttributes = true
            case .aggregate: reads.readsPeers = true
            case .unary(_, let operand): visit(operand, base: base, depth: depth + 1)
            case .binary(let op, let lhs, let rhs, _):
                switch op {
                case .divide:
                    visit(lhs, base: base, depth: depth + 1)
                    visit(rhs, base: true, depth: depth + 1)
                case .less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual:
                    visit(lhs, base: base, depth: depth + 1)
                    visit(rhs, base: true, depth: depth + 1)
                default:
                    visit(lhs, base: base, depth: depth + 1)
                    visit(rhs, base: base, depth: depth + 1)
                }
            case .call(let function, let arguments):
                if function == .if, let current {
                    for branch in arguments.dropFirst() {
                        if case .indicatorValue(current) = branch { reads.judgedBranch = true }
                    }
                }
                for argument in arguments { visit(argument, base: base, depth: depth + 1) }
            }
        }
        visit(expression, base: false, depth: 0)
        for key in seen {
            switch figure(data, subject: subject, key: key) {
            case .number?:
                if performance.contains(key) { reads.numbers.append(key) } else { reads.bases.append(key) }
            case .bool?: reads.flags.append(key)
            default: break
            }
        }
        if reads.judgedBranch, let current {
            // The entered number is the reviewer's score, not a figure of the work.
            reads.numbers.removeAll { $0 == "#" + compiled.indicator(at: current).code }
        }
        return reads
    }

    /// Whether evaluating the expression needs the stage scored first (scores, a variant's or a group's max).
    func needsScores(_ expression: BoundExpression) -> Bool {
        var needs = false
        func visit(_ node: BoundExpression, _ depth: Int) {
            guard !needs, depth < 64 else { return }
            switch node {
            case .indicatorScore: needs = true
            case .indicatorMax(let index):
                if !compiled.nodes[index].variants.isEmpty || !compiled.nodes[index].isLeaf { needs = true }
            case .metric(let metric): visit(compiled.metrics[metric].expression, depth + 1)
            case .unary(_, let operand): visit(operand, depth + 1)
            case .binary(_, let lhs, let rhs, _):
                visit(lhs, depth + 1)
                visit(rhs, depth + 1)
            case .call(_, let arguments): arguments.forEach { visit($0, depth + 1) }
            case .aggregate(_, _, let operand): if let operand { visit(operand, depth + 1) }
            default: break
            }
        }
        visit(expression, 0)
        return needs
    }

    /// True when the expression reads only its own subject's figures: no score, no peer or child aggregate.
    /// Such an expression can be evaluated on a data set of that subject alone (far cheaper than the period).
    func readsOwnFiguresOnly(_ expression: BoundExpression) -> Bool {
        var own = !needsScores(expression)
        func visit(_ node: BoundExpression, _ depth: Int) {
            guard own else { return }
            guard depth < 64 else { own = false; return }
            switch node {
            case .aggregate: own = false
            case .metric(let metric): visit(compiled.metrics[metric].expression, depth + 1)
            case .unary(_, let operand): visit(operand, depth + 1)
            case .binary(_, let lhs, let rhs, _):
                visit(lhs, depth + 1)
                visit(rhs, depth + 1)
            case .call(_, let arguments): arguments.forEach { visit($0, depth + 1) }
            default: break
            }
        }
        visit(expression, 0)
        return own
    }

    /// The operand's value for one subject of `data`.
    func evaluate(_ expression: BoundExpression, subject: Int, data: DataSet) -> Term? {
        let run = self.run(data, executed: needsScores(expression))
        return try? expression.evaluate(Cursor(run: run, subject: subject))
    }

    func number(_ expression: BoundExpression, subject: Int, data: DataSet) -> Exact? {
        guard case .number(let number)? = evaluate(expression, subject: subject, data: data), !number.isOverflow else { return nil }
        return number
    }

    /// Whether the operand is the figure itself (directly or through metrics that only name it).
    func isDirect(_ expression: BoundExpression, key: String) -> Bool {
        switch expression {
        case .slot(let slot): return compiled.slotNames[slot] == key
        case .indicatorValue(let index): return "#" + compiled.indicator(at: index).code == key
        case .metric(let metric): return isDirect(compiled.metrics[metric].expression, key: key)
        default: return false
        }
    }

    /// The figure `key` of `subject`, moved as little as it must be (at its grain) for `expression` to meet
    /// `goal`, the rest of `data` unchanged. Never below 0 for a figure that is not negative now, never above
    /// 100% for a share. nil when no such value exists within those limits.
    func solve(_ expression: BoundExpression, goal: WhatIfGoal, subject: Int, key: String, data: DataSet) -> Fixed? {
        guard case .number(let current)? = figure(data, subject: subject, key: key) else { return nil }
        let x0 = Exact(current)
        let lower: Exact? = current.isNegative ? nil : .zero
        let upper: Exact? = isShare(key, value: current) ? .one : nil
        let limit = Exact(Fixed(raw: Int64.max / 2))
        func within(_ value: Exact) -> Bool {
            if let lower, value < lower { return false }
            if let upper, upper < value { return false }
            return value.magnitude < limit
        }
        if isDirect(expression, key: key) {
            let grain = Exact.min(grain(key), Self.unit(places: Self.decimals(goal.bound)))
            let up = goal.op == .greater || goal.op == .greaterOrEqual
            var value = Self.toGrain(goal.bound, grain, up: up)
            if !goal.holds(value) { value = up ? value + grain : value - grain }
            guard goal.holds(value), within(value), value.isDecimal else { return nil }
            return value.fixed
        }
        let grain = grain(key)
        let executed = needsScores(expression)
        let alone = readsOwnFiguresOnly(expression)
        func holds(_ value: Exact) -> Bool {
            guard within(value), value.isDecimal else { return false }
            let written = Self.write(key, .number(value.fixed), into: data.subjects[subject], stage: stageIndex, stageName: stageName)
            if alone {
                // Its own figures are all it reads: a run over this subject alone gives the same value.
                var single = written
                single.parent = nil
                let run = self.run(DataSet(schemeID: data.schemeID, period: data.period, subjects: [single]), executed: false)
                return goal.holds(try? expression.evaluate(Cursor(run: run, subject: 0)))
            }
            var changed = data
            changed.subjects[subject] = written
            let run = self.run(changed, executed: executed)
            return goal.holds(try? expression.evaluate(Cursor(run: run, subject: subject)))
        }
        if goal.holds(number(expression, subject: subject, data: data) ?? .overflow) { return current }
        var best: Exact?
        for direction in [Exact.one, -Exact.one] {
            // The furthest the figure may go this way, in grains.
            var reach: Int = 1 << 40
            if let bound = direction.isNegative ? lower : upper {
                guard let room = ((bound - x0) * direction).divided(by: grain), room >= .one, let whole = room.floored.wholePart else { continue }
                reach = Swift.min(reach, whole)
            }
            var failed = 0
            var found: Int?
            var steps = 1
            while found == nil {
                let n = Swift.min(steps, reach)
                if holds(x0 + grain * direction * Exact(n)) { found = n } else { failed = n }
                if n == reach || found != nil { break }
                steps *= 2
            }
            guard var high = found else { continue }
            var low = failed
            while high - low > 1 {
                let middle = low + (high - low) / 2
                if holds(x0 + grain * direction * Exact(middle)) { high = middle } else { low = middle }
            }
            let value = x0 + grain * direction * Exact(high)
            if best == nil || (value - x0).magnitude < (best! - x0).magnitude { best = value }
        }
        return best?.fixed
    }

    /// `value` on the grid of `grain`, rounded up or down.
    static func toGrain(_ value: Exact, _ grain: Exact, up: Bool) -> Exact {
        guard let steps = value.divided(by: grain) else { return value }
        let whole = steps.floored == steps ? steps : (up ? steps.ceiled : steps.floored)
        return whole * grain
    }
}
