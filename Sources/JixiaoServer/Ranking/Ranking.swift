import Fluent
import Foundation
import JixiaoCore
import JixiaoXLSX
import Plot
import Vapor

/// A period's ranking as the user may see it: rows of their part of the tree, ranks among all peers of the
/// same kind. Cities and counties are ranked apart and always listed apart (one section, one sheet each), so
/// a city's rank and a county's never share a column.
struct Ranking: Sendable {
    struct Row: Sendable {
        let assessmentID: UUID
        let code: String
        let name: String
        let kind: String
        let path: String
        let state: WorkflowState
        let stage: String
        let rank: Int?
        let total: Fixed?
        /// Per stage: the total as shown ("未评分" when not scored) and as a number.
        let totals: [String]
        let stageTotals: [Fixed?]
        let grade: String?
        /// Ranking indicator code → the coefficient of this unit's rank.
        let coefficients: [String: String]
    }

    struct Group: Sendable {
        let kind: String
        let rows: [Row]
    }

    /// One kind's rows after the list's filters and sort: all of them (`rows`) and the page shown.
    struct Section: Sendable {
        let kind: String
        /// The kind's rows before the filters (what "县市区（183）" counts).
        let unfiltered: Int
        let rows: [Row]
        let page: ListRows.Page
        var paged: ArraySlice<Row> { rows[page.range] }
    }

    let schemeID: UUID
    let schemeName: String
    let period: String
    let stages: [String]
    let totalMax: Fixed
    let coefficientColumns: [(code: String, name: String)]
    let groups: [Group]
    var rows: [Row] { groups.flatMap(\.rows) }
    let options: ListOptions
    /// The search, filters, sort and page, checked against `options`.
    let list: ListQuery
    let sections: [Section]
    /// Every row of every section, filtered and sorted (JSON and xlsx).
    var listed: [Row] { sections.flatMap(\.rows) }

    init(_ scores: PeriodScores, user: SignedIn, list asked: ListQuery = ListQuery(), cities: [ListOptions.City] = []) {
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
                let stageResults = scores.report.stages.map { $0.subjects[row.subject].total }
                return Row(assessmentID: row.assessmentID, code: row.unitCode, name: row.unitName, kind: row.unitKind, path: row.unitPath,
                           state: row.state, stage: AssessmentStore.describe(row.state, scores.scheme.workflow.stages), rank: result.rank,
                           total: result.total.score?.fixed, totals: stageResults.map(\.statusText), stageTotals: stageResults.map { $0.score?.fixed },
                           grade: result.grade, coefficients: coefficients)
            }
            .sorted { ($0.rank ?? Int.max, $0.code) < ($1.rank ?? Int.max, $1.code) }
            if !rows.isEmpty { groups.append(Group(kind: kind, rows: rows)) }
        }
        self.groups = groups
        // Only the ranking indicators that rank someone here (a rule kept for another board ranks nobody).
        let ranked = Set(groups.flatMap { $0.rows.flatMap(\.coefficients.keys) })
        let coefficientColumns: [(code: String, name: String)] = rankingIndices.map { (compiled.indicator(at: $0).code, compiled.indicator(at: $0).name) }
            .filter { ranked.contains($0.code) }
        self.coefficientColumns = coefficientColumns

        let grades = ListOptions.grades(compiled.scheme.grades)
        let columns = Self.columns(stages: stages, coefficients: coefficientColumns, grades: grades)
        let options = ListOptions(stages: ListOptions.stages(stages), grades: grades, cities: cities, kinds: groups.map(\.kind),
                                  columns: columns.map { ($0.key, $0.title) })
        self.options = options
        let list = asked.checked(against: options)
        self.list = list
        let sortColumn = columns.first { $0.key == list.sort }
        sections = groups.filter { list.kind == nil || $0.kind == list.kind }.map { group in
            let kept = group.rows.filter {
                ListRows.matches(list, options: options, code: $0.code, name: $0.name, kind: $0.kind, path: $0.path, state: $0.state, grade: $0.grade)
            }
            let rows = ListRows.sorted(kept, by: sortColumn, descending: list.descending, code: \.code)
            return Section(kind: group.kind, unfiltered: group.rows.count, rows: rows,
                           page: ListRows.page(count: rows.count, asked: list.pageNumber, perPage: list.perPage))
        }
    }

    /// 名次 代码 单位 阶段, each stage's total, 等级, each ranking indicator's coefficient: every one sortable.
    static func columns(stages: [String], coefficients: [(code: String, name: String)], grades: [String]) -> [ListColumn<Row>] {
        let order = Dictionary(grades.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        var columns: [ListColumn<Row>] = [
            ListColumn(key: "rank", title: "名次", descendingFirst: false) { $0.rank.map { .number(Fixed($0)) } },
            ListColumn(key: "code", title: "代码", descendingFirst: false) { .text($0.code) },
            ListColumn(key: "unit", title: "单位", descendingFirst: false) { .text($0.name) },
            ListColumn(key: "stage", title: "阶段", descendingFirst: false) { .number(Fixed(Overview.progress($0.state))) },
        ]
        for (index, stage) in stages.enumerated() {
            columns.append(ListColumn(key: "s\(index)", title: stage, descendingFirst: true) { row in
                index < row.stageTotals.count ? row.stageTotals[index].map { .number($0) } : nil
            })
        }
        columns.append(ListColumn(key: "grade", title: "等级", descendingFirst: false) { row in
            row.grade.map { .number(Fixed(order[$0] ?? order.count)) }
        })
        for column in coefficients {
            let code = column.code
            columns.append(ListColumn(key: "c" + code, title: "\(code) 系数", descendingFirst: true) { row in
                row.coefficients[code].flatMap { Fixed($0) }.map { .number($0) }
            })
        }
        return columns
    }

    var columns: [ListColumn<Row>] {
        Self.columns(stages: stages, coefficients: coefficientColumns, grades: options.grades)
    }
}
