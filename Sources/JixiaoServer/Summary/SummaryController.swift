import Fluent
import SQLKit
import Foundation
import JixiaoCore
import Vapor

/// 总体情况: `/summary` lists the schemes and periods in the user's tree; `/summary/:scheme/:period` is the page.
struct SummaryController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("summary", use: index)
        routes.get("summary", ":scheme", ":period", use: page)
    }

    /// The newest period with work opens; the page links the others.
    @Sendable func index(_ request: Request) async throws -> Response {
        let choices = try await Overview.choices(request, user: try request.user)
        guard let choice = choices.first(where: { $0.waiting > 0 }) ?? choices.first else {
            return Page.message(title: "总体情况", lines: ["您的范围内还没有考核。"], context: PageContext(request), status: .ok)
        }
        return request.redirect(to: SiteURL.summary(scheme: choice.schemeID, period: choice.period))
    }

    @Sendable func page(_ request: Request) async throws -> Response {
        guard let id = request.parameters.get("scheme").flatMap(UUID.init(uuidString:)), let period = request.parameters.get("period"),
            period.count <= 16
        else { throw Abort(.notFound, reason: "没有这个考核方案") }
        let user = try request.user
        let board = request.application.scoreBoard
        let version = try await board.version(id, on: request.db)
        let scores = try await board.scores(version, period: period, on: request.db)
        guard scores.rows.contains(where: { $0.unitPath.hasPrefix(user.unitPath) }) else {
            throw Abort(.notFound, reason: "您的范围内没有这一期的考核")
        }
        // The same scheme (any version) in earlier periods, for the trend: at most the last 12.
        guard let sql = request.db as? any SQLDatabase else { throw Abort(.internalServerError) }
        struct PairRow: Decodable {
            let period: String
            let scheme_id: UUID
        }
        let pairs = try await sql.raw("""
            SELECT DISTINCT a.period, a.scheme_id FROM assessments a JOIN scheme_versions s ON s.id = a.scheme_id
            WHERE s.code = \(bind: version.code) ORDER BY a.period DESC LIMIT 12
            """).all(decoding: PairRow.self).map { (period: $0.period, version: $0.scheme_id) }
        var trend: [(period: String, total: Fixed?)] = []
        for pair in pairs.sorted(by: { $0.period < $1.period }) {
            let other = try await board.scores(try await board.version(pair.version, on: request.db), period: pair.period, on: request.db)
            trend.append((pair.period, SummaryView.average(other, userPath: user.unitPath)))
        }
        let choices = try await Overview.choices(request, user: user)
        let view = SummaryView(scores, userPath: user.unitPath, trend: trend)
        return Page.html(SummaryPage(context: PageContext(request), view: view, choices: choices).document)
    }
}
