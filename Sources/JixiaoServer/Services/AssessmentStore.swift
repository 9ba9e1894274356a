import Fluent
import Foundation
import JixiaoCore
import SQLKit
import Vapor

/// What a user sent that cannot be accepted, each problem saying where (field, or row and column).
struct InputProblems: Error, Sendable, AbortError {
    let problems: [String]
    var status: HTTPResponseStatus { .unprocessableEntity }
    var reason: String { problems.joined(separator: "；") }
}

/// Reads and writes assessments for a signed-in user: scope checks, the workflow's rules, the optimistic
/// lock, and the audit log, each write in one transaction.
struct AssessmentStore {
    let database: any Database
    let board: ScoreBoard
    let user: SignedIn

    struct Loaded: Sendable {
        let assessment: Assessment
        let unit: OrgUnit
        let version: SchemeVersion
        let scheme: RunnableScheme
        var actor: Actor
    }

    /// The assessment with its unit and scheme; 404 alike for a missing id and one outside the user's tree,
    /// so an edited URL reveals nothing.
    func load(_ id: UUID) async throws -> Loaded {
        guard let assessment = try await Assessment.query(on: database).filter(\.$id == id)
            .with(\.$unit).with(\.$scheme).first()
        else { throw Abort(.notFound, reason: "没有找到该考核") }
        let actor = user.actor(forPath: assessment.unit.path)
        guard actor.canView else { throw Abort(.notFound, reason: "没有找到该考核") }
        return Loaded(assessment: assessment, unit: assessment.unit, version: assessment.scheme,
                      scheme: try await board.scheme(assessment.scheme), actor: actor)
    }

    /// The figures in force at `stage`: the self-assessment's, overlaid by each later stage's changes up to it.
    static func effective(_ entries: [EntryValue], upTo stage: Int) -> [String: String] {
        var figures: [String: String] = [:]
        for entry in entries.filter({ $0.stage <= stage }).sorted(by: { $0.stage < $1.stage }) { figures[entry.field] = entry.value }
        return figures
    }

