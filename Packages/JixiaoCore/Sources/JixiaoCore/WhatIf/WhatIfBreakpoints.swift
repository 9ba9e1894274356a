/// The breakpoints of each rule kind: the values of its operand at which its score steps up (a tier's bound, a
/// threshold, each whole step of a shortfall, each incident less, each better-ranked peer's metric, full marks of
/// a proportion or rate), each turned into the change of an entered figure that reaches it.

/// One way to move one indicator: a ladder of breakpoints, nearest first, each reached by changing figures.
final class WhatIfRoute {
    let subject: Int
    let index: Int
    /// How many breakpoints the ladder has.
    let count: Int
    /// Whether each breakpoint moves one number (the plan narrows it down to the least value that reaches).
    let numeric: Bool
    /// Yes/no figures flipped together (one step; kept only when it gains more than fewer flips of them).
    var isFlags = false
    private let make: (Int) -> [WhatIfChange]?
    private var cache: [Int: [WhatIfChange]?] = [:]

    init(subject: Int, index: Int, count: Int, numeric: Bool, make: @escaping (Int) -> [WhatIfChange]?) {
        self.subject = subject
        self.index = index
        self.count = count
        self.numeric = numeric
        self.make = make
    }

    /// The changes that reach breakpoint `k` (0 = the nearest); nil when no figure within its limits reaches it.
    func changes(_ k: Int) -> [WhatIfChange]? {
        if let known = cache[k] { return known }
        let made = k >= 0 && k < count ? make(k) : nil
        cache[k] = made
        return made
    }
}

/// Why an indicator has no route: which kinds of figures its rule reads instead.
struct WhatIfNoRoute {
    var reasons: [String] = []
    mutating func add(_ reads: WhatIfReads) {
        if reads.judgedBranch { reasons.append("本对象此项为评分人给分（公式的给分分支），不由填报数字决定") }
        if reads.readsFund { reasons.append("由资金表数字决定（资金表不在模拟范围内）") }
        if reads.readsPeers { reasons.append("由同级对象或下级单位的数据决定") }
        if reads.readsScores { reasons.append("由其他指标的得分决定") }
        if reads.readsAttributes { reasons.append("由考核对象属性决定") }
        if reads.readsMissing { reasons.append("所需数字尚未填报") }
        if !reads.bases.isEmpty {
            reasons.append("只读取基数或比较基准（\(reads.bases.joined(separator: "、"))），这些数字不作调整")
        }
    }
}

