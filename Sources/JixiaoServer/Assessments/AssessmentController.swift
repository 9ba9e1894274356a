import Fluent
import Foundation
import JixiaoCore
import JixiaoXLSX
import SQLKit
import Vapor

/// The signed-in user's assessments: the overview, one assessment's sheet and entry form, the workflow's
/// steps, xlsx template and upload, and the same data as JSON under `/api/`.
struct AssessmentController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: dashboard)
        routes.get("assessments.xlsx", use: dashboardWorkbook)
        let one = routes.grouped("assessments", ":id")
        one.get(use: sheet)
        one.post("save", use: saveForm)
        one.post("preview", use: preview)
        for action in [WorkflowAction.submit, .sendBack, .approve, .reopen] {
            one.post(PathComponent(stringLiteral: action.rawValue)) { request in try await act(request, action) }
        }
        one.get("template.xlsx", use: template)
        one.on(.POST, "upload", body: .collect(maxSize: "5mb"), use: upload)
        one.get("sheet.xlsx", use: sheetWorkbook)
        one.on(.POST, "evidence", body: .collect(maxSize: "5mb"), use: uploadEvidence)
        one.get("evidence", ":file", use: downloadEvidence)

        let api = routes.grouped("api", "assessments")
        api.get(use: listJSON)
        api.get(":id", use: sheetJSON)
        api.put(":id", "figures", use: saveJSON)
        api.get(":id", "audit", use: auditJSON)
    }

    private func id(_ request: Request) throws -> UUID {
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound, reason: "没有找到该考核") }
        return id
    }

    private func store(_ request: Request) throws -> AssessmentStore {
        try AssessmentStore(request)
    }

    // MARK: Overview

    /// The assessments of one scheme version and period within the user's tree (default: the newest period).
    @Sendable func dashboard(_ request: Request) async throws -> Response {
        let user = try request.user
        let overview = try await Overview.load(request, user: user)
        return Page.html(DashboardPage(context: PageContext(request), overview: overview).document)
    }

    /// The overview's list as xlsx: the same scheme, period, search, filters and sort as the page, every page.
    /// Codes are text, figures numbers (a total not yet scored reads 未评分 as text).
    @Sendable func dashboardWorkbook(_ request: Request) async throws -> Response {
        let overview = try await Overview.load(request, user: try request.user)
        let stages = overview.scores?.scheme.workflow.stages ?? []
        let title = "\(overview.selected?.schemeName ?? "") · \(overview.selected?.period ?? "") 考核一览"
            + (overview.list.isFiltered ? "（筛选后 \(overview.listed.count) / \(overview.lines.count) 份）" : "")
        var rows: [[Cell]] = [[.text(title)],
                              ["单位代码", "单位", "类别", "阶段", "版本", "得分", "等级", "名次"].map { .text($0) }]
        for line in overview.listed {
            rows.append([.text(line.row.unitCode), .text(line.row.unitName), .text(line.row.unitKind),
                         .text(AssessmentStore.describe(line.row.state, stages)), .number(String(line.row.revision)),
                         .figure(line.result.total.statusText), .text(line.result.grade ?? ""), line.result.rank.map { .number(String($0)) } ?? .empty])
        }
        let sheet = Sheet(name: "考核", rows: rows, layout: PageLayout(repeatedRows: 2))
        return try Self.xlsx(Workbook(sheets: [sheet]), name: "\(overview.selected?.schemeName ?? "考核")-\(overview.selected?.period ?? "")-考核一览.xlsx")
    }

    @Sendable func listJSON(_ request: Request) async throws -> OverviewDTO {
        OverviewDTO(try await Overview.load(request, user: try request.user))
    }

    // MARK: One assessment

    @Sendable func sheet(_ request: Request) async throws -> Response {
        let view = try await SheetView.load(try id(request), request: request)
        let flash = request.session.data["flash"]
        request.session.data["flash"] = nil
        return Page.html(SheetPage(context: PageContext(request), view: view, flash: flash, problems: []).document)
    }

    @Sendable func sheetJSON(_ request: Request) async throws -> SheetDTO {
        SheetDTO(try await SheetView.load(try id(request), request: request))
    }

    @Sendable func auditJSON(_ request: Request) async throws -> [SheetDTO.AuditRow] {
        try await SheetDTO(SheetView.load(try id(request), request: request)).audit
    }

    /// The entry form: fields `v<i>` (figures) and `r<i>` (reasons) in the order of the scheme's entry fields.
    @Sendable func saveForm(_ request: Request) async throws -> Response {
        let id = try id(request)
        let form = try request.content.decode([String: String].self)
        let store = try store(request)
        let loaded = try await store.load(id)
        let (figures, reasons) = Self.figures(from: form, fields: loaded.scheme.formFields)
        do {
            try await store.save(id, revision: Int(form["revision"] ?? "") ?? -1, figures: figures, reasons: reasons)
        } catch let problems as InputProblems {
            // Shown in the form with what the user typed, nothing saved.
            let view = try await SheetView.load(id, request: request, typed: (figures, reasons))
            return Page.html(SheetPage(context: PageContext(request), view: view, flash: nil, problems: problems.problems).document,
                             status: .unprocessableEntity)
        }
        request.session.data["flash"] = "已保存。"
        return request.redirect(to: SiteURL.assessment(id))
    }

    static func figures(from form: [String: String], fields: [EntryField]) -> (figures: [String: String], reasons: [String: String]) {
        var figures: [String: String] = [:]
        var reasons: [String: String] = [:]
        for (index, field) in fields.enumerated() {
            if let value = field.widget.value(form, name: "v\(index)") { figures[field.key] = value }
            if let reason = form["r\(index)"], !reason.isEmpty { reasons[field.key] = reason }
        }
        return (figures, reasons)
    }

    struct PreviewDTO: Content {
        let total: String
        let grade: String?
        let scores: [String: String]
    }

    /// The live score while typing: the form as it stands, scored with the period's other figures, not saved.
    @Sendable func preview(_ request: Request) async throws -> PreviewDTO {
        let id = try id(request)
        let loaded = try await store(request).load(id)
        let form = try request.content.decode([String: String].self)
        let scores = try await request.application.scoreBoard.scores(loaded.version, period: loaded.assessment.period, on: request.db)
        guard let row = scores.row(id) else { throw Abort(.notFound, reason: "没有找到该考核") }
        let (figures, _) = Self.figures(from: form, fields: loaded.scheme.formFields)
        let result = try scores.preview(row, figures: figures, stage: loaded.assessment.stage)
        var byCode: [String: String] = [:]
        for (index, outcome) in result.outcomes.enumerated() { byCode[scores.scheme.compiled.indicator(at: index).code] = outcome.statusText }
        return PreviewDTO(total: result.total.statusText, grade: result.grade, scores: byCode)
    }

    struct FiguresDTO: Content {
        let revision: Int
        let figures: [String: String]
        let reasons: [String: String]?
    }

    /// The new revision; scores are read from `GET /api/assessments/:id` (a save never waits for the period's re-scoring).
    struct SavedDTO: Content {
        let revision: Int
    }

    /// `PUT /api/assessments/:id/figures`: `{"revision": 3, "figures": {"落实精准度": "91.2%"}, "reasons": {…}}`,
    /// with the session cookie and the `X-CSRF-Token` header. 409 when someone saved in between.
    @Sendable func saveJSON(_ request: Request) async throws -> SavedDTO {
        let id = try id(request)
        let body = try request.content.decode(FiguresDTO.self)
        let store = try store(request)
        return SavedDTO(revision: try await store.save(id, revision: body.revision, figures: body.figures, reasons: body.reasons ?? [:]))
    }

    @Sendable func act(_ request: Request, _ action: WorkflowAction) async throws -> Response {
        let id = try id(request)
        struct Form: Content {
            var revision: Int
            var comment: String?
            /// A return's indicators (`indicators[]` in the form), each a code of the scheme.
            var indicators: [String]?
        }
        let form = try request.content.decode(Form.self)
        try await Self.perform(request, id, action, revision: form.revision, comment: form.comment, indicators: form.indicators ?? [])
        request.session.data["flash"] = "已\(action.chineseName)。"
        return request.redirect(to: SiteURL.assessment(id))
    }

    /// One workflow step with every check it needs: permission, then the figures (errors, an unscored total, a
    /// provisional score at approval), then the write. The sheet's buttons and the inbox's batch both come here.
    static func perform(_ request: Request, _ id: UUID, _ action: WorkflowAction, revision: Int, comment: String?,
                        indicators: [String] = []) async throws {
        let store = try AssessmentStore(request)
        var returning: [String] = []
        let codes = indicators
        if action == .sendBack, !codes.isEmpty {
            let loaded = try await store.load(id)
            let compiled = loaded.scheme.compiled
            guard codes.count <= compiled.indicatorCount else { throw InputProblems(problems: ["退回的指标过多"]) }
            let unknown = codes.filter { compiled.index(of: $0) == nil }
            if !unknown.isEmpty { throw InputProblems(problems: unknown.prefix(5).map { "“\($0)”不是本方案的指标" }) }
            var seen: Set<String> = []
            returning = codes.filter { seen.insert($0).inserted }
        }
        var snapshot: (total: String, grade: String?, body: String)?
        if action == .submit || action == .approve {
            // Permission first (the store checks it again in the write): who may not act learns nothing of the figures.
            let loaded = try await store.load(id)
            do { _ = try loaded.scheme.workflow.apply(action, to: loaded.assessment.state, by: loaded.actor) } catch {
                throw Abort(.forbidden, reason: error.message)
            }
            // A score the engine cannot compute does not move on, and nothing is locked without a final total.
            let scores = try await request.application.scoreBoard.scores(loaded.version, period: loaded.assessment.period, on: request.db)
            guard let row = scores.row(id) else { throw Abort(.notFound, reason: "没有找到该考核") }
            let result = scores.current(row)
            if action == .approve {
                // The snapshot keeps each indicator's derivation, computed for this subject only.
                let explained = scores.explained(row)[min(row.state.stage, scores.report.stages.count - 1)]
                snapshot = (result.total.statusText, result.grade, try ApprovalSnapshot.body(explained, scores.scheme.compiled))
            }
            let problems = WorkflowChecks.problems(result, scores, action)
            if !problems.isEmpty { throw InputProblems(problems: ["以下指标须先改正，才能\(action.chineseName)："] + problems) }
        }
        try await store.act(id, action, revision: revision, comment: comment, snapshot: snapshot, returning: returning)
    }

    // MARK: Spreadsheets

    /// The figures as an xlsx to fill in offline: one row per entry field, the value column to fill.
    @Sendable func template(_ request: Request) async throws -> Response {
        let view = try await SheetView.load(try id(request), request: request)
        var rows: [[Cell]] = [EntryTemplate.header.map { .text($0) }]
        for field in view.loaded.scheme.formFields where SelfEvaluation.showsInTemplate(field.key, inForce: view.inForce) {
            rows.append([.text(field.key), .text(field.label), .text(field.unit ?? ""), .text(field.text ?? ""),
                         view.inForce[field.key].map { Cell.figure($0) } ?? .empty, .empty])
        }
        let workbook = Workbook(sheets: [Sheet(name: "填报", rows: rows)])
        return try Self.xlsx(workbook, name: "\(view.loaded.unit.name)-\(view.loaded.assessment.period)-填报模板.xlsx")
    }

    @Sendable func upload(_ request: Request) async throws -> Response {
        let id = try id(request)
        struct Upload: Content {
            var revision: Int
            var file: File
        }
        let store = try store(request)
        let loaded = try await store.load(id)
        // Permission before parsing: only whoever may save at this stage has the file read at all.
        try store.requireSave(loaded)
        let upload = try request.content.decode(Upload.self)
        let data = Data(buffer: upload.file.data), name = upload.file.filename, fields = loaded.scheme.formFields
        let (figures, reasons, lines) = try await request.application.uploadParsing.run {
            try EntryTemplate.read(data, file: name, fields: fields)
        }
        do {
            try await store.save(id, revision: upload.revision, figures: figures, reasons: reasons)
        } catch let refused as InputProblems {
            // The rules' refusals name the field: say which row of the file holds it.
            let rows = fields.compactMap { field in lines[field.key].map { (label: field.label, line: $0) } }
            throw InputProblems(problems: refused.problems.map { problem in
                guard let row = rows.first(where: { problem.contains("“\($0.label)”") }) else { return "\(name)：\(problem)" }
                return "\(name) 工作表“填报” 第 \(row.line) 行 E 列：\(problem)"
            })
        }
        request.session.data["flash"] = "已从 \(upload.file.filename) 导入 \(figures.count) 项。"
        return request.redirect(to: SiteURL.assessment(id))
    }

    @Sendable func sheetWorkbook(_ request: Request) async throws -> Response {
        let view = try await SheetView.load(try id(request), request: request)
        return try Self.xlsx(view.workbook, name: "\(view.loaded.unit.name)-\(view.loaded.assessment.period)-得分表.xlsx")
    }

    // MARK: Evidence files

    /// Attaches a file (≤ 5 MiB) with a note; whoever works at the current stage may, and it is logged.
    @Sendable func uploadEvidence(_ request: Request) async throws -> Response {
        let id = try id(request)
        struct Upload: Content {
            var note: String?
            var file: File
        }
        let store = try store(request)
        let loaded = try await store.load(id)
        guard loaded.scheme.workflow.worksAtCurrentStage(loaded.actor, loaded.assessment.state), loaded.assessment.status != .approved else {
            throw Abort(.forbidden, reason: "只有当前阶段的经办人可以上传佐证材料")
        }
        let upload = try request.content.decode(Upload.self)
        guard upload.file.data.readableBytes > 0 else { throw InputProblems(problems: ["请选择要上传的文件"]) }
        let note = (upload.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let user = try request.user
        try await request.db.transaction { db in
            try await Evidence(assessmentID: id, filename: upload.file.filename, contentType: upload.file.contentType?.description ?? "application/octet-stream",
                               note: note, data: Data(buffer: upload.file.data), username: user.username).create(on: db)
            try await AuditEntry(assessmentID: id, username: user.username, action: "上传佐证", field: nil, oldValue: nil,
                                 newValue: upload.file.filename, reason: note.isEmpty ? nil : note).create(on: db)
        }
        request.session.data["flash"] = "已上传佐证材料 \(upload.file.filename)。"
        return request.redirect(to: SiteURL.assessment(id))
    }

    @Sendable func downloadEvidence(_ request: Request) async throws -> Response {
        let id = try id(request)
        _ = try await store(request).load(id)  // the scope check
        guard let fileID = request.parameters.get("file").flatMap(UUID.init(uuidString:)),
            let evidence = try await Evidence.query(on: request.db).filter(\.$id == fileID).filter(\.$assessment.$id == id).first()
        else { throw Abort(.notFound, reason: "没有这个佐证材料") }
        var headers = HTTPHeaders()
        // Never the uploader's Content-Type: a file claiming text/html would run as a page of this site.
        // Known harmless types keep theirs; everything else is bytes to save. Either way: a download, sandboxed.
        headers.replaceOrAdd(name: .contentType, value: Self.safeTypes.contains(evidence.contentType.lowercased()) ? evidence.contentType : "application/octet-stream")
        headers.replaceOrAdd(name: "Content-Security-Policy", value: "sandbox; default-src 'none'")
        let encoded = evidence.filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "file"
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"evidence\"; filename*=UTF-8''\(encoded)")
        return Response(status: .ok, headers: headers, body: .init(data: evidence.data))
    }

    static let safeTypes: Set<String> = ["image/png", "image/jpeg", "image/gif", "application/pdf"]

    static func xlsx(_ workbook: Workbook, name: String) throws -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "jixiao.xlsx"
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"jixiao.xlsx\"; filename*=UTF-8''\(encoded)")
        return Response(status: .ok, headers: headers, body: .init(data: try workbook.xlsxData()))
    }
}

