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

    var title: String { "\(sheet.loaded.unit.name) · \(sheet.scores.scheme.compiled.scheme.name) · \(sheet.loaded.assessment.period)" }
    var stageName: String { sheet.workflow.stages[stage] }

    /// The query fields of the trial form: `v0`, `v1` … in the entry form's order.
    static func formKey(_ index: Int) -> String { "v\(index)" }

    static func load(_ id: UUID, request: Request) async throws -> WhatIfView {
        let sheet = try await SheetView.load(id, request: request)
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
        if !typed.isEmpty, problems.isEmpty {
            do {
                trial = try sheet.scores.preview(sheet.row, figures: typed, stage: stage)
            } catch let refused as InputProblems {
                problems = refused.problems
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
        return WhatIfView(sheet: sheet, fields: fields, stage: stage, saved: saved, trial: trial, changes: changes, problems: problems)
    }
}
