/// The smallest set of changes that reaches a target grade.
///
/// Exact where feasible, greedy beyond:
/// 1. every single opportunity at its best breakpoint, then every pair of them (pairs whose measured gains add up
///    to less than the points needed are skipped: this assumes two changes never gain more together than apart,
///    which holds unless one lifts a block on the other, such as an effect that zeroes an indicator), is re-scored;
///    the fewest changes that reach the grade win, the cheapest (least relative change) among them;
/// 2. when no single change or pair reaches it, changes are added greedily: opportunities cheapest first (points
///    per relative change), each at its best breakpoint, re-scored after each, in up to three rounds (each round
///    analyses again from the data changed so far, so that a change that lifts a block shows what it unblocked);
///    then changes that are not needed are dropped. Greedy plans are not proven to be the smallest.
/// In both, each chosen change is then reduced to the least that still reaches: the nearest breakpoint of its
/// ladder, and for a number the least value at its grain. The plan is verified by re-scoring with all its changes.
extension WhatIfContext {
    /// How many pairs are re-scored at most: each re-scores the whole stage, so the budget is in subject-scorings
    /// (a pair in a period of 30 subjects costs 30): 400 pairs for a city's counties, about 60 for a province's 200.
    static let pairScoringBudget = 12_000

    var pairBudget: Int { Swift.max(20, Swift.min(400, Self.pairScoringBudget / Swift.max(1, data.subjects.count))) }

    struct Move {
        var candidate: Int
        var route: WhatIfRoute
        var k: Int
        var changes: [WhatIfChange]
        var gain: Exact
        var grade: String?
    }

    func plan(target: String, candidates: [WhatIfCandidate], baseline: StageResult, distances: [WhatIfGradeDistance]) -> WhatIfPlan {
        let before = standing(baseline)
        let places = compiled.scheme.rounding.places
        func finish(_ reachable: Bool, _ method: WhatIfPlan.Method, _ changes: [WhatIfChange], _ after: WhatIfStanding, why: String?) -> WhatIfPlan {
            var text: [String] = []
            if reachable && changes.isEmpty {
                text.append("目标 \(target)：已经达到（\(before.text)）")
            } else if reachable {
                let how = method == .exhaustive
                    ? "逐一试过每一项和每两项的组合，没有改动更少的办法"
                    : "按性价比逐项选取，不保证改动最少"
                text.append("目标 \(target)：改动 \(changes.count) 项即可达到（\(how)）")
                text += changes.map { "  · \($0.text)" }
                text.append("改动后：\(after.text)")
            } else {
                text.append("目标 \(target)：不能以填报数字达到")
                if let why { text.append("  \(why)") }
                if !changes.isEmpty {
                    text.append("  所有能加分的数字都改到最好（\(changes.count) 项）后：\(after.text)")
                }
            }
            return WhatIfPlan(target: target, reachable: reachable, method: method, changes: changes, before: before, after: after,
                              why: why, text: text)
        }
        if reaches(before.grade, target) { return finish(true, .none, [], before, why: nil) }
        if let distance = distances.first(where: { $0.grade == target }), let blocked = distance.blockedBy {
            return finish(false, .none, [], before, why: "\(blocked)，分数再高也不能定为 \(target)")
        }
        let needed = distances.first(where: { $0.grade == target })?.pointsNeeded

        // The best breakpoint of each opportunity, as measured when the opportunities were found.
        var moves: [Move] = []
        for (number, candidate) in candidates.enumerated() {
            guard let best = candidate.opportunity.best, let place = candidate.opportunity.steps.firstIndex(of: best) else { continue }
            let (route, k) = candidate.places[place]
            moves.append(Move(candidate: number, route: candidate.routes[route], k: k, changes: best.changes, gain: best.gain, grade: best.gradeAfter))
        }

        // 1. Singles, then pairs.
        var found: [([WhatIfChange], Exact)] = []
        for move in moves where reaches(move.grade, target) {
            let changes = reduce(move, others: [], target: target)
            found.append((changes, cost(changes)))
        }
        var exhaustive = true
        if found.isEmpty {
            var tried = 0
            outer: for a in moves.indices {
                for b in moves.indices where b > a {
                    let (x, y) = (moves[a], moves[b])
                    guard Set(x.changes.map(\.qualifiedKey)).isDisjoint(with: y.changes.map(\.qualifiedKey)) else { continue }
                    if let needed, x.gain + y.gain < needed { continue }
                    tried += 1
                    if tried > pairBudget {
                        exhaustive = false
                        break outer
                    }
                    let measured = outcome(x.changes + y.changes, data: data, baseline: before)
                    guard reaches(measured.standing.grade, target) else { continue }
                    let first = reduce(x, others: y.changes, target: target)
                    let second = reduce(y, others: first, target: target)
                    found.append((first + second, cost(first + second)))
                }
            }
        }
        if let cheapest = found.min(by: { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0.count < $1.0.count }) {
            let after = outcome(cheapest.0, data: data, baseline: before).standing
            return finish(true, exhaustive ? .exhaustive : .greedy, cheapest.0, after, why: nil)
        }

        // 2. Greedy rounds.
        var chosen: [Move] = []
        var state = data
        var reached = false
        var pool = candidates
        var current = before
        for round in 0..<3 {
            if round > 0 {
                let stage = score(state)
                pool = self.candidates(data: state, baseline: stage, explained: score(state, explain: true))
                current = standing(stage)
            }
            var added = false
            for candidate in pool {
                guard let best = candidate.opportunity.best, let place = candidate.opportunity.steps.firstIndex(of: best) else { continue }
                let keys = Set(best.changes.map(\.qualifiedKey))
                let others = chosen.flatMap(\.changes).filter { !keys.contains($0.qualifiedKey) }
                let measured = outcome(others + best.changes, data: data, baseline: current)
                guard measured.gain > .zero else { continue }
                chosen.removeAll { move in move.changes.contains { keys.contains($0.qualifiedKey) } }
                let (route, k) = candidate.places[place]
                chosen.append(Move(candidate: -1, route: candidate.routes[route], k: k, changes: best.changes, gain: measured.gain,
                                   grade: measured.standing.grade))
                current = measured.standing
                added = true
                if reaches(current.grade, target) {
                    reached = true
                    break
                }
            }
            if reached || !added { break }
            state = apply(chosen.flatMap(\.changes), to: data)
        }
        let all = chosen.flatMap(\.changes)
        guard reached else {
            let after = outcome(all, data: data, baseline: before).standing
            var why = "能由填报数字改变的指标都改到最好，定等得分 \(after.score?.formatted(places: places) ?? "—")，仍未达到 \(target)"
            if let needed, let gained = after.score.flatMap({ s in before.score.map { s - $0 } }) {
                why += "（需 \(needed.formatted(places: places)) 分，只能得到 \(gained.formatted(places: places)) 分）"
            }
            let judged = candidates.filter { !$0.opportunity.changeable }
            if !judged.isEmpty {
                let open = judged.compactMap(\.opportunity.open).reduce(Exact.zero, +)
                why += "；其余 \(judged.count) 项不由填报数字决定（评分人给分或否决），本对象在这些指标上尚有 \(open.formatted(places: places)) 分未得"
            }
            return finish(false, .greedy, originals(all), after, why: why)
        }
        // Drop what is not needed, the most costly first; then reduce each to the least that still reaches.
        var kept = chosen
        for move in chosen.sorted(by: { cost($0.changes) > cost($1.changes) }) {
            let without = kept.filter { $0.changes != move.changes }
            if reaches(outcome(without.flatMap(\.changes), data: data, baseline: before).standing.grade, target) { kept = without }
        }
        var reduced: [[WhatIfChange]] = kept.map(\.changes)
        for position in kept.indices {
            let others = reduced.enumerated().filter { $0.offset != position }.flatMap(\.element)
            reduced[position] = reduce(kept[position], others: others, target: target)
        }
        let changes = originals(reduced.flatMap { $0 })
        let after = outcome(changes, data: data, baseline: before).standing
        return finish(reaches(after.grade, target), .greedy, changes, after, why: nil)
    }