/// The xlsx entry template: 字段 | 名称 | 单位 | 说明 | 填报值 | 调整理由. The upload reads columns A, E and F.
enum EntryTemplate {
    static let header = ["字段", "名称", "单位", "说明", "填报值", "调整理由"]

    static func read(_ data: Data, file: String, fields: [EntryField]) throws -> (figures: [String: String], reasons: [String: String], lines: [String: Int]) {
        let workbook: Workbook
        do { workbook = try Workbook(xlsxData: data) } catch { throw InputProblems(problems: ["\(file)：不是有效的 xlsx 文件"]) }
        guard let sheet = workbook.sheets.first, let first = sheet.rows.first, first.prefix(6).map(\.text) == header else {
            throw InputProblems(problems: ["\(file) 第 1 行：表头应为 \(header.joined(separator: "、"))（请用本页下载的模板）"])
        }
        let known = Set(fields.map(\.key))
        var figures: [String: String] = [:]
        var reasons: [String: String] = [:]
        var lines: [String: Int] = [:]
        var problems: [String] = []
        for (offset, row) in sheet.rows.dropFirst().enumerated() {
            let line = offset + 2
            let cell = { (column: Int) in column < row.count ? row[column].text.trimmingCharacters(in: .whitespaces) : "" }
            let key = cell(0)
            if key.isEmpty { continue }
            guard known.contains(key) else { problems.append("\(file) 工作表“\(sheet.name)” 第 \(line) 行 A 列：“\(key)”不是本方案的填报项"); continue }
            let value = cell(4)
            if !value.isEmpty, let problem = AssessmentStore.problem(key, value) { problems.append("\(file) 工作表“\(sheet.name)” 第 \(line) 行 E 列：\(problem)") }
            figures[key] = value
            lines[key] = line
            if !cell(5).isEmpty { reasons[key] = cell(5) }
        }
        if !problems.isEmpty { throw InputProblems(problems: problems) }
        return (figures, reasons, lines)
    }
}
