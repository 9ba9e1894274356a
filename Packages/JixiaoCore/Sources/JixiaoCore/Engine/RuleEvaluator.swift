/// Evaluates one leaf's rule for one subject: the raw score before clamping and rounding,
/// and (when explaining) each step of the arithmetic in the documents' words.
struct RuleEvaluator {
    let run: Run
    let cursor: Cursor
    let index: Int
    let max: Fixed

    /// Collects the derivation when explaining; nil on the fast path.
    private let lines: TraceLines?

    init(run: Run, cursor: Cursor, index: Int, max: Fixed, tracing: Bool) {
        self.run = run
        self.cursor = cursor
        self.index = index
        self.max = max
        self.lines = tracing ? TraceLines() : nil
    }

    private var indicator: Indicator { run.compiled.nodes[index].indicator }

    func note(_ line: @autoclosure () -> String) {
        lines?.lines.append(line())
    }

    func number(_ expression: BoundExpression, _ what: String) throws(EvaluationError) -> Exact {
        try expression.number(cursor, what: what)
    }

    /// Evaluates and appends the derivation to `trace`.
    func evaluate(_ box: RuleBox, trace: inout [String]?) throws(EvaluationError) -> Exact {
        defer { if let lines { trace?.append(contentsOf: lines.lines) } }
        if lines != nil { notePeers(box) }
        return try evaluate(box)
    }

