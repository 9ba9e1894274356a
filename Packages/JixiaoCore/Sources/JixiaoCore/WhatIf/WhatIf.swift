/// Distance to the next grade, where the cheapest points are, and what-if (issue 14).
///
/// Everything is measured on the engine itself: a breakpoint of a rule (a tier's bound, a threshold, a whole step
/// of a shortfall, one incident less, a better-ranked peer's metric, full marks) is turned into the change of an
/// entered figure that reaches it, and the stage is scored again with that change; the gain is the real change
/// of the graded score. Nothing is stored.
public enum WhatIf {
    /// The `subject` index that means the subject-weighted composite (seed 001's 综合).
    public static let composite = -1
    /// Separates the subject from the key in a trial's figure keys (`延安市::资金到位及时率`).
    public static let subjectSeparator = "::"

    /// For subject `subject` (index into the stage's subjects, or `WhatIf.composite`) at stage index `stage`:
    /// where it stands, how far each grade above is, where the points are (cheapest first) and a plan that
    /// reaches `target` (default: the next grade above).
    public static func analyse(_ report: ScoreReport, stage: Int, subject: Int, target: String?) -> WhatIfAnalysis {
        var analysis = WhatIfAnalysis(
            subject: subject == composite ? "综合" : "", subjectName: subject == composite ? "综合得分" : "", stage: "",
            standing: WhatIfStanding(total: nil, score: nil, grade: nil, rank: nil, ranked: 0), distances: [], opportunities: [],
            plan: nil, assumptions: [], problems: [])
        guard report.stages.indices.contains(stage) else {
            analysis.problems.append(WhatIfError.noStage(stage).description)
            return analysis
        }
        analysis.stage = report.stages[stage].stage
        let focus: WhatIfContext.Focus
        if subject == composite {
            guard report.stages[stage].composite != nil else {
                analysis.problems.append("方案没有按考核对象加权的综合得分")
                return analysis
            }
            focus = .composite
        } else {
            guard report.data.subjects.indices.contains(subject) else {
                analysis.problems.append(WhatIfError.noSubject(subject).description)
                return analysis
            }
            focus = .subject(subject)
            analysis.subject = report.data.subjects[subject].id
            analysis.subjectName = report.data.subjects[subject].name
        }
        let context = WhatIfContext(report: report, stage: stage, focus: focus)
        let explained = context.score(report.data, explain: true)
        analysis.standing = context.standing(explained)
        context.baselineStanding = analysis.standing
        guard analysis.standing.score != nil else {
            analysis.problems.append("总分尚未评出（有指标未评分或有错误），无法分析")
            return analysis
        }
        analysis.distances = context.distances(explained)
        let candidates = context.candidates(data: report.data, baseline: explained, explained: explained)
        analysis.opportunities = candidates.map(\.opportunity)
        let goal = target ?? analysis.distances.first?.grade
        if let goal {
            if context.gradeOrder().contains(goal) {
                analysis.plan = context.plan(target: goal, candidates: candidates, baseline: explained, distances: analysis.distances)
            } else {
                analysis.problems.append("方案中没有等级 “\(goal)”（有：\(context.gradeOrder().joined(separator: "、"))）")
            }
        }
        analysis.assumptions = assumptions(context, analysis)
        return analysis
    }

