import Fluent
import Foundation
import JixiaoCore
import JixiaoXLSX
import Plot
import Vapor

/// A period's ranking as the user may see it: rows of their part of the tree, ranks among all peers.
struct Ranking: Sendable {
    struct Row: Sendable {
        let assessmentID: UUID
        let code: String
        let name: String
        let kind: String
        let stage: String
        let rank: Int?
        let total: Fixed?
        let totals: [String]
        let grade: String?
        /// Ranking indicator code → the coefficient of this unit's rank.
        let coefficients: [String: String]
    }

    struct Group: Sendable {
        let kind: String
        let rows: [Row]
    }

    let schemeID: UUID
    let schemeName: String
    let period: String
    let stages: [String]
    let totalMax: Fixed
    let coefficientColumns: [(code: String, name: String)]
    let groups: [Group]
    var rows: [Row] { groups.flatMap(\.rows) }

    init(_ scores: PeriodScores, user: SignedIn) {
        let compiled = scores.scheme.compiled
        schemeID = scores.scheme.versionID
        schemeName = compiled.scheme.name
        period = scores.period
        stages = scores.scheme.workflow.stages
        totalMax = compiled.scheme.total
        let rankingIndices = (0..<compiled.indicatorCount).filter {
            if case .ranking? = compiled.indicator(at: $0).rule { return true } else { return false }
        }
        let visible = scores.rows.filter { user.reach(toPath: $0.unitPath) != .outside }
        var groups: [Group] = []
        for kind in OrgImport.kinds {
            let rows = visible.filter { $0.unitKind == kind }.map { row -> Row in
                let result = scores.latest(row)
                var coefficients: [String: String] = [:]
                for index in rankingIndices {
                    if let ranked = result.rankings[index] { coefficients[compiled.indicator(at: index).code] = ranked.coefficient.formatted(places: 4) }
                }
                return Row(assessmentID: row.assessmentID, code: row.unitCode, name: row.unitName, kind: row.unitKind,
                           stage: AssessmentStore.describe(row.state, scores.scheme.workflow.stages), rank: result.rank,
                           total: result.total.score?.fixed, totals: scores.report.stages.map { $0.subjects[row.subject].total.statusText },
                           grade: result.grade, coefficients: coefficients)
            }
            .sorted { ($0.rank ?? Int.max, $0.code) < ($1.rank ?? Int.max, $1.code) }
            if !rows.isEmpty { groups.append(Group(kind: kind, rows: rows)) }
        }
        self.groups = groups
        // Only the ranking indicators that rank someone here (a rule kept for another board ranks nobody).
        let ranked = Set(groups.flatMap { $0.rows.flatMap(\.coefficients.keys) })
        coefficientColumns = rankingIndices.map { (compiled.indicator(at: $0).code, compiled.indicator(at: $0).name) }
            .filter { ranked.contains($0.code) }
    }
}
