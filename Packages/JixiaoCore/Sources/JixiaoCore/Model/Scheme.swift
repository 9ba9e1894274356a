/// Where something was written in a file, for messages that say file and line.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int = 1) {
        self.file = file
        self.line = line
        self.column = column
    }
    public var description: String { "\(file):\(line)" }
}

public enum SubjectKind: String, Sendable, Hashable, CaseIterable {
    case region, project, department, person
}

public enum IndicatorKind: String, Sendable, Hashable, CaseIterable {
    /// Scores 0…max.
    case regular
    /// 加分项: adds 0…cap on top of the regular score.
    case bonus
    /// 扣分项: scores 0…−max.
    case deduction
}

public enum Frequency: String, Sendable, Hashable, CaseIterable {
    case monthly, quarterly, half, annual
}

/// R29: a condition on the subject that changes the indicator's max.
public struct Variant: Sendable, Hashable {
    public var when: Expression
    public var max: Fixed
    public init(when: Expression, max: Fixed) {
        self.when = when
        self.max = max
    }
}

/// R21: when `when` holds for a subject, zero one of its indicators and/or deduct from its parent.
public struct Effect: Sendable, Hashable {
    public var when: Expression
    public var zero: String?
    public var parentDeduct: (indicator: String, points: Fixed)?
    public init(when: Expression, zero: String?, parentDeduct: (indicator: String, points: Fixed)?) {
        self.when = when
        self.zero = zero
        self.parentDeduct = parentDeduct
    }
    public static func == (lhs: Effect, rhs: Effect) -> Bool {
        lhs.when == rhs.when && lhs.zero == rhs.zero && lhs.parentDeduct?.indicator == rhs.parentDeduct?.indicator
            && lhs.parentDeduct?.points == rhs.parentDeduct?.points
    }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(when)
        hasher.combine(zero)
        hasher.combine(parentDeduct?.indicator)
    }
}

/// 指标: a node of the indicator tree.
public struct Indicator: Sendable, Hashable {
    public var code: String
    public var name: String
    public var max: Fixed
    public var kind: IndicatorKind
    public var unit: String?
    public var target: Value?
    public var frequency: Frequency
    /// 评分标准, verbatim as printed.
    public var text: String?
    /// nil on a leaf means `judged`; groups have no rule.
    public var rule: Rule?
    public var children: [Indicator]
    public var floor: Fixed?
    public var cap: Fixed?
    public var appliesTo: [String]?
    public var variants: [Variant]
    public var veto: Expression?
    public var effects: [Effect]
    public var source: String?
    public var location: SourceLocation?
    /// The points of each part of the printed 评分标准 (001 资金使用合规性: 得3分 / 得2分 / 得1分), when declared;
    /// only the scheme checks read it (parts adding up to more or less than `max` are a finding of the document).
    public var parts: [Fixed] = []
    /// `target` exactly as written (目标值 as printed: `98`, `≥90%`, `825.2万元`), for the check that compares it
    /// with the rule's threshold; `target` alone cannot tell `95%` (0.95) from `0.95`.
    public var targetText: String?

    public init(
        code: String, name: String, max: Fixed, kind: IndicatorKind = .regular, unit: String? = nil,
        target: Value? = nil, frequency: Frequency = .annual, text: String? = nil, rule: Rule? = nil,
        children: [Indicator] = [], floor: Fixed? = nil, cap: Fixed? = nil, appliesTo: [String]? = nil,
        variants: [Variant] = [], veto: Expression? = nil, effects: [Effect] = [], source: String? = nil,
        location: SourceLocation? = nil
    ) {
        self.code = code
        self.name = name
        self.max = max
        self.kind = kind
        self.unit = unit
        self.target = target
        self.frequency = frequency
        self.text = text
        self.rule = rule
        self.children = children
        self.floor = floor
        self.cap = cap
        self.appliesTo = appliesTo
        self.variants = variants
        self.veto = veto
        self.effects = effects
        self.source = source
        self.location = location
    }

    public var isGroup: Bool { !children.isEmpty }

    /// The tree below and including this node, depth first, parents before children.
    public var flattened: [Indicator] { [self] + children.flatMap(\.flattened) }
}

public struct Rounding: Sendable, Hashable {
    public enum Point: String, Sendable, Hashable {
        /// Each leaf is rounded; parents add the rounded scores (as the documents print them).
        case indicator
        /// Everything exact; rounded for display and at the total.
        case total
    }
    public var mode: RoundingMode
    public var places: Int
    public var point: Point
    public init(mode: RoundingMode = .halfUp, places: Int = 2, point: Point = .indicator) {
        self.mode = mode
        self.places = places
        self.point = point
    }
}