    /// The total relative change of a set of changes.
    func cost(_ changes: [WhatIfChange]) -> Exact { changes.reduce(Exact.zero) { $0 + Self.relativeChange($1.from, $1.to) } }

    /// The least of a move that still reaches the target with `others`: the nearest breakpoint of its ladder that
    /// does, then (for a number) the least value at its grain between the breakpoint before it and that one.
    func reduce(_ move: Move, others: [WhatIfChange], target: String) -> [WhatIfChange] {
        let before = baselineStanding
        func works(_ changes: [WhatIfChange]) -> Bool {
            reaches(outcome(others + changes, data: data, baseline: before).standing.grade, target)
        }
        var k = move.k
        var changes = move.changes
        var low = -1
        var high = k
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if let candidate = move.route.changes(middle), works(candidate) { high = middle } else { low = middle }
        }
        if high != k, let candidate = move.route.changes(high) {
            k = high
            changes = candidate
        }
        guard move.route.numeric, changes.count == 1, case .number(let to) = changes[0].to else { return changes }
        let key = changes[0].key
        let subject = indexByID[changes[0].subject] ?? 0
        var fromValue: Fixed?
        if k > 0, let previous = move.route.changes(k - 1)?.first, previous.key == key, case .number(let value) = previous.to {
            fromValue = value
        }
        if fromValue == nil, case .number(let current)? = figure(data, subject: subject, key: key) { fromValue = current }
        guard let from = fromValue else { return changes }
        let grain = self.grain(key)
        guard let span = (Exact(to) - Exact(from)).magnitude.divided(by: grain), let count = span.floored.wholePart, count > 1 else { return changes }
        let direction: Exact = to < from ? -.one : .one
        var lo = 0
        var hi = count
        while hi - lo > 1 {
            let middle = lo + (hi - lo) / 2
            let value = (Exact(from) + grain * direction * Exact(middle)).fixed
            let trial = [change(subject: subject, key: key, from: changes[0].from, to: .number(value))]
            if works(trial) { hi = middle } else { lo = middle }
        }
        if hi < count {
            let value = (Exact(from) + grain * direction * Exact(hi)).fixed
            return [change(subject: subject, key: key, from: changes[0].from, to: .number(value))]
        }
        return changes
    }

    /// The changes with `from` as the data has it (a later round measured from figures already changed).
    func originals(_ changes: [WhatIfChange]) -> [WhatIfChange] {
        changes.map { change in
            guard let subject = indexByID[change.subject] else { return change }
            return self.change(subject: subject, key: change.key, from: figure(data, subject: subject, key: change.key), to: change.to)
        }
    }
}
