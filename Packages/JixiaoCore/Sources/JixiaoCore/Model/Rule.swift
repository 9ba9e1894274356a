/// A formula or a constant, as a rule parameter. Numbers written in YAML are constants;
/// text is parsed as a formula.
public typealias Operand = Expression

/// The machine rule of an indicator: one case per rule kind of docs/schemes.md.
/// Catalogue numbers (R1…R29) refer to BRIEF.md.
public enum Rule: Sendable, Hashable {
    /// R1: max × input / target, capped at max.
    case proportional(input: Operand, target: Operand?)
    /// R2: rate × max.
    case rate(rate: Operand)
    /// R3: a condition met pays `pass`, else `fail`.
    case threshold(Threshold)
    /// R4: piecewise-constant bands.
    case tiers(input: Operand, tiers: [Tier])
    /// R5, R6, R7, R16: deduct per unit (or per step of units) short of the target.
    case shortfall(Shortfall)
    /// R8: max × (1 − |input − target| / target).
    case deviation(input: Operand, target: Operand?)
    /// R9: full when on time, less per month late, `nextYear` when done in a later year.
    case lateness(Lateness)
    /// R10: sum of the satisfied items' points.
    case checklist(items: [ChecklistItem])
    /// R11, R17: per incident, or by an escalating ladder, capped.
    case incidents(Incidents)
    /// R12: bonus per item or by level, with free items, caps and highest-only groups.
    case bonus(Bonus)
    /// R13, R24: the reviewer enters the score (or a list of amounts, each in `each`).
    case judged(Judged)
    /// R14: max × the coefficient of the subject's rank among its peers.
    case ranking(Ranking)
    /// R15: tiers over the change against the previous period.
    case growth(Growth)
    /// R22: an external score out of `from`, rescaled to max.
    case rescale(input: Operand, from: Fixed)
    /// R2, R23, R25: any formula.
    case formula(score: Operand)

    public var kindName: String {
        switch self {
        case .proportional: return "proportional"
        case .rate: return "rate"
        case .threshold: return "threshold"
        case .tiers: return "tiers"
        case .shortfall: return "shortfall"
        case .deviation: return "deviation"
        case .lateness: return "lateness"
        case .checklist: return "checklist"
        case .incidents: return "incidents"
        case .bonus: return "bonus"
        case .judged: return "judged"
        case .ranking: return "ranking"
        case .growth: return "growth"
        case .rescale: return "rescale"
        case .formula: return "formula"
        }
    }

    public static let kindNames = [
        "proportional", "rate", "threshold", "tiers", "shortfall", "deviation", "lateness", "checklist",
        "incidents", "bonus", "judged", "ranking", "growth", "rescale", "formula",
    ]

    /// Every formula the rule holds, for reference checks and dependency order.
    public var operands: [Operand] {
        switch self {
        case .proportional(let input, let target), .deviation(let input, let target):
            return [input] + (target.map { [$0] } ?? [])
        case .rate(let rate): return [rate]
        case .threshold(let threshold):
            return [threshold.input, threshold.pass, threshold.fail] + (threshold.value.map { [$0] } ?? [])
        case .tiers(let input, _): return [input]
        case .shortfall(let shortfall):
            return [shortfall.input] + [shortfall.target, shortfall.base, shortfall.cutoff].compactMap { $0 }
        case .lateness(let lateness): return [lateness.input]
        case .checklist: return []
        case .incidents(let incidents): return [incidents.count]
        case .bonus(let bonus): return [bonus.items]
        case .judged: return []
        case .ranking(let ranking): return [ranking.metric]
        case .growth(let growth): return [growth.current, growth.previous]
        case .rescale(let input, _): return [input]
        case .formula(let score): return [score]
        }
    }
}

public enum ComparisonOperator: String, Sendable, Hashable, CaseIterable {
    case greaterOrEqual = ">=", greater = ">", lessOrEqual = "<=", less = "<", equal = "==", notEqual = "!="

