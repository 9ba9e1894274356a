/// Where the points are: every leaf with points still open, each breakpoint of its rule reached by a change of
/// figures and verified by re-scoring the stage (the gain is the real change of the graded score, not an estimate).

/// An opportunity with what the plan needs to move along its ladders again.
struct WhatIfCandidate {
    var opportunity: WhatIfOpportunity
    var routes: [WhatIfRoute]
    /// For each step of the opportunity: which route and which breakpoint it is.
    var places: [(route: Int, k: Int)]
}

/// What one set of changes does, from re-scoring.
struct WhatIfOutcome {
    var changes: [WhatIfChange]
    var stage: StageResult
    var standing: WhatIfStanding
    var gain: Exact
}

extension WhatIfContext {
    /// Re-scores `data` with `changes` and measures the focus against `baseline`.
    func outcome(_ changes: [WhatIfChange], data: DataSet, baseline: WhatIfStanding) -> WhatIfOutcome {
        let stage = score(apply(changes, to: data))
        let standing = self.standing(stage)
        let gain = (standing.score ?? .zero) - (baseline.score ?? .zero)
        return WhatIfOutcome(changes: changes, stage: stage, standing: standing, gain: gain)
    }

    /// Shown steps per ladder: the first few that gain, and the last (the rule's best).
    static let shownSteps = 3

    func candidates(data: DataSet, baseline: StageResult, explained: StageResult) -> [WhatIfCandidate] {
        let before = standing(baseline)
        var found: [WhatIfCandidate] = []
        for subject in subjects {
            let result = baseline.subjects[subject]
            let facts = explained.subjects[subject].facts
            for index in compiled.nodes.indices where compiled.nodes[index].isLeaf {
                guard case .scored(let score) = result.outcomes[index] else { continue }
                let indicator = compiled.indicator(at: index)
                let max = result.maxima[index]
                let shape = compiled.shapes[index]
                let upper = Exact(Run.bounds(shape, max: max).upper)
                var open: Exact? = upper - score
                if case .bonus(let bonus, _)? = compiled.nodes[index].rule?.rule, bonus.uncapped, shape.cap == nil { open = nil }
                if let open, !(open > .zero) { continue }
                let item = data.subjects[subject]
                var opportunity = WhatIfOpportunity(
                    subject: item.id, subjectName: item.name, code: indicator.code, name: indicator.name, kind: indicator.kind,
                    rule: indicator.rule?.kindName ?? "judged", score: score, max: max, open: open, changeable: true, why: nil,
                    steps: [], breakpoints: 0)
                if let blocked = blocking(facts[index] ?? []) {
                    opportunity.changeable = false
                    opportunity.why = blocked
                    found.append(WhatIfCandidate(opportunity: opportunity, routes: [], places: []))
                    continue
                }
                if case .judged(let judged, _)? = compiled.nodes[index].rule?.rule {
                    opportunity.changeable = false
                    opportunity.why = judged.each == nil ? "评分人给分，不由填报数字决定" : "评分人逐项给分（每项 \(judged.each!.lowerBound)–\(judged.each!.upperBound) 分），不由填报数字决定"
                    found.append(WhatIfCandidate(opportunity: opportunity, routes: [], places: []))
                    continue
                }
                var noRoute = WhatIfNoRoute()
                let routes = self.routes(subject: subject, index: index, data: data, baseline: result, noRoute: &noRoute)
                var places: [(route: Int, k: Int)] = []
                var flagSets: [(keys: Set<String>, gain: Exact)] = []
                var indicatorMoved = false
                for (number, route) in routes.enumerated() {
                    if !route.isFlags { opportunity.breakpoints += route.count }
                    var gaining = 0
                    var ladderBest = Exact.zero
                    for k in shownBreakpoints(route) {
                        // Enough of a long ladder is shown once a few steps gain: the rest but its last are skipped.
                        if gaining >= Self.shownSteps && k < route.count - 1 && route.count > Self.shownSteps + 2 { continue }
                        guard let changes = route.changes(k) else { continue }
                        let measured = outcome(changes, data: data, baseline: before)
                        let after = measured.stage.subjects[subject].outcomes[index].score
                        if let after, after > score { indicatorMoved = true }
                        // A breakpoint further up the ladder that gains no more than a nearer one is no breakpoint of
                        // the score (rounding to the scheme's places can swallow a step).
                        guard measured.gain > ladderBest else { continue }
                        ladderBest = measured.gain
                        // A set of flips that gains no more than a smaller set of the same flips adds nothing.
                        let keys = Set(changes.map(\.key))
                        if route.isFlags, flagSets.contains(where: { $0.keys.isSubset(of: keys) && $0.gain >= measured.gain }) { continue }
                        if route.isFlags {
                            flagSets.append((keys, measured.gain))
                            opportunity.breakpoints += 1
                        }
                        gaining += 1
                        opportunity.steps.append(step(changes, measured, subject: subject, index: index, before: score, baseline: result))
                        places.append((number, k))
                    }
                }
                if opportunity.breakpoints == 0 { opportunity.breakpoints = opportunity.steps.count }
                // Nearest first: the least relative change.
                let order = opportunity.steps.indices.sorted {
                    let (a, b) = (opportunity.steps[$0], opportunity.steps[$1])
                    return a.relativeChange != b.relativeChange ? a.relativeChange < b.relativeChange : a.gain < b.gain
                }
                opportunity.steps = order.map { opportunity.steps[$0] }
                places = order.map { places[$0] }
                if opportunity.steps.isEmpty {
                    if routes.isEmpty {
                        opportunity.changeable = false
                        opportunity.why = noRoute.reasons.isEmpty ? "规则读取的数字中没有可改动的填报项" : noRoute.reasons.joined(separator: "；")
                    } else {
                        opportunity.why = indicatorMoved
                            ? "本指标得分可以提高，但定等得分不变（上级指标的上下限、舍入或综合加权吸收了这点分）"
                            : "在数字的合理范围内（不为负、比率不超过 100%）找不到能加分的改动"
                    }
                }
                found.append(WhatIfCandidate(opportunity: opportunity, routes: routes, places: places))
            }
        }
        return found.sorted(by: Self.cheaperFirst)
    }