    func evaluate(_ box: RuleBox) throws(EvaluationError) -> Exact {
        switch box.rule {
        case .proportional(let input, let target):
            let actual = try number(input, "实际值")
            let goal = try number(target, "目标值")
            // (actual × max) ÷ goal: the same exact value as (actual ÷ goal) × max, with one reduction.
            guard let score = (actual * max).divided(by: goal) else { throw .divisionByZero("实际值 ÷ 目标值（目标为 0）") }
            note("实际 \(actual) ÷ 目标 \(goal) × 分值 \(max) = \(score)")
            return score

        case .rate(let rate):
            let value = try number(rate, "比率")
            let score = value * max
            note("比率 \(value.formattedPercent()) × 分值 \(max) = \(score)")
            return score

        case .threshold(let input, let op, let value, let accept, let pass, let fail):
            let measured = try input.evaluate(cursor)
            let passed: Bool
            if !accept.isEmpty {
                switch measured {
                case .text(let text): passed = accept.contains(text)
                case .bool(let bool): passed = bool
                case .notApplicable: throw .notApplicable
                default: passed = accept.contains(measured.description)
                }
                note("“\(measured)” " + (passed ? "属于" : "不属于") + "合格值（\(accept.joined(separator: "、"))）")
            } else if let value {
                let bound = try value.evaluate(cursor)
                if case .number(let required) = bound {
                    let actual = try measured.requireNumber("实际值")
                    passed = op.holds(actual, required)
                    note("\(actual) \(op.symbol) \(required) " + (passed ? "成立" : "不成立"))
                } else {
                    passed = op == .notEqual ? !measured.matches(bound) : measured.matches(bound)
                    note("“\(measured)” \(op.symbol) “\(bound)” " + (passed ? "成立" : "不成立"))
                }
            } else {
                passed = try measured.requireBool("条件")
                note("条件" + (passed ? "成立" : "不成立"))
            }
            let score = try number(passed ? pass : fail, passed ? "pass" : "fail")
            note((passed ? "达到要求，得 " : "未达到要求，得 ") + score.description)
            return score

        case .tiers(let input, let tiers):
            let value = try number(input, "实际值")
            return try tier(tiers, value, label: "实际值")

        case .shortfall(let rule, let input, let target, let base, let cutoff):
            let actual = try number(input, "实际值")
            let goal = try number(target, "目标值")
            let start = try base.map { b throws(EvaluationError) in try number(b, "base") } ?? Exact(max)
            if let cutoff {
                let floorValue = try number(cutoff, "cutoff")
                if actual < floorValue {
                    note("实际 \(actual) 低于 \(floorValue)，得 \(rule.cutoffScore) 分")
                    return Exact(rule.cutoffScore)
                }
            }
            let gap = rule.above ? actual - goal : goal - actual
            guard gap > .zero else {
                note("实际 \(actual) " + (rule.above ? "未超过" : "达到") + "目标 \(goal)，得 \(start)")
                return start
            }
            guard let ratio = gap.divided(by: Exact(rule.step)) else { throw .invalid("step 不能为 0") }
            let steps = rule.steps == .whole ? ratio.floored : ratio
            let deduction = steps * rule.deduct
            let score = Exact.max(start - deduction, Exact(rule.floor ?? (run.compiled.shapes[index].kind == .deduction ? -max : .zero)))
            let stepText = rule.step == .one ? "每 1 个单位" : "每 \(rule.step) "
            note(
                "目标 \(goal)，实际 \(actual)，" + (rule.above ? "超出 " : "差 ") + gap.description + "；\(stepText)扣 \(rule.deduct) 分（"
                    + (rule.steps == .whole ? "按整步：\(steps) 步" : "按比例：\(steps) 步") + "）→ 扣 \(deduction)，\(start) − \(deduction) = \(start - deduction)")
            if score != start - deduction { limit(start - deduction, to: score, floor: true) }
            return score

        case .deviation(let input, let target):
            let actual = try number(input, "实际值")
            let goal = try number(target, "目标值")
            guard let share = (actual - goal).magnitude.divided(by: goal) else { throw .divisionByZero("偏差 ÷ 目标值（目标为 0）") }
            let score = Exact.max(.zero, (Exact.one - share) * max)
            note("偏差 |\(actual) − \(goal)| ÷ \(goal) = \(share)；(1 − \(share)) × \(max) = \((Exact.one - share) * max)")
            if score != (Exact.one - share) * max { limit((Exact.one - share) * max, to: score, floor: true) }
            return score

        case .lateness(let rule, let input):
            let value = try input.evaluate(cursor)
            switch value {
            case .bool(true), .text("及时"), .text("按时"), .text("按期"), .text("是"):
                note("按时完成（期限 \(rule.due)），得满分")
                return Exact(max)
            case .bool(false), .text("未完成"), .text("否"):
                note("未完成，得 \(rule.nextYear)")
                return Exact(rule.nextYear)
            case .notApplicable: throw .notApplicable
            case .text(let text):
                guard let done = YearMonth(text) else { throw .invalid("完成时间 “\(text)” 不是年月（如 2020-02）") }
                if done.year > rule.due.year {
                    note("\(done)完成，已到次年（期限 \(rule.due)），得 \(rule.nextYear)")
                    return Exact(rule.nextYear)
                }
                let late = done.months(after: rule.due)
                guard late > 0 else {
                    note("\(done)完成，未超过期限 \(rule.due)，得满分")
                    return Exact(max)
                }
                let deduction = rule.deduct * Fixed(late)
                note("\(done)完成，递延 \(late) 个月 × \(rule.deduct) = 扣 \(deduction)")
                return Exact(max - deduction)
            default:
                throw .type("完成时间应为年月或“及时”，实际是 \(value)")
            }

        case .checklist(let items, let input):
            let value = try input.evaluate(cursor)
            let satisfied: Set<String>
            switch value {
            case .text(let text) where ["all", "全部", "全部满足"].contains(text): satisfied = Set(items.map(\.id))
            case .text(let text) where ["none", "无"].contains(text): satisfied = []
            case .text(let id): satisfied = [id]
            case .list(let ids): satisfied = Set(ids.map(\.description))
            case .notApplicable: throw .notApplicable
            default: throw .type("清单应填写满足的条目代码列表或 all，实际是 \(value)")
            }
            let unknown = satisfied.subtracting(items.map(\.id))
            guard unknown.isEmpty else { throw .invalid("清单中没有条目：\(unknown.sorted().joined(separator: "、"))") }
            var score = Fixed.zero
            for item in items {
                let met = satisfied.contains(item.id)
                if met { score += item.points }
                note((met ? "✓ " : "✗ ") + "\(item.id) \(item.text)（\(item.points) 分）")
            }
            if items.contains(where: { !satisfied.contains($0.id) }) { run.record(.unmet(items.filter { !satisfied.contains($0.id) }), cursor.subject, index) }
            note("满足条目合计 \(score)")
            return Exact(score)

        case .incidents(let rule, let countExpression, let base):
            let count = try wholeCount(countExpression, "次数")
            let start = try base.map { b throws(EvaluationError) in try number(b, "base") } ?? Exact(run.compiled.shapes[index].kind == .deduction ? .zero : max)
            var deduction: Fixed
            if !rule.ladder.isEmpty {
                deduction = rule.ladder.last { $0.count <= count }?.deduct ?? .zero
                note("发生 \(count) 次，按阶梯扣 \(deduction) 分")
            } else {
                deduction = (rule.deduct ?? .zero) * Fixed(count)
                note("发生 \(count) 次 × 每次 \(rule.deduct ?? .zero) 分 = 扣 \(deduction)")
            }
            let cap = rule.cap ?? max
            note("\(start) − \(deduction) = \(start - deduction)")
            if deduction > cap {
                limit(start - deduction, to: start - cap, floor: true)
                deduction = cap
            }
            return start - deduction

        case .bonus(let rule, let itemsExpression):
            return Exact(try bonus(rule, itemsExpression))

        case .judged(let rule, let input):
            let value = try input.evaluate(cursor)
            let score: Exact
            switch value {
            case .number(let number):
                score = number
                note("评分人给分 \(number)")
            case .list(let amounts):
                var sum = Exact.zero
                for (offset, amount) in amounts.enumerated() {
                    let number = try Term(amount).requireNumber("第 \(offset + 1) 项")
                    if let each = rule.each, number < Exact(each.lowerBound) || Exact(each.upperBound) < number {
                        throw .invalid("第 \(offset + 1) 项给分 \(number) 不在允许范围 \(each.lowerBound)–\(each.upperBound) 内")
                    }
                    sum += number
                }
                score = sum
                note(amounts.isEmpty ? "未填报任何一项，得 0" : "逐项给分 " + amounts.map(\.description).joined(separator: " + ") + " = \(sum)")
            case .notApplicable: throw .notApplicable
            default: throw .type("评分应为数字，实际是 \(value)")
            }
            let (lower, upper) = run.bounds(run.compiled.shapes[index], max: max)
            if rule.each == nil, score < Exact(lower) || Exact(upper) < score {
                throw .invalid("给分 \(score) 超出本指标范围 \(lower)–\(upper)")
            }
            if rule.reasonRequired, score < Exact(max), run.reasons[cursor.subject][indicator.code] == nil {
                run.warn(cursor.subject, index, "指标 \(indicator.code) \(indicator.name) 扣分但未填写理由")
            }
            if let reason = run.reasons[cursor.subject][indicator.code] { note("理由：\(reason)") }
            return score

        case .ranking(_, let metric):
            guard let (rank, count, coefficient, _) = run.ranking(cursor.subject, column: run.compiled.shapes[index].rankingColumn) else {
                _ = try number(metric, "排名指标")  // throws the reason this subject is unranked
                throw .missing("排名指标")
            }
            let score = max * coefficient
            note("在 \(count) 个对象中排第 \(rank) 名，排名系数 \(coefficient)；\(max) × \(coefficient) = \(score)")
            return score

        case .growth(let rule, let current, let previous):
            let now = try number(current, "本期值")
            let before = try number(previous, "上期值")
            let change: Exact
            if rule.relative {
                guard let rate = (now - before).divided(by: before) else {
                    throw .divisionByZero("增长率 = (本期 − 上期) ÷ 上期（上期为 0）")
                }
                change = rate
                note("增长率 (\(now) − \(before)) ÷ \(before) = \(rate.formattedPercent(places: 4))")
            } else {
                change = now - before
                note("增加 \(now) − \(before) = \(change)")
            }
            return try tier(rule.tiers, change, label: rule.relative ? "增长率" : "增加量")

        case .rescale(let input, let from):
            let external = try number(input, "外部得分")
            let score = (external * max).divided(by: Exact(from)) ?? .zero
            note("外部得分 \(external) ÷ \(from) × \(max) = \(score)")
            return score

        case .formula(let expression):
            let score = try number(expression, "公式")
            note("公式 \(formulaSource) = \(score)")
            return score
        }
    }