extension WhatIfContext {
    /// Every route that can raise leaf `index` of `subject`, by the kind of its rule.
    func routes(subject: Int, index: Int, data: DataSet, baseline: SubjectResult, noRoute: inout WhatIfNoRoute) -> [WhatIfRoute] {
        guard let box = compiled.nodes[index].rule, let score = baseline.outcomes[index].score else { return [] }
        let max = baseline.maxima[index]
        func value(_ expression: BoundExpression) -> Exact? { number(expression, subject: subject, data: data) }
        func numeric(_ operand: BoundExpression, _ goals: [WhatIfGoal]) -> WhatIfRoute? {
            goals.isEmpty ? nil : numericRoute(subject: subject, index: index, operand: operand, count: goals.count, data: data,
                                               noRoute: &noRoute) { goals[$0] }
        }
        var routes: [WhatIfRoute] = []
        var performance: [BoundExpression] = []

        switch box.rule {
        case .proportional(let input, let target):
            performance = [input]
            if let x = value(input), let goal = value(target), x < goal { routes += [numeric(input, [WhatIfGoal(op: .greaterOrEqual, bound: goal)])].compactMap { $0 } }

        case .rate(let rate):
            performance = [rate]
            if let x = value(rate), x < .one { routes += [numeric(rate, [WhatIfGoal(op: .greaterOrEqual, bound: .one)])].compactMap { $0 } }

        case .threshold(let input, let op, let bound, let accept, _, _):
            performance = [input]
            if !accept.isEmpty {
                if let key = directKey(input), let current = figure(data, subject: subject, key: key),
                    !(current.matchesAny(accept))
                {
                    let to: Value = { if case .bool = current { return .bool(true) } else { return .text(accept[0]) } }()
                    routes.append(directRoute(subject: subject, index: index, [[(key, to)]], data: data))
                }
            } else if let bound {
                let required = evaluate(bound, subject: subject, data: data)
                if case .number(let b)? = required, let x = value(input), !op.holds(x, b) {
                    let goal: WhatIfGoal?
                    switch op {
                    case .equal: goal = WhatIfGoal(op: x < b ? .greaterOrEqual : .lessOrEqual, bound: b)
                    case .notEqual: goal = nil
                    default: goal = WhatIfGoal(op: op, bound: b)
                    }
                    if let goal { routes += [numeric(input, [goal])].compactMap { $0 } }
                } else if case .text(let text)? = required, let key = directKey(input),
                    let current = figure(data, subject: subject, key: key), op == .equal, !current.matchesAny([text])
                {
                    routes.append(directRoute(subject: subject, index: index, [[(key, .text(text))]], data: data))
                }
            }

        case .tiers(let input, let tiers):
            performance = [input]
            if let x = value(input) { routes += [numeric(input, tierGoals(tiers, x))].compactMap { $0 } }

        case .shortfall(let rule, let input, let target, _, let cutoff):
            performance = [input]
            if let x = value(input), let goal = value(target) {
                let floorValue = cutoff.flatMap(value)
                let count: Int
                let goalAt: (Int) -> WhatIfGoal
                (count, goalAt) = shortfallLadder(rule, x: x, goal: goal, cutoff: floorValue)
                if count > 0, let route = numericRoute(subject: subject, index: index, operand: input, count: count, data: data,
                                                       noRoute: &noRoute, goal: goalAt)
                {
                    routes.append(route)
                }
            }

        case .deviation(let input, let target):
            performance = [input]
            if let x = value(input), let goal = value(target), x != goal {
                routes += [numeric(input, [WhatIfGoal(op: x < goal ? .greaterOrEqual : .lessOrEqual, bound: goal)])].compactMap { $0 }
            }

        case .lateness(let rule, let input):
            performance = [input]
            if let key = directKey(input), let current = figure(data, subject: subject, key: key) {
                let ladder = latenessLadder(rule, current).map { [(key, $0)] }
                if !ladder.isEmpty { routes.append(directRoute(subject: subject, index: index, ladder, data: data)) }
            }

        case .checklist(let items, let input):
            performance = [input]
            if let key = directKey(input), let current = figure(data, subject: subject, key: key) {
                let ladder = checklistLadder(items, current).map { [(key, $0)] }
                if !ladder.isEmpty { routes.append(directRoute(subject: subject, index: index, ladder, data: data)) }
            }

        case .incidents(let rule, let countExpression, _):
            performance = [countExpression]
            if case .number(let n)? = evaluate(countExpression, subject: subject, data: data), let c = n.wholePart, c > 0 {
                let counts = incidentCounts(rule, count: c, max: max)
                routes += [numeric(countExpression, counts.map { WhatIfGoal(op: .lessOrEqual, bound: Exact($0)) })].compactMap { $0 }
            }

        case .bonus(let rule, let itemsExpression):
            performance = [itemsExpression]
            routes += bonusRoutes(rule, itemsExpression, subject: subject, index: index, score: score, max: max, data: data,
                                  noRoute: &noRoute)

        case .judged:
            return []

        case .ranking(let ranking, let metric):
            performance = [metric]
            routes += [numeric(metric, rankingGoals(ranking, metric, subject: subject, data: data))].compactMap { $0 }

        case .growth(let rule, let current, let previous):
            performance = [current]
            if let c = value(current), let p = value(previous) {
                routes += [numeric(current, growthGoals(rule, current: c, previous: p))].compactMap { $0 }
            }

        case .rescale(let input, let from):
            performance = [input]
            if let x = value(input), x < Exact(from) { routes += [numeric(input, [WhatIfGoal(op: .greaterOrEqual, bound: Exact(from))])].compactMap { $0 } }

        case .formula(let expression):
            performance = [expression]
            let upper = Exact(Run.bounds(compiled.shapes[index], max: max).upper)
            if let raw = value(expression), raw < upper {
                var quiet = WhatIfNoRoute()
                if let full = numericRoute(subject: subject, index: index, operand: expression, count: 1, data: data, noRoute: &quiet,
                                           goal: { _ in WhatIfGoal(op: .greaterOrEqual, bound: upper) })
                {
                    routes.append(full)
                } else if let better = numericRoute(subject: subject, index: index, operand: expression, count: 1, data: data,
                                                    noRoute: &noRoute, goal: { _ in WhatIfGoal(op: .greater, bound: raw) })
                {
                    routes.append(better)
                }
            }
        }
        routes += flagRoutes(subject: subject, index: index, performance, data: data)
        return routes
    }

