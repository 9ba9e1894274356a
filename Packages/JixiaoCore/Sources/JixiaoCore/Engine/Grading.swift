/// Ranks and grades one stage's subjects: vetoes first, then the threshold, then rank
/// shares, else score bands. Grades use the total rounded as the scheme rounds, so a
/// boundary is never decided by a digit nobody sees. Each grade records why (`GradeBasis`).
struct Grading {
    let run: Run

    func grade(_ subjects: inout [SubjectResult]) {
        let rules = run.compiled.scheme.grades
        // Rank by graded score among subjects at the same level; ties share the better rank.
        var byLevel: [Int: [Int]] = [:]
        var lastLevel = (depth: Int.min, members: [Int]())
        for index in subjects.indices {
            let depth = run.depths[index]
            if depth != lastLevel.depth {
                if lastLevel.depth != Int.min { byLevel[lastLevel.depth, default: []].append(contentsOf: lastLevel.members) }
                lastLevel = (depth, byLevel.removeValue(forKey: depth) ?? [])
            }
            lastLevel.members.append(index)
        }
        if lastLevel.depth != Int.min { byLevel[lastLevel.depth, default: []].append(contentsOf: lastLevel.members) }
        let levels = byLevel.sorted { $0.key < $1.key }
        let scores = Scores(subjects)
        for (_, members) in levels {
            let scored = scores.sorted(members.filter { scores.score(of: $0) != nil })
            for (index, rank) in scores.ranks(scored) { subjects[index].rank = rank }
        }

        let unit = run.compiled.scheme.subjectKind == .person ? "人" : "个对象"
        for (_, members) in levels {
            var rankPool: [Int] = []
            for index in members {
                guard let score = subjects[index].gradedScore else { continue }
                if let basis = vetoBasis(index) {
                    subjects[index].grade = basis.grade
                    subjects[index].gradeBasis = basis
                    continue
                }
                if let below = rules.below, score < Exact(below.score) || (rules.belowInclusive && score == Exact(below.score)) {
                    subjects[index].grade = below.grade
                    subjects[index].gradeBasis = .threshold(grade: below.grade, score: score, below: below.score, inclusive: rules.belowInclusive)
                    continue
                }
                if !rules.byRank.isEmpty {
                    rankPool.append(index)
                    continue
                }
                let basis = Grading.bandBasis(rules.bands, score)
                subjects[index].grade = basis?.grade
                subjects[index].gradeBasis = basis
            }
            guard !rankPool.isEmpty else { continue }
            // Rank shares are cumulative: 一等 the top 20%, 二等 up to 100%, each a share of the declared base.
            // Ties at a cut share the better grade.
            let baseCount = rules.quota.base == .all ? members.count : rankPool.count
            let sorted = scores.sorted(rankPool)
            let places = Dictionary(uniqueKeysWithValues: scores.ranks(sorted))
            var quotas: [RankPlacement.Quota] = []
            var position = 0
            for (grade, share) in rules.byRank {
                let count = rules.quota.count(share: share, of: baseCount)
                quotas.append(RankPlacement.Quota(grade: grade, share: share, exact: share * Fixed(baseCount), count: count))
                let limit = Swift.min(sorted.count, count)
                while position < sorted.count {
                    let index = sorted[position]
                    let inQuota = position < limit
                    let tied = !inQuota && position > 0 && subjects[sorted[position - 1]].grade == grade
                        && subjects[index].gradedScore == subjects[sorted[position - 1]].gradedScore
                    // Everyone in the pool has a graded score and a place (the pool is built from them).
                    guard inQuota || tied, let score = subjects[index].gradedScore, let place = places[index] else { break }
                    subjects[index].grade = grade
                    subjects[index].gradeBasis = .rank(
                        RankPlacement(grade: grade, score: score, place: place, ranked: sorted.count,
                                      base: rules.quota.base, baseCount: baseCount, rounding: rules.quota.rounding, quotas: quotas,
                                      tiedAtCut: tied, unit: unit))
                    position += 1
                }
            }
        }
    }

    private func vetoBasis(_ index: Int) -> GradeBasis? {
        let cursor = Cursor(run: run, subject: index)
        for veto in run.compiled.gradeVetoes {
            guard (try? veto.when.evaluate(cursor).requireBool("veto")) == true else { continue }
            let (condition, figures) = run.trigger(veto.when, index)
            return .veto(grade: veto.grade, condition: condition, figures: figures)
        }
        return nil
    }

    /// The graded scores, read once; as 64-bit decimals too where every one is such a decimal, so that sorting
    /// compares integers (the order is the same).
    struct Scores {
        let scores: [Exact?]
        let keys: [Int64]?

        init(_ subjects: [SubjectResult]) {
            scores = subjects.map(\.gradedScore)
            var keys: [Int64] = []
            keys.reserveCapacity(scores.count)
            for score in scores {
                guard let score else {
                    keys.append(0)  // never compared: only subjects with a score are sorted or ranked
                    continue
                }
                guard let key = score.smallDecimal else {
                    self.keys = nil
                    return
                }
                keys.append(key)
            }
            self.keys = keys
        }

        func score(of index: Int) -> Exact? { scores[index] }

        /// Whether the subject at `a` comes before the one at `b`: higher score first; equal scores in data-file order.
        @inline(__always) private func before(_ a: Int, _ b: Int) -> Bool {
            if let keys { return keys[a] > keys[b] || (keys[a] == keys[b] && a < b) }
            // Callers pass scored subjects only; an unscored one (nil) would sort last instead of trapping.
            switch (scores[a], scores[b]) {
            case let (x?, y?): return x > y || (x == y && a < b)
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a < b
            }
        }