    /// Which breakpoints of a ladder are measured for display: from the nearest until `shownSteps` gain (at most
    /// a dozen tried; rounding can make a step gain nothing), and the last.
    func shownBreakpoints(_ route: WhatIfRoute) -> [Int] {
        guard route.count > 0 else { return [] }
        if route.count <= Self.shownSteps + 2 { return Array(0..<route.count) }
        return Array(0..<Swift.min(route.count - 1, 12)) + [route.count - 1]
    }

    /// Changeable ones by points per relative change of their cheapest step, then those without steps, then
    /// those no figure can change by points open.
    static func cheaperFirst(_ a: WhatIfCandidate, _ b: WhatIfCandidate) -> Bool {
        let (x, y) = (a.opportunity, b.opportunity)
        func tier(_ o: WhatIfOpportunity) -> Int { o.cheapest != nil ? 0 : (o.changeable ? 1 : 2) }
        if tier(x) != tier(y) { return tier(x) < tier(y) }
        if let cx = x.cheapest, let cy = y.cheapest {
            if cx.efficiency != cy.efficiency { return cx.efficiency > cy.efficiency }
            if cx.gain != cy.gain { return cx.gain > cy.gain }
        }
        let (ox, oy) = (x.open ?? Exact(100_000), y.open ?? Exact(100_000))
        if ox != oy { return ox > oy }
        return (x.subject, x.code) < (y.subject, y.code)
    }

    /// A veto or a cross effect that holds: no figure of this indicator's rule can lift it.
    func blocking(_ facts: [ScoreFact]) -> String? {
        for fact in facts {
            switch fact {
            case .vetoed(let condition, let figures):
                return "否决条件 \(condition) 成立" + (figures.isEmpty ? "" : "（\(figures)）") + "，本指标计 0 分，不由填报数字决定"
            case .zeroed(let code, let name, let condition, let figures):
                return "被 \(code) \(name) 的交叉影响清零（\(condition)" + (figures.isEmpty ? "" : "：\(figures)") + "）；要恢复须改变该条件（见 \(code)）"
            default: continue
            }
        }
        return nil
    }

    func step(_ changes: [WhatIfChange], _ measured: WhatIfOutcome, subject: Int, index: Int, before: Exact, baseline: SubjectResult) -> WhatIfStep {
        let result = measured.stage.subjects[subject]
        let after = result.outcomes[index].score
        let isRanking: Bool = { if case .ranking? = compiled.nodes[index].rule?.rule { return true } else { return false } }()
        let rankBefore = isRanking ? baseline.rankings[index]?.rank : nil
        let rankAfter = isRanking ? result.rankings[index]?.rank : nil
        let indicatorGain = (after ?? before) - before
        let relative = changes.reduce(Exact.zero) { $0 + Self.relativeChange($1.from, $1.to) }
        let places = compiled.scheme.rounding.places
        var text = changes.map(\.text).joined(separator: "、") + "："
        if let rankBefore, let rankAfter {
            text += "排名 \(rankBefore) → \(rankAfter)，"
        } else {
            text += "得分 \(before.formatted(places: places)) → \((after ?? before).formatted(places: places))，"
        }
        text += points(measured.gain)
        if indicatorGain != measured.gain { text += "（本指标 \(points(indicatorGain))）" }
        return WhatIfStep(
            changes: changes, indicatorBefore: before, indicatorAfter: after, rankBefore: rankBefore, rankAfter: rankAfter,
            gain: measured.gain, indicatorGain: indicatorGain, relativeChange: relative, gradeAfter: measured.standing.grade, text: text)
    }
}
