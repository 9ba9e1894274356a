import Foundation
import JixiaoCore
import Vapor

/// What `/assessments/:id/whatif` shows: the saved state of one assessment at its current stage and, when
/// figures were tried, the same period re-scored with them. Nothing is stored: a trial is computed per
/// request from the period's cached scores, so anyone who can read the sheet (leaders included) may try.
struct WhatIfView: Sendable {
    struct Field: Sendable {
        /// The entry form's key (`#code` for an indicator's own figure, else the input's name).
        let key: String
        let label: String
        let unit: String?
        /// In force now, at the assessment's stage.
        let saved: String
        /// As typed for the trial (nil: not typed, the saved figure stands).
        let tried: String?
    }

    /// One indicator whose score the trial moves.
    struct Change: Sendable {
        let code: String
        let name: String
        let before: String
        let after: String
    }

    let sheet: SheetView
    let fields: [Field]
    /// The stage the trial applies to (the assessment's current one).
    let stage: Int
    let saved: SubjectResult
    /// nil when nothing was tried.
    let trial: SubjectResult?
    let changes: [Change]
    /// Figures that could not be read (the trial is then not computed).
    let problems: [String]
    /// The grades a target may name, best first.
    let grades: [String]
    /// The grade asked for, and the analysis (distances, where the points are, a plan), when one was asked for:
    /// it re-scores the period once per breakpoint, so it runs only on request.
    let target: String?
    let analysis: WhatIfAnalysis?

    /// The entry form's field index of each key, for links that fill the trial form.
    func fieldIndex(_ key: String) -> Int? { fields.firstIndex { $0.key == key } }

    /// The trial form's query filled with `changes` (keyed as the entry form keys them), and the target kept.
    func trialQuery(_ changes: [WhatIfChange]) -> [SiteURL.QueryItem] {
        var query: [SiteURL.QueryItem] = []
        for change in changes {
            guard let index = fieldIndex(change.key) else { continue }
            query.append(.init(name: Self.formKey(index), value: change.to.description))
        }
        if let target { query.append(.init(name: "target", value: target)) }
        return query
    }

    var title: String { "\(sheet.loaded.unit.name) · \(sheet.scores.scheme.compiled.scheme.name) · \(sheet.loaded.assessment.period)" }
    var stageName: String { sheet.workflow.stages[stage] }

    /// The query fields of the trial form: `v0`, `v1` … in the entry form's order.
    static func formKey(_ index: Int) -> String { "v\(index)" }

    /// The grades of a scheme, best first: rank shares, then bands from the top (a veto's or threshold's grade
    /// is never a target).
    static func grades(_ rules: GradeRules) -> [String] {
        var grades = rules.byRank.map(\.grade)
        for band in rules.bands.sorted(by: { $0.min > $1.min }) where !grades.contains(band.grade) { grades.append(band.grade) }
        return grades
    }

    static func load(_ id: UUID, request: Request, analyse always: Bool = false) async throws -> WhatIfView {
        let sheet = try await SheetView.load(id, request: request)
        let grades = Self.grades(sheet.scores.scheme.compiled.scheme.grades)
        let asked = (try? request.query.get(String.self, at: "target"))?.trimmingCharacters(in: .whitespaces)
        let target = asked.flatMap { grades.contains($0) ? $0 : nil }
        let analyse = always || target != nil || (try? request.query.get(String.self, at: "analyse")) == "1"
        let entryFields = sheet.loaded.scheme.entryFields
        let stage = min(sheet.loaded.assessment.stage, sheet.stageResults.count - 1)
        // Only figures that differ from the saved ones count as tried: an untouched form tries nothing.
        var typed: [String: String] = [:]
        for (index, field) in entryFields.enumerated() {
            guard let text = try? request.query.get(String.self, at: formKey(index)) else { continue }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed != (sheet.inForce[field.key] ?? "") { typed[field.key] = trimmed }
        }
        let fields = entryFields.map { field in
            Field(key: field.key, label: field.label, unit: field.unit, saved: sheet.inForce[field.key] ?? "", tried: typed[field.key])
        }
        let saved = sheet.stageResults[stage]
        var trial: SubjectResult?
        // The same reading a save applies, so a trial never accepts what the form would refuse.
        var problems = fields.compactMap { field -> String? in
            guard let text = field.tried, !text.isEmpty, let message = AssessmentStore.problem(with: text) else { return nil }
            return "“\(field.label)”：\(message)"
        }
        if let asked, !asked.isEmpty, target == nil { problems.append("没有等级“\(asked)”：可选 \(grades.joined(separator: "、"))") }
        let scores = sheet.scores
        let row = sheet.row
        if !typed.isEmpty, problems.isEmpty {
            let figures = typed
            do {
                trial = try await request.application.whatIfWork.run { try scores.preview(row, figures: figures, stage: stage) }
            } catch let refused as InputProblems {
                problems = refused.problems
            }
            // What a save would refuse (an indicator these figures put in error), a trial refuses too.
            if let tried = trial {
                let introduced = AssessmentStore.introducedFailures(saved, tried, scores.scheme.compiled)
                if !introduced.isEmpty {
                    problems = introduced.map { "按评分规则无法计分，\($0)" }
                    trial = nil
                }
            }
        }
        var analysis: WhatIfAnalysis?
        if analyse {
            analysis = try await request.application.whatIfWork.run {
                WhatIf.analyse(scores.report, stage: stage, subject: row.subject, target: target)
            }
        }
        var changes: [Change] = []
        if let trial {
            let compiled = sheet.scores.scheme.compiled
            for index in 0..<compiled.indicatorCount where trial.outcomes[index] != saved.outcomes[index] {
                let indicator = compiled.indicator(at: index)
                changes.append(Change(code: indicator.code, name: indicator.name,
                                      before: saved.outcomes[index].statusText, after: trial.outcomes[index].statusText))
            }
        }
        return WhatIfView(sheet: sheet, fields: fields, stage: stage, saved: saved, trial: trial, changes: changes, problems: problems,
                          grades: grades, target: target, analysis: analysis)
    }
}
