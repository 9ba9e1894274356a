import Fluent
import Foundation
import JixiaoCore
import JixiaoXLSX
import SQLKit
import Vapor

/// The overview of one scheme version and period, limited to the user's part of the org tree.
struct Overview: Sendable {
    struct Choice: Sendable {
        let schemeID: UUID
        let schemeName: String
        let period: String
        let count: Int
        /// Of these, how many wait for the signed-in user (their stage, their part of the tree).
        let waiting: Int
    }

    struct Line: Sendable {
        let row: PeriodScores.Row
        let result: SubjectResult
        let mine: Bool
    }

    let choices: [Choice]
    let selected: Choice?
    let scores: PeriodScores?
    /// Count of assessments by stage and status, from SQL.
    let counts: [(stage: Int, status: WorkflowState.Status, count: Int)]
    let lines: [Line]

    /// Assessments waiting for the user in the schemes and periods not on screen.
    var waitingElsewhere: Int {
        choices.filter { !($0.schemeID == selected?.schemeID && $0.period == selected?.period) }.map(\.waiting).reduce(0, +)
    }

    static func load(_ request: Request, user: SignedIn) async throws -> Overview {
        guard let sql = request.db as? any SQLDatabase else { throw Abort(.internalServerError) }
        struct PairRow: Decodable {
            let scheme_id: UUID
            let name: String
            let period: String
            let n: Int
        }
        let pairs = try await sql.raw("""
            SELECT a.scheme_id, s.name, a.period, COUNT(*) AS n FROM assessments a
            JOIN org_units u ON u.id = a.unit_id JOIN scheme_versions s ON s.id = a.scheme_id
            WHERE \(OrgScope.within(user.unitPath, column: "u.path")) GROUP BY a.scheme_id, s.name, a.period ORDER BY a.period DESC, s.name
            """).all(decoding: PairRow.self)
        // What waits for this user in every scheme and period, not only the one on screen.
        struct OpenRow: Decodable {
            let scheme_id: UUID
            let period: String
            let stage: Int
            let status: String
            let path: String
        }
        let open = try await sql.raw("""
            SELECT a.scheme_id, a.period, a.stage, a.status, u.path FROM assessments a JOIN org_units u ON u.id = a.unit_id
            WHERE a.status <> 'approved' AND \(OrgScope.within(user.unitPath, column: "u.path"))
            """).all(decoding: OpenRow.self)
        var waiting: [String: Int] = [:]
        var workflows: [UUID: Workflow] = [:]
        for row in open {
            guard let status = WorkflowState.Status(rawValue: row.status) else { continue }
            let workflow: Workflow
            if let known = workflows[row.scheme_id] {
                workflow = known
            } else {
                let version = try await request.application.scoreBoard.version(row.scheme_id, on: request.db)
                workflow = try await request.application.scoreBoard.scheme(version).workflow
                workflows[row.scheme_id] = workflow
            }
            if workflow.worksAtCurrentStage(user.actor(forPath: row.path), WorkflowState(stage: row.stage, status: status)) {
                waiting["\(row.scheme_id)|\(row.period)", default: 0] += 1
            }
        }
        let choices = pairs.map {
            Choice(schemeID: $0.scheme_id, schemeName: $0.name, period: $0.period, count: $0.n,
                   waiting: waiting["\($0.scheme_id)|\($0.period)"] ?? 0)
        }
        let wantScheme = request.query[String.self, at: "scheme"].flatMap(UUID.init(uuidString:))
        let wantPeriod = request.query[String.self, at: "period"]
        // Without a choice in the link, the home page opens where work waits (the newest such period), else the newest.
        let selected = wantScheme == nil && wantPeriod == nil
            ? (choices.first { $0.waiting > 0 } ?? choices.first)
            : (choices.first { (wantScheme == nil || $0.schemeID == wantScheme) && (wantPeriod == nil || $0.period == wantPeriod) }
                ?? choices.first)
        guard let selected else { return Overview(choices: choices, selected: nil, scores: nil, counts: [], lines: []) }
        let version = try await request.application.scoreBoard.version(selected.schemeID, on: request.db)
        struct CountRow: Decodable {
            let stage: Int
            let status: String
            let n: Int
        }
        let counts = try await sql.raw("""
            SELECT a.stage, a.status, COUNT(*) AS n FROM assessments a JOIN org_units u ON u.id = a.unit_id
            WHERE a.scheme_id = \(bind: selected.schemeID) AND a.period = \(bind: selected.period) AND \(OrgScope.within(user.unitPath, column: "u.path"))
            GROUP BY a.stage, a.status ORDER BY a.stage, a.status
            """).all(decoding: CountRow.self)
            .compactMap { row in WorkflowState.Status(rawValue: row.status).map { (row.stage, $0, row.n) } }
        let scores = try await request.application.scoreBoard.scores(version, period: selected.period, on: request.db)
        let workflow = scores.scheme.workflow
        let lines = scores.rows.filter { user.reach(toPath: $0.unitPath) != .outside }.map { row in
            Line(row: row, result: scores.current(row),
                 mine: row.state.status != .approved && workflow.worksAtCurrentStage(user.actor(forPath: row.unitPath), row.state))
        }
        return Overview(choices: choices, selected: selected, scores: scores, counts: counts, lines: lines)
    }
}

