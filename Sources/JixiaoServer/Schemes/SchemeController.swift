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
        routes.get("schemes", "upload", ":pending", use: pending)
        routes.post("schemes", "upload", ":pending", "confirm", use: confirm)
        routes.post("schemes", "upload", ":pending", "discard", use: discard)
        routes.get("versions", ":version", use: version)
        routes.post("versions", ":version", "copy", use: copy)
        routes.get("versions", ":version", "open", use: openForm)
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

    /// The periods opened with a version, with their assessment counts.
    private func periods(_ versionID: UUID, on request: Request) async throws -> [SchemePage.OpenedPeriod] {
        guard let sql = request.db as? any SQLDatabase else { throw Abort(.internalServerError) }
        return try await sql.raw("""
            SELECT period, COUNT(*) AS assessments FROM assessments WHERE scheme_id = \(bind: versionID)
            GROUP BY period ORDER BY period
            """).all(decoding: SchemePage.OpenedPeriod.self)
    }

    @Sendable func index(_ request: Request) async throws -> Response {
        Page.html(SchemeListPage(context: PageContext(request), versions: try await versions(request),
                                 examples: request.application.catalog.entries, canManage: try request.user.role == .schemeAdmin,
                                 notice: Notice.take(for: SiteURL.schemes, from: request)).document)
    }

    private func requireAdmin(_ request: Request) throws {
        guard try request.user.role == .schemeAdmin else { throw Abort(.forbidden, reason: "只有方案管理员可以管理考核方案") }
    }

    // MARK: Upload: check the content, then the version; warnings wait for confirmation

    /// Checks an uploaded scheme file (content, then version). Errors: the list page with every error (file and
    /// line), nothing stored. Warnings: kept as a pending upload and shown for confirmation, nothing stored.
    /// Neither: stored, and the new version's page says so.
    @Sendable func upload(_ request: Request) async throws -> Response {
        try requireAdmin(request)
        struct Upload: Content { var file: File? }
        guard let file = try request.content.decode(Upload.self).file, file.data.readableBytes > 0 else {
            return try await refuse(request, ["请选择要上传的方案文件（YAML）"])
        }
        let name = file.filename.isEmpty ? "方案文件" : file.filename
        guard let text = String(data: Data(buffer: file.data), encoding: .utf8) else {
            return try await refuse(request, ["\(name)：不是 UTF-8 文本，请以 UTF-8 编码保存后再上传"])
        }
        switch try await SchemeUploadCheck.run(text, file: name, on: request) {
        case .refused(let errors, let warnings):
            return try await refuse(request, errors, warnings: warnings)
        case .accepted(let scheme, let warnings) where warnings.isEmpty:
            return try await stored(request, SchemeUploadCheck.store(scheme, text: text, file: name, on: request),
                                    message: "已上传 \(scheme.id) 第 \(scheme.version) 版（\(name)），校验无错误、无警告")
        case .accepted:
            let userID = try request.user.userID
            let pending = PendingSchemeUpload(userID: userID, filename: name, yaml: text)
            let cutoff = Date().addingTimeInterval(-PendingSchemeUpload.lifetime)
            try await request.application.write { db in
                // One waiting upload per admin (a new one replaces it); stale ones of anybody are swept.
                try await PendingSchemeUpload.query(on: db).group(.or) { either in
                    either.filter(\.$user.$id == userID)
                    either.filter(\.$createdAt < cutoff)
                }.delete()
                try await pending.create(on: db)
            }
            return request.redirect(to: SiteURL.pendingScheme(try pending.requireID()))
        }
    }

    private func refuse(_ request: Request, _ problems: [String], warnings: [String] = []) async throws -> Response {
        Page.html(SchemeListPage(context: PageContext(request), versions: try await versions(request),
                                 examples: request.application.catalog.entries, canManage: true,
                                 problems: problems, warnings: warnings).document,
                  status: .unprocessableEntity)
    }

    /// A stored version: its page, with the message there; or the refusal if the version was taken meanwhile.
    private func stored(_ request: Request, _ result: Result<UUID, InputProblems>, message: String) async throws -> Response {
        switch result {
        case .failure(let problems): return try await refuse(request, problems.problems)
        case .success(let id):
            Notice.leave(message, for: SiteURL.version(id), on: request)
            return request.redirect(to: SiteURL.version(id))
        }
    }

    /// The signed-in admin's own pending upload (another admin's is not found).
    private func findPending(_ request: Request) async throws -> PendingSchemeUpload {
        let userID = try request.user.userID
        guard let id = request.parameters.get("pending").flatMap(UUID.init(uuidString:)),
            let pending = try await PendingSchemeUpload.find(id, on: request.db), pending.$user.id == userID,
            pending.createdAt > Date().addingTimeInterval(-PendingSchemeUpload.lifetime)
        else { throw Abort(.notFound, reason: "没有这份待确认的上传（可能已保存、已放弃或已过期），请重新上传方案文件") }
        return pending
    }

    /// The confirmation page: the pending file checked again (the checks are the truth, not what was stored).
    @Sendable func pending(_ request: Request) async throws -> Response {
        try requireAdmin(request)
        let pending = try await findPending(request)
        switch try await SchemeUploadCheck.run(pending.yaml, file: pending.filename, on: request) {
        case .refused(let errors, let warnings):
            return try await refuse(request, errors, warnings: warnings)
        case .accepted(let scheme, let warnings):
            let count = scheme.allIndicators.count
            return Page.html(PendingSchemePage(context: PageContext(request), pendingID: try pending.requireID(), filename: pending.filename,
                                               scheme: scheme, indicatorCount: count, warnings: warnings).document)
        }
    }

    /// Stores a pending upload the admin confirmed, checking it once more (another version may have taken its number).
    @Sendable func confirm(_ request: Request) async throws -> Response {
        try requireAdmin(request)
        let pending = try await findPending(request)
        let pendingID = try pending.requireID()
        switch try await SchemeUploadCheck.run(pending.yaml, file: pending.filename, on: request) {
        case .refused(let errors, let warnings):
            return try await refuse(request, errors, warnings: warnings)
        case .accepted(let scheme, let warnings):
            let result = try await SchemeUploadCheck.store(scheme, text: pending.yaml, file: pending.filename, on: request) { db in
                try await PendingSchemeUpload.query(on: db).filter(\.$id == pendingID).delete()
            }
            return try await stored(request, result,
                                    message: "已上传 \(scheme.id) 第 \(scheme.version) 版（\(pending.filename)），您已确认其 \(warnings.count) 条警告")
        }
    }

    @Sendable func discard(_ request: Request) async throws -> Response {
        try requireAdmin(request)
        let pending = try await findPending(request)
        let pendingID = try pending.requireID()
        try await request.application.write { db in try await PendingSchemeUpload.query(on: db).filter(\.$id == pendingID).delete() }
        Notice.leave("已放弃上传 \(pending.filename)，未保存", for: SiteURL.schemes, on: request)
        return request.redirect(to: SiteURL.schemes)
    }

    // MARK: Versions: browse, copy, open a period

    private func findVersion(_ request: Request) async throws -> SchemeVersion {
        guard let id = request.parameters.get("version").flatMap(UUID.init(uuidString:)),
            let version = try await SchemeVersion.find(id, on: request.db)
        else { throw Abort(.notFound, reason: "没有这个方案版本") }
        return version
    }

    @Sendable func version(_ request: Request) async throws -> Response {
        let version = try await findVersion(request)
        let id = try version.requireID()
        let runnable = try await request.application.scoreBoard.scheme(version)
        return Page.html(SchemePage(context: PageContext(request), compiled: runnable.compiled, resultsOf: nil,
                                    version: version, canManage: try request.user.role == .schemeAdmin,
                                    notice: Notice.take(for: SiteURL.version(id), from: request),
                                    periods: try await periods(id, on: request)).document)
    }

    /// A copy for a new year: `year` + 1 and a new version number, unfrozen, the rules unchanged; its page says so.
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
        let file = "\(version.code) 第\(next)版"
        let scheme: Scheme
        do { scheme = try SchemeFile.parse(yaml, file: file) } catch { throw InputProblems(problems: [error.description]) }
        guard scheme.version == next else {
            // The year and version are rewritten line by line; a file that writes them otherwise is copied by hand.
            throw InputProblems(problems: ["方案 \(version.code) 的 scheme 段没有逐行写出 version，无法自动复制；请修改文件中的 year 和 version（改为 \(next)）后上传"])
        }
        return try await stored(request, SchemeUploadCheck.store(scheme, text: yaml, file: file, on: request),
                                message: "已复制 \(version.code) 第 \(version.version) 版为 \(scheme.year.map { "\($0) 年度" } ?? "")第 \(next) 版（规则不变，可修改）")
    }

    /// The form: the org tree of the admin's scope, pruned to the units whose kind the scheme assesses.
    @Sendable func openForm(_ request: Request) async throws -> Response {
        try requireAdmin(request)
        let version = try await findVersion(request)
        return try await openPage(request, version, period: "", picked: [], problems: [])
    }

    private func openPage(_ request: Request, _ version: SchemeVersion, period: String, picked: Set<String>, problems: [String]) async throws -> Response {
        let user = try request.user
        let id = try version.requireID()
        let scheme = try await request.application.scoreBoard.scheme(version).compiled.scheme
        let units = try await OrgUnit.query(on: request.db).within(user.unitPath).all()
        let page = OpenPeriodPage(context: PageContext(request), versionID: id, scheme: scheme,
                                  tree: PeriodOpening.tree(units, kinds: SchemeWording.unitKinds(scheme.subjectKind)),
                                  opened: try await periods(id, on: request), period: period, picked: picked, problems: problems)
        return Page.html(page.document, status: problems.isEmpty ? .ok : .unprocessableEntity)
    }

    /// Opens assessments of a version for a period, one per ticked unit (each checked again here: it exists, it is
    /// in the admin's scope, its kind is the scheme's), and freezes the version; its page then says what was opened.
    @Sendable func open(_ request: Request) async throws -> Response {
        try requireAdmin(request)
        let version = try await findVersion(request)
        struct Form: Content {
            var period: String?
            var units: [String]?
        }
        let form = try request.content.decode(Form.self)
        let codes = form.units ?? []
        let picked = Set(codes.prefix(PeriodOpening.maxUnits))
        var problems: [String] = []
        var period = ""
        switch PeriodOpening.period(form.period ?? "") {
        case .success(let value): period = value
        case .failure(let refusal): problems += refusal.problems
        }
        let scheme = try await request.application.scoreBoard.scheme(version).compiled.scheme
        var units: [OrgUnit] = []
        switch try await PeriodOpening.picked(codes, user: try request.user, subjectKind: scheme.subjectKind, on: request.db) {
        case .success(let found): units = found
        case .failure(let refusal): problems += refusal.problems
        }
        if !problems.isEmpty {
            return try await openPage(request, version, period: String((form.period ?? "").prefix(40)), picked: picked, problems: problems)
        }
        let versionID = try version.requireID()
        let unitIDs = try units.map { try $0.requireID() }
        let created = try await request.application.write { [period] db in
            let existing = Set(try await Assessment.query(on: db).filter(\.$scheme.$id == versionID).filter(\.$period == period).all().map { $0.$unit.id })
            let fresh = unitIDs.filter { !existing.contains($0) }.map { Assessment(schemeID: versionID, period: period, unitID: $0) }
            if !fresh.isEmpty { try await fresh.create(on: db) }
            try await SchemeVersion.query(on: db).filter(\.$id == versionID).set(\.$frozen, to: true).update()
            return fresh.count
        }
        let already = units.count - created
        Notice.leave("已为 \(units.count) 个单位开启 \(period) 考核（新建 \(created) 份" + (already > 0 ? "，\(already) 个单位原已开启" : "") + "）；该版本已冻结",
                     for: SiteURL.version(versionID), on: request)
        return request.redirect(to: SiteURL.version(versionID))
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
