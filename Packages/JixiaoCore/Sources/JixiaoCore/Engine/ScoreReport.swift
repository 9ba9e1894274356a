/// The result of one indicator for one subject. Missing and not-applicable are never 0.
public enum Outcome: Sendable, Hashable {
    /// The exact score: a decimal once the scheme has rounded it, a fraction where it has not.
    case scored(Exact)
    /// 不适用: dropped out; its max leaves the parent's.
    case notApplicable
    /// 未评分: a figure is missing.
    case missing(String)
    /// The figures break the rule (a text where a number is needed, a division by zero …).
    case failed(String)

    public var score: Exact? {
        if case .scored(let score) = self { return score }
        return nil
    }

    public var statusText: String {
        switch self {
        case .scored(let score): return score.formatted()
        case .notApplicable: return "不适用"
        case .missing: return "未评分"
        case .failed: return "错误"
        }
    }
}

/// How one subject came out at one stage.
public struct SubjectResult: Sendable {
    public let subject: SubjectData
    /// Per indicator, in the compiled scheme's index order.
    public internal(set) var outcomes: Outcomes
    /// Per indicator: the max that applies to this subject (variants, N/A children removed).
    public internal(set) var maxima: [Fixed]
    public internal(set) var total: Outcome
    public internal(set) var totalMax: Fixed
    /// Component composite (seed 003), when the scheme has one.
    public internal(set) var composite: Fixed?
    public internal(set) var grade: String?
    /// Rank by total among subjects at the same level (1 = best; ties share).
    public internal(set) var rank: Int?
    /// Per indicator: the derivation, when the engine ran with explanations.
    public internal(set) var explanations: [[String]]
    /// Per ranking indicator: (rank, of how many, coefficient).
    public internal(set) var rankings: [Int: (rank: Int, count: Int, coefficient: Exact)]
    public internal(set) var warnings: [String]
    /// The reasons in force at this stage: the subject's own, overlaid by each review stage's.
    public internal(set) var reasons: [String: String]
    /// Per indicator: what overrode or limited its rule's result (veto, cross effect, bound, unmet items),
    /// when the engine ran with explanations.
    public internal(set) var facts: [Int: [ScoreFact]] = [:]
    /// Why the subject has its grade (band, veto, threshold, or rank and quota).
    public internal(set) var gradeBasis: GradeBasis?
    /// Per indicator (and every group above it): the ids of the peers whose figures are still missing, when
    /// the score was computed from the peers that have entered (a peer average, a ranking). Such a score,
    /// and the total above it, is provisional: it changes when those peers enter.
    public internal(set) var provisional: [Int: [String]] = [:]

    /// Whether the total is provisional, and the peers still missing for it.
    public var isProvisional: Bool { !provisional.isEmpty }
    public var missingPeers: [String] {
        var seen: Set<String> = []
        return provisional.keys.sorted().flatMap { provisional[$0] ?? [] }.filter { seen.insert($0).inserted }
    }

    /// The score the grade is based on: the composite where there is one, else the total.
    public var gradedScore: Exact? { composite.map(Exact.init) ?? total.score }
}

/// The subject-weighted composite (seed 001): per indicator and total.
public struct CompositeResult: Sendable {
    public internal(set) var outcomes: [Outcome]
    public internal(set) var total: Outcome
    public internal(set) var grade: String?
    /// The weights actually used, by subject id.
    public let weights: [(subject: String, weight: Fixed)]
}

public struct StageResult: Sendable {
    public let stage: String
    public internal(set) var subjects: [SubjectResult]
    public internal(set) var composite: CompositeResult?
}

/// Everything `jixiao score` knows: every stage, every subject, every indicator.
public struct ScoreReport: Sendable {
    public let scheme: CompiledScheme
    public let data: DataSet
    public internal(set) var stages: [StageResult]

    public var indicators: [Indicator] { scheme.nodes.map(\.indicator) }
    /// Depth of each indicator in the tree (0 = top level), by index.
    public var depths: [Int] {
        scheme.nodes.map { node in
            var depth = 0
            var parent = node.parent
            while let next = parent {
                depth += 1
                parent = scheme.nodes[next].parent
            }
            return depth
        }
    }
    /// Indicator indices in printing order (the tree, depth first).
    public var printingOrder: [Int] { Array(scheme.nodes.indices) }
    public var finalStage: StageResult { stages[stages.count - 1] }
}

extension Outcome {
    /// A score given as a decimal.
    public static func scored(_ score: Fixed) -> Outcome { .scored(Exact(score)) }
}
