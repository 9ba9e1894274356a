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
        let user = try request.user
        let board = request.application.scoreBoard
        let scores = try await board.scores(try await board.version(id, on: request.db), period: period, on: request.db)
        let ranking = Ranking(scores, user: user, list: ListQuery(request), cities: try await ListOptions.cities(request, user: user))
        if ranking.rows.isEmpty { throw Abort(.notFound, reason: "您的单位下没有该方案 \(period) 的考核") }
        return ranking
    }

    /// Encoded once per period and scope, until a write to the period: the hot path of everyone's ranking.
    /// A search, filter, sort or page is answered from the period's scores without keeping the answer (links
    /// can differ without end; the scores they are cut from are cached either way).
    @Sendable func json(_ request: Request) async throws -> Response {
        let user = try request.user
        let (id, period) = try target(request)
        let asked = ListQuery(request)
        let data: Data
        if asked.isDefault {
            data = try await request.application.scoreBoard.derived(id, period: period, key: "ranking|" + user.unitPath, on: request.db) { scores in
                let ranking = Ranking(scores, user: user)
                if ranking.rows.isEmpty { throw Abort(.notFound, reason: "您的单位下没有该方案 \(period) 的考核") }
                return RankingJSON(ranking).encoded
            }
        } else {
            data = RankingJSON(try await ranking(request)).encoded
        }
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }

    @Sendable func page(_ request: Request) async throws -> Response {
        let ranking = try await ranking(request)
        return Page.html(RankingPage(context: PageContext(request), ranking: ranking).document)
    }

    /// One sheet per kind (市州排名, 县市区排名) with a 类别 column, filtered and sorted as the page, every page;
    /// ranks, totals and coefficients are number cells, codes text.
    @Sendable func workbook(_ request: Request) async throws -> Response {
        let ranking = try await ranking(request)
        let header = ["名次", "代码", "单位", "类别", "阶段"] + ranking.stages + ["等级"] + ranking.coefficientColumns.map { "\($0.code) \($0.name) 系数" }
        var sheets: [Sheet] = []
        for section in ranking.sections {
            let title = "\(ranking.schemeName) · \(ranking.period) \(section.kind)排名"
                + (ranking.list.isFiltered ? "（筛选后 \(section.rows.count) / \(section.unfiltered) 个）" : "（\(section.rows.count) 个）")
            var rows: [[Cell]] = [[.text(title)], header.map { .text($0) }]
            for row in section.rows {
                rows.append([row.rank.map { .number(String($0)) } ?? .empty, .text(row.code), .text(row.name), .text(row.kind), .text(row.stage)]
                            + row.totals.map { Cell.figure($0) }
                            + [.text(row.grade ?? "")]
                            + ranking.coefficientColumns.map { column in row.coefficients[column.code].map { Cell.figure($0) } ?? .empty })
            }
            sheets.append(Sheet(name: "\(section.kind)排名", rows: rows, layout: PageLayout(repeatedRows: 2)))
        }
        if sheets.isEmpty { sheets = [Sheet(name: "排名", rows: [[.text("没有符合条件的单位")]])] }
        return try AssessmentController.xlsx(Workbook(sheets: sheets), name: "\(ranking.schemeName)-\(ranking.period)-排名.xlsx")
    }
}