public struct GradeBand: Sendable, Hashable {
    public var grade: String
    public var min: Fixed
    public init(grade: String, min: Fixed) {
        self.grade = grade
        self.min = min
    }
}

/// How many subjects a rank share names: the share of which count, rounded how.
///
/// The default reads seed 003: "根据绩效考核综合得分从高到低确定一等、二等人员" ranks everyone from the top,
/// and 一等 are "年度考核优秀推荐对象", whose number is by appraisal practice a share of all who take part in
/// the assessment (参加考核人数), never more than it. So the base is every subject of the level, including
/// those already 四等 or 三等, and the count is rounded down. The document also takes for granted that a unit
/// names its 一等 ("确定一等、二等人员"), so a small unit still names one: at least one.
public struct RankQuota: Sendable, Hashable {
    public enum Base: String, Sendable, Hashable, CaseIterable {
        /// Every subject of the level in the data set (参加考核的全部对象), whatever its grade.
        case all
        /// Only the subjects left after the grade vetoes and the threshold.
        case remaining
    }

    public enum Rounding: String, Sendable, Hashable, CaseIterable {
        /// 向下取整: never more than the share.
        case down
        /// 四舍五入.
        case halfUp = "half_up"
        /// 向上取整: never fewer than the share.
        case up
        /// 向下取整，但至少 1 名 (when the share is above 0 and anyone is ranked).
        case atLeastOne = "at_least_one"
    }

    public var base: Base
    public var rounding: Rounding

    public init(base: Base = .all, rounding: Rounding = .atLeastOne) {
        self.base = base
        self.rounding = rounding
    }

    /// The number named by `share` of `count` subjects, rounded as declared, within 0 … count.
    public func count(share: Fixed, of count: Int) -> Int {
        guard count > 0, share > .zero else { return 0 }
        let exact = share * Fixed(count)
        let rounded: Fixed
        switch rounding {
        case .down, .atLeastOne: rounded = exact.floored
        case .halfUp: rounded = exact.rounded(places: 0, mode: .halfUp)
        case .up: rounded = exact.ceiled
        }
        var whole = rounded.wholePart ?? count
        if rounding == .atLeastOne { whole = Swift.max(whole, 1) }
        return Swift.max(0, Swift.min(count, whole))
    }
}

public struct GradeRules: Sendable, Hashable {
    /// Bands by score, highest first (the first whose min is reached).
    public var bands: [GradeBand]
    /// Checked first: a condition sets the grade (003: 四等).
    public var veto: [(when: Expression, grade: String)]
    /// Then: below this score, this grade.
    public var below: (score: Fixed, grade: String)?
    /// `below` includes its score (003: 80分以下 is 80 and below, as 以下 includes the number).
    public var belowInclusive = false
    /// Then, among the rest by rank: cumulative shares (003: 一等 top 20%, 二等 the rest).
    public var byRank: [(grade: String, share: Fixed)]
    /// How a share of `byRank` becomes a number of subjects.
    public var quota: RankQuota

    public init(
        bands: [GradeBand] = [], veto: [(when: Expression, grade: String)] = [],
        below: (score: Fixed, grade: String)? = nil, byRank: [(grade: String, share: Fixed)] = [],
        quota: RankQuota = RankQuota()
    ) {
        self.bands = bands
        self.veto = veto
        self.below = below
        self.byRank = byRank
        self.quota = quota
    }

    /// 财预〔2020〕10号: 优 [90, 100], 良 [80, 90), 中 [60, 80), 差 [0, 60).
    public static let fiscalDefault = GradeRules(bands: fiscalDefaultBands(total: 100))

    /// The same bands as fractions of a scheme's full score: a 12-point scheme has 优 from 10.8, not from 90.
    public static func fiscalDefault(total: Fixed) -> GradeRules { GradeRules(bands: fiscalDefaultBands(total: total)) }

    /// 优 90%, 良 80%, 中 60%, 差 0 of `total`; none when the total is not positive (no fractions of nothing).
    public static func fiscalDefaultBands(total: Fixed) -> [GradeBand] {
        guard total > .zero else { return [] }
        return [("优", "0.9"), ("良", "0.8"), ("中", "0.6")].map { GradeBand(grade: $0.0, min: total * Fixed($0.1)!) }
            + [GradeBand(grade: "差", min: 0)]
    }

    public static func == (lhs: GradeRules, rhs: GradeRules) -> Bool {
        lhs.bands == rhs.bands && lhs.veto.map(\.grade) == rhs.veto.map(\.grade)
            && lhs.veto.map(\.when) == rhs.veto.map(\.when) && lhs.below?.score == rhs.below?.score
            && lhs.below?.grade == rhs.below?.grade && lhs.belowInclusive == rhs.belowInclusive && lhs.byRank.map(\.grade) == rhs.byRank.map(\.grade)
            && lhs.byRank.map(\.share) == rhs.byRank.map(\.share) && lhs.quota == rhs.quota
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(bands) }
}