    func holds(_ lhs: Exact, _ rhs: Exact) -> Bool {
        switch self {
        case .greaterOrEqual: return lhs >= rhs
        case .greater: return lhs > rhs
        case .lessOrEqual: return lhs <= rhs
        case .less: return lhs < rhs
        case .equal: return lhs == rhs
        case .notEqual: return lhs != rhs
        }
    }

    func holds(_ lhs: Fixed, _ rhs: Fixed) -> Bool { holds(Exact(lhs), Exact(rhs)) }

    public var symbol: String {
        switch self {
        case .greaterOrEqual: return "≥"
        case .greater: return ">"
        case .lessOrEqual: return "≤"
        case .less: return "<"
        case .equal: return "="
        case .notEqual: return "≠"
        }
    }
}

public struct Threshold: Sendable, Hashable {
    public var input: Operand
    /// Numeric comparison, when `accept` is empty.
    public var op: ComparisonOperator
    public var value: Operand?
    /// Qualitative: any of these texts (or `true`) passes.
    public var accept: [String]
    public var pass: Operand
    public var fail: Operand
    public init(input: Operand, op: ComparisonOperator, value: Operand?, accept: [String], pass: Operand, fail: Operand) {
        self.input = input
        self.op = op
        self.value = value
        self.accept = accept
        self.pass = pass
        self.fail = fail
    }
}

/// One band of a tiers rule. Bounds are inclusive at `from` and exclusive at `to` unless flipped.
public struct Tier: Sendable, Hashable {
    public var from: Fixed?
    public var to: Fixed?
    public var fromExclusive: Bool
    public var toInclusive: Bool
    public var points: Fixed
    public init(from: Fixed?, to: Fixed?, fromExclusive: Bool = false, toInclusive: Bool = false, points: Fixed) {
        self.from = from
        self.to = to
        self.fromExclusive = fromExclusive
        self.toInclusive = toInclusive
        self.points = points
    }

    func contains(_ x: Fixed) -> Bool {
        if let from, fromExclusive ? !(x > from) : !(x >= from) { return false }
        if let to, toInclusive ? !(x <= to) : !(x < to) { return false }
        return true
    }

    public var bandText: String {
        switch (from, to) {
        case (nil, nil): return "任意值"
        case (let from?, nil): return (fromExclusive ? "> " : "≥ ") + from.description
        case (nil, let to?): return (toInclusive ? "≤ " : "< ") + to.description
        case (let from?, let to?):
            return (fromExclusive ? "(" : "[") + "\(from), \(to)" + (toInclusive ? "]" : ")")
        }
    }
}

public enum StepCounting: String, Sendable, Hashable {
    /// 5.4 units short × 0.5 per unit = 2.7.
    case proportional
    /// 7 short in steps of 3 = 2 whole steps.
    case whole
}

public struct Shortfall: Sendable, Hashable {
    public var input: Operand
    public var target: Operand?
    public var step: Fixed
    public var deduct: Fixed
    public var steps: StepCounting
    /// `above`: deduct per unit over the target instead of under it.
    public var above: Bool
    public var base: Operand?
    public var floor: Fixed?
    public var cutoff: Operand?
    public var cutoffScore: Fixed
    public init(
        input: Operand, target: Operand?, step: Fixed, deduct: Fixed, steps: StepCounting, above: Bool,
        base: Operand?, floor: Fixed?, cutoff: Operand?, cutoffScore: Fixed
    ) {
        self.input = input
        self.target = target
        self.step = step
        self.deduct = deduct
        self.steps = steps
        self.above = above
        self.base = base
        self.floor = floor
        self.cutoff = cutoff
        self.cutoffScore = cutoffScore
    }
}

