import Fluent
import Foundation
import JixiaoCore
import SQLKit
import Vapor

/// Reads and writes evaluations for a signed-in user. An evaluation is visible at the node it was opened from and
/// above (404 otherwise, alike for a missing id); the subjects' figures are saved through `AssessmentStore` (the
/// workflow's rules, reasons, lock and audit log), the evaluation's own fields here, each write in one transaction
/// with a line in the evaluation's log.
struct EvaluationStore {
    let request: Request
    let user: SignedIn

    init(_ request: Request) throws {
        self.request = request
        user = try request.user
    }

    static let sectionKeys: [(key: String, title: String)] = [
        ("basic", "项目基本情况"), ("goals", "项目绩效目标"), ("conclusion", "综合评价结论"), ("problems", "存在的问题"), ("suggestions", "有关建议"),
    ]
    static let longestSection = 20_000
    static let longestFindingText = 2_000
    static let maxFindings = 500

    struct Loaded: Sendable {
        let evaluation: Evaluation
        let unit: OrgUnit
        let version: SchemeVersion
        let scheme: RunnableScheme
        let subjects: [(unit: OrgUnit, subject: EvaluationSubject)]
        let findings: [EvaluationFinding]
        let audit: [EvaluationAuditEntry]
        let result: EvaluationResult
        /// Per column: the figures in force at its assessment's stage.
        let inForce: [[String: String]]
        let reasons: [[String: String]]
        /// Per column: whether the user may save its figures now.
        let editable: [Bool]

        var id: UUID { evaluation.id ?? UUID() }
        var sections: [String: String] {
            (evaluation.sections.data(using: .utf8)).flatMap { try? JSONDecoder().decode([String: String].self, from: $0) } ?? [:]
        }
        /// Locked once every subject is approved.
        var locked: Bool { !result.columns.isEmpty && result.columns.allSatisfy { $0.state.status == .approved } }
        /// Whether the user may change the evaluation's own fields: they may save some subject's figures.
        var mayEdit: Bool { !locked && editable.contains(true) }
        var names: [String: String] { Dictionary(result.columns.map { ($0.unitCode, $0.unitName) }, uniquingKeysWith: { a, _ in a }) }
        var drafted: [(code: String, text: String)] {
            FindingDraft.lines(findings.map { .init(unitCode: $0.unitCode, code: $0.code, points: Fixed($0.points), text: $0.text) },
                               names: names, indicators: result.compiled)
        }
    }

    /// The evaluations the user may see, newest first.
    func visible() async throws -> [Evaluation] {
        guard let sql = request.db as? any SQLDatabase else { throw Abort(.internalServerError) }
        struct Row: Decodable { let id: UUID }
        let ids = try await sql.raw("""
            SELECT e.id FROM evaluations e JOIN org_units u ON u.id = e.unit_id
            WHERE \(OrgScope.within(user.unitPath, column: "u.path")) ORDER BY e.created_at DESC
            """).all(decoding: Row.self).map(\.id)
        if ids.isEmpty { return [] }
        return try await Evaluation.query(on: request.db).filter(\.$id ~~ ids).sort(\.$createdAt, .descending).all()
    }

