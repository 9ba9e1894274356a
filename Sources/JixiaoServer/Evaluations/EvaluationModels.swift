import Fluent
import Foundation
import JixiaoCore
import SQLKit

/// An evaluation across several subjects (seed 001: 重点评价 of a fund across 省本级, 延安市, 宝鸡市): one scheme version
/// with `composite: over: subjects`, one period, the subjects chosen from the org tree. Each subject's figures are
/// its own `Assessment` (so the workflow, the reasons, the audit log and the lock are the app's one workflow); the
/// evaluation adds what belongs to all of them: the composite's weights, the findings, the report's text.
/// `unit` is the node the evaluation was opened from: it is visible at that node and above.
final class Evaluation: Model, @unchecked Sendable {
    static let schema = "evaluations"
    @ID(key: .id) var id: UUID?
    @Parent(key: "scheme_id") var scheme: SchemeVersion
    @Field(key: "period") var period: String
    @Parent(key: "unit_id") var unit: OrgUnit
    @Field(key: "title") var title: String
    /// "entered": each subject's weight as typed; "figure": weights derived from a figure per subject (funds examined).
    @Field(key: "weight_basis") var weightBasis: String
    @Field(key: "figure_label") var figureLabel: String
    /// The report's text sections, JSON `{key: text}` (keys in `EvaluationReport.sectionKeys`).
    @Field(key: "sections") var sections: String
    /// A printed document's figures to compare with (JSON `DocumentFigures`), or empty.
    @Field(key: "printed") var printed: String
    /// The optimistic lock of the evaluation's own fields (weights, report text).
    @Field(key: "revision") var revision: Int
    @Field(key: "created_at") var createdAt: Date

    init() {}
    init(id: UUID? = nil, schemeID: UUID, period: String, unitID: UUID, title: String, weightBasis: String = "entered",
         figureLabel: String = "抽查资金（万元）", sections: String = "{}", printed: String = "") {
        self.id = id
        self.$scheme.id = schemeID
        self.period = period
        self.$unit.id = unitID
        self.title = title
        self.weightBasis = weightBasis
        self.figureLabel = figureLabel
        self.sections = sections
        self.printed = printed
        self.revision = 1
        self.createdAt = Date()
    }
}

/// One subject (column) of an evaluation, in order, with its entered weight and its figure (e.g. funds examined).
final class EvaluationSubject: Model, @unchecked Sendable {
    static let schema = "evaluation_subjects"
    @ID(key: .id) var id: UUID?
    @Parent(key: "evaluation_id") var evaluation: Evaluation
    @Parent(key: "unit_id") var unit: OrgUnit
    @Field(key: "position") var position: Int
    @Field(key: "weight") var weight: String
    @Field(key: "figure") var figure: String

    init() {}
    init(evaluationID: UUID, unitID: UUID, position: Int, weight: String, figure: String = "") {
        self.$evaluation.id = evaluationID
        self.$unit.id = unitID
        self.position = position
        self.weight = weight
        self.figure = figure
    }
}

/// A finding (问题): what cost an indicator points, in one subject or across the evaluation (no subject), with the
/// points it cost, its text and its evidence. The drafted "扣减 X 分：…" line is built from them.
final class EvaluationFinding: Model, @unchecked Sendable {
    static let schema = "evaluation_findings"
    @ID(key: .id) var id: UUID?
    @Parent(key: "evaluation_id") var evaluation: Evaluation
    /// The subject's unit code, or "" for a finding of the whole evaluation (综合).
    @Field(key: "unit_code") var unitCode: String
    @Field(key: "code") var code: String
    @Field(key: "points") var points: String
    @Field(key: "text") var text: String
    @Field(key: "evidence") var evidence: String
    @Field(key: "position") var position: Int
    @Field(key: "username") var username: String
    @Field(key: "at") var at: Date

    init() {}
    init(evaluationID: UUID, unitCode: String, code: String, points: String, text: String, evidence: String, position: Int, username: String) {
        self.$evaluation.id = evaluationID
        self.unitCode = unitCode
        self.code = code
        self.points = points
        self.text = text
        self.evidence = evidence
        self.position = position
        self.username = username
        self.at = Date()
    }
}