/// Everything one assessment's page shows: the figures in force, each stage's scores, the audit log, the trend.
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
    /// The evidence files' descriptions (not their contents).
    let evidence: [(id: UUID, filename: String, note: String, username: String, at: Date)]
    /// Totals of this subject under the same scheme at the stage each period reached, by period (oldest first).
    let trend: [(period: String, total: Fixed?)]
    let actions: [WorkflowAction]

    var workflow: Workflow { loaded.scheme.workflow }
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

    /// Whether the assessment has reached `stage`: a later stage's column stays empty until someone works there
    /// (it would only repeat the figures of the stage before it).
    func hasReached(_ stage: Int) -> Bool { loaded.assessment.status == .approved || stage <= loaded.assessment.stage }

    /// 扣分 as the documents print it: what a regular item fell short of its max, what a deduction item took
    /// away; a bonus item loses nothing. nil when nothing was lost or the item is not scored.
    static func pointsLost(_ result: SubjectResult, _ index: Int, kind: IndicatorKind) -> Exact? {
        guard let score = result.outcomes[index].score else { return nil }
        let lost: Exact
        switch kind {
        case .regular: lost = result.maxima[index] - score
        case .deduction: lost = -score
        case .bonus: return nil
        }
        return lost > .zero ? lost : nil
    }

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
        return SheetView(
            loaded: loaded, scores: scores, row: row,
            stageResults: scores.report.stages.map { $0.subjects[row.subject] },
            inForce: AssessmentStore.effective(entries, upTo: loaded.assessment.stage), typed: typed, changedAt: changedAt,
            audit: audit, evidence: evidence, trend: trend,
            actions: loaded.scheme.workflow.actions(for: loaded.actor, at: loaded.assessment.state))
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
            let lost = Self.pointsLost(current, index, kind: indicator.kind).map { Cell.number($0.formatted()) } ?? .empty
            let note = DeductionText.draft(current, index: index, indicator: indicator) ?? ""
            rows.append([.text(indicator.code), .text(indicator.name), .number(indicator.max.formatted())] + scored + [lost, .text(note)])
        }
        rows.append([.text(""), .text("合计"), .number(current.totalMax.formatted())]
                    + stageResults.enumerated().map { hasReached($0.offset) ? .text($0.element.total.statusText) : .empty }
                    + [current.total.score.map { .number((current.totalMax - $0).formatted()) } ?? .empty, .text(current.grade.map { "等级 \($0)" } ?? "")])
        return Workbook(sheets: [Sheet(name: "得分表", rows: rows)])
    }
}

/// `/api/assessments`: the overview's data.
struct OverviewDTO: Content {
    struct Line: Content {
        let id: UUID
        let unit: String
        let code: String
        let stage: String
        let status: String
        let revision: Int
        let total: String
        let grade: String?
        let rank: Int?
        let mine: Bool
    }
    let scheme: String?
    let schemeID: UUID?
    let period: String?
    let assessments: [Line]

    init(_ overview: Overview) {
        scheme = overview.selected?.schemeName
        schemeID = overview.selected?.schemeID
        period = overview.selected?.period
        let stages = overview.scores?.scheme.workflow.stages ?? []
        assessments = overview.lines.map { line in
            Line(id: line.row.assessmentID, unit: line.row.unitName, code: line.row.unitCode,
                 stage: AssessmentStore.describe(line.row.state, stages), status: line.row.state.status.rawValue,
                 revision: line.row.revision, total: line.result.total.statusText, grade: line.result.grade, rank: line.result.rank,
                 mine: line.mine)
        }
    }
}

/// `/api/assessments/:id`: one assessment's sheet.
struct SheetDTO: Content {
    struct Indicator: Content {
        let code: String
        let name: String
        let max: String
        /// Per stage, in stage order.
        let scores: [String]
        let deduction: String?
        /// The derivation of the latest stage's score, in the engine's words.
        let explanation: [String]
    }
    struct AuditRow: Content {
        let at: Date
        let user: String
        let action: String
        let field: String?
        let old: String?
        let new: String?
        let reason: String?
    }
    let id: UUID
    let unit: String
    let scheme: String
    let period: String
    let stages: [String]
    let stage: String
    let status: String
    let revision: Int
    let totals: [String]
    let grade: String?
    /// Why the grade: the band, the veto, the threshold or the rank and quota.
    let gradeBasis: String?
    let rank: Int?
    let figures: [String: String]
    let indicators: [Indicator]
    let audit: [AuditRow]
    let trend: [[String]]

    init(_ view: SheetView) {
        let compiled = view.scores.scheme.compiled
        let reached = view.current  // the stage reached, as the page headlines it
        id = view.row.assessmentID
        unit = view.loaded.unit.name
        scheme = compiled.scheme.name
        period = view.loaded.assessment.period
        stages = view.workflow.stages
        stage = AssessmentStore.describe(view.loaded.assessment.state, view.workflow.stages)
        status = view.loaded.assessment.status.rawValue
        revision = view.loaded.assessment.revision
        totals = view.stageResults.map(\.total.statusText)
        grade = reached.grade
        gradeBasis = reached.gradeBasis?.text
        rank = reached.rank
        figures = view.inForce
        indicators = (0..<compiled.indicatorCount).map { index in
            let indicator = compiled.indicator(at: index)
            return Indicator(code: indicator.code, name: indicator.name, max: indicator.max.formatted(),
                             scores: view.stageResults.map { $0.outcomes[index].statusText },
                             deduction: DeductionText.draft(reached, index: index, indicator: indicator),
                             explanation: (reached.explanations.indices.contains(index) ? reached.explanations[index] : []))
        }
        audit = view.audit.map { AuditRow(at: $0.at, user: $0.username, action: $0.action, field: $0.field, old: $0.oldValue, new: $0.newValue, reason: $0.reason) }
        trend = view.trend.map { [$0.period, $0.total?.formatted() ?? ""] }
    }
}