/// A calendar month, for lateness rules.
public struct YearMonth: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }
    /// `2019-12`, `2019/12`, `2019年12月`.
    public init?(_ text: String) {
        let digits = text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard digits.count >= 2, (1...12).contains(digits[1]), (1900...2999).contains(digits[0]) else { return nil }
        self.init(year: digits[0], month: digits[1])
    }
    public static func < (lhs: YearMonth, rhs: YearMonth) -> Bool { (lhs.year, lhs.month) < (rhs.year, rhs.month) }
    public var description: String { "\(year)年\(month)月" }
    func months(after other: YearMonth) -> Int { (year - other.year) * 12 + (month - other.month) }
}

public struct Lateness: Sendable, Hashable {
    public var input: Operand
    public var due: YearMonth
    public var deduct: Fixed
    public var nextYear: Fixed
    public init(input: Operand, due: YearMonth, deduct: Fixed, nextYear: Fixed) {
        self.input = input
        self.due = due
        self.deduct = deduct
        self.nextYear = nextYear
    }
}

public struct ChecklistItem: Sendable, Hashable {
    public var id: String
    public var text: String
    public var points: Fixed
    public init(id: String, text: String, points: Fixed) {
        self.id = id
        self.text = text
        self.points = points
    }
}

public struct LadderRung: Sendable, Hashable {
    public var count: Int
    public var deduct: Fixed
    public init(count: Int, deduct: Fixed) {
        self.count = count
        self.deduct = deduct
    }
}

public struct Incidents: Sendable, Hashable {
    public var count: Operand
    public var deduct: Fixed?
    public var ladder: [LadderRung]
    /// The most deducted; nil = the indicator's max.
    public var cap: Fixed?
    public var base: Operand?
    public init(count: Operand, deduct: Fixed?, ladder: [LadderRung], cap: Fixed?, base: Operand?) {
        self.count = count
        self.deduct = deduct
        self.ladder = ladder
        self.cap = cap
        self.base = base
    }
}

public struct Bonus: Sendable, Hashable {
    /// A count, or a list of items (`{level, group}` maps or level texts).
    public var items: Operand
    public var per: Fixed?
    public var points: [String: Fixed]
    public var free: Int
    public var highestOnly: Bool
    /// nil = the indicator's max; `uncapped` = 不封顶.
    public var cap: Fixed?
    public var uncapped: Bool
    public init(
        items: Operand, per: Fixed?, points: [String: Fixed], free: Int, highestOnly: Bool, cap: Fixed?, uncapped: Bool
    ) {
        self.items = items
        self.per = per
        self.points = points
        self.free = free
        self.highestOnly = highestOnly
        self.cap = cap
        self.uncapped = uncapped
    }
}

public struct Judged: Sendable, Hashable {
    /// Bounds for each amount of a list (R13: 每个活动加0.5–3分).
    public var each: ClosedRange<Fixed>?
    public var reasonRequired: Bool
    public init(each: ClosedRange<Fixed>?, reasonRequired: Bool) {
        self.each = each
        self.reasonRequired = reasonRequired
    }
}

public struct Ranking: Sendable, Hashable {
    public enum Coefficient: Sendable, Hashable {
        /// Linear from `first` (rank 1) to `last` (rank n).
        case linear(first: Fixed, last: Fixed)
        /// Explicit coefficients by rank; the last entry repeats.
        case table([Fixed])
    }
    public var metric: Operand
    public var descending: Bool
    public var coefficient: Coefficient
    /// Rank among the subjects sharing a parent, instead of among all at the same level.
    public var amongSiblings: Bool
    public init(metric: Operand, descending: Bool, coefficient: Coefficient, amongSiblings: Bool) {
        self.metric = metric
        self.descending = descending
        self.coefficient = coefficient
        self.amongSiblings = amongSiblings
    }
}

public struct Growth: Sendable, Hashable {
    public var current: Operand
    public var previous: Operand
    /// true: (c − p) / p; false: c − p.
    public var relative: Bool
    public var tiers: [Tier]
    public init(current: Operand, previous: Operand, relative: Bool, tiers: [Tier]) {
        self.current = current
        self.previous = previous
        self.relative = relative
        self.tiers = tiers
    }
}