/// 综合得分: a weighted composite over subjects (001) or over components (003).
public enum Composite: Sendable, Hashable {
    public enum Order: String, Sendable, Hashable {
        /// Composite each leaf across subjects, then sum the tree (001 prints this).
        case perIndicator = "per_indicator"
        /// Weight the subjects' totals.
        case totals
    }
    case subjects(weights: [(subject: String, weight: Fixed)], order: Order, renormalise: Bool)
    case components([(indicator: String, weight: Fixed)])

    public static func == (lhs: Composite, rhs: Composite) -> Bool {
        switch (lhs, rhs) {
        case let (.subjects(a, o1, r1), .subjects(b, o2, r2)):
            return a.map(\.subject) == b.map(\.subject) && a.map(\.weight) == b.map(\.weight) && o1 == o2 && r1 == r2
        case let (.components(a), .components(b)):
            return a.map(\.indicator) == b.map(\.indicator) && a.map(\.weight) == b.map(\.weight)
        default: return false
        }
    }
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .subjects(let weights, _, _): hasher.combine(weights.map(\.subject))
        case .components(let components): hasher.combine(components.map(\.indicator))
        }
    }
}

public struct InputDeclaration: Sendable, Hashable {
    public var name: String
    public var unit: String?
    public var text: String?
    public init(name: String, unit: String? = nil, text: String? = nil) {
        self.name = name
        self.unit = unit
        self.text = text
    }
}

/// 考核方案: a versioned, year-bound indicator system with its rules, grades and weights.
public struct Scheme: Sendable, Hashable {
    public var id: String
    public var name: String
    public var year: Int?
    public var version: Int
    public var subjectKind: SubjectKind
    public var total: Fixed
    public var source: String?
    public var rounding: Rounding
    public var stages: [String]
    public var requireChildrenSum: Bool
    /// Seed 001: a subject's total out of the indicators that apply to it is rescaled to the full total
    /// (60.14 of an applicable 83 → 72.46 of 100); false: the total stays and its max shrinks.
    public var rescaleNotApplicable: Bool = false
    /// `audit: {tolerance: …}`: a printed figure also agrees when it lies within this of the recomputed one.
    /// nil (the default): it agrees only when equal at the places it was printed with (`Audit.agrees`).
    public var auditTolerance: Fixed? = nil
    public var inputs: [InputDeclaration]
    /// Declared subject attributes (`subject.党员`, or a bare name a data file gives under `attributes:`).
    public var attributes: [InputDeclaration] = []
    /// Where top-level entries were written, for checks that have no indicator to point at:
    /// `grades`, `metrics.<name>`.
    public var locations: [String: SourceLocation] = [:]
    /// R25: named formulas, in the order written.
    public var metrics: [(name: String, formula: Expression)]
    public var grades: GradeRules
    public var composite: Composite?
    public var indicators: [Indicator]
    public var location: SourceLocation?

    public init(
        id: String, name: String, year: Int? = nil, version: Int = 1, subjectKind: SubjectKind = .region,
        total: Fixed = 100, source: String? = nil, rounding: Rounding = Rounding(), stages: [String] = ["自评分"],
        requireChildrenSum: Bool = false, inputs: [InputDeclaration] = [],
        metrics: [(name: String, formula: Expression)] = [], grades: GradeRules? = nil,
        composite: Composite? = nil, indicators: [Indicator], location: SourceLocation? = nil
    ) {
        self.id = id
        self.name = name
        self.year = year
        self.version = version
        self.subjectKind = subjectKind
        self.total = total
        self.source = source
        self.rounding = rounding
        self.stages = stages
        self.requireChildrenSum = requireChildrenSum
        self.inputs = inputs
        self.metrics = metrics
        // Without declared grades, the 财预〔2020〕10号 bands as fractions of this scheme's total.
        self.grades = grades ?? .fiscalDefault(total: total)
        self.composite = composite
        self.indicators = indicators
        self.location = location
    }

    public var allIndicators: [Indicator] { indicators.flatMap(\.flattened) }

    public func indicator(code: String) -> Indicator? { allIndicators.first { $0.code == code } }

    public static func == (lhs: Scheme, rhs: Scheme) -> Bool {
        lhs.id == rhs.id && lhs.version == rhs.version && lhs.indicators == rhs.indicators
            && lhs.metrics.map(\.name) == rhs.metrics.map(\.name) && lhs.grades == rhs.grades
            && lhs.composite == rhs.composite && lhs.rounding == rhs.rounding && lhs.total == rhs.total
    }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(version)
    }
}