    // MARK: Ladders by rule kind

    /// Better tiers, nearest first, each only if it pays more than every nearer one.
    func tierGoals(_ tiers: [Tier], _ x: Exact) -> [WhatIfGoal] {
        guard let current = tiers.first(where: { $0.contains(x) }) else { return [] }
        var found: [(distance: Exact, goal: WhatIfGoal, points: Fixed)] = []
        for tier in tiers where tier.points > current.points {
            if let from = tier.from, x < Exact(from) || (x == Exact(from) && tier.fromExclusive) {
                found.append((Exact(from) - x, WhatIfGoal(op: tier.fromExclusive ? .greater : .greaterOrEqual, bound: Exact(from)), tier.points))
            } else if let to = tier.to, Exact(to) < x || (x == Exact(to) && !tier.toInclusive) {
                found.append((x - Exact(to), WhatIfGoal(op: tier.toInclusive ? .lessOrEqual : .less, bound: Exact(to)), tier.points))
            }
        }
        var goals: [WhatIfGoal] = []
        var best = current.points
        for entry in found.sorted(by: { $0.distance < $1.distance }) where entry.points > best {
            goals.append(entry.goal)
            best = entry.points
        }
        return goals
    }

    /// Each whole step less short of the target (whole steps: the deduction falls only when the gap drops below
    /// a whole number of steps, so each breakpoint is just past one: 823.6 of 850 in steps of 10 → > 830, > 840);
    /// a proportional shortfall: one step closer, then the target. A cutoff below which nothing is paid comes first.
    func shortfallLadder(_ rule: Shortfall, x: Exact, goal: Exact, cutoff: Exact?) -> (Int, (Int) -> WhatIfGoal) {
        var lead: [WhatIfGoal] = []
        var from = x
        if let cutoff, x < cutoff {
            lead.append(WhatIfGoal(op: .greaterOrEqual, bound: cutoff))
            from = cutoff
        }
        let step = Exact(rule.step)
        let gap = rule.above ? from - goal : goal - from
        guard gap > .zero, step > .zero else { return (lead.count, { lead[$0] }) }
        if rule.steps == .whole {
            guard let ratio = gap.divided(by: step), let n = ratio.floored.wholePart, n > 0 else { return (lead.count, { lead[$0] }) }
            let leadCopy = lead
            return (lead.count + n, { k in
                if k < leadCopy.count { return leadCopy[k] }
                let remaining = n - 1 - (k - leadCopy.count)  // whole steps left after this breakpoint
                let edge = step * Exact(remaining + 1)
                return rule.above ? WhatIfGoal(op: .less, bound: goal + edge) : WhatIfGoal(op: .greater, bound: goal - edge)
            })
        }
        if gap > step {
            lead.append(rule.above ? WhatIfGoal(op: .lessOrEqual, bound: from - step) : WhatIfGoal(op: .greaterOrEqual, bound: from + step))
        }
        lead.append(WhatIfGoal(op: rule.above ? .lessOrEqual : .greaterOrEqual, bound: goal))
        let all = lead
        return (all.count, { all[$0] })
    }