    private var formulaSource: String {
        if case .formula(let source)? = indicator.rule { return source.source }
        return ""
    }

    private func tier(_ tiers: [Tier], _ value: Exact, label: String) throws(EvaluationError) -> Exact {
        guard let band = tiers.first(where: { $0.contains(value) }) else {
            throw .invalid("\(label) \(value) 不在任何档位内")
        }
        note("\(label) \(value) 落在 \(band.bandText) 档，得 \(band.points)")
        return Exact(band.points)
    }

    private func wholeCount(_ expression: BoundExpression, _ what: String) throws(EvaluationError) -> Int {
        try wholeCount(try expression.evaluate(cursor), what)
    }

    private func wholeCount(_ value: Term, _ what: String) throws(EvaluationError) -> Int {
        let number: Exact
        if case .list(let items) = value { number = Exact(items.count) } else { number = try value.requireNumber(what) }
        guard !number.isNegative, number.floored == number, let count = number.wholePart, count < 1_000_000_000 else {
            throw .invalid("\(what)应为非负整数，实际是 \(number)")
        }
        return count
    }

    private func bonus(_ rule: Bonus, _ itemsExpression: BoundExpression) throws(EvaluationError) -> Fixed {
        let value = try itemsExpression.evaluate(cursor)
        var amount = Fixed.zero
        switch value {
        case .list(let items) where !rule.points.isEmpty:
            // Items by level; highest_only pays each group once, at its best level.
            var best: [String: Fixed] = [:]
            var order: [String] = []
            for (offset, item) in items.enumerated() {
                let (level, group): (String, String)
                if case .list(let pair) = item, pair.count >= 1 {
                    level = pair[0].description
                    group = pair.count > 1 ? pair[1].description : "#\(offset)"
                } else {
                    level = item.description
                    group = "#\(offset)"
                }
                guard let points = rule.points[level] else {
                    throw .invalid("加分级别 “\(level)” 不在 \(rule.points.keys.sorted().joined(separator: "/")) 之中")
                }
                let key = rule.highestOnly ? group : "#\(offset)"
                if best[key] == nil { order.append(key) }
                best[key] = Fixed.max(best[key] ?? .zero, points)
            }
            let paid = order.compactMap { best[$0] }.dropFirst(rule.free)
            amount = paid.reduce(Fixed.zero, +)
            note("加分项 \(items.count) 条" + (rule.highestOnly ? "（同一项按最高计，计 \(order.count) 条）" : "") + "，合计 \(amount)")
        default:
            let count: Int
            if case .list(let items) = value { count = items.count } else { count = try wholeCount(value, "条数") }
            let paidCount = Swift.max(0, count - rule.free)
            amount = (rule.per ?? .zero) * Fixed(paidCount)
            note("\(count) 条" + (rule.free > 0 ? "，超过 \(rule.free) 条的 \(paidCount) 条" : "") + " × \(rule.per ?? .zero) = \(amount)")
        }
        if !rule.uncapped {
            let cap = rule.cap ?? max
            if amount > cap {
                limit(Exact(amount), to: Exact(cap), floor: false)
                amount = cap
            }
        }
        return amount
    }
}

