import Fluent
import Foundation
import JixiaoCore
import JixiaoSchemeFile
import SQLKit
import Vapor

/// Schemes: the versions in the database (upload, browse, copy to a new year, open assessments) and the
/// shipped seed documents with their printed figures recomputed (`/schemes/:id`, read-only examples).
struct SchemeController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("schemes", use: index)
        routes.get("schemes", ":id", use: example)
        routes.get("schemes", ":id", "results", use: exampleResults)
        routes.on(.POST, "schemes", "upload", body: .collect(maxSize: "5mb"), use: upload)
        routes.get("versions", ":version", use: version)
        routes.post("versions", ":version", "copy", use: copy)
        routes.post("versions", ":version", "open", use: open)
        routes.get("api", "schemes", use: indexJSON)
        routes.get("api", "schemes", ":id", "ranking", use: exampleRankingJSON)
    }

    struct VersionLine: Decodable {
        let id: UUID
        let code: String
        let version: Int
        let name: String
        let year: Int?
        let frozen: Bool
        let assessments: Int
    }

    /// Versions with their assessment counts, one grouped query.
    private func versions(_ request: Request) async throws -> [VersionLine] {
        guard let sql = request.db as? any SQLDatabase else { throw Abort(.internalServerError) }
        return try await sql.raw("""
            SELECT s.id, s.code, s.version, s.name, s.year, s.frozen, COUNT(a.id) AS assessments
            FROM scheme_versions s LEFT JOIN assessments a ON a.scheme_id = s.id
            GROUP BY s.id, s.code, s.version, s.name, s.year, s.frozen ORDER BY s.code, s.version
            """).all(decoding: VersionLine.self)
    }

    @Sendable func index(_ request: Request) async throws -> Response {
        Page.html(SchemeListPage(context: PageContext(request), versions: try await versions(request),
                                 examples: request.application.catalog.entries, canManage: try request.user.role == .schemeAdmin,
                                 problems: []).document)
    }

    private func requireAdmin(_ request: Request) throws {
        guard try request.user.role == .schemeAdmin else { throw Abort(.forbidden, reason: "只有方案管理员可以管理考核方案") }
    }

    /// Stores an uploaded scheme file as a new version; any error is shown with its file and line, nothing stored.
    @Sendable func upload(_ request: Request) async throws -> Response {
        try requireAdmin(request)
        struct Upload: Content { var file: File }
        let file = try request.content.decode(Upload.self).file
        guard let text = String(data: Data(buffer: file.data), encoding: .utf8) else {
            return try await refuse(request, ["\(file.filename)：不是 UTF-8 文本"])
        }
        let scheme: Scheme
        let name = file.filename
        do {
            // Off the event loops (see WorkerThreads); the YAML reader bounds what the file may expand to.
            scheme = try await request.application.uploadParsing.run {
                let scheme = try SchemeFile.parse(text, file: name)
                _ = try CompiledScheme(scheme)
                return scheme
            }
        } catch let error as SchemeErrors {
            return try await refuse(request, error.problems.map { $0.description })
        } catch {
            return try await refuse(request, ["\(error)"])
        }
        if try await SchemeVersion.query(on: request.db).filter(\.$code == scheme.id).filter(\.$version == scheme.version).first() != nil {
            return try await refuse(request, ["\(file.filename)：方案 \(scheme.id) 已有第 \(scheme.version) 版；请在文件中提高 version 后再上传"])
        }
        try await SchemeVersion(code: scheme.id, version: scheme.version, name: scheme.name, year: scheme.year, yaml: text).create(on: request.db)
        request.session.data["flash"] = "已上传 \(scheme.id) 第 \(scheme.version) 版"
        return request.redirect(to: SiteURL.schemes)
    }

    private func refuse(_ request: Request, _ problems: [String]) async throws -> Response {
        Page.html(SchemeListPage(context: PageContext(request), versions: try await versions(request),
                                 examples: request.application.catalog.entries, canManage: true, problems: problems).document,
                  status: .unprocessableEntity)
    }

    private func findVersion(_ request: Request) async throws -> SchemeVersion {
        guard let id = request.parameters.get("version").flatMap(UUID.init(uuidString:)),
            let version = try await SchemeVersion.find(id, on: request.db)
        else { throw Abort(.notFound, reason: "没有这个方案版本") }
        return version
    }

    @Sendable func version(_ request: Request) async throws -> Response {
        let version = try await findVersion(request)
        let runnable = try await request.application.scoreBoard.scheme(version)
        return Page.html(SchemePage(context: PageContext(request), compiled: runnable.compiled, resultsOf: nil,
                                    version: version, canManage: try request.user.role == .schemeAdmin).document)
    }

    /// A copy for a new year: `year` + 1 and a new version number, unfrozen, the rules unchanged.
    @Sendable func copy(_ request: Request) async throws -> Response {
        try requireAdmin(request)
        let version = try await findVersion(request)
        let latest = try await SchemeVersion.query(on: request.db).filter(\.$code == version.code).sort(\.$version, .descending).first()
        let next = (latest?.version ?? version.version) + 1
        let year = (version.year ?? Calendar.current.component(.year, from: Date())) + 1
        var lines = version.yaml.components(separatedBy: "\n")
        for index in lines.indices {
            if lines[index].hasPrefix("  year:") { lines[index] = "  year: \(year)" }
            if lines[index].hasPrefix("  version:") { lines[index] = "  version: \(next)" }
        }
        let yaml = lines.joined(separator: "\n")
        let scheme = try SchemeFile.parse(yaml, file: "\(version.code) 第\(next)版")
        try await SchemeVersion(code: scheme.id, version: scheme.version, name: scheme.name, year: scheme.year, yaml: yaml).create(on: request.db)
        request.session.data["flash"] = "已复制为 \(year) 年度（第 \(next) 版）"
        return request.redirect(to: SiteURL.schemes)
    }

    /// Opens assessments of a version for a period: one per unit of the chosen kinds under a node. Freezes the version.
    @Sendable func open(_ request: Request) async throws -> Response {
        try requireAdmin(request)
        let version = try await findVersion(request)
        struct Form: Content {
            var period: String
            var root: String
            var kinds: String
        }
        let form = try request.content.decode(Form.self)
        let period = form.period.trimmingCharacters(in: .whitespaces)
        guard period.range(of: #"^\d{4}(-\d{2})?$"#, options: .regularExpression) != nil else {
            throw InputProblems(problems: ["考核期“\(period)”应写作 2025 或 2025-06"])
        }
        guard let root = try await OrgUnit.query(on: request.db).filter(\.$code == form.root.trimmingCharacters(in: .whitespaces)).first() else {
            throw InputProblems(problems: ["没有代码为“\(form.root)”的单位"])
        }
        let user = try request.user
        guard user.reach(toPath: root.path) != .outside else { throw InputProblems(problems: ["“\(root.name)”不在您的管辖范围内"]) }
        let kinds = Set(form.kinds.split(whereSeparator: { " ,，、".contains($0) }).map(String.init))
        let units = try await OrgUnit.query(on: request.db).within(root.path).all().filter { kinds.contains($0.kind) }
        if units.isEmpty { throw InputProblems(problems: ["“\(root.name)”下没有类型为 \(kinds.sorted().joined(separator: "、")) 的单位"]) }
        let versionID = try version.requireID()
        let existing = Set(try await Assessment.query(on: request.db).filter(\.$scheme.$id == versionID).filter(\.$period == period).all().map { $0.$unit.id })
        let created = try units.filter { !existing.contains(try $0.requireID()) }.map { Assessment(schemeID: versionID, period: period, unitID: try $0.requireID()) }
        try await request.db.transaction { db in
            if !created.isEmpty { try await created.create(on: db) }
            version.frozen = true
            try await version.update(on: db)
        }
        request.session.data["flash"] = "已为 \(units.count) 个单位开启 \(period) 考核（新建 \(created.count) 份）；该版本已冻结"
        return request.redirect(to: SiteURL.schemes)
    }

    // MARK: Shipped examples (read-only)

    private func entry(_ request: Request) throws -> Catalog.Entry {
        let id = request.parameters.get("id") ?? ""
        guard let entry = request.application.catalog.entry(id) else {
            throw Abort(.notFound, reason: "没有编号为 “\(id)” 的考核方案")
        }
        return entry
    }

    @Sendable func example(_ request: Request) async throws -> Response {
        let entry = try entry(request)
        return Page.html(SchemePage(context: PageContext(request), compiled: entry.scheme,
                                    resultsOf: entry.report == nil ? nil : entry.scheme.scheme.id,
                                    version: nil, canManage: false).document)
    }

    @Sendable func exampleResults(_ request: Request) async throws -> Response {
        let entry = try entry(request)
        guard let report = entry.report else { throw Abort(.notFound, reason: "方案 “\(entry.scheme.scheme.id)” 还没有考核数据") }
        return Page.html(ResultsPage(context: PageContext(request), report: report).document)
    }

    @Sendable func indexJSON(_ request: Request) async throws -> [SchemeSummaryDTO] {
        request.application.catalog.entries.map(SchemeSummaryDTO.init)
    }

    @Sendable func exampleRankingJSON(_ request: Request) async throws -> RankingDTO {
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

/// Wire format of an example's ranking: scores as exact decimal strings, never binary floats.
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
