import Fluent
import Foundation
import JixiaoPlatform
import Vapor

enum PlatformIngest {
    /// Registers the token pages and uploads (signed in, CSRF-checked) and the push API (bearer token only).
    static func register(_ app: Application, signedIn working: any RoutesBuilder) throws {
        app.platformImportsLive = LiveImports()
        try working.register(collection: PlatformIngestController())
        // Outside the CSRF group: the bearer token, checked first, is the only credential of the push API.
        try app.register(collection: PlatformPushController())
    }
}

/// 平台数据接入: API tokens (admins) and uploads of record files with their progress (admins and province staff).
struct PlatformIngestController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("platform", "tokens", use: tokens)
        routes.post("platform", "tokens", use: issue)
        routes.post("platform", "tokens", ":id", "revoke", use: revoke)
        routes.get("platform", "imports", use: imports)
        routes.on(.POST, "platform", "imports", "upload", body: .stream, use: upload)
        routes.get("platform", "imports", ":id", use: importPage)
        routes.get("api", "platform", "imports", ":id", use: importJSON)
    }

    // MARK: tokens

    private func admin(_ request: Request) throws -> SignedIn {
        let user = try request.user
        guard PlatformIngestRules.managesTokens(user) else { throw Abort(.forbidden, reason: "只有账号管理员和方案管理员可以管理接口令牌") }
        return user
    }

    private func tokenPage(_ request: Request, admin: SignedIn, issued: PlatformTokensPage.Issued? = nil,
                           problems: [String] = [], status: HTTPResponseStatus = .ok) async throws -> Response {
        let tokens = try await PlatformToken.query(on: request.db).sort(\.$createdAt, .descending).all()
            .filter { $0.unitPath.hasPrefix(admin.unitPath) }
        let units = try await OrgUnit.query(on: request.db).within(admin.unitPath).sort(\.$path).all()
            .filter { ["省", "市州", "县市区"].contains($0.kind) || $0.path == admin.unitPath }
        let flash = request.session.data["platformFlash"]
        request.session.data["platformFlash"] = nil
        let page = PlatformTokensPage(context: PageContext(request), tokens: tokens.map(PlatformTokensPage.Row.init),
                                      units: units.compactMap { unit in unit.id.map { ($0, unit.name) } },
                                      issued: issued, problems: problems, flash: flash)
        return Page.html(page.document, status: status)
    }

    @Sendable func tokens(_ request: Request) async throws -> Response {
        try await tokenPage(request, admin: try admin(request))
    }

    struct IssueForm: Content {
        var name: String?
        var unit: String?
        var expires: String?
    }

    @Sendable func issue(_ request: Request) async throws -> Response {
        let admin = try admin(request)
        let form = try request.content.decode(IssueForm.self)
        let name = (form.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [String] = []
        if name.isEmpty || name.count > 60 || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            problems.append("名称：请填写 1–60 个字")
        }
        let unitID = form.unit.flatMap(UUID.init(uuidString:)) ?? admin.unitID
        let unit = try await OrgUnit.find(unitID, on: request.db)
        guard let unit, unit.path.hasPrefix(admin.unitPath) else { throw Abort(.notFound, reason: "没有这个单位") }
        var expires: Date?
        let typed = (form.expires ?? "").trimmingCharacters(in: .whitespaces)
        if !typed.isEmpty {
            if let day = PlatformTokensPage.day(typed), day > Date() { expires = day } else {
                problems.append("有效期至：应为今天以后的日期 YYYY-MM-DD")
            }
        }
        guard problems.isEmpty else { return try await tokenPage(request, admin: admin, problems: problems, status: .unprocessableEntity) }
        let secret = PlatformToken.newSecret()
        let expiresAt = expires
        let token = try PlatformToken(name: name, unit: unit, secretHash: PlatformToken.hash(secret), createdBy: admin.username, expiresAt: expiresAt)
        try await request.application.write { db in
            try await token.create(on: db)
            try await PlatformAuditEntry(actor: admin, action: "签发接口令牌",
                                         detail: "“\(name)”，范围 \(unit.name)\(expiresAt.map { "，有效期至 \(PlatformTokensPage.dayText($0))" } ?? "")").create(on: db)
        }
        return try await tokenPage(request, admin: admin, issued: .init(name: name, unitName: unit.name, secret: secret))
    }

    @Sendable func revoke(_ request: Request) async throws -> Response {
        let admin = try admin(request)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let token = try await PlatformToken.find(id, on: request.db), token.unitPath.hasPrefix(admin.unitPath)
        else { throw Abort(.notFound, reason: "没有这个令牌") }
        if token.revokedAt == nil {
            try await request.application.write { db in
                try await PlatformToken.query(on: db).filter(\.$id == id).filter(\.$revokedAt == nil)
                    .set(\.$revokedAt, to: Date()).set(\.$revokedBy, to: admin.username).update()
                try await PlatformAuditEntry(actor: admin, action: "撤销接口令牌", detail: "“\(token.name)”，范围 \(token.unitName)").create(on: db)
            }
        }
        request.session.data["platformFlash"] = "已撤销令牌“\(token.name)”"
        return request.redirect(to: SiteURL.platformTokens)
    }

    // MARK: uploads

    private func uploader(_ request: Request) throws -> SignedIn {
        let user = try request.user
        guard PlatformIngestRules.mayUpload(user) else { throw Abort(.forbidden, reason: "只有管理员和省级单位的工作人员可以导入平台数据") }
        return user
    }

    private func visibleImports(_ request: Request, _ user: SignedIn) async throws -> [PlatformImport] {
        try await PlatformImport.query(on: request.db).sort(\.$createdAt, .descending).limit(500).all()
            .filter { $0.unitPath.hasPrefix(user.unitPath) }
    }

    @Sendable func imports(_ request: Request) async throws -> Response {
        let user = try uploader(request)
        let jobs = try await visibleImports(request, user)
        let app = request.application
        return Page.html(PlatformImportsPage(context: PageContext(request), jobs: jobs.map { PlatformImportDTO($0).seen(by: app) }).document)
    }

    struct UploadAnswer: Content {
        let id: UUID
        let page: String
        let progress: String
    }

    /// The file is the request's body (sent by the page's script with the `X-CSRF-Token` header), streamed to a
    /// temporary file up to the size limit; permission, kind and name are checked before a byte is read.
    @Sendable func upload(_ request: Request) async throws -> Response {
        let user = try uploader(request)
        let name = Self.fileName(request.query[String.self, at: "file"] ?? "")
        guard let name else { throw Abort(.badRequest, reason: "文件名无效") }
        let lower = name.lowercased()
        let xlsx = lower.hasSuffix(".xlsx")
        guard xlsx || lower.hasSuffix(".csv") else { throw Abort(.unprocessableEntity, reason: "\(name)：只能导入 CSV 或 xlsx 文件") }
        let chosen = (request.query[String.self, at: "kind"] ?? "").trimmingCharacters(in: .whitespaces)
        let base = String(name.prefix(upTo: name.lastIndex(of: ".") ?? name.endIndex))
        guard let kind = Records.kind(named: chosen.isEmpty ? base : chosen) else {
            throw Abort(.unprocessableEntity, reason: "\(name)：请选择记录类型，或把文件命名为 \(Records.all.map { $0.name + ".csv" }.joined(separator: "、")) 之一")
        }
        let limit = xlsx ? 20 << 20 : PlatformIngestRules.maxUploadBytes
        let tooLarge = Abort(.payloadTooLarge, reason: "\(name)：文件超过 \(limit >> 20) MiB")
        if let length = request.headers.first(name: .contentLength).flatMap(Int.init), length > limit { throw tooLarge }
        // In a folder of its own under the uploaded name: the ingest's messages name the file as the user knows it.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jixiao-import-\(UUID().uuidString)")
        let url = folder.appendingPathComponent(name)
        guard (try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)) != nil,
            FileManager.default.createFile(atPath: url.path, contents: nil), let handle = try? FileHandle(forWritingTo: url)
        else {
            try? FileManager.default.removeItem(at: folder)
            throw Abort(.internalServerError, reason: "无法保存上传的文件")
        }
        var bytes = 0
        do {
            for try await chunk in request.body {
                bytes += chunk.readableBytes
                if bytes > limit { throw tooLarge }
                try handle.write(contentsOf: Data(buffer: chunk))
            }
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        let size = bytes
        let job = PlatformImport(user: user, file: name, kind: kind.name, bytes: size)
        do {
            try await request.application.write { db in
                try await job.create(on: db)
                try await PlatformAuditEntry(actor: user, action: "导入平台数据", detail: "\(name)（\(kind.label)，\(size) 字节）").create(on: db)
            }
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        let id = try job.requireID()
        PlatformImportJob.start(request.application, .init(id: id, url: url, file: name, kind: kind, xlsx: xlsx,
                                                           scopePath: user.unitPath, scopeName: user.unitName))
        let response = Response(status: .accepted)
        try response.content.encode(UploadAnswer(id: id, page: SiteURL.platformImport(id).path, progress: SiteURL.platformImportJSON(id).path), as: .json)
        return response
    }

    /// The last path component, 1–100 characters, no control characters.
    static func fileName(_ raw: String) -> String? {
        let last = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let name = last.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return nil }
        return name
    }

    private func job(_ request: Request) async throws -> PlatformImportDTO {
        let user = try uploader(request)
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let job = try await PlatformImport.find(id, on: request.db), job.unitPath.hasPrefix(user.unitPath)
        else { throw Abort(.notFound, reason: "没有这次导入") }
        var dto = PlatformImportDTO(job).seen(by: request.application)
        // SQLite: while the one writer runs this job's ingest, the live counts are only in this server's memory.
        if let live = request.application.platformImportsLive.get(id)?.snapshot, !dto.finished {
            dto.state = live.state
            dto.rowsRead = max(dto.rowsRead, live.read)
            dto.rowsStored = max(dto.rowsStored, live.stored)
            dto.rowsExpected = live.expected ?? dto.rowsExpected
        }
        return dto
    }

    @Sendable func importJSON(_ request: Request) async throws -> PlatformImportProgress {
        PlatformImportProgress(try await job(request))
    }

    @Sendable func importPage(_ request: Request) async throws -> Response {
        let dto = try await job(request)
        return Page.html(PlatformImportPage(context: PageContext(request), job: dto).document)
    }
}

