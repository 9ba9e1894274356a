import JixiaoCore
import Vapor

/// Scheme browsing and results, as pages and as JSON (`/api/…` mirrors each page's data).
struct SchemeController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: index)
        routes.get("schemes", ":id", use: scheme)
        routes.get("schemes", ":id", "results", use: results)
        routes.get("api", "schemes", use: indexJSON)
        routes.get("api", "schemes", ":id", "ranking", use: rankingJSON)
    }

    private func entry(_ request: Request) throws -> Catalog.Entry {
        let id = request.parameters.get("id") ?? ""
        guard let entry = request.application.catalog.entry(id) else {
            throw Abort(.notFound, reason: "没有编号为 “\(id)” 的考核方案")
        }
        return entry
    }

    @Sendable func index(_ request: Request) async throws -> Response {
        Page.html(SchemeListPage(entries: request.application.catalog.entries).document)
    }

    @Sendable func scheme(_ request: Request) async throws -> Response {
        Page.html(SchemePage(entry: try entry(request)).document)
    }

    @Sendable func results(_ request: Request) async throws -> Response {
        let entry = try entry(request)
        guard let report = entry.report else { throw Abort(.notFound, reason: "方案 “\(entry.scheme.scheme.id)” 还没有考核数据") }
        return Page.html(ResultsPage(report: report).document)
    }

    @Sendable func indexJSON(_ request: Request) async throws -> [SchemeSummaryDTO] {
        request.application.catalog.entries.map(SchemeSummaryDTO.init)
    }

    @Sendable func rankingJSON(_ request: Request) async throws -> RankingDTO {
        let entry = try entry(request)
        guard let report = entry.report else { throw Abort(.notFound, reason: "方案 “\(entry.scheme.scheme.id)” 还没有考核数据") }
        return RankingDTO(report)
    }
}

/// Wire format of the scheme list (never the core types themselves).
struct SchemeSummaryDTO: Content {
    let id: String
    let name: String
    let year: Int?
    let version: Int
    let indicators: Int
    let subjects: Int

    init(_ entry: Catalog.Entry) {
        let scheme = entry.scheme.scheme
        id = scheme.id
        name = scheme.name
        year = scheme.year
        version = scheme.version
        indicators = entry.scheme.indicatorCount
        subjects = entry.report?.data.subjects.count ?? 0
    }
}

/// Wire format of a ranking: scores as exact decimal strings, never binary floats.
struct RankingDTO: Content {
    struct Row: Content {
        let rank: Int?
        let subject: String
        let name: String
        let total: String?
        let grade: String?
    }
    let scheme: String
    let period: String
    let stage: String
    let rows: [Row]

    init(_ report: ScoreReport) {
        scheme = report.scheme.scheme.id
        period = report.data.period
        let final = report.finalStage
        stage = final.stage
        rows = final.subjects
            .sorted { ($0.rank ?? Int.max, $0.subject.id) < ($1.rank ?? Int.max, $1.subject.id) }
            .map { Row(rank: $0.rank, subject: $0.subject.id, name: $0.subject.name, total: $0.total.score?.formatted(), grade: $0.grade) }
    }
}
