import Fluent
import Foundation
import JixiaoCore
import JixiaoXLSX
import SQLKit
import Vapor

struct OverviewDTO: Content {
    struct Line: Content {
        let id: UUID
        let unit: String
        let code: String
        let kind: String
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
    /// Assessments after the list's filters (all pages).
    let count: Int
    /// With `page=` in the query: that page (`per=` rows); without: every row, and `page` is 1 of 1.
    let page: Int
    let pages: Int
    let assessments: [Line]

    init(_ overview: Overview) {
        scheme = overview.selected?.schemeName
        schemeID = overview.selected?.schemeID
        period = overview.selected?.period
        let stages = overview.scores?.scheme.workflow.stages ?? []
        count = overview.listed.count
        let rows = overview.list.page == nil ? overview.listed[...] : overview.paged
        page = overview.list.page == nil ? 1 : overview.page.number
        pages = overview.list.page == nil ? 1 : overview.page.pages
        assessments = rows.map { line in
            Line(id: line.row.assessmentID, unit: line.row.unitName, code: line.row.unitCode, kind: line.row.unitKind,
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
        /// The person behind `user`: "姓名（单位）".
        let person: String
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
    /// When the score is taken over the peers that have entered: how many, and who is still missing.
    let provisional: String?
    /// The latest approval's snapshot: when, by whom, the total and grade approved.
    struct Approval: Content {
        let at: Date
        let by: String
        let total: String
        let grade: String?
    }
    let approval: Approval?
    let figures: [String: String]
    let indicators: [Indicator]
    let audit: [AuditRow]
    let trend: [[String]]
    /// A project self-evaluation's fund table, texts and claims checked (nil for other schemes).
    let selfEvaluation: SelfEvaluationDTO?

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
        provisional = view.provisional
        approval = view.snapshot.map { Approval(at: $0.at, by: $0.displayName, total: $0.total, grade: $0.grade) }
        rank = reached.rank
        figures = view.inForce
        indicators = (0..<compiled.indicatorCount).map { index in
            let indicator = compiled.indicator(at: index)
            return Indicator(code: indicator.code, name: indicator.name, max: indicator.max.formatted(),
                             scores: view.stageResults.map { $0.outcomes[index].statusText },
                             deduction: DeductionText.draft(reached, index: index, indicator: indicator),
                             explanation: (reached.explanations.indices.contains(index) ? reached.explanations[index] : []))
        }
        audit = view.audit.map { AuditRow(at: $0.at, user: $0.username, person: view.person($0.username), action: $0.action, field: $0.field, old: $0.oldValue, new: $0.newValue, reason: $0.reason) }
        trend = view.trend.map { [$0.period, $0.total?.formatted() ?? ""] }
        selfEvaluation = view.loaded.scheme.isSelfEvaluation ? SelfEvaluationDTO(view) : nil
    }
}
