import Fluent
import Foundation
import JixiaoCore
import JixiaoXLSX
import SQLKit
import Vapor

/// The overview of one scheme version and period, limited to the user's part of the org tree.
struct Overview: Sendable {
    struct Choice: Sendable {
        let schemeID: UUID
        let schemeName: String
        let period: String
        let count: Int
        /// Of these, how many wait for the signed-in user (their stage, their part of the tree).
        let waiting: Int
    }

    struct Line: Sendable {
        let row: PeriodScores.Row
        let result: SubjectResult
        let mine: Bool
    }

    let choices: [Choice]
    let selected: Choice?
    let scores: PeriodScores?
    /// Count of assessments by stage and status, from SQL.
    let counts: [(stage: Int, status: WorkflowState.Status, count: Int)]
    /// Every assessment of the period in the user's part of the tree, in the tree's order.
    let lines: [Line]
    /// The search, filters, sort and page of the list, checked against `options`.
    var list = ListQuery()
    var options = ListOptions()
    /// `lines` after the list's filters, in its order (every page).
    var listed: [Line] = []
    var page = ListRows.page(count: 0, asked: 1, perPage: ListQuery.defaultPerPage)

    /// The rows of the page asked for.
    var paged: ArraySlice<Line> { listed[page.range] }

    /// The overview's columns, each sortable: 代码 单位 类别 阶段 得分 等级 名次.
    static func columns(grades: [String]) -> [ListColumn<Line>] {
        let order = Dictionary(grades.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        return [
            ListColumn(key: "code", title: "代码", descendingFirst: false) { .text($0.row.unitCode) },
            ListColumn(key: "unit", title: "单位", descendingFirst: false) { .text($0.row.unitName) },
            ListColumn(key: "kind", title: "类别", descendingFirst: false) { .text($0.row.unitKind) },
            ListColumn(key: "stage", title: "阶段", descendingFirst: false) { .number(Fixed(Self.progress($0.row.state))) },
            ListColumn(key: "total", title: "得分", descendingFirst: true) { $0.result.total.score.map { .number($0.fixed) } },
            ListColumn(key: "grade", title: "等级", descendingFirst: false) { line in
                line.result.grade.map { .number(Fixed(order[$0] ?? order.count)) }
            },
            ListColumn(key: "rank", title: "同类名次", descendingFirst: false) { $0.result.rank.map { .number(Fixed($0)) } },
        ]
    }

    /// How far along the workflow: by stage, a returned assessment before one being worked at the same stage,
    /// approved last.
    static func progress(_ state: WorkflowState) -> Int {
        switch state.status {
        case .returned: return state.stage * 2
        case .editing: return state.stage * 2 + 1
        case .approved: return Int(Int32.max)
        }
    }

    /// Assessments waiting for the user in the schemes and periods not on screen.
    var waitingElsewhere: Int {
        choices.filter { !($0.schemeID == selected?.schemeID && $0.period == selected?.period) }.map(\.waiting).reduce(0, +)
    }

    /// The schemes and periods in the user's tree, newest first, each with how many wait for the user: two
    /// grouped queries, no scoring (the inbox and 总体情况 need only these).
    static func choices(_ request: Request, user: SignedIn) async throws -> [Choice] {
        guard let sql = request.db as? any SQLDatabase else { throw Abort(.internalServerError) }
        struct PairRow: Decodable {
            let scheme_id: UUID
            let name: String
            let period: String
            let n: Int
        }
        let pairs = try await sql.raw("""
            SELECT a.scheme_id, s.name, a.period, COUNT(*) AS n FROM assessments a
            JOIN org_units u ON u.id = a.unit_id JOIN scheme_versions s ON s.id = a.scheme_id
            WHERE \(OrgScope.within(user.unitPath, column: "u.path")) GROUP BY a.scheme_id, s.name, a.period ORDER BY a.period DESC, s.name
            """).all(decoding: PairRow.self)
        // What waits for this user in every scheme and period, not only the one on screen.
        struct OpenRow: Decodable {
            let scheme_id: UUID
            let period: String
            let stage: Int
            let status: String
            let path: String
        }
        let open = try await sql.raw("""
            SELECT a.scheme_id, a.period, a.stage, a.status, u.path FROM assessments a JOIN org_units u ON u.id = a.unit_id
            WHERE a.status <> 'approved' AND \(OrgScope.within(user.unitPath, column: "u.path"))
            """).all(decoding: OpenRow.self)
        var waiting: [String: Int] = [:]
        var workflows: [UUID: Workflow] = [:]
        for row in open {
            guard let status = WorkflowState.Status(rawValue: row.status) else { continue }
            let workflow: Workflow
            if let known = workflows[row.scheme_id] {
                workflow = known
            } else {
                let version = try await request.application.scoreBoard.version(row.scheme_id, on: request.db)
                workflow = try await request.application.scoreBoard.scheme(version).workflow
                workflows[row.scheme_id] = workflow
            }
            if workflow.worksAtCurrentStage(user.actor(forPath: row.path), WorkflowState(stage: row.stage, status: status)) {
                waiting["\(row.scheme_id)|\(row.period)", default: 0] += 1
            }
        }
        return pairs.map {
            Choice(schemeID: $0.scheme_id, schemeName: $0.name, period: $0.period, count: $0.n,
                   waiting: waiting["\($0.scheme_id)|\($0.period)"] ?? 0)
        }
    }

    static func load(_ request: Request, user: SignedIn) async throws -> Overview {
        guard let sql = request.db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let choices = try await Self.choices(request, user: user)
        let wantScheme = request.query[String.self, at: "scheme"].flatMap(UUID.init(uuidString:))
        let wantPeriod = request.query[String.self, at: "period"]
        // Without a choice in the link, the home page opens where work waits (the newest such period), else the newest.
        let selected = wantScheme == nil && wantPeriod == nil
            ? (choices.first { $0.waiting > 0 } ?? choices.first)
            : (choices.first { (wantScheme == nil || $0.schemeID == wantScheme) && (wantPeriod == nil || $0.period == wantPeriod) }
                ?? choices.first)
        guard let selected else { return Overview(choices: choices, selected: nil, scores: nil, counts: [], lines: []) }
        let cities = try await ListOptions.cities(request, user: user)
        let version = try await request.application.scoreBoard.version(selected.schemeID, on: request.db)
        struct CountRow: Decodable {
            let stage: Int
            let status: String
            let n: Int
        }
        let counts = try await sql.raw("""
            SELECT a.stage, a.status, COUNT(*) AS n FROM assessments a JOIN org_units u ON u.id = a.unit_id
            WHERE a.scheme_id = \(bind: selected.schemeID) AND a.period = \(bind: selected.period) AND \(OrgScope.within(user.unitPath, column: "u.path"))
            GROUP BY a.stage, a.status ORDER BY a.stage, a.status
            """).all(decoding: CountRow.self)
            .compactMap { row in WorkflowState.Status(rawValue: row.status).map { (row.stage, $0, row.n) } }
        let scores = try await request.application.scoreBoard.scores(version, period: selected.period, on: request.db)
        let workflow = scores.scheme.workflow
        let lines = scores.rows.filter { user.reach(toPath: $0.unitPath) != .outside }.map { row in
            Line(row: row, result: scores.current(row),
                 mine: row.state.status != .approved && workflow.worksAtCurrentStage(user.actor(forPath: row.unitPath), row.state))
        }
        var overview = Overview(choices: choices, selected: selected, scores: scores, counts: counts, lines: lines)
        overview.select(ListQuery(request), cities: cities)
        return overview
    }

    /// Filters, sorts and pages `lines` as the query asks (values the list does not offer fall back to defaults).
    mutating func select(_ asked: ListQuery, cities: [ListOptions.City]) {
        guard let scores else { return }
        let grades = ListOptions.grades(scores.scheme.compiled.scheme.grades)
        let columns = Self.columns(grades: grades)
        let kinds = Set(lines.map(\.row.unitKind))
        options = ListOptions(stages: ListOptions.stages(scores.scheme.workflow.stages), grades: grades,
                              cities: cities, kinds: OrgImport.kinds.filter(kinds.contains),
                              columns: columns.map { ($0.key, $0.title) })
        list = asked.checked(against: options)
        let list = self.list, options = self.options
        let kept = lines.filter { line in
            ListRows.matches(list, options: options, code: line.row.unitCode, name: line.row.unitName, kind: line.row.unitKind,
                             path: line.row.unitPath, state: line.row.state, grade: line.result.grade)
        }
        listed = ListRows.sorted(kept, by: columns.first { $0.key == list.sort }, descending: list.descending, code: \.row.unitCode)
        page = ListRows.page(count: listed.count, asked: list.pageNumber, perPage: list.perPage)
    }
}

/// Everything one assessment's page shows: the figures in force, each stage's scores, the audit log, the trend.
