/// The values `WhatIf.analyse` and `WhatIf.trial` return (issue 14: distance to the next grade, where the
/// cheapest points are, and what-if on the score sheet). Every number is exact; every gain was measured by
/// re-scoring the data with the changed figures, never estimated.

/// Where a subject (or the composite) stands at one stage: what the grade is decided on and the grade.
public struct WhatIfStanding: Sendable, Hashable {
    /// The subject's total (the composite's total when the composite is analysed).
    public var total: Exact?
    /// The score the grade is decided on: the component composite where the scheme has one (seed 003),
    /// the composite's total for the subject-weighted composite (seed 001), else the total.
    public var score: Exact?
    public var grade: String?
    /// Rank by that score among the subjects of the same level (1 = best; ties share); nil for the composite.
    public var rank: Int?
    /// How many subjects of that level are ranked.
    public var ranked: Int

    public init(total: Exact?, score: Exact?, grade: String?, rank: Int?, ranked: Int) {
        self.total = total
        self.score = score
        self.grade = grade
        self.rank = rank
        self.ranked = ranked
    }

    /// "总分 22.50，等级 中，名次 3 / 6".
    public var text: String {
        var parts = ["总分 " + (total?.formatted() ?? "未评分")]
        if let score, score != total { parts.append("定等得分 \(score.formatted())") }
        parts.append("等级 \(grade ?? "—")")
        if let rank { parts.append("名次 \(rank) / \(ranked)") }
        return parts.joined(separator: "，")
    }
}

/// The subject just inside a rank-share line (seed 003: the last 一等): whom to catch.
public struct WhatIfRankLine: Sendable, Hashable {
    public var subject: String
    public var name: String
    public var score: Exact
    /// Its place among the others ranked for grades (1 = best).
    public var place: Int
    /// The grade's cumulative quota (how many subjects it names).
    public var quota: Int
    /// The count the share is taken of.
    public var baseCount: Int
}

/// How far one grade above the current one is.
public struct WhatIfGradeDistance: Sendable, Hashable {
    public enum Basis: Sendable, Hashable {
        /// A score band from `min`.
        case band(min: Fixed)
        /// A rank share: reach the score of the subject just inside the line (`line` nil: the quota is not
        /// filled by the others, so being ranked at all is enough).
        case rankShare(share: Fixed, line: WhatIfRankLine?)
        /// Out of the threshold grade (003: above 80).
        case threshold(score: Fixed, inclusive: Bool)
    }
    public var grade: String
    public var basis: Basis
    /// Points of the graded score still needed; nil when the grade cannot be reached by points (veto).
    public var pointsNeeded: Exact?
    /// Why no points can reach it (a grade veto holds).
    public var blockedBy: String?
    /// "良（24 分起）：还差 1.50 分".
    public var text: String
}

/// One entered figure changed: an input (`key` is its name) or an indicator's entered value (`key` is `#code`).
public struct WhatIfChange: Sendable, Hashable {
    /// The subject's id.
    public var subject: String
    public var subjectName: String
    /// As `WhatIf.trial` takes it: an input name, or `#` + indicator code.
    public var key: String
    /// What a reader calls it: the input's name, or the indicator's code and name.
    public var name: String
    public var from: Value?
    public var to: Value
    /// "落实精准度 91.2% → 93.4%".
    public var text: String

    /// The key for `WhatIf.trial` when the analysed subject is not this one (the composite): `subject::key`.
    public var qualifiedKey: String { subject + WhatIf.subjectSeparator + key }
}

/// One breakpoint of a rule reached by changing figures, verified by re-scoring.
public struct WhatIfStep: Sendable, Hashable {
    public var changes: [WhatIfChange]
    public var indicatorBefore: Exact?
    public var indicatorAfter: Exact?
    /// For ranking indicators: the subject's rank among its peers on the metric, before and after.
    public var rankBefore: Int?
    public var rankAfter: Int?
    /// The real change of the graded score (see `WhatIfStanding.score`) at the stage, from re-scoring.
    public var gain: Exact
    /// The change of the indicator's own score.
    public var indicatorGain: Exact
    /// Sum over the changes of |new − old| ÷ |old|; a change from 0, or of a text, yes/no or list, counts 1.
    public var relativeChange: Exact
    /// The grade after this step alone.
    public var gradeAfter: String?
    /// "落实精准度 91.2% → 93.4%：排名 3 → 2，+0.96 分".
    public var text: String

    /// Points per relative change: what "cheapest first" orders by.
    public var efficiency: Exact { relativeChange.isZero ? gain : (gain.divided(by: relativeChange) ?? gain) }
}