    /// The counts below `count` at which the deduction falls, nearest first, ending at 0.
    func incidentCounts(_ rule: Incidents, count: Int, max: Fixed) -> [Int] {
        let cap = rule.cap ?? max
        func deduction(_ c: Int) -> Fixed {
            let raw = rule.ladder.isEmpty ? (rule.deduct ?? .zero) * Fixed(c) : (rule.ladder.last { $0.count <= c }?.deduct ?? .zero)
            return Fixed.min(raw, cap)
        }
        var counts: [Int] = []
        var last = deduction(count)
        if rule.ladder.isEmpty {
            guard let per = rule.deduct, per > .zero else { return [] }
            // Above the cap, fewer incidents change nothing until the deduction drops under it.
            var first = count - 1
            if deduction(count) >= cap, let steps = Exact(cap).divided(by: Exact(per)) { first = Swift.min(first, (steps.ceiled.wholePart ?? 1) - 1) }
            // A long run of incidents is shown by its first steps and the last; the plan needs no more.
            var c = first
            while c >= 0 {
                if deduction(c) < last {
                    counts.append(c)
                    last = deduction(c)
                }
                c -= 1
                if counts.count >= 200, c > 0 { c = 0 }
            }
        } else {
            let edges = Set(rule.ladder.filter { $0.count <= count }.map { $0.count - 1 } + [0]).sorted(by: >)
            for c in edges where c < count && deduction(c) < last {
                counts.append(c)
                last = deduction(c)
            }
        }
        return counts
    }

    /// Better-ranked peers' metric values, nearest first: reaching one shares its rank (ties share the better rank).
    /// Among many peers (a province's 183 counties) not every rank is tried, since each try re-scores the period:
    /// the next `RankSelection.nearest` peers, then ever wider gaps (Fibonacci positions), and always the top.
    /// Every rank shown is still exact; only ranks in between are not listed.
    func rankingGoals(_ ranking: Ranking, _ metric: BoundExpression, subject: Int, data: DataSet) -> [WhatIfGoal] {
        let run = self.run(data, executed: needsScores(metric))
        guard let own = try? metric.number(Cursor(run: run, subject: subject), what: "metric") else { return [] }
        var better: Set<Exact> = []
        for peer in peers(of: subject, siblings: ranking.amongSiblings, data: data) {
            guard let value = try? metric.number(Cursor(run: run, subject: peer), what: "metric") else { continue }
            if ranking.descending ? own < value : value < own { better.insert(value) }
        }
        let sorted = better.sorted { ranking.descending ? $0 < $1 : $1 < $0 }
        return RankSelection.positions(sorted.count).map {
            WhatIfGoal(op: ranking.descending ? .greaterOrEqual : .lessOrEqual, bound: sorted[$0])
        }
    }

    /// The others ranked with `subject`: the same level, or the same parent.
    func peers(of subject: Int, siblings: Bool, data: DataSet) -> [Int] {
        let parent = data.subjects[subject].parent
        return data.subjects.indices.filter { other in
            other != subject && (siblings ? data.subjects[other].parent == parent : depths[other] == depths[subject])
        }
    }

    /// The current value at which each better tier of the change starts.
    func growthGoals(_ rule: Growth, current: Exact, previous: Exact) -> [WhatIfGoal] {
        let change: Exact
        if rule.relative {
            guard previous > .zero, let rate = (current - previous).divided(by: previous) else { return [] }
            change = rate
        } else {
            change = current - previous
        }
        guard let now = rule.tiers.first(where: { $0.contains(change) }) else { return [] }
        var goals: [(Exact, WhatIfGoal, Fixed)] = []
        for tier in rule.tiers where tier.points > now.points {
            guard let from = tier.from, change < Exact(from) || (change == Exact(from) && tier.fromExclusive) else { continue }
            let needed = rule.relative ? previous * (Exact.one + Exact(from)) : previous + Exact(from)
            goals.append((needed - current, WhatIfGoal(op: tier.fromExclusive ? .greater : .greaterOrEqual, bound: needed), tier.points))
        }
        var best = now.points
        var ladder: [WhatIfGoal] = []
        for entry in goals.sorted(by: { $0.0 < $1.0 }) where entry.2 > best {
            ladder.append(entry.1)
            best = entry.2
        }
        return ladder
    }

