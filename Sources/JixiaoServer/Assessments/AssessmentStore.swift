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
    /// On SQLite, the one writer connection and its queue (see WriteGate).
    let writes: WriteGate?

    init(_ request: Request) throws {
        database = request.db
        board = request.application.scoreBoard
        user = try request.user
        writes = request.application.writeGate
    }

    struct Loaded: Sendable {
        let assessment: Assessment
        let unit: OrgUnit
        let version: SchemeVersion
        let scheme: RunnableScheme
        var actor: Actor
    }

    /// The assessment with its unit and scheme; 404 alike for a missing id and one outside the user's tree,
    /// so an edited URL reveals nothing. One SQL query (this and `entries` are on every save's path).
    func load(_ id: UUID) async throws -> Loaded {
        struct Row: Decodable {
            let scheme_id: UUID
            let period: String
            let unit_id: UUID
            let stage: Int
            let status: String
            let comment: String?
            let revision: Int
            let code: String
            let name: String
            let kind: String
            let parent_id: UUID?
            let path: String
        }
        guard let sql = database as? any SQLDatabase,
            let row = try await sql.raw("""
                SELECT a.scheme_id, a.period, a.unit_id, a.stage, a.status, a.comment, a.revision,
                       u.code, u.name, u.kind, u.parent_id, u.path
                FROM assessments a JOIN org_units u ON u.id = a.unit_id WHERE a.id = \(bind: id)
                """).first(decoding: Row.self),
            let status = WorkflowState.Status(rawValue: row.status)
        else { throw Abort(.notFound, reason: "没有找到该考核") }
        let actor = user.actor(forPath: row.path)
        guard actor.canView else { throw Abort(.notFound, reason: "没有找到该考核") }
        let assessment = Assessment(id: id, schemeID: row.scheme_id, period: row.period, unitID: row.unit_id, stage: row.stage, status: status)
        assessment.revision = row.revision
        assessment.comment = row.comment
        let unit = OrgUnit(id: row.unit_id, code: row.code, name: row.name, kind: row.kind, parentID: row.parent_id, path: row.path)
        let version = try await board.version(row.scheme_id, on: database)
        return Loaded(assessment: assessment, unit: unit, version: version, scheme: try await board.scheme(version), actor: actor)
    }

    /// 403 unless the user may save figures at the assessment's current stage.
    func requireSave(_ loaded: Loaded) throws {
        do { _ = try loaded.scheme.workflow.apply(.save, to: loaded.assessment.state, by: loaded.actor) } catch {
            throw Abort(.forbidden, reason: error.message)
        }
    }

    /// One entered figure as stored: at which stage, with which reason.
    struct Entry: Decodable, Sendable {
        let field: String
        let stage: Int
        let value: String
        let reason: String?
    }

    func entries(_ id: UUID) async throws -> [Entry] {
        guard let sql = database as? any SQLDatabase else { throw Abort(.internalServerError) }
        return try await sql.raw("SELECT field, stage, value, reason FROM entry_values WHERE assessment_id = \(bind: id)")
            .all(decoding: Entry.self)
    }

    /// The figures in force at `stage`: the self-assessment's, overlaid by each later stage's changes up to it.
    static func effective(_ entries: [Entry], upTo stage: Int) -> [String: String] {
        var figures: [String: String] = [:]
        for entry in entries.filter({ $0.stage <= stage }).sorted(by: { $0.stage < $1.stage }) { figures[entry.field] = entry.value }
        return figures
    }

    /// Saves the figures sent for the assessment's current stage. `figures` holds every field of the form
    /// (key → text as typed); only those that differ from what is in force are written. After the
    /// self-assessment every change needs a reason. Returns the new revision.
    @discardableResult
    func save(_ id: UUID, revision: Int, figures: [String: String], reasons: [String: String]) async throws -> Int {
        let prepared = try await prepareSave(id, revision: revision, figures: figures, reasons: reasons)
        if prepared.changes.isEmpty && prepared.revision == prepared.current { return revision }
        let username = user.username
        return try await serialized { database in try await database.transaction { db in
            try await Self.write(prepared, username: username, on: db)
        } }
    }

    /// Several assessments' saves, each prepared by `prepareSave` (every check passed), written in one
    /// transaction: all of them or, when one's revision has moved meanwhile, none. Returns the new revisions.
    func saveAll(_ prepared: [PreparedSave]) async throws -> [Int] {
        let username = user.username
        return try await serialized { database in try await database.transaction { db in
            // Every revision checked before anything is written: on SQLite the write gate commits a batch in which
            // a stale save fails alone, so a stale revision found after a first write would not undo that write.
            try await Self.requireRevisions(prepared.map { ($0.id, $0.revision) }, on: db)
            var revisions: [Int] = []
            for save in prepared {
                revisions.append(save.changes.isEmpty && save.revision == save.current
                    ? save.revision : try await Self.write(save, username: username, on: db))
            }
            return revisions
        } }
    }

    /// A save checked and ready to write: the changes against the figures in force, at the revision the writer read.
    struct PreparedSave: Sendable {
        let id: UUID
        /// The revision the writer read, and the one the assessment had when the save was checked.
        let revision: Int
        let current: Int
        let stage: Int
        let changes: [(field: String, old: String?, new: String?, reason: String?)]
    }

    /// Every check of a save (permission at the stage, the fields, reasons, the rules' refusals), nothing written:
    /// throws `InputProblems` naming each field that cannot be saved.
    func prepareSave(_ id: UUID, revision: Int, figures: [String: String], reasons: [String: String]) async throws -> PreparedSave {
        let loaded = try await load(id)
        let state = loaded.assessment.state
        try requireSave(loaded)
        let fields = Dictionary(loaded.scheme.formFields.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let inForce = Self.effective(try await entries(id), upTo: state.stage)
        let needsReason = loaded.scheme.workflow.needsReason(at: state.stage)
        var problems: [String] = []
        var changes: [(field: String, old: String?, new: String?, reason: String?)] = []
        for (key, raw) in figures.sorted(by: { $0.key < $1.key }) {
            guard let field = fields[key] else { problems.append("“\(key)”不是本方案的填报项"); continue }
            var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            let old = inForce[key]
            if SelfEvaluation.kind(of: key) != nil {
                // The fund table, 项目概况 and the claimed scores are the project owner's, entered at the self-assessment.
                if state.stage > 0 {
                    if text != (old ?? "") { problems.append("“\(field.label)”：资金表、项目概况和自评得分由项目单位在“\(loaded.scheme.workflow.stages[0])”阶段填报") }
                    continue
                }
                if !text.isEmpty {
                    switch SelfEvaluation.normalize(key, text) {
                    case .success(let stored): text = stored
                    case .failure(let why): problems.append("“\(field.label)”：\(why.text)"); continue
                    }
                }
            }
            if text.isEmpty {
                guard old != nil else { continue }
                if state.stage > 0 { problems.append("“\(field.label)”：\(loaded.scheme.workflow.stages[state.stage])阶段不能清空已填报的数据"); continue }
                changes.append((key, old, nil, nil))
                continue
            }
            if SelfEvaluation.kind(of: key) == nil, let message = Self.problem(with: text) { problems.append("“\(field.label)”：\(message)"); continue }
            guard text != old else { continue }
            let reason = reasons[key]?.trimmingCharacters(in: .whitespacesAndNewlines)
            if needsReason && (reason ?? "").isEmpty {
                problems.append("“\(field.label)”：\(loaded.scheme.workflow.stages[state.stage])阶段调整数据（\(old ?? "空") → \(text)）须填写理由")
                continue
            }
            changes.append((key, old, text, reason))
        }
        // Figures the platform computed (Platform/LeagueStore): not the filler's to type over.
        if state.stage == 0, !changes.isEmpty {
            let locked = try await LeagueStore.platformFields(id, on: database)
            for change in changes where locked[change.field] != nil {
                problems.append("“\(change.field)”：平台数据（截至 \(locked[change.field] ?? "")），由“量服”平台记录计算，填报人不能修改；如有出入请在平台更正记录")
            }
            changes.removeAll { locked[$0.field] != nil }
        }
        // The rules' own refusals, for the changes that read well, reported with the others at once.
        if !changes.isEmpty {
            do { try await refuseWhatTheRulesRefuse(id, loaded, changes: changes) } catch let refused as InputProblems {
                problems += refused.problems
            }
        }
        if !problems.isEmpty { throw InputProblems(problems: problems) }
        return PreparedSave(id: id, revision: revision, current: loaded.assessment.revision, stage: state.stage, changes: changes)
    }

    /// Writes a prepared save on `db` (inside the caller's transaction): the revision bumped from the one the writer
    /// read (the optimistic lock), the figures upserted or cleared, one audit row per change.
    private static func write(_ save: PreparedSave, username: String, on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let id = save.id, stage = save.stage, writes = save.changes
        let next = try await Self.bumpRevision(id, from: save.revision, on: db)
        // Set figures: one multi-row upsert; cleared figures (self-assessment only): one delete.
        let set = writes.filter { $0.new != nil }
        if !set.isEmpty {
            var insert = sql.insert(into: EntryValue.schema).columns("id", "assessment_id", "stage", "field", "value", "reason")
            for change in set {
                insert = insert.values(SQLBind(UUID()), SQLBind(id), SQLBind(stage), SQLBind(change.field), SQLBind(change.new), SQLBind(change.reason))
            }
            try await insert.onConflict(with: ["assessment_id", "stage", "field"]) {
                $0.set(excludedValueOf: "value").set(excludedValueOf: "reason")
            }.run()
        }
        let cleared = writes.filter { $0.new == nil }.map(\.field)
        if !cleared.isEmpty {
            try await sql.delete(from: EntryValue.schema).where("assessment_id", .equal, SQLBind(id)).where("stage", .equal, SQLBind(stage))
                .where("field", .in, SQLBind.group(cleared)).run()
        }
        var audit = sql.insert(into: AuditEntry.schema)
            .columns("id", "assessment_id", "username", "at", "action", "field", "old_value", "new_value", "reason")
        let now = Date()
        for change in writes {
            audit = audit.values(SQLBind(UUID()), SQLBind(id), SQLBind(username), SQLBind(now), SQLBind(stage == 0 ? "填报" : "调整"),
                                 SQLBind(change.field), SQLBind(change.old), SQLBind(change.new), SQLBind(change.reason))
        }
        if !writes.isEmpty { try await audit.run() }
        return next
    }

    /// Submit, return or approve, at the revision the user saw. A return needs a comment.
    /// `snapshot` (approval only): the total, grade and body of the score approved, stored with the lock.
    /// `returning` (a return only): the indicator codes the reviewer means, marked on the sheet with the comment.
    func act(_ id: UUID, _ action: WorkflowAction, revision: Int, comment: String?,
             snapshot: (total: String, grade: String?, body: String)? = nil, returning: [String] = []) async throws {
        let loaded = try await load(id)
        let next: WorkflowState
        do { next = try loaded.scheme.workflow.apply(action, to: loaded.assessment.state, by: loaded.actor) } catch {
            throw Abort(.forbidden, reason: error.message)
        }
        let comment = comment?.trimmingCharacters(in: .whitespacesAndNewlines)
        if action.needsComment && (comment ?? "").isEmpty {
            throw InputProblems(problems: [action == .sendBack ? "退回须填写意见" : "重新打开须写明理由"])
        }
        let stages = loaded.scheme.workflow.stages
        let from = loaded.assessment.state
        let username = user.username
        let displayName = user.displayName
        try await serialized { database in try await database.transaction { db in
            let newRevision = try await Self.bumpRevision(id, from: revision, on: db)
            if let snapshot {
                try await ApprovalSnapshot(assessmentID: id, at: Date(), username: username, displayName: displayName, revision: newRevision, total: snapshot.total,
                                           grade: snapshot.grade, body: snapshot.body).create(on: db)
            }
            if action == .submit {
                // Submitted again: the marks of the last return have been answered.
                try await ReturnedItem.query(on: db).filter(\.$assessment.$id == id).filter(\.$open == true).set(\.$open, to: false).update()
            }
            if action == .sendBack {
                for code in returning {
                    try await ReturnedItem(assessmentID: id, code: code, message: comment ?? "", at: Date(), displayName: displayName).create(on: db)
                }
            }
            try await Assessment.query(on: db).filter(\.$id == id)
                .set(\.$stage, to: next.stage).set(\.$status, to: next.status)
                .set(\.$comment, to: action == .sendBack ? comment : nil)
                .update()
            try await AuditEntry(assessmentID: id, username: username, action: action.chineseName, field: "阶段",
                                 oldValue: Self.describe(from, stages), newValue: Self.describe(next, stages),
                                 reason: returning.isEmpty ? (comment?.isEmpty == false ? comment : nil)
                                     : "退回指标 \(returning.joined(separator: "、"))：\(comment ?? "")").create(on: db)
        } }
    }

    /// Runs a write on SQLite's writer connection, queued; on PostgreSQL directly on the request's database.
    private func serialized<T: Sendable>(_ work: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard let writes else { return try await work(database) }
        return try await writes.run(work)
    }

    static func describe(_ state: WorkflowState, _ stages: [String]) -> String {
        switch state.status {
        case .editing: return stages[state.stage]
        case .returned: return stages[state.stage] + "（已退回）"
        case .approved: return "已审定"
        }
    }

    /// What a writer who read an older revision is told: nothing of theirs was saved.
    private static func staleRevision(_ revision: Int) -> Abort {
        Abort(.conflict, reason: "该考核已被他人修改（您看到的是第 \(revision) 版）。请刷新页面，在最新数据上重新操作，您的修改未保存")
    }

    /// The optimistic lock checked for several assessments at once, writing nothing: a conflict if any has moved.
    private static func requireRevisions(_ expected: [(id: UUID, revision: Int)], on db: any Database) async throws {
        guard !expected.isEmpty else { return }
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let rows = try await sql.select().column("id").column("revision").from(Assessment.schema)
            .where("id", .in, SQLBind.group(expected.map(\.id))).all()
        var current: [UUID: Int] = [:]
        for row in rows { current[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "revision", as: Int.self) }
        if let stale = expected.first(where: { current[$0.id] != $0.revision }) {
            throw staleRevision(stale.revision)
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
            throw staleRevision(revision)
        }
        return try row.decode(column: "revision", as: Int.self)
    }

    /// Why a typed figure is not a figure, or nil: numbers, percentages, 是/否, 不适用 and lists of numbers are.
    /// What no field may hold, whatever its rule. Words are figures too (已调整, 达到要求, a checklist's all):
    /// whether a rule takes them is the engine's to say (see `refuseWhatTheRulesRefuse`).
    static let longestFigure = 200
    /// The same for a field of the form by key (项目概况 texts may be longer and hold line breaks).
    static func problem(_ key: String, _ text: String) -> String? {
        guard SelfEvaluation.kind(of: key) != nil else { return problem(with: text) }
        if case .failure(let why) = SelfEvaluation.normalize(key, text) { return why.text }
        return nil
    }
    static func problem(with text: String) -> String? {
        if text.count > longestFigure { return "填报值过长（\(text.count) 字，不超过 \(longestFigure) 字）" }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { return "填报值含有控制字符" }
        return nil
    }

    /// The indicators in error in `after` that were not in error in `before` (a save's or a trial's figures).
    static func introducedFailures(_ before: SubjectResult, _ after: SubjectResult, _ compiled: CompiledScheme) -> [String] {
        let known = Set(SheetView.failures(before, compiled))
        return SheetView.failures(after, compiled).filter { !known.contains($0) }
    }

    /// Save-time validation by the rules themselves: the figures as they would stand are scored (nothing is
    /// written), and an indicator that this save would put in error is refused with the engine's reason,
    /// naming it (a judged 9 on a 6-point item, a word a threshold does not know, a list where a rate is
    /// needed). An indicator that was already in error before this save does not block it.
    private func refuseWhatTheRulesRefuse(_ id: UUID, _ loaded: Loaded,
                                          changes: [(field: String, old: String?, new: String?, reason: String?)]) async throws {
        let scores = try await board.scores(loaded.version, period: loaded.assessment.period, on: database)
        guard let row = scores.row(id), !changes.isEmpty else { return }
        let compiled = scores.scheme.compiled
        let stage = min(loaded.assessment.stage, scores.report.stages.count - 1)
        let saved = scores.report.stages[stage].subjects[row.subject]
        let before = Set(SheetView.failures(saved, compiled))
        var typed: [String: String] = [:]
        var reasons: [String: String?] = [:]
        for change in changes {
            typed[change.field] = change.new ?? ""
            reasons[change.field] = change.reason
        }
        let trial = try scores.trial(row, figures: typed, stage: loaded.assessment.stage, reasons: reasons)
        let after = trial.scored.report.stages[stage].subjects[row.subject]
        let introduced = Self.introducedFailures(saved, after, compiled)
        guard !introduced.isEmpty else {
            // The period's next read finds this save written and takes this result instead of scoring again.
            await board.remember(try loaded.version.requireID(), period: loaded.assessment.period, base: scores,
                                 subject: row.subject, data: trial.subject, scored: trial.scored)
            return
        }
        // Name the field: the changes that alone put each indicator in error (tried one by one, on this error path only).
        let labels = Dictionary(loaded.scheme.formFields.map { ($0.key, $0.label) }, uniquingKeysWith: { a, _ in a })
        var culprits: [String: [String]] = [:]
        if changes.count > 1 && changes.count <= 40 {
            for change in changes {
                let alone = try scores.preview(row, figures: [change.field: change.new ?? ""], stage: loaded.assessment.stage)
                for failure in SheetView.failures(alone, compiled) where !before.contains(failure) {
                    culprits[failure, default: []].append(change.field)
                }
            }
        } else if changes.count == 1 {
            for failure in introduced { culprits[failure] = [changes[0].field] }
        }
        let values = Dictionary(changes.map { ($0.field, $0.new ?? "") }, uniquingKeysWith: { a, _ in a })
        throw InputProblems(problems: introduced.map { failure in
            let fields = (culprits[failure] ?? []).map { "“\(labels[$0] ?? $0)”填的 \(values[$0] ?? "")" }
            return (fields.isEmpty ? "" : fields.joined(separator: "、") + "：") + "按评分规则无法计分，\(failure)"
        })
    }
}

