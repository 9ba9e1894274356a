import Fluent
import Foundation
import JixiaoCore
import Plot
import Vapor

/// 跨地区评价: `/evaluations` (list, open), `/evaluations/:id` (the grid, weights, findings, report text), the report as
/// a print page, PDF and xlsx, and `/api/evaluations[/:id]`.
struct EvaluationController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let pages = routes.grouped("evaluations")
        pages.get(use: list)
        pages.get("new", use: openForm)
        pages.post("new", use: open)
        let one = pages.grouped(":id")
        one.get(use: show)
        one.post("grid", use: saveGrid)
        one.post("weights", use: saveWeights)
        one.post("findings", use: addFinding)
        one.post("findings", ":finding", "delete", use: deleteFinding)
        one.post("sections", use: saveSections)
        one.get("report", use: report)
        one.get("report.pdf", use: reportPDF)
        one.get("scores.xlsx", use: workbook)
        let api = routes.grouped("api", "evaluations")
        api.get(use: listJSON)
        api.get(":id", use: showJSON)
    }

    private func id(_ request: Request) throws -> UUID {
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound, reason: "没有找到该评价") }
        return id
    }

    // MARK: List and opening

    private func items(_ request: Request) async throws -> [(evaluation: Evaluation, loaded: EvaluationStore.Loaded?)] {
        let store = try EvaluationStore(request)
        var items: [(Evaluation, EvaluationStore.Loaded?)] = []
        for evaluation in try await store.visible().prefix(200) {
            items.append((evaluation, try? await store.load(try evaluation.requireID())))
        }
        return items
    }

    @Sendable func list(_ request: Request) async throws -> Response {
        let user = try request.user
        let items = try await items(request).map { evaluation, loaded in
            EvaluationListPage.Item(id: evaluation.id ?? UUID(), title: evaluation.title, period: evaluation.period,
                                    subjects: loaded?.result.columns.map(\.unitName).joined(separator: "、") ?? "",
                                    total: loaded?.result.totalText ?? "", grade: loaded?.result.grade ?? "")
        }
        return Page.html(EvaluationListPage(context: PageContext(request), items: items,
                                            mayOpen: [.schemeAdmin, .filler, .reviewer, .approver].contains(user.role)).document)
    }

    private func openPage(_ request: Request, problems: [String]) async throws -> Response {
        let user = try request.user
        let board = request.application.scoreBoard
        var versions: [EvaluationOpenPage.Version] = []
        for version in try await SchemeVersion.query(on: request.db).sort(\.$code).sort(\.$version).all() {
            guard let scheme = try? await board.scheme(version), case .subjects? = scheme.compiled.scheme.composite else { continue }
            versions.append(.init(id: try version.requireID(), label: "\(version.code) \(version.name)（第 \(version.version) 版）"))
        }
        let units = try await OrgUnit.query(on: request.db).within(user.unitPath).sort(\.$path).limit(PeriodOpening.maxUnits).all()
        let base = user.unitPath.split(separator: "/").count
        let kinds = Set(SchemeWording.unitKinds(.region) + SchemeWording.unitKinds(.project) + SchemeWording.unitKinds(.department))
        let choices = units.filter { kinds.contains($0.kind) }.map { unit in
            EvaluationOpenPage.Unit(code: unit.code, label: "\(unit.name)（\(unit.kind)）", depth: max(0, unit.path.split(separator: "/").count - base))
        }
        return Page.html(EvaluationOpenPage(context: PageContext(request), versions: versions, units: choices, problems: problems).document,
                         status: problems.isEmpty ? .ok : .unprocessableEntity)
    }

    @Sendable func openForm(_ request: Request) async throws -> Response {
        try await openPage(request, problems: [])
    }

    @Sendable func open(_ request: Request) async throws -> Response {
        struct Form: Content {
            var version: String?
            var period: String?
            var title: String?
            var units: [String]?
        }
        let form = try request.content.decode(Form.self)
        guard let versionID = form.version.flatMap(UUID.init(uuidString:)),
            try await SchemeVersion.find(versionID, on: request.db) != nil
        else { return try await openPage(request, problems: ["请选择考核方案"]) }
        do {
            let id = try await EvaluationStore(request).open(versionID: versionID, period: form.period ?? "", title: form.title ?? "",
                                                              codes: form.units ?? [])
            return request.redirect(to: SiteURL.evaluation(id))
        } catch let refused as InputProblems {
            return try await openPage(request, problems: refused.problems)
        }
    }

    // MARK: One evaluation

    @Sendable func show(_ request: Request) async throws -> Response {
        let id = try id(request)
        let loaded = try await EvaluationStore(request).load(id)
        return Page.html(EvaluationPage(context: PageContext(request), loaded: loaded, problems: [],
                                        notice: Notice.take(for: SiteURL.evaluation(id), from: request)).document)
    }

    /// Runs a write; refused input shows the page again with the problems, anything else goes to the error page.
    private func writing(_ request: Request, _ work: (EvaluationStore, EvaluationStore.Loaded) async throws -> String?) async throws -> Response {
        let id = try id(request)
        let store = try EvaluationStore(request)
        let loaded = try await store.load(id)
        do {
            if let notice = try await work(store, loaded) { Notice.leave(notice, for: SiteURL.evaluation(id), on: request) }
            return request.redirect(to: SiteURL.evaluation(id))
        } catch let refused as InputProblems {
            let fresh = try await store.load(id)
            return Page.html(EvaluationPage(context: PageContext(request), loaded: fresh, problems: refused.problems, notice: nil).document,
                             status: .unprocessableEntity)
        }
    }

    @Sendable func saveGrid(_ request: Request) async throws -> Response {
        let form = try request.content.decode([String: String].self)
        return try await writing(request) { store, loaded in
            let saved = try await store.saveGrid(loaded, form: form)
            return saved.isEmpty ? "没有修改" : "已保存：\(saved.joined(separator: "、"))"
        }
    }

    @Sendable func saveWeights(_ request: Request) async throws -> Response {
        let form = try request.content.decode([String: String].self)
        var weights: [String: String] = [:]
        var figures: [String: String] = [:]
        for (key, value) in form {
            if key.hasPrefix("w|") { weights[String(key.dropFirst(2))] = value }
            if key.hasPrefix("f|") { figures[String(key.dropFirst(2))] = value }
        }
        return try await writing(request) { store, loaded in
            try await store.saveWeights(loaded, revision: form["revision"].flatMap { Int($0) }, basis: form["basis"] ?? "entered",
                                        weights: weights, figures: figures, label: form["label"])
            return "已保存权重"
        }
    }

    @Sendable func addFinding(_ request: Request) async throws -> Response {
        let form = try request.content.decode([String: String].self)
        return try await writing(request) { store, loaded in
            try await store.addFinding(loaded, unitCode: form["unit"] ?? "", code: form["code"] ?? "", points: form["points"] ?? "",
                                       text: form["text"] ?? "", evidence: form["evidence"] ?? "")
            return "已记录问题"
        }
    }

    @Sendable func deleteFinding(_ request: Request) async throws -> Response {
        guard let finding = request.parameters.get("finding").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound, reason: "没有找到该问题") }
        return try await writing(request) { store, loaded in
            try await store.deleteFinding(loaded, id: finding)
            return "已删除问题"
        }
    }

    @Sendable func saveSections(_ request: Request) async throws -> Response {
        let form = try request.content.decode([String: String].self)
        let id = try id(request)
        let store = try EvaluationStore(request)
        let loaded = try await store.load(id)
        do {
            try await store.saveSections(loaded, revision: form["revision"].flatMap { Int($0) }, sections: form)
            Notice.leave("已保存报告文字", for: SiteURL.evaluationReport(id), on: request)
            return request.redirect(to: SiteURL.evaluationReport(id))
        } catch let refused as InputProblems {
            return Page.message(title: "报告未保存", lines: refused.problems, context: PageContext(request), status: .unprocessableEntity)
        }
    }

    // MARK: The report

    @Sendable func report(_ request: Request) async throws -> Response {
        let id = try id(request)
        let loaded = try await EvaluationStore(request).load(id)
        let report = EvaluationReport(loaded: loaded, pdfNote: ReportPrinter.executable == nil ? ReportPrinter.absentNote : nil)
        let context = PageContext(request)
        let notice = Notice.take(for: SiteURL.evaluationReport(id), from: request)
        var html = report.document(context: context, forPrint: false).render()
        // The editable sections follow the printed report (hidden in print).
        let editor = EvaluationSectionsForm(context: context, loaded: loaded, notice: notice).render()
        if let end = html.range(of: "</main>", options: .backwards) { html.insert(contentsOf: editor, at: end.lowerBound) }
        var headers = HTTPHeaders()
        headers.contentType = .html
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: .ok, headers: headers, body: .init(string: html))
    }

    @Sendable func reportPDF(_ request: Request) async throws -> Response {
        let id = try id(request)
        let loaded = try await EvaluationStore(request).load(id)
        let report = EvaluationReport(loaded: loaded, pdfNote: nil)
        let html = report.document(context: nil, forPrint: true).render()
        let data: Data
        do { data = try await ReportPrinter.pdf(html: html) } catch let failure as ReportPrinter.Failure {
            return Page.message(title: "无法生成 PDF", lines: [failure.description], context: PageContext(request), status: .serviceUnavailable)
        }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "application/pdf")
        let name = "\(loaded.evaluation.title)-绩效评价报告.pdf".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "report.pdf"
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"report.pdf\"; filename*=UTF-8''\(name)")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }

    @Sendable func workbook(_ request: Request) async throws -> Response {
        let loaded = try await EvaluationStore(request).load(try id(request))
        return try AssessmentController.xlsx(EvaluationReport(loaded: loaded, pdfNote: nil).workbook, name: "\(loaded.evaluation.title)-打分表.xlsx")
    }

    // MARK: JSON

    struct ListItemDTO: Content {
        let id: UUID
        let title: String
        let period: String
        let subjects: [String]
        let composite: CompositeDTO?
    }
    struct CompositeDTO: Content {
        let total: String?
        let grade: String?
        let printedTotal: String?
        let printedGrade: String?
        let differsFromPrinted: Bool
    }
    struct CellDTO: Content {
        let code: String
        let score: String?
        let status: String
        let printed: String?
        let differs: Bool
    }
    struct SubjectDTO: Content {
        let code: String
        let name: String
        let assessment: UUID
        let weight: String
        let share: String?
        let stage: String
        let total: String?
        let printedTotal: String?
        let grade: String?
        let cells: [CellDTO]
    }
    struct IndicatorDTO: Content {
        let code: String
        let name: String
        let max: String
        let composite: String?
        let status: String
        let deduction: String?
        let rate: String?
        let printed: String?
        let differs: Bool
        let renormalisedWeights: [String: String]?
    }
    struct FindingDTO: Content {
        let code: String
        let subject: String?
        let points: String
        let text: String
        let evidence: String
    }
    struct EvaluationDTO: Content {
        let id: UUID
        let title: String
        let period: String
        let scheme: String
        let weightBasis: String
        let composite: CompositeDTO
        let compositeTotalRate: String?
        let indicators: [IndicatorDTO]
        let subjects: [SubjectDTO]
        let findings: [FindingDTO]
        let drafted: [String: String]
        let locked: Bool
    }

    static func composite(_ result: EvaluationResult) -> CompositeDTO {
        CompositeDTO(total: result.total.score?.formatted(), grade: result.grade, printedTotal: result.printed?.total,
                     printedGrade: result.printed?.grade, differsFromPrinted: result.totalDiffers || result.gradeDiffers)
    }

    @Sendable func listJSON(_ request: Request) async throws -> [ListItemDTO] {
        try await items(request).map { evaluation, loaded in
            ListItemDTO(id: evaluation.id ?? UUID(), title: evaluation.title, period: evaluation.period,
                        subjects: loaded?.result.columns.map(\.unitName) ?? [], composite: loaded.map { Self.composite($0.result) })
        }
    }

    @Sendable func showJSON(_ request: Request) async throws -> EvaluationDTO {
        let loaded = try await EvaluationStore(request).load(try id(request))
        let result = loaded.result
        let stages = loaded.scheme.workflow.stages
        let subjects = result.columns.enumerated().map { column, spec in
            SubjectDTO(code: spec.unitCode, name: spec.unitName, assessment: spec.assessmentID, weight: spec.weight.description,
                       share: spec.share.map { $0.formatted(places: 4) }, stage: EvaluationText.state(spec, stages),
                       total: result.subjects[column].total.score?.formatted(), printedTotal: result.printedTotal(column),
                       grade: result.subjects[column].grade,
                       cells: result.lines.map { line in
                           CellDTO(code: line.indicator.code, score: line.cells[column].score?.formatted(), status: line.cells[column].statusText,
                                   printed: line.printedCells[column], differs: line.cellDiffers[column])
                       })
        }
        let indicators = result.lines.map { line in
            IndicatorDTO(code: line.indicator.code, name: line.indicator.name, max: line.indicator.max.formatted(), composite: line.composite.score?.formatted(),
                         status: line.composite.statusText, deduction: line.deduction?.formatted(), rate: line.rate?.formattedPercent(places: 2),
                         printed: line.printedComposite, differs: line.compositeDiffers,
                         renormalisedWeights: line.renormalised.map { Dictionary($0.map { ($0.unitCode, $0.share.formatted(places: 4)) }, uniquingKeysWith: { a, _ in a }) })
        }
        return EvaluationDTO(
            id: loaded.id, title: loaded.evaluation.title, period: loaded.evaluation.period, scheme: "\(loaded.version.code) \(loaded.version.name)",
            weightBasis: loaded.evaluation.weightBasis, composite: Self.composite(result), compositeTotalRate: result.totalRate?.formattedPercent(places: 2),
            indicators: indicators, subjects: subjects,
            findings: loaded.findings.map { FindingDTO(code: $0.code, subject: $0.unitCode.isEmpty ? nil : $0.unitCode, points: $0.points, text: $0.text, evidence: $0.evidence) },
            drafted: Dictionary(loaded.drafted.map { ($0.code, $0.text) }, uniquingKeysWith: { a, _ in a }), locked: loaded.locked)
    }
}

/// The report's stored text sections, editable below the report (not printed).
struct EvaluationSectionsForm {
    let context: PageContext
    let loaded: EvaluationStore.Loaded
    let notice: String?

    func render() -> String {
        let sections = loaded.sections
        let node: Node<HTML.BodyContext> = .div(.class("noprint"), .id("sections"),
            .unwrap(notice) { .p(.class("flash"), .text($0)) },
            .if(loaded.mayEdit,
                .form(.method(.post), .action(SiteURL.evaluationAction(loaded.id, "sections")), .id("sections-form"), context.csrfField,
                    .h2(.text("编辑报告文字")),
                    .input(.type(.hidden), .name("revision"), .escaped("value", "\(loaded.evaluation.revision)")),
                    .forEach(EvaluationStore.sectionKeys) { key, title in
                        .p(.label(.text(title)), .br(),
                           .textarea(.escaped("name", key), .attribute(named: "rows", value: "6"), .attribute(named: "cols", value: "90"), .text(sections[key] ?? "")))
                    },
                    .button(.type(.submit), .text("保存报告文字")))))
        return node.render()
    }
}