    /// Months earlier, one at a time, to the due month.
    func latenessLadder(_ rule: Lateness, _ current: Value) -> [Value] {
        func text(_ month: YearMonth) -> Value { .text("\(month.year)-" + (month.month < 10 ? "0" : "") + "\(month.month)") }
        let due = rule.due
        var late: Int
        switch current {
        case .text(let written):
            guard let done = YearMonth(written) else { return [text(due)] }
            late = done.year > due.year ? 12 - due.month + 1 : done.months(after: due)
        case .bool(false): late = 12 - due.month + 1
        default: return []
        }
        guard late > 0 else { return [] }
        var ladder: [Value] = []
        for months in stride(from: Swift.min(late - 1, 12 - due.month), through: 0, by: -1) {
            let total = due.month + months
            ladder.append(text(YearMonth(year: due.year, month: total)))
        }
        return ladder
    }

    /// The unmet items added one at a time, the most points first.
    func checklistLadder(_ items: [ChecklistItem], _ current: Value) -> [Value] {
        var satisfied: [String]
        switch current {
        case .text(let text) where ["all", "全部", "全部满足"].contains(text): return []
        case .text(let text) where ["none", "无"].contains(text): satisfied = []
        case .text(let id): satisfied = [id]
        case .list(let ids): satisfied = ids.map(\.description)
        default: return []
        }
        let unmet = items.filter { !satisfied.contains($0.id) }.sorted { $0.points > $1.points }
        var ladder: [Value] = []
        for item in unmet {
            satisfied.append(item.id)
            ladder.append(.list(satisfied.map { .text($0) }))
        }
        return ladder
    }

    /// A bonus: one item more at a time up to the cap (by count), or one item of each level (by level).
    func bonusRoutes(
        _ rule: Bonus, _ items: BoundExpression, subject: Int, index: Int, score: Exact, max: Fixed, data: DataSet,
        noRoute: inout WhatIfNoRoute
    ) -> [WhatIfRoute] {
        let cap: Exact? = rule.uncapped ? nil : Exact(rule.cap ?? max)
        if let cap, !(score < cap) { return [] }
        let current = evaluate(items, subject: subject, data: data)
        if case .list(let list)? = current, !rule.points.isEmpty {
            guard let key = directKey(items) else { return [] }
            let levels = rule.points.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            var routes: [WhatIfRoute] = []
            for (offset, level) in levels.enumerated() {
                // The best level may take several items to the cap (or three, uncapped); the others one item each.
                var count = 1
                if offset == 0 {
                    if let cap, let steps = (cap - score).divided(by: Exact(level.value)) { count = Swift.max(1, Swift.min(5, steps.ceiled.wholePart ?? 1)) } else if cap == nil { count = 3 }
                }
                let ladder = (1...count).map { k in
                    [(key, Value.list(list + (1...k).map { Value.list([.text(level.key), .text("（模拟新增\($0)）")]) }))]
                }
                routes.append(directRoute(subject: subject, index: index, ladder, data: data))
            }
            return routes
        }
        guard case .number(let n)? = current, let have = n.wholePart, let per = rule.per, per > .zero else { return [] }
        var count = 5
        if let cap, let steps = cap.divided(by: Exact(per)), let whole = steps.ceiled.wholePart {
            count = rule.free + whole - have
        }
        guard count > 0 else { return [] }
        return [numericRoute(subject: subject, index: index, operand: items, count: count, data: data, noRoute: &noRoute) { k in
            WhatIfGoal(op: .greaterOrEqual, bound: Exact(have + k + 1))
        }].compactMap { $0 }
    }

    // MARK: Routes

    /// The key of the entered figure an operand is, when it is one (`value`, an input, a metric naming one).
    func directKey(_ operand: BoundExpression) -> String? {
        switch operand {
        case .slot(let slot): return compiled.slotNames[slot]
        case .indicatorValue(let index): return "#" + compiled.indicator(at: index).code
        case .metric(let metric): return directKey(compiled.metrics[metric].expression)
        default: return nil
        }
    }

