import Fluent
import Foundation
import JixiaoCore
import JixiaoXLSX
import Plot
import Vapor

/// Rankings per scheme version and period: the units of the user's part of the tree, with their rank among
/// all peers, grade, every ranking indicator's coefficient, a bar chart, print and xlsx; JSON under `/api/`.
struct RankingController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("rankings", use: index)
        routes.get("rankings", ":scheme", ":period", use: page)
        routes.get("rankings", ":scheme", ":period", "ranking.xlsx", use: workbook)
        routes.get("api", "rankings", ":scheme", ":period", use: json)
    }

    @Sendable func index(_ request: Request) async throws -> Response {
        let overview = try await Overview.load(request, user: try request.user)
        return Page.html(Page.document(
            title: "排名", context: PageContext(request),
            .h1("排名"),
            .ul(.forEach(overview.choices) { choice in
                .li(.a(.href(SiteURL.ranking(scheme: choice.schemeID, period: choice.period)), .text("\(choice.schemeName) · \(choice.period)")))
            })))
    }

    /// The scheme version and period a ranking URL names.
    private func target(_ request: Request) throws -> (version: UUID, period: String) {
        guard let id = request.parameters.get("scheme").flatMap(UUID.init(uuidString:)), let period = request.parameters.get("period") else {
            throw Abort(.notFound, reason: "没有这个考核方案")
        }
        return (id, period)
    }

    private func ranking(_ request: Request) async throws -> Ranking {
        let (id, period) = try target(request)
        let board = request.application.scoreBoard
        let scores = try await board.scores(try await board.version(id, on: request.db), period: period, on: request.db)
        let ranking = Ranking(scores, user: try request.user)
        if ranking.rows.isEmpty { throw Abort(.notFound, reason: "您的单位下没有该方案 \(period) 的考核") }
        return ranking
    }

    /// Encoded once per period and scope, until a write to the period: the hot path of everyone's ranking.
    @Sendable func json(_ request: Request) async throws -> Response {
        let user = try request.user
        let (id, period) = try target(request)
        let data = try await request.application.scoreBoard.derived(id, period: period, key: "ranking|" + user.unitPath, on: request.db) { scores in
            let ranking = Ranking(scores, user: user)
            if ranking.rows.isEmpty { throw Abort(.notFound, reason: "您的单位下没有该方案 \(period) 的考核") }
            return try JSONEncoder().encode(RankingJSON(ranking))
        }
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }

    @Sendable func page(_ request: Request) async throws -> Response {
        let ranking = try await ranking(request)
        return Page.html(RankingPage(context: PageContext(request), ranking: ranking).document)
    }

    @Sendable func workbook(_ request: Request) async throws -> Response {
        let ranking = try await ranking(request)
        let header = ["名次", "代码", "单位", "阶段"] + ranking.stages + ["等级"] + ranking.coefficientColumns.map { "\($0.code) \($0.name) 系数" }
        var rows: [[Cell]] = [[.text("\(ranking.schemeName) · \(ranking.period) 排名")], header.map { .text($0) }]
        for group in ranking.groups {
            for row in group.rows {
                rows.append([row.rank.map { .number(String($0)) } ?? .empty, .text(row.code), .text(row.name), .text(row.stage)]
                            + row.totals.map { .text($0) } + [.text(row.grade ?? "")]
                            + ranking.coefficientColumns.map { column in row.coefficients[column.code].map { .number($0) } ?? .empty })
            }
        }
        return try AssessmentController.xlsx(Workbook(sheets: [Sheet(name: "排名", rows: rows)]), name: "\(ranking.schemeName)-\(ranking.period)-排名.xlsx")
    }
}

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

/// `/api/rankings/:scheme/:period`: exact decimal strings, never binary floats.
struct RankingJSON: Codable {
    struct Row: Codable {
        let rank: Int?
        let code: String
        let name: String
        let kind: String
        let stage: String
        let total: String?
        let totals: [String]
        let grade: String?
        let coefficients: [String: String]
    }
    let scheme: String
    let period: String
    let stages: [String]
    let rows: [Row]

    init(_ ranking: Ranking) {
        scheme = ranking.schemeName
        period = ranking.period
        stages = ranking.stages
        rows = ranking.rows.map {
            Row(rank: $0.rank, code: $0.code, name: $0.name, kind: $0.kind, stage: $0.stage, total: $0.total?.formatted(),
                totals: $0.totals, grade: $0.grade, coefficients: $0.coefficients)
        }
    }
}

struct RankingPage {
    let context: PageContext
    let ranking: Ranking

    var document: HTML {
        return Page.document(
            title: "\(ranking.schemeName) \(ranking.period) 排名", context: context,
            .h1(.text("\(ranking.schemeName) · \(ranking.period) 排名")),
            .p(.class("noprint"), .a(.href(SiteURL.rankingWorkbook(scheme: ranking.schemeID, period: ranking.period)), .text("导出 xlsx")), .text(" · "),
               .a(.href(SiteURL.rankingJSON(scheme: ranking.schemeID, period: ranking.period)), .text("JSON")), .text(" · "),
               .a(.href(SiteURL.ranking(scheme: ranking.schemeID, period: ranking.period)), .escaped("data-action", "print"), .text("打印"))),
            .p(.class("muted"), .text("名次为在全部同级单位中的名次（并列同名次）；得分为各阶段调整后的最新得分。")),
            .forEach(ranking.groups) { group in
                .group(
                    .h2(.text("\(group.kind)（\(group.rows.count)）")),
                    .svg(Chart.bars(group.rows.prefix(30).map { ($0.name, $0.total) }, maximum: ranking.totalMax,
                                    title: group.rows.count > 30 ? "\(group.kind)得分（前 30）" : "\(group.kind)得分")),
                    .table(.class("ranking"),
                        .tr(.th("名次"), .th("单位"), .th("阶段"), .forEach(ranking.stages) { .th(.text($0)) }, .th("等级"),
                            .forEach(ranking.coefficientColumns) { .th(.class("rule"), .text("\($0.code) 系数")) }),
                        .forEach(group.rows) { row in
                            .tr(.td(.class("num"), .text(row.rank.map(String.init) ?? "—")),
                                .td(.a(.href(SiteURL.assessment(row.assessmentID)), .text(row.name))),
                                .td(.text(row.stage)),
                                .forEach(row.totals) { .td(.class("num"), .text($0)) },
                                .td(.text(row.grade ?? "—")),
                                .forEach(ranking.coefficientColumns) { column in .td(.class("num"), .text(row.coefficients[column.code] ?? "")) })
                        }))
            })
    }
}