/// Reads one subject's figures for formulas.
struct Cursor: EvaluationContext {
    let run: Run
    let subject: Int

    func slot(_ index: Int) throws(EvaluationError) -> Term {
        guard let value = run.slot(subject, index) else { throw .missing(run.compiled.slotNames[index]) }
        return Term(value)
    }

    func metric(_ index: Int) throws(EvaluationError) -> Term {
        if let cached = run.metricCache[subject][index] { return try cached.get() }
        let result: Result<Term, EvaluationError>
        do {
            result = .success(try run.compiled.metrics[index].expression.evaluate(self))
        } catch {
            result = .failure(error)
        }
        run.metricCache[subject][index] = result
        return try result.get()
    }

    func indicatorValue(_ index: Int) throws(EvaluationError) -> Term {
        guard let value = run.enteredValue(subject, index) else {
            let indicator = run.compiled.nodes[index].indicator
            throw .missing("\(indicator.code) \(indicator.name) 的填报值")
        }
        return Term(value)
    }

    func indicatorScore(_ index: Int) throws(EvaluationError) -> Exact {
        let cell = run.cell(subject, index)
        if let score = run.score(cell) { return score }
        let indicator = run.compiled.nodes[index].indicator
        guard run.isComputed(cell) else { throw .missing("\(indicator.code) 的得分（尚未计算）") }
        switch run.outcome(cell) {
        case .scored(let score): return score
        case .notApplicable: throw .notApplicable
        case .missing: throw .missing("\(indicator.code) \(indicator.name) 的得分")
        case .failed(let why): throw .invalid("\(indicator.code) 的得分有错误：\(why)")
        }
    }

