import Foundation
import JixiaoCore

/// 总体情况 of one scheme version and period, for the signed-in user's part of the tree: progress by stage per
/// unit directly below the user's node (the province sees its cities, each with its counties), the grade
/// distribution, the indicators where the most points are lost, and the whole tree's average month by month.
/// Built from the scored period alone, so a test can make one from any `PeriodScores`.
struct SummaryView: Sendable {
    struct Progress: Sendable {
        let code: String
        let name: String
        /// Per state column (see `columns`): how many assessments of this part of the tree are there.
        let counts: [Int]
        var total: Int { counts.reduce(0, +) }
    }

    struct Loss: Sendable {
        let code: String
        let name: String
        let max: Fixed
        /// Units that lost points on it, and the points lost in all (exact; shown rounded to 2 places).
        let units: Int
        let points: Exact
        /// Among the units scored on it.
        let scored: Int
        var average: Exact { scored > 0 ? points.divided(by: Exact(scored)) ?? .zero : .zero }
    }

    let schemeName: String
    let period: String
    /// The state columns: each stage being worked on, 已退回, 已审定.
    let columns: [String]
    let progress: [Progress]
    /// Grades in the scheme's order with their counts, then 未评分.
    let grades: [(grade: String, count: Int)]
    let losses: [Loss]
    /// The average total (stage reached) of the user's part of the tree, per period of the same scheme.
    let trend: [(period: String, total: Fixed?)]
    let maximum: Fixed
    let count: Int

    static let lossesShown = 10

    init(_ scores: PeriodScores, userPath: String, trend: [(period: String, total: Fixed?)]) {
        let compiled = scores.scheme.compiled
        let stages = scores.scheme.workflow.stages
        schemeName = compiled.scheme.name
        period = scores.period
        columns = stages.map { "\($0)中" } + ["已退回", "已审定"]
        self.trend = trend
        maximum = compiled.scheme.total
        let rows = scores.rows.filter { $0.unitPath.hasPrefix(userPath) }
        count = rows.count

        // Progress: each row counts for the unit directly below the user's node on its path (or the user's own).
        let names = Dictionary(scores.rows.map { ($0.unitCode, $0.unitName) }, uniquingKeysWith: { a, _ in a })
        var order: [String] = []
        var counts: [String: [Int]] = [:]
        let depth = userPath.split(separator: "/").count
        for row in rows {
            let path = row.unitPath.split(separator: "/").map(String.init)
            let group = path.count > depth ? path[depth] : row.unitCode
            if counts[group] == nil {
                order.append(group)
                counts[group] = Array(repeating: 0, count: stages.count + 2)
            }
            let column: Int
            switch row.state.status {
            case .editing: column = min(row.state.stage, stages.count - 1)
            case .returned: column = stages.count
            case .approved: column = stages.count + 1
            }
            counts[group]?[column] += 1
        }
        progress = order.map { Progress(code: $0, name: names[$0] ?? $0, counts: counts[$0] ?? []) }

        // Grades at the stage reached, in the scheme's order; 未评分 last.
        var byGrade: [String: Int] = [:]
        var ungraded = 0
        var results: [SubjectResult] = []
        for row in rows {
            let result = scores.current(row)
            results.append(result)
            if let grade = result.grade { byGrade[grade, default: 0] += 1 } else { ungraded += 1 }
        }
        let rules = compiled.scheme.grades
        var seen: Set<String> = []
        let declared = (rules.bands.map(\.grade) + rules.byRank.map(\.grade) + [rules.below?.grade].compactMap { $0 } + rules.veto.map(\.grade))
            .filter { seen.insert($0).inserted }
        var grades = declared.map { ($0, byGrade[$0] ?? 0) }
        for (grade, count) in byGrade where !declared.contains(grade) { grades.append((grade, count)) }
        if ungraded > 0 { grades.append(("未评分", ungraded)) }
        self.grades = grades

        // Points lost per leaf indicator, by its kind (see SubjectResult.pointsLost), over the rows scored on it.
        var losses: [Loss] = []
        for index in 0..<compiled.indicatorCount {
            let indicator = compiled.indicator(at: index)
            guard !indicator.isGroup, indicator.kind != .bonus else { continue }
            var points = Exact.zero
            var units = 0
            var scored = 0
            for result in results where result.outcomes[index].score != nil {
                scored += 1
                if let lost = result.pointsLost(at: index, kind: indicator.kind) {
                    points += lost
                    units += 1
                }
            }
            if units > 0 { losses.append(Loss(code: indicator.code, name: indicator.name, max: indicator.max, units: units, points: points, scored: scored)) }
        }
        self.losses = Array(losses.sorted { $0.points != $1.points ? $0.points > $1.points : $0.code < $1.code }.prefix(Self.lossesShown))
    }

    /// The average of the totals at the stage each assessment reached, over the scored ones in the user's tree.
    static func average(_ scores: PeriodScores, userPath: String) -> Fixed? {
        var sum = Exact.zero
        var count = 0
        for row in scores.rows where row.unitPath.hasPrefix(userPath) {
            guard let total = scores.current(row).total.score else { continue }
            sum += total
            count += 1
        }
        guard count > 0, let mean = sum.divided(by: Exact(count)) else { return nil }
        return mean.rounded(places: 2, mode: .halfUp).fixed
    }
}