    /// A ladder of goals on a numeric operand, each reached by moving one number: of the numbers the operand reads
    /// where better work moves them, the one that needs the least relative change for that breakpoint.
    func numericRoute(
        subject: Int, index: Int, operand: BoundExpression, count: Int, data: DataSet, noRoute: inout WhatIfNoRoute,
        goal: @escaping (Int) -> WhatIfGoal
    ) -> WhatIfRoute? {
        let reads = self.reads(operand, subject: subject, current: index, data: data)
        let keys = reads.numbers.filter { figure(data, subject: subject, key: $0) != nil }
        guard !keys.isEmpty else {
            noRoute.add(reads)
            return nil
        }
        let route = WhatIfRoute(subject: subject, index: index, count: count, numeric: true) { [unowned self] k in
            var chosen: (WhatIfChange, Exact)?
            for key in keys {
                let from = self.figure(data, subject: subject, key: key)
                guard let value = self.solve(operand, goal: goal(k), subject: subject, key: key, data: data), from != .number(value)
                else { continue }
                let relative = Self.relativeChange(from, .number(value))
                if chosen == nil || relative < chosen!.1 {
                    chosen = (self.change(subject: subject, key: key, from: from, to: .number(value)), relative)
                }
            }
            return chosen.map { [$0.0] }
        }
        // A route whose nearest breakpoints no number reaches (within its limits) is no route.
        guard (0..<Swift.min(count, 3)).contains(where: { route.changes($0) != nil }) || route.changes(count - 1) != nil else {
            noRoute.add(reads)
            return nil
        }
        return route
    }

    func directRoute(subject: Int, index: Int, _ ladder: [[(String, Value)]], data: DataSet) -> WhatIfRoute {
        WhatIfRoute(subject: subject, index: index, count: ladder.count, numeric: false) { [unowned self] k in
            ladder[k].map { self.change(subject: subject, key: $0.0, from: self.figure(data, subject: subject, key: $0.0), to: $0.1) }
        }
    }

    /// Yes/no figures the rule reads, flipped alone, in pairs and in threes (at most six of them): each a route of
    /// one step; those that gain nothing, or no more than a smaller set of flips, are dropped once verified.
    func flagRoutes(subject: Int, index: Int, _ operands: [BoundExpression], data: DataSet) -> [WhatIfRoute] {
        var flags: [String] = []
        for operand in operands {
            for key in reads(operand, subject: subject, current: index, data: data).flags where !flags.contains(key) { flags.append(key) }
        }
        flags = Array(flags.prefix(6))
        var subsets: [[String]] = flags.map { [$0] }
        for a in flags.indices { for b in flags.indices where b > a { subsets.append([flags[a], flags[b]]) } }
        for a in flags.indices { for b in flags.indices where b > a { for c in flags.indices where c > b { subsets.append([flags[a], flags[b], flags[c]]) } } }
        return subsets.map { subset in
            let changes: [(String, Value)] = subset.compactMap { key in
                guard case .bool(let now)? = figure(data, subject: subject, key: key) else { return nil }
                return (key, .bool(!now))
            }
            let route = directRoute(subject: subject, index: index, [changes], data: data)
            route.isFlags = true
            return route
        }
    }
}

extension Value {
    /// Whether a qualitative figure is one of the accepted texts (or yes).
    func matchesAny(_ accept: [String]) -> Bool {
        switch self {
        case .text(let text): return accept.contains(text)
        case .bool(let bool): return bool
        default: return accept.contains(description)
        }
    }
}

extension Run {
    /// [floor, cap] of an indicator's score by its kind and keys (what `bounds` on an instance computes).
    static func bounds(_ shape: CompiledScheme.Shape, max: Fixed) -> (lower: Fixed, upper: Fixed) {
        switch shape.kind {
        case .regular, .bonus: return (shape.floor ?? .zero, shape.cap ?? max)
        case .deduction: return (shape.floor ?? -max, shape.cap ?? .zero)
        }
    }
}

/// Which of `count` better-ranked peers a what-if tries to overtake (indices, nearest first).
enum RankSelection {
    static let nearest = 3

    static func positions(_ count: Int) -> [Int] {
        guard count > nearest else { return Array(0..<count) }
        var chosen = Array(0..<nearest)
        var (a, b) = (nearest, nearest + 2)  // 1-based positions 3, 5, 8, 13, 21 …
        while b < count {
            chosen.append(b - 1)
            (a, b) = (b, a + b)
        }
        if chosen.last != count - 1 { chosen.append(count - 1) }
        return chosen
    }
}