    func indicatorMax(_ index: Int) -> Fixed { run.maximum(subject, index) }

    func fund(_ name: String) throws(EvaluationError) -> Exact {
        guard let table = run.data.subjects[subject].fundTable else { throw .missing("资金安排和使用情况表") }
        guard let figure = table.exactFigure(name) else { throw .divisionByZero("资金表的 \(name)（分母为 0）") }
        return figure
    }

    func attribute(_ name: String) throws(EvaluationError) -> Term {
        guard let value = run.data.subjects[subject].attributes[name] else { throw .missing("考核对象属性 \(name)") }
        return Term(value)
    }

    func aggregate(_ function: Function, id: Int, _ operand: BoundExpression?) throws(EvaluationError) -> Term {
        if function == .childrenCount {
            var count = 0
            for child in 0..<run.subjectCount where run.parents[child] == subject {
                if try operand!.evaluate(Cursor(run: run, subject: child)).requireBool("children_count") { count += 1 }
            }
            return .number(Exact(count))
        }
        let depth = run.depths[subject]
        if let cached = run.aggregateCache[id]?[depth] { return cached }
        var numbers: [Exact] = []
        var gap: [Int] = []
        for peer in 0..<run.subjectCount where run.depths[peer] == depth {
            guard let operand else {
                numbers.append(.one)
                continue
            }
            do {
                numbers.append(try operand.number(Cursor(run: run, subject: peer), what: function.rawValue))
            } catch .notApplicable {
                continue
            } catch .missing {
                // A peer that has not entered its figure yet: the aggregate is taken over those that have,
                // and every score read from it is provisional until the rest are in.
                gap.append(peer)
                continue
            }
        }
        if !gap.isEmpty { run.peerGaps[id, default: [:]][depth] = gap }
        let value: Term
        switch function {
        case .peerCount: value = .number(Exact(numbers.count))
        case .peerSum: value = .number(numbers.reduce(.zero, +))
        case .peerMin, .peerMax, .peerAvg:
            guard !numbers.isEmpty else { throw .missing("同级对象的数据（\(function.rawValue)）") }
            switch function {
            case .peerMin: value = .number(numbers.min()!)
            case .peerMax: value = .number(numbers.max()!)
            default: value = .number(numbers.reduce(.zero, +).divided(by: Exact(numbers.count))!)
            }
        default: fatalError("not an aggregate")
        }
        run.aggregateCache[id, default: [:]][depth] = value
        return value
    }
}

final class TraceLines {
    var lines: [String] = []
}

extension Tier {
    func contains(_ x: Exact) -> Bool {
        if let from, fromExclusive ? !(x > Exact(from)) : !(x >= Exact(from)) { return false }
        if let to, toInclusive ? !(x <= Exact(to)) : !(x < Exact(to)) { return false }
        return true
    }
}