    func load(_ id: UUID) async throws -> Loaded {
        guard let evaluation = try await Evaluation.find(id, on: request.db),
            let unit = try await OrgUnit.find(evaluation.$unit.id, on: request.db),
            user.reach(toPath: unit.path) != .outside
        else { throw Abort(.notFound, reason: "没有找到该评价") }
        let board = request.application.scoreBoard
        let version = try await board.version(evaluation.$scheme.id, on: request.db)
        let scheme = try await board.scheme(version)
        let rows = try await EvaluationSubject.query(on: request.db).filter(\.$evaluation.$id == id).sort(\.$position).with(\.$unit).all()
        let subjects = rows.map { (unit: $0.unit, subject: $0) }
        let findings = try await EvaluationFinding.query(on: request.db).filter(\.$evaluation.$id == id).sort(\.$position).sort(\.$at).all()
        let audit = try await EvaluationAuditEntry.query(on: request.db).filter(\.$evaluation.$id == id).sort(\.$at, .descending).all()
        let scores = try await board.scores(version, period: evaluation.period, on: request.db)
        let figureBased = evaluation.weightBasis == "figure"
        let specs = subjects.map { pair in
            (unitCode: pair.0.code, weight: Fixed(figureBased ? pair.1.figure : pair.1.weight) ?? .zero, figure: pair.1.figure)
        }
        let result: EvaluationResult
        do { result = try EvaluationResult.compute(scores: scores, columns: specs, printed: DocumentFigures.decode(evaluation.printed)) } catch {
            throw Abort(.internalServerError, reason: "评价无法计分：\(error)")
        }
        var inForce: [[String: String]] = []
        var reasons: [[String: String]] = []
        var editable: [Bool] = []
        let assessments = try AssessmentStore(request)
        for column in result.columns {
            let entries = try await assessments.entries(column.assessmentID)
            inForce.append(AssessmentStore.effective(entries, upTo: column.state.stage))
            var given: [String: String] = [:]
            for entry in entries.filter({ $0.stage <= column.state.stage }).sorted(by: { $0.stage < $1.stage }) {
                if let reason = entry.reason { given[entry.field] = reason }
            }
            reasons.append(given)
            let path = subjects.first { $0.0.code == column.unitCode }?.0.path ?? ""
            editable.append((try? scheme.workflow.apply(.save, to: column.state, by: user.actor(forPath: path))) != nil)
        }
        return Loaded(evaluation: evaluation, unit: unit, version: version, scheme: scheme, subjects: subjects, findings: findings, audit: audit,
                      result: result, inForce: inForce, reasons: reasons, editable: editable)
    }

    private func requireEdit(_ loaded: Loaded) throws {
        if loaded.locked { throw Abort(.forbidden, reason: "该评价的全部考核对象已审定，已锁定，不能再修改") }
        guard loaded.mayEdit else { throw Abort(.forbidden, reason: "当前阶段您不能修改该评价") }
    }

    // MARK: Opening

    /// Opens an evaluation of `codes` under a version with a composite over subjects, for a period: each subject's
    /// assessment is created where it does not exist yet, the version is frozen. Weights start from the scheme
    /// file's where it names the subjects (by name or code), else equal.
    func open(versionID: UUID, period rawPeriod: String, title: String, codes: [String]) async throws -> UUID {
        guard [.schemeAdmin, .filler, .reviewer, .approver].contains(user.role) else {
            throw Abort(.forbidden, reason: "您的角色（\(user.role.chineseName)）不能开启评价")
        }
        let board = request.application.scoreBoard
        let version = try await board.version(versionID, on: request.db)
        let scheme = try await board.scheme(version).compiled.scheme
        guard case .subjects(let schemeWeights, _, _)? = scheme.composite else {
            throw InputProblems(problems: ["方案 \(version.code)（\(version.name)）没有按考核对象加权的综合得分（composite: over: subjects），不能开启跨地区评价"])
        }
        var problems: [String] = []
        var period = ""
        switch PeriodOpening.period(rawPeriod) {
        case .success(let value): period = value
        case .failure(let refusal): problems += refusal.problems
        }
        let title = title.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty { problems.append("请填写评价名称") }
        if title.count > 200 { problems.append("评价名称过长（不超过 200 字）") }
        var units: [OrgUnit] = []
        switch try await PeriodOpening.picked(codes, user: user, subjectKind: scheme.subjectKind, on: request.db) {
        case .success(let found): units = found
        case .failure(let refusal): problems += refusal.problems
        }
        if units.count > 50 { problems.append("一次评价最多 50 个考核对象，您勾选了 \(units.count) 个") }
        if !problems.isEmpty { throw InputProblems(problems: problems) }
        let known = Dictionary(schemeWeights.map { ($0.subject, $0.weight) }, uniquingKeysWith: { a, _ in a })
        let fromScheme = units.allSatisfy { known[$0.name] != nil || known[$0.code] != nil }
        let equal = Fixed(1).divided(by: Fixed(units.count)) ?? .zero
        let weights = units.map { unit in fromScheme ? (known[unit.code] ?? known[unit.name] ?? .zero) : equal }
        let unitIDs = try units.map { try $0.requireID() }
        let ownUnit = user.unitID
        let username = user.username
        let displayName = user.displayName
        let names = units.map(\.name).joined(separator: "、")
        let frozenPeriod = period
        return try await request.application.write { db in
            let existing = Set(try await Assessment.query(on: db).filter(\.$scheme.$id == versionID).filter(\.$period == frozenPeriod).all().map { $0.$unit.id })
            let fresh = unitIDs.filter { !existing.contains($0) }.map { Assessment(schemeID: versionID, period: frozenPeriod, unitID: $0) }
            if !fresh.isEmpty { try await fresh.create(on: db) }
            try await SchemeVersion.query(on: db).filter(\.$id == versionID).set(\.$frozen, to: true).update()
            let evaluation = Evaluation(schemeID: versionID, period: frozenPeriod, unitID: ownUnit, title: title)
            try await evaluation.create(on: db)
            let id = try evaluation.requireID()
            for (position, unitID) in unitIDs.enumerated() {
                try await EvaluationSubject(evaluationID: id, unitID: unitID, position: position, weight: weights[position].description).create(on: db)
            }
            try await EvaluationAuditEntry(evaluationID: id, username: username, displayName: displayName, action: "开启评价",
                                           detail: "\(frozenPeriod) · \(names)").create(on: db)
            return id
        }
    }