/// What the progress page's script reads (`/api/platform/imports/<id>`): the counts and the texts it shows.
struct PlatformImportProgress: Content {
    let state: String
    let finished: Bool
    let percent: Int
    let stateText: String
    let result: String
    let rowsRead: Int
    let rowsStored: Int
    let rowsExpected: Int?
    let inserted: Int?
    let unchanged: Int?
    let error: String?

    init(_ job: PlatformImportDTO) {
        state = job.state
        finished = job.finished
        percent = job.percent
        stateText = job.stateText
        result = job.resultText
        rowsRead = job.rowsRead
        rowsStored = job.rowsStored
        rowsExpected = job.rowsExpected
        inserted = job.inserted
        unchanged = job.unchanged
        error = job.error
    }
}

/// One import as the pages show it.
struct PlatformImportDTO: Content {
    let id: UUID
    let file: String
    let kind: String
    let kindLabel: String
    let user: String
    let createdAt: Date
    let finishedAt: Date?
    let updatedAt: Date
    var state: String
    var rowsRead: Int
    var rowsStored: Int
    var rowsExpected: Int?
    let inserted: Int?
    let unchanged: Int?
    let error: String?

    init(_ job: PlatformImport) {
        id = job.id ?? UUID()
        file = job.file
        kind = job.kind
        kindLabel = Records.kind(named: job.kind)?.label ?? job.kind
        user = job.userName
        createdAt = job.createdAt
        finishedAt = job.finishedAt
        updatedAt = job.updatedAt
        state = job.state
        rowsRead = job.rowsRead
        rowsStored = job.rowsStored
        rowsExpected = job.rowsExpected
        inserted = job.inserted
        unchanged = job.unchanged
        error = job.error
    }

