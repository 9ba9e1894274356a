import Fluent
import Foundation
import JixiaoCore
import JixiaoXLSX
import SQLKit
import Vapor

struct SheetView: Sendable {
    let loaded: AssessmentStore.Loaded
    let scores: PeriodScores
    let row: PeriodScores.Row
    /// Each stage's result for this subject, in stage order.
    let stageResults: [SubjectResult]
    /// Figures in force at the current stage, by field key; and what the user typed, when a save was refused.
    let inForce: [String: String]
    let typed: (figures: [String: String], reasons: [String: String])?
    /// Per field key: the stage that last changed it and its reason.
    let changedAt: [String: (stage: Int, reason: String?)]
    let audit: [AuditEntry]
    /// The people behind the usernames of the audit log and the evidence: "姓名（单位）" by username.
    let people: [String: String]
    /// The evidence files' descriptions (not their contents).
    let evidence: [(id: UUID, filename: String, note: String, username: String, at: Date)]
    /// Totals of this subject under the same scheme at the stage each period reached, by period (oldest first).
    let trend: [(period: String, total: Fixed?)]
    let actions: [WorkflowAction]
    /// The latest approval's snapshot, shown beside the scores of now (they move when reopened or when peers change).
    let snapshot: ApprovalSnapshot?
    /// Indicators returned with a message and not yet answered by submitting again.
    let returned: [ReturnedItem]
    /// A self-evaluation's audit of the owner's claimed 评分结果, total and grade against the rules (stage 自评).
    let claims: [AuditItem]

    /// The fund table in force (self-evaluations), as the engine reads it.
    var fundTable: FundTable? { scores.report.data.subjects[row.subject].fundTable }
    /// The claims checked, by indicator code.
    var claimByCode: [String: AuditItem] {
        Dictionary(claims.filter { $0.kind == .score }.compactMap { item in item.code.map { ($0, item) } }, uniquingKeysWith: { a, _ in a })
    }

    var workflow: Workflow { loaded.scheme.workflow }
    /// Who a username is, as the log shows them (the username itself for an account that no longer exists).
    func person(_ username: String) -> String { people[username] ?? username }
    var canSave: Bool { actions.contains(.save) }
    var current: SubjectResult { stageResults[min(loaded.assessment.stage, stageResults.count - 1)] }

    /// The indicators whose score cannot be computed from the figures in force (a judged 9 on a 6-point item …),
    /// with the engine's reason: the sheet lists them, and the workflow will not move on while there are any.
    var failures: [String] { Self.failures(current, scores.scheme.compiled) }

    static func failures(_ result: SubjectResult, _ compiled: CompiledScheme) -> [String] {
        (0..<compiled.indicatorCount).compactMap { index in
            let indicator = compiled.indicator(at: index)
            guard case .failed(let why) = result.outcomes[index], !indicator.isGroup else { return nil }
            return "\(indicator.code) \(indicator.name)：\(why)"
        }
    }

    /// When the score at the stage reached is computed from the peers that have entered: says so and who is missing.
    var provisional: String? { scores.provisionalNote(current) }

    /// Whether the assessment has reached `stage`: a later stage's column stays empty until someone works there
    /// (it would only repeat the figures of the stage before it).
    func hasReached(_ stage: Int) -> Bool { loaded.assessment.status == .approved || stage <= loaded.assessment.stage }