    // MARK: The grid

    /// Saves the grid: for each subject whose figures changed, a save of its assessment (its stage's rules, reason
    /// and lock; the revision the page read). Every subject's figures are checked before any is written, and all
    /// are written in one transaction: a refusal or a moved revision anywhere leaves every subject as it was.
    func saveGrid(_ loaded: Loaded, form: [String: String]) async throws -> [String] {
        let assessments = try AssessmentStore(request)
        let keys = Set(loaded.scheme.entryFields.map(\.key))
        var pending: [(column: Int, revision: Int, figures: [String: String], reasons: [String: String])] = []
        for (column, spec) in loaded.result.columns.enumerated() {
            var figures: [String: String] = [:]
            var reasons: [String: String] = [:]
            for key in keys {
                if let value = form["c|\(spec.unitCode)|\(key)"] { figures[key] = value }
                if let reason = form["r|\(spec.unitCode)|\(key)"], !reason.trimmingCharacters(in: .whitespaces).isEmpty { reasons[key] = reason }
            }
            let changed = figures.contains { key, value in
                let text = value.trimmingCharacters(in: .whitespacesAndNewlines)
                return text != (loaded.inForce[column][key] ?? "")
            }
            guard changed else { continue }
            if !loaded.editable[column] {
                throw Abort(.forbidden, reason: "\(spec.unitName)：当前阶段（\(AssessmentStore.describe(spec.state, loaded.scheme.workflow.stages))）您不能修改其数据")
            }
            let revision = Int(form["rev|\(spec.unitCode)"] ?? "") ?? -1
            pending.append((column, revision, figures, reasons))
        }
        // Every subject's save is checked first; then all are written in one transaction, or none.
        var prepared: [AssessmentStore.PreparedSave] = []
        var problems: [String] = []
        for change in pending {
            let name = loaded.result.columns[change.column].unitName
            do {
                prepared.append(try await assessments.prepareSave(loaded.result.columns[change.column].assessmentID, revision: change.revision,
                                                                  figures: change.figures, reasons: change.reasons))
            } catch let refused as InputProblems {
                problems += refused.problems.map { "\(name)：\($0)" }
            }
        }
        if !problems.isEmpty { throw InputProblems(problems: problems + ["（所有地区的修改均未保存）"]) }
        _ = try await assessments.saveAll(prepared)
        let saved = pending.map { loaded.result.columns[$0.column].unitName }
        return saved
    }