    var finished: Bool { state == "done" || state == "failed" || state == Self.interrupted }

    /// Shown for a job that no server runs any more (its server stopped mid-way): nothing of the file was written,
    /// since an import is all or nothing, and the file is uploaded again to import it.
    static let interrupted = "interrupted"
    /// A running job's row is written at least this often on PostgreSQL (`PlatformImportJob.heartbeat`); a job
    /// silent for longer, and not running here, has lost its server.
    static let staleAfter: TimeInterval = 120

    /// The job as this server sees it: an unfinished job it does not run is 中断 on SQLite (one server runs every
    /// job, and it would be running it), and on PostgreSQL once its row has been silent for `staleAfter`.
    func seen(by app: Application, now: Date = Date()) -> PlatformImportDTO {
        guard !finished, app.platformImportsLive.get(id) == nil,
            app.writeGate != nil || now.timeIntervalSince(updatedAt) > Self.staleAfter
        else { return self }
        var seen = self
        seen.state = Self.interrupted
        return seen
    }

    /// 0…100 for the progress bar: 检查 fills the first half, 写入 the second.
    var percent: Int {
        switch state {
        case "done": return 100
        case "checking": return rowsExpected.map { $0 > 0 ? min(50, rowsRead * 50 / $0) : 50 } ?? 10
        case "storing": return 50 + (rowsExpected.map { $0 > 0 ? min(49, rowsStored * 50 / $0) : 49 } ?? 0)
        default: return 0
        }
    }

    var stateText: String {
        switch state {
        case "queued": return "排队中"
        case "checking": return "检查中（已读 \(rowsRead) 行）"
        case "storing": return "写入中" + (rowsStored > 0 ? "（已写 \(rowsStored)\(rowsExpected.map { " / \($0)" } ?? "") 行）" : "")
        case "done": return "完成"
        case "failed": return "失败"
        case Self.interrupted: return "中断"
        default: return state
        }
    }

    var resultText: String {
        switch state {
        case "done": return "共 \(rowsStored) 行：新写入 \(inserted ?? 0) 条，已有 \(unchanged ?? 0) 条未变"
        case "failed": return error ?? "导入失败"
        case Self.interrupted:
            return "服务器在导入过程中停止（最后一次进度 \(AccountTime.text(updatedAt, seconds: true))），整个文件未导入；请重新上传该文件"
        default: return ""
        }
    }
}