    static func load(_ id: UUID, request: Request, typed: (figures: [String: String], reasons: [String: String])? = nil) async throws -> SheetView {
        let board = request.application.scoreBoard
        let loaded = try await AssessmentStore(request).load(id)
        let scores = try await board.scores(loaded.version, period: loaded.assessment.period, on: request.db)
        guard let row = scores.row(id) else { throw Abort(.notFound, reason: "没有找到该考核") }
        let entries = try await AssessmentStore(request).entries(id)
        var changedAt: [String: (stage: Int, reason: String?)] = [:]
        for entry in entries.sorted(by: { $0.stage < $1.stage }) where entry.stage <= loaded.assessment.stage {
            changedAt[entry.field] = (entry.stage, entry.reason)
        }
        let audit = try await AuditEntry.query(on: request.db).filter(\.$assessment.$id == id).sort(\.$at).all()
        let evidence = try await Evidence.query(on: request.db).filter(\.$assessment.$id == id)
            .field(\.$id).field(\.$filename).field(\.$note).field(\.$username).field(\.$at).sort(\.$at).all()
            .map { (try $0.requireID(), $0.filename, $0.note, $0.username, $0.at) }
        // Usernames never change (the account pages cannot rename them), so the log's names resolve to their people.
        let usernames = Array(Set(audit.map(\.username) + evidence.map { $0.3 }))
        var people: [String: String] = [:]
        if !usernames.isEmpty {
            for user in try await User.query(on: request.db).filter(\.$username ~~ usernames).with(\.$unit).all() {
                people[user.username] = "\(user.displayName)（\(user.unit.name)）"
            }
        }

        // The same unit under every version of the scheme, period by period.
        let others = try await Assessment.query(on: request.db).filter(\.$unit.$id == loaded.unit.requireID())
            .join(SchemeVersion.self, on: \Assessment.$scheme.$id == \SchemeVersion.$id)
            .filter(SchemeVersion.self, \.$code == loaded.version.code)
            .sort(\.$period).all()
        var trend: [(String, Fixed?)] = []
        for other in others.suffix(12) {
            let version = try other.joined(SchemeVersion.self)
            let periodScores = try await board.scores(version, period: other.period, on: request.db)
            trend.append((other.period, periodScores.row(try other.requireID()).flatMap { periodScores.current($0).total.score?.fixed }))
        }
        let returned = try await ReturnedItem.query(on: request.db).filter(\.$assessment.$id == id).filter(\.$open == true).sort(\.$at).all()
        let snapshot = try await ApprovalSnapshot.query(on: request.db).filter(\.$assessment.$id == id).sort(\.$at, .descending).first()
        let subjectName = scores.report.data.subjects[row.subject].name
        let claims = loaded.scheme.isSelfEvaluation
            ? Audit.run(scores.report).filter { $0.subject == subjectName && $0.stage == loaded.scheme.workflow.stages[0] } : []
        return SheetView(
            loaded: loaded, scores: scores, row: row,
            stageResults: scores.explained(row),
            inForce: AssessmentStore.effective(entries, upTo: loaded.assessment.stage), typed: typed, changedAt: changedAt,
            audit: audit, people: people, evidence: evidence, trend: trend,
            actions: loaded.scheme.workflow.actions(for: loaded.actor, at: loaded.assessment.state), snapshot: snapshot, returned: returned, claims: claims)
    }

    /// The score sheet as the seeds print it: indicator, max, one column per stage, 扣分, the drafted deduction text.
    var workbook: Workbook {
        let compiled = scores.scheme.compiled
        var rows: [[Cell]] = [[.text("\(loaded.unit.name) · \(compiled.scheme.name) · \(loaded.assessment.period)")]]
        rows.append([.text("代码"), .text("指标"), .text("分值")] + workflow.stages.map { .text($0) } + [.text("扣分"), .text("说明")])
        let current = self.current
        for index in 0..<compiled.indicatorCount {
            let indicator = compiled.indicator(at: index)
            let scored = stageResults.enumerated().map { stage, result -> Cell in
                guard hasReached(stage) else { return .empty }
                return result.outcomes[index].score.map { .number($0.formatted()) } ?? .text(result.outcomes[index].statusText)
            }
            let lost = current.pointsLost(at: index, kind: indicator.kind).map { Cell.number($0.formatted()) } ?? .empty
            let note = DeductionText.draft(current, index: index, indicator: indicator) ?? ""
            rows.append([.text(indicator.code), .text(indicator.name), .number(indicator.max.formatted())] + scored + [lost, .text(note)])
        }
        rows.append([.text(""), .text("合计"), .number(current.totalMax.formatted())]
                    + stageResults.enumerated().map { hasReached($0.offset) ? Cell.figure($0.element.total.statusText) : .empty }
                    + [current.total.score.map { .number((current.totalMax - $0).formatted()) } ?? .empty, .text(current.grade.map { "等级 \($0)" } ?? "")])
        return Workbook(sheets: [Sheet(name: "得分表", rows: rows)])
    }
}

/// `/api/assessments`: the overview's data.