/// The append-only log of the evaluation's own changes (weights, findings, report text); figures are in each
/// subject's assessment log.
final class EvaluationAuditEntry: Model, @unchecked Sendable {
    static let schema = "evaluation_audit"
    @ID(key: .id) var id: UUID?
    @Parent(key: "evaluation_id") var evaluation: Evaluation
    @Field(key: "username") var username: String
    @Field(key: "display_name") var displayName: String
    @Field(key: "at") var at: Date
    @Field(key: "action") var action: String
    @Field(key: "detail") var detail: String

    init() {}
    init(evaluationID: UUID, username: String, displayName: String, action: String, detail: String) {
        self.$evaluation.id = evaluationID
        self.username = username
        self.displayName = displayName
        self.at = Date()
        self.action = action
        self.detail = detail
    }
}

/// Migration 7: evaluations across subjects (Evaluations/).
struct CreateEvaluations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Evaluation.schema)
            .id()
            .field("scheme_id", .uuid, .required, .references(SchemeVersion.schema, .id))
            .field("period", .string, .required)
            .field("unit_id", .uuid, .required, .references(OrgUnit.schema, .id))
            .field("title", .string, .required)
            .field("weight_basis", .string, .required)
            .field("figure_label", .string, .required)
            .field("sections", .string, .required)
            .field("printed", .string, .required)
            .field("revision", .int, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(EvaluationSubject.schema)
            .id()
            .field("evaluation_id", .uuid, .required, .references(Evaluation.schema, .id))
            .field("unit_id", .uuid, .required, .references(OrgUnit.schema, .id))
            .field("position", .int, .required)
            .field("weight", .string, .required)
            .field("figure", .string, .required)
            .unique(on: "evaluation_id", "unit_id")
            .create()
        try await database.schema(EvaluationFinding.schema)
            .id()
            .field("evaluation_id", .uuid, .required, .references(Evaluation.schema, .id))
            .field("unit_code", .string, .required)
            .field("code", .string, .required)
            .field("points", .string, .required)
            .field("text", .string, .required)
            .field("evidence", .string, .required)
            .field("position", .int, .required)
            .field("username", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await database.schema(EvaluationAuditEntry.schema)
            .id()
            .field("evaluation_id", .uuid, .required, .references(Evaluation.schema, .id))
            .field("username", .string, .required)
            .field("display_name", .string, .required)
            .field("at", .datetime, .required)
            .field("action", .string, .required)
            .field("detail", .string, .required)
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "evaluation_findings_by_evaluation").on(EvaluationFinding.schema).column("evaluation_id").run()
            try await sql.create(index: "evaluation_audit_by_evaluation").on(EvaluationAuditEntry.schema).column("evaluation_id").run()
        }
    }

    func revert(on database: any Database) async throws {
        for schema in [EvaluationAuditEntry.schema, EvaluationFinding.schema, EvaluationSubject.schema, Evaluation.schema] {
            try await database.schema(schema).delete()
        }
    }
}

/// A printed document's figures (seed 001's 附件 and table 2-1), kept beside the live scores so that each cell
/// where the rules give another figure is flagged. Codes → the figure as printed.
struct DocumentFigures: Codable, Sendable, Equatable {
    var source: String = ""
    var composite: [String: String] = [:]
    var total: String?
    var grade: String?
    var rates: [String: String] = [:]
    var totalRate: String?
    /// Per subject unit code: codes → printed cell.
    var subjects: [String: [String: String]] = [:]
    var subjectTotals: [String: String] = [:]

    static func decode(_ text: String) -> DocumentFigures? {
        guard !text.isEmpty, let data = text.data(using: .utf8) else { return nil }
        return try? JSONDecoder().decode(DocumentFigures.self, from: data)
    }

    var encoded: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(self)).flatMap { String(data: $0, encoding: .utf8) } ?? ""
    }
}