    /// Re-scores the stage with several figures changed and reports where the subject (or the composite) stood
    /// before and stands after; nothing is stored. `figures` are keyed as the server's preview keys them: an input
    /// by its name, an indicator's entered value by `#code`; `subject::key` changes another subject (required for
    /// the composite, which has no figures of its own). `.notApplicable` marks a figure 不适用; a figure cannot be
    /// cleared (missing is not a what-if).
    public static func trial(_ report: ScoreReport, stage: Int, subject: Int, figures: [String: Value]) throws -> WhatIfTrial {
        guard report.stages.indices.contains(stage) else { throw WhatIfError.noStage(stage) }
        let focus: WhatIfContext.Focus
        if subject == composite {
            guard report.stages[stage].composite != nil else { throw WhatIfError.noSubject(subject) }
            focus = .composite
        } else {
            guard report.data.subjects.indices.contains(subject) else { throw WhatIfError.noSubject(subject) }
            focus = .subject(subject)
        }
        let context = WhatIfContext(report: report, stage: stage, focus: focus)
        var changes: [WhatIfChange] = []
        for (written, value) in figures.sorted(by: { $0.key < $1.key }) {
            var target = subject
            var key = written
            if let (id, rest) = split(written) {
                guard let index = context.indexByID[id] else { throw WhatIfError.unknownSubject(written) }
                target = index
                key = rest
            } else if subject == composite {
                throw WhatIfError.compositeNeedsSubject(written)
            }
            if key.hasPrefix("#") {
                guard report.scheme.index(of: String(key.dropFirst())) != nil else { throw WhatIfError.unknownFigure(written) }
            } else if !report.scheme.inputNames.contains(key) {
                throw WhatIfError.unknownFigure(written)
            }
            changes.append(context.change(subject: target, key: key, from: context.figure(report.data, subject: target, key: key), to: value))
        }
        let changed = context.apply(changes, to: report.data)
        do {
            try DataChecks.check(changed, against: report.scheme)
        } catch {
            throw WhatIfError.rejected(error.problems.map(\.message))
        }
        let before = context.score(report.data)
        let after = context.score(changed)
        var moved: [WhatIfIndicatorChange] = []
        let watched: [Int] = {
            if case .subject(let subject) = focus { return [subject] }
            return Array(Set(context.subjects + changes.compactMap { context.indexByID[$0.subject] })).sorted()
        }()
        for index in watched {
            let item = report.data.subjects[index]
            for node in report.scheme.nodes.indices where before.subjects[index].outcomes[node] != after.subjects[index].outcomes[node] {
                let indicator = report.scheme.indicator(at: node)
                moved.append(WhatIfIndicatorChange(subject: item.id, code: indicator.code, name: indicator.name,
                                                   before: before.subjects[index].outcomes[node], after: after.subjects[index].outcomes[node]))
            }
        }
        if focus == .composite, let a = before.composite, let b = after.composite {
            for node in report.scheme.nodes.indices where a.outcomes[node] != b.outcomes[node] {
                let indicator = report.scheme.indicator(at: node)
                moved.append(WhatIfIndicatorChange(subject: "综合", code: indicator.code, name: indicator.name, before: a.outcomes[node], after: b.outcomes[node]))
            }
        }
        let (was, now) = (context.standing(before), context.standing(after))
        let gain = now.score.flatMap { n in was.score.map { n - $0 } }
        return WhatIfTrial(changes: changes, before: was, after: now, indicators: moved, gain: gain)
    }

    /// `subject::key` → (subject, key); nil without the separator.
    static func split(_ written: String) -> (String, String)? {
        let characters = Array(written)
        let separator = Array(subjectSeparator)
        guard characters.count > separator.count else { return nil }
        for start in 0...(characters.count - separator.count) where Array(characters[start..<start + separator.count]) == separator {
            return (String(characters[..<start]), String(characters[(start + separator.count)...]))
        }
        return nil
    }

    static func assumptions(_ context: WhatIfContext, _ analysis: WhatIfAnalysis) -> [String] {
        var lines = [
            "每一步只改动所列的数字，其他数字和其他考核对象不变；每一步的加分都是按改动后的数据重新计分得出的（\(analysis.stage)）",
            "只调整反映工作成效的数字：分母（如入库残疾人人数、应上报次数）、比较的基准（如上月人数、进度要求）和目标值不作调整；数字不改为负数，比率不超过 100%",
            "数字按数据中同一项写到的最细位数变动（人数按 1，比率至少按 0.1 个百分点）",
            "性价比 = 加分 ÷ 数字的相对变化（|新 − 旧| ÷ |旧|；从 0 改起、或改动文字、是/否、清单的，每项按 100% 计）",
        ]
        if analysis.opportunities.contains(where: { $0.rule == "ranking" }) {
            lines.append("排名类指标假定同级的其他考核对象保持现在的数值不变；同分并列取较好名次，追平即与其同名次")
        }
        if analysis.distances.contains(where: { if case .rankShare = $0.basis { return true } else { return false } }) {
            lines.append("按名次定等时假定其他人的得分不变")
        }
        if analysis.plan?.method == .greedy {
            lines.append("超过两项改动的计划按性价比逐项选取（贪心），不保证改动最少")
        }
        return lines
    }
}