    // MARK: The evaluation's own fields

    private func checkRevision(_ loaded: Loaded, _ revision: Int?) throws {
        guard revision == loaded.evaluation.revision else {
            throw Abort(.conflict, reason: "该评价已被他人修改（您看到的是第 \(revision ?? 0) 版）。请刷新页面后重新操作，您的修改未保存")
        }
    }

    /// Bumps the revision at the one the writer read (the optimistic lock) and logs the change, in one transaction.
    private func write(_ loaded: Loaded, revision: Int, action: String, detail: String,
                       _ work: @escaping @Sendable (any Database) async throws -> Void) async throws {
        let id = loaded.id
        let username = user.username
        let displayName = user.displayName
        try await request.application.write { db in
            guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
            let rows = try await sql.raw("UPDATE evaluations SET revision = revision + 1 WHERE id = \(bind: id) AND revision = \(bind: revision) RETURNING revision").all()
            guard !rows.isEmpty else {
                throw Abort(.conflict, reason: "该评价已被他人修改（您看到的是第 \(revision) 版）。请刷新页面后重新操作，您的修改未保存")
            }
            try await work(db)
            try await EvaluationAuditEntry(evaluationID: id, username: username, displayName: displayName, action: action, detail: detail).create(on: db)
        }
    }

    /// The composite's weights: entered per subject, or derived from a figure per subject.
    func saveWeights(_ loaded: Loaded, revision: Int?, basis: String, weights: [String: String], figures: [String: String], label: String?) async throws {
        try requireEdit(loaded)
        try checkRevision(loaded, revision)
        guard basis == "entered" || basis == "figure" else { throw InputProblems(problems: ["权重方式只能是“录入权重”或“按数额折算”"]) }
        var problems: [String] = []
        var changes: [(id: UUID, weight: String, figure: String)] = []
        var sum = Fixed.zero
        for (unit, subject) in loaded.subjects {
            let weight = (weights[unit.code] ?? subject.weight).trimmingCharacters(in: .whitespaces)
            let figure = (figures[unit.code] ?? subject.figure).trimmingCharacters(in: .whitespaces)
            for (what, text) in [("权重", weight), (label ?? loaded.evaluation.figureLabel, figure)] where !text.isEmpty {
                if text.count > 30 || Fixed(text).map({ $0.isNegative || $0.isOverflow }) ?? true {
                    problems.append("\(unit.name)的\(what)“\(text.prefix(30))”应为不小于 0 的数")
                }
            }
            let used = basis == "figure" ? figure : weight
            if used.isEmpty { problems.append("\(unit.name)：请填写\(basis == "figure" ? (label ?? loaded.evaluation.figureLabel) : "权重")") }
            sum += Fixed(used) ?? .zero
            changes.append((try subject.requireID(), weight, figure))
        }
        if problems.isEmpty && sum.isZero { problems.append("权重之和为 0，无法计算综合得分") }
        let figureLabel = (label ?? loaded.evaluation.figureLabel).trimmingCharacters(in: .whitespaces)
        if figureLabel.isEmpty || figureLabel.count > 40 { problems.append("数额名称应为 1–40 字") }
        if !problems.isEmpty { throw InputProblems(problems: problems) }
        let id = loaded.id
        let updates = changes
        let detail = loaded.subjects.enumerated().map { index, pair in "\(pair.unit.name) \(changes[index].weight)" + (changes[index].figure.isEmpty ? "" : "（\(changes[index].figure)）") }
            .joined(separator: "、")
        try await write(loaded, revision: loaded.evaluation.revision, action: basis == "figure" ? "按\(figureLabel)折算权重" : "修改权重", detail: detail) { db in
            try await Evaluation.query(on: db).filter(\.$id == id).set(\.$weightBasis, to: basis).set(\.$figureLabel, to: figureLabel).update()
            for change in updates {
                try await EvaluationSubject.query(on: db).filter(\.$id == change.id).set(\.$weight, to: change.weight).set(\.$figure, to: change.figure).update()
            }
        }
    }