/// SQLite's writes, on one connection, with group commit: SQLite allows one writer, so saves queue here
/// (contending in SQLite's lock would spin: sqlite-nio's busy handler retries at once), and the saves that
/// arrived while one transaction ran are committed together in the next. Within a batch a stale revision
/// fails alone (it is detected before that save writes anything); any other error rolls the whole batch
/// back and fails each of its saves, so nothing is ever half-written.
actor WriteGate {
    private struct Job {
        let work: @Sendable (any Database) async throws -> any Sendable
        let done: CheckedContinuation<any Sendable, any Error>
    }

    let writer: any Database
    let batchLimit = 64
    private var queue: [Job] = []
    private var draining = false

    init(writer: any Database) { self.writer = writer }

    func run<T: Sendable>(_ work: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let result = try await withCheckedThrowingContinuation { (done: CheckedContinuation<any Sendable, any Error>) in
            queue.append(Job(work: { try await work($0) }, done: done))
            if !draining {
                draining = true
                Task { await drain() }
            }
        }
        return result as! T
    }

    private func drain() async {
        while !queue.isEmpty {
            let batch = Array(queue.prefix(batchLimit))
            queue.removeFirst(batch.count)
            let works = batch.map(\.work)
            do {
                let outcomes = try await writer.transaction { db in
                    var outcomes: [Result<any Sendable, any Error>] = []
                    for work in works {
                        do {
                            outcomes.append(.success(try await work(db)))
                        } catch let stale as Abort where stale.status == .conflict {
                            outcomes.append(.failure(stale))
                        }
                    }
                    return outcomes
                }
                for (job, outcome) in zip(batch, outcomes) { job.done.resume(with: outcome) }
            } catch {
                for job in batch { job.done.resume(throwing: error) }
            }
        }
        draining = false
    }
}