    /// Saves the figures sent for the assessment's current stage. `figures` holds every field of the form
    /// (key → text as typed); only those that differ from what is in force are written. After the
    /// self-assessment every change needs a reason. Returns the new revision.
    @discardableResult
    func save(_ id: UUID, revision: Int, figures: [String: String], reasons: [String: String]) async throws -> Int {
        let loaded = try await load(id)
        let state = loaded.assessment.state
        do { _ = try loaded.scheme.workflow.apply(.save, to: state, by: loaded.actor) } catch { throw Abort(.forbidden, reason: error.message) }
        let fields = Dictionary(loaded.scheme.entryFields.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let existing = try await EntryValue.query(on: database).filter(\.$assessment.$id == id).all()
        let inForce = Self.effective(existing, upTo: state.stage)
        let needsReason = loaded.scheme.workflow.needsReason(at: state.stage)
        var problems: [String] = []
        var changes: [(field: String, old: String?, new: String?, reason: String?)] = []
        for (key, raw) in figures.sorted(by: { $0.key < $1.key }) {
            guard let field = fields[key] else { problems.append("“\(key)”不是本方案的填报项"); continue }
            let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            let old = inForce[key]
            if text.isEmpty {
                guard old != nil else { continue }
                if state.stage > 0 { problems.append("“\(field.label)”：\(loaded.scheme.workflow.stages[state.stage])阶段不能清空已填报的数据"); continue }
                changes.append((key, old, nil, nil))
                continue
            }
            if let message = Self.problem(with: text) { problems.append("“\(field.label)”：\(message)"); continue }
            guard text != old else { continue }
            let reason = reasons[key]?.trimmingCharacters(in: .whitespacesAndNewlines)
            if needsReason && (reason ?? "").isEmpty {
                problems.append("“\(field.label)”：\(loaded.scheme.workflow.stages[state.stage])阶段调整数据（\(old ?? "空") → \(text)）须填写理由")
                continue
            }
            changes.append((key, old, text, reason))
        }
        if !problems.isEmpty { throw InputProblems(problems: problems) }
        if changes.isEmpty && revision == loaded.assessment.revision { return revision }

        let stage = state.stage
        let username = user.username
        let writes = changes
        let newRevision = try await database.transaction { db in
            let next = try await Self.bumpRevision(id, from: revision, on: db)
            let atStage = Dictionary(existing.filter { $0.stage == stage }.map { ($0.field, $0) }, uniquingKeysWith: { a, _ in a })
            for change in writes {
                if let row = atStage[change.field] {
                    if let new = change.new {
                        row.value = new
                        row.reason = change.reason
                        try await row.update(on: db)
                    } else {
                        try await row.delete(on: db)
                    }
                } else if let new = change.new {
                    try await EntryValue(assessmentID: id, stage: stage, field: change.field, value: new, reason: change.reason).create(on: db)
                }
                try await AuditEntry(assessmentID: id, username: username, action: stage == 0 ? "填报" : "调整", field: change.field,
                                     oldValue: change.old, newValue: change.new, reason: change.reason).create(on: db)
            }
            return next
        }
        await board.invalidate(scheme: loaded.scheme.versionID, period: loaded.assessment.period)
        return newRevision
    }

    /// Submit, return or approve, at the revision the user saw. A return needs a comment.
    func act(_ id: UUID, _ action: WorkflowAction, revision: Int, comment: String?) async throws {
        let loaded = try await load(id)
        let next: WorkflowState
        do { next = try loaded.scheme.workflow.apply(action, to: loaded.assessment.state, by: loaded.actor) } catch {
            throw Abort(.forbidden, reason: error.message)
        }
        let comment = comment?.trimmingCharacters(in: .whitespacesAndNewlines)
        if action == .sendBack && (comment ?? "").isEmpty { throw InputProblems(problems: ["退回须填写意见"]) }
        let stages = loaded.scheme.workflow.stages
        let from = loaded.assessment.state
        let username = user.username
        try await database.transaction { db in
            _ = try await Self.bumpRevision(id, from: revision, on: db)
            try await Assessment.query(on: db).filter(\.$id == id)
                .set(\.$stage, to: next.stage).set(\.$status, to: next.status)
                .set(\.$comment, to: action == .sendBack ? comment : nil)
                .update()
            try await AuditEntry(assessmentID: id, username: username, action: action.chineseName, field: "阶段",
                                 oldValue: Self.describe(from, stages), newValue: Self.describe(next, stages),
                                 reason: comment?.isEmpty == false ? comment : nil).create(on: db)
        }
        await board.invalidate(scheme: loaded.scheme.versionID, period: loaded.assessment.period)
    }

    static func describe(_ state: WorkflowState, _ stages: [String]) -> String {
        switch state.status {
        case .editing: return stages[state.stage]
        case .returned: return stages[state.stage] + "（已退回）"
        case .approved: return "已审定"
        }
    }

    /// The optimistic lock: one UPDATE that succeeds only at the revision the writer read.
    private static func bumpRevision(_ id: UUID, from revision: Int, on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let rows = try await sql.update(Assessment.schema)
            .set(SQLIdentifier("revision"), to: SQLBinaryExpression(SQLIdentifier("revision"), .add, SQLLiteral.numeric("1")))
            .where(SQLIdentifier("id"), .equal, SQLBind(id))
            .where(SQLIdentifier("revision"), .equal, SQLBind(revision))
            .returning(SQLIdentifier("revision"))
            .all()
        guard let row = rows.first else {
            throw Abort(.conflict, reason: "该考核已被他人修改（您看到的是第 \(revision) 版）。请刷新页面，在最新数据上重新操作，您的修改未保存")
        }
        return try row.decode(column: "revision", as: Int.self)
    }

    /// Why a typed figure is not a figure, or nil: numbers, percentages, 是/否, 不适用 and lists of numbers are.
    static func problem(with text: String) -> String? {
        switch Value.parse(text) {
        case .number, .bool, .notApplicable: return nil
        case .list(let items) where items.allSatisfy({ $0.number != nil }): return nil
        case .text, .list: return "“\(text)”不是数字、百分数、是/否、“不适用”或 [2, 1] 这样的数字列表"
        }
    }
}