    /// A finding: an indicator of the scheme, a subject of the evaluation or none (综合), points within the
    /// indicator's max, a text, and its evidence.
    func addFinding(_ loaded: Loaded, unitCode: String, code: String, points: String, text: String, evidence: String) async throws {
        try requireEdit(loaded)
        var problems: [String] = []
        let code = code.trimmingCharacters(in: .whitespaces)
        let index = loaded.result.compiled.index(of: code)
        if index == nil { problems.append("指标“\(code.prefix(40))”不在本方案中") }
        if !unitCode.isEmpty && !loaded.result.columns.contains(where: { $0.unitCode == unitCode }) { problems.append("考核对象“\(unitCode.prefix(40))”不在本评价中") }
        let points = points.trimmingCharacters(in: .whitespaces)
        if let index {
            let max = loaded.result.compiled.indicator(at: index).max
            if let value = Fixed(points), points.count <= 30, !value.isNegative, !(max < value) {} else {
                problems.append("扣分“\(points.prefix(30))”应为 0 到该指标分值 \(max.formatted()) 之间的数")
            }
        }
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let evidence = evidence.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { problems.append("请填写问题描述") }
        if text.count > Self.longestFindingText { problems.append("问题描述过长（不超过 \(Self.longestFindingText) 字）") }
        if evidence.count > Self.longestFindingText { problems.append("佐证过长（不超过 \(Self.longestFindingText) 字）") }
        if loaded.findings.count >= Self.maxFindings { problems.append("一个评价最多 \(Self.maxFindings) 条问题") }
        if !problems.isEmpty { throw InputProblems(problems: problems) }
        let finding = EvaluationFinding(evaluationID: loaded.id, unitCode: unitCode, code: code, points: points, text: text, evidence: evidence,
                                        position: (loaded.findings.map(\.position).max() ?? 0) + 1, username: user.username)
        let subject = unitCode.isEmpty ? "综合" : (loaded.names[unitCode] ?? unitCode)
        try await write(loaded, revision: loaded.evaluation.revision, action: "记录问题", detail: "\(code) \(subject) 扣减 \(points) 分：\(text)") { db in
            try await finding.create(on: db)
        }
    }

    func deleteFinding(_ loaded: Loaded, id findingID: UUID) async throws {
        try requireEdit(loaded)
        guard let finding = loaded.findings.first(where: { $0.id == findingID }) else { throw Abort(.notFound, reason: "没有找到该问题") }
        try await write(loaded, revision: loaded.evaluation.revision, action: "删除问题", detail: "\(finding.code) 扣减 \(finding.points) 分：\(finding.text)") { db in
            try await EvaluationFinding.query(on: db).filter(\.$id == findingID).delete()
        }
    }

    func saveSections(_ loaded: Loaded, revision: Int?, sections: [String: String]) async throws {
        try requireEdit(loaded)
        try checkRevision(loaded, revision)
        var merged = loaded.sections
        var problems: [String] = []
        var changed: [String] = []
        for (key, title) in Self.sectionKeys {
            guard let text = sections[key] else { continue }
            let normalised = text.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            if normalised.count > Self.longestSection { problems.append("“\(title)”过长（不超过 \(Self.longestSection) 字）"); continue }
            if normalised != (merged[key] ?? "") { changed.append(title) }
            merged[key] = normalised
        }
        if !problems.isEmpty { throw InputProblems(problems: problems) }
        if changed.isEmpty { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(data: try encoder.encode(merged), encoding: .utf8) ?? "{}"
        let id = loaded.id
        try await write(loaded, revision: loaded.evaluation.revision, action: "修改报告", detail: changed.joined(separator: "、")) { db in
            try await Evaluation.query(on: db).filter(\.$id == id).set(\.$sections, to: json).update()
        }
    }
}