        @inline(__always) private func tied(_ a: Int, _ b: Int) -> Bool {
            if let keys { return keys[a] == keys[b] }
            return scores[a] == scores[b]
        }

        /// Best first; equal scores in data-file order. Every index must have a score.
        func sorted(_ indices: [Int]) -> [Int] { indices.sorted(by: before) }

        /// 1, 2, 2, 4: ties share the better rank.
        func ranks(_ sorted: [Int]) -> [(Int, Int)] {
            var rank = 0
            return sorted.enumerated().map { position, index in
                if position == 0 || !tied(sorted[position - 1], index) { rank = position + 1 }
                return (index, rank)
            }
        }
    }

    static func band(_ bands: [GradeBand], _ score: Exact) -> String? {
        bandBasis(bands, score)?.grade
    }

    /// The first band (highest min first) whose min the score reaches, with the band above's min as its upper bound.
    static func bandBasis(_ bands: [GradeBand], _ score: Exact) -> GradeBasis? {
        let sorted = bands.sorted { $0.min > $1.min }
        guard let position = sorted.firstIndex(where: { !(score < Exact($0.min)) }) else { return nil }
        return .band(grade: sorted[position].grade, score: score, min: sorted[position].min,
                     upper: position > 0 ? sorted[position - 1].min : nil)
    }
}

/// Why a subject (or the composite) has its grade, in the terms a reviewer checks.
public enum GradeBasis: Sendable, Hashable {
    /// By score: `min` ≤ score < `upper` (the top band has no upper bound).
    case band(grade: String, score: Exact, min: Fixed, upper: Fixed?)
    /// A grade veto held (003: 四等): its condition as written and the figures it read.
    case veto(grade: String, condition: String, figures: String)
    /// The score is below the threshold (003: 80分以下 → 三等).
    case threshold(grade: String, score: Exact, below: Fixed, inclusive: Bool)
    /// By rank and quota (003: 一等 from the top).
    case rank(RankPlacement)

    public var grade: String {
        switch self {
        case .band(let grade, _, _, _), .veto(let grade, _, _), .threshold(let grade, _, _, _): return grade
        case .rank(let placement): return placement.grade
        }
    }

    /// One sentence: "得分 74.87，在「中」档（60 ≤ 得分 < 80）".
    public var text: String {
        switch self {
        case .band(let grade, let score, let min, let upper):
            let range = upper.map { "\(min) ≤ 得分 < \($0)" } ?? "得分 ≥ \(min)"
            return "得分 \(score.formatted())，在「\(grade)」档（\(range)）"
        case .veto(let grade, let condition, let figures):
            return "否决条件 \(condition) 成立" + (figures.isEmpty ? "" : "（\(figures)）") + " → \(grade)"
        case .threshold(let grade, let score, let below, let inclusive):
            return "得分 \(score.formatted()) " + (inclusive ? "在 \(below) 分及以下" : "低于 \(below) 分") + " → \(grade)"
        case .rank(let placement): return placement.text
        }
    }
}

/// Where a subject graded by rank share stands: its place among those ranked and the quotas down to its grade.
public struct RankPlacement: Sendable, Hashable {
    public struct Quota: Sendable, Hashable {
        public var grade: String
        /// Cumulative share (一等 20%, 二等 100%).
        public var share: Fixed
        /// share × base, before rounding.
        public var exact: Fixed
        /// After rounding, within 0 … base.
        public var count: Int
    }

    public var grade: String
    public var score: Exact
    /// Rank among the subjects graded by rank (1 = best; ties share).
    public var place: Int
    /// How many are graded by rank (those left after vetoes and the threshold).
    public var ranked: Int
    public var base: RankQuota.Base
    /// The count the shares are taken of.
    public var baseCount: Int
    public var rounding: RankQuota.Rounding
    /// The quotas from the first rank grade down to this subject's.
    public var quotas: [Quota]
    /// Beyond its grade's quota, but tied with the last one inside it.
    public var tiedAtCut: Bool
    /// 人 for persons, 个对象 otherwise.
    public var unit: String

    public var text: String {
        let baseText = base == .all ? "全部 \(baseCount) \(unit)" : "参与名次定等的 \(baseCount) \(unit)"
        var parts = ["得分 \(score.formatted())，在按名次定等的 \(ranked) \(unit)中排第 \(place) 名"]
        for (offset, quota) in quotas.enumerated() {
            let label = offset == 0 ? "\(quota.grade)名额" : "\(quota.grade)名额（累计）"
            let rounded = quota.exact.floored == quota.exact && (rounding != .atLeastOne || quota.count > 0 || quota.exact.isZero)
                && Fixed(quota.count) == quota.exact
            parts.append("\(label) = \(baseText) × \(quota.share.percentText) = \(quota.exact)" + (rounded ? " 名" : "，\(rounding.chineseName) → \(quota.count) 名"))
        }
        let last = quotas.last?.count ?? 0
        let verdict: String
        if tiedAtCut {
            verdict = "超出名额，但与名额内最后一名同分（并列第 \(place) 名）→ \(grade)"
        } else if quotas.count > 1 {
            let previous = quotas[quotas.count - 2]
            verdict = "在\(previous.grade)名额（前 \(previous.count) 名）之外、前 \(last) 名之内 → \(grade)"
        } else {
            verdict = "在前 \(last) 名之内 → \(grade)"
        }
        return (parts + [verdict]).joined(separator: "；")
    }
}

extension RankQuota.Rounding {
    public var chineseName: String {
        switch self {
        case .down: return "向下取整"
        case .halfUp: return "四舍五入"
        case .up: return "向上取整"
        case .atLeastOne: return "向下取整且至少 1 名"
        }
    }
}