/// Where points are still to be had on one indicator (a leaf) of one subject.
public struct WhatIfOpportunity: Sendable, Hashable {
    public var subject: String
    public var subjectName: String
    public var code: String
    public var name: String
    public var kind: IndicatorKind
    /// The rule kind (`ranking`, `shortfall` …).
    public var rule: String
    public var score: Exact
    public var max: Fixed
    /// Points still open: max − score (regular), the deduction that could be avoided (deduction items), the
    /// bonus still open up to its cap; nil for a bonus without a cap (不封顶). In the subject's own points, also when
    /// the composite is analysed (the steps' gains are the composite's).
    public var open: Exact?
    /// Whether an entered figure can change the score (false: judged, vetoed, or no figure the rule reads).
    public var changeable: Bool
    /// Why it cannot be changed, or why no step was found.
    public var why: String?
    /// The breakpoints found, nearest first (a long ladder shows its first steps and the last).
    public var steps: [WhatIfStep]
    /// How many breakpoints the rule has on the way to its best (more than `steps` shows for long ladders).
    public var breakpoints: Int

    /// The step with the most points per relative change.
    public var cheapest: WhatIfStep? {
        steps.max { a, b in a.efficiency != b.efficiency ? a.efficiency < b.efficiency : a.gain < b.gain }
    }
    /// The step with the most points.
    public var best: WhatIfStep? { steps.max { a, b in a.gain != b.gain ? a.gain < b.gain : a.relativeChange > b.relativeChange } }
}

/// The smallest set of changes found that reaches the target grade, re-scored as a whole.
public struct WhatIfPlan: Sendable, Hashable {
    public enum Method: String, Sendable, Hashable {
        /// Already at or above the target.
        case none
        /// Every single change and every pair of changes was tried: no plan with fewer changes exists
        /// among the breakpoints found.
        case exhaustive
        /// Changes added cheapest first, then pruned and each reduced to the least that still reaches.
        case greedy
    }
    public var target: String
    public var reachable: Bool
    public var method: Method
    public var changes: [WhatIfChange]
    public var before: WhatIfStanding
    /// After all the changes, from re-scoring (the best that figures can do when unreachable).
    public var after: WhatIfStanding
    /// Why it cannot be reached.
    public var why: String?
    public var text: [String]
}

/// What `WhatIf.analyse` finds for one subject (or the composite) at one stage.
public struct WhatIfAnalysis: Sendable, Hashable {
    /// The subject's id, or 综合 for the composite.
    public var subject: String
    public var subjectName: String
    public var stage: String
    public var standing: WhatIfStanding
    /// Every grade above the current one, nearest first.
    public var distances: [WhatIfGradeDistance]
    /// Cheapest first: changeable ones by points per relative change, then those no figure can change.
    public var opportunities: [WhatIfOpportunity]
    /// Towards `target`, or the next grade above when none was asked; nil when there is none above.
    public var plan: WhatIfPlan?
    /// What the answers take for granted (peers stay as they are …).
    public var assumptions: [String]
    /// Why no analysis could be made (unknown stage, subject or grade; a total not yet scored).
    public var problems: [String]
}

/// One indicator whose score a trial moved.
public struct WhatIfIndicatorChange: Sendable, Hashable {
    public var subject: String
    public var code: String
    public var name: String
    public var before: Outcome
    public var after: Outcome
}

/// `WhatIf.trial`: several figures changed at once and re-scored, nothing stored.
public struct WhatIfTrial: Sendable, Hashable {
    public var changes: [WhatIfChange]
    public var before: WhatIfStanding
    public var after: WhatIfStanding
    /// The indicators whose score changed, in tree order (of every subject, for the composite).
    public var indicators: [WhatIfIndicatorChange]
    /// The change of the graded score; nil when either side is not scored.
    public var gain: Exact?
}

public enum WhatIfError: Error, Sendable, Hashable, CustomStringConvertible {
    case noStage(Int)
    case noSubject(Int)
    /// A key that is neither an input the scheme reads nor `#code` of an indicator.
    case unknownFigure(String)
    /// `subject::key` naming no subject of the data.
    case unknownSubject(String)
    /// The composite has no figures of its own: keys must name a subject.
    case compositeNeedsSubject(String)
    /// The changed data does not fit the scheme.
    case rejected([String])

    public var description: String {
        switch self {
        case .noStage(let stage): return "没有第 \(stage + 1) 个评分阶段"
        case .noSubject(let subject): return "没有第 \(subject + 1) 个考核对象"
        case .unknownFigure(let key): return "“\(key)” 既不是方案读取的输入项，也不是 #指标代码"
        case .unknownSubject(let key): return "“\(key)” 中的考核对象不在数据中"
        case .compositeNeedsSubject(let key): return "综合得分没有自己的数字：“\(key)” 须写成 考核对象::\(key)"
        case .rejected(let problems): return problems.joined(separator: "\n")
        }
    }
}
