import Fluent
import Foundation
import JixiaoCore

/// A node of the org tree (省 / 市州 / 县市区 / 部门 / 项目 / 个人): a subject of assessment and the scope of accounts.
/// `path` is the codes from the root down ("/51/5101/510104/"), so "within a user's scope" is one prefix test in SQL.
final class OrgUnit: Model, @unchecked Sendable {
    static let schema = "org_units"
    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "name") var name: String
    @Field(key: "kind") var kind: String
    @OptionalParent(key: "parent_id") var parent: OrgUnit?
    @Field(key: "path") var path: String

    init() {}
    init(id: UUID? = nil, code: String, name: String, kind: String, parentID: UUID?, path: String) {
        self.id = id
        self.code = code
        self.name = name
        self.kind = kind
        self.$parent.id = parentID
        self.path = path
    }

    /// Where `other` stands from this node: itself, below it, or elsewhere.
    func reach(to other: OrgUnit) -> Actor.Reach {
        other.path == path ? .own : other.path.hasPrefix(path) ? .below : .outside
    }
}

/// An account: one role on one node of the tree.
final class User: Model, @unchecked Sendable {
    static let schema = "users"
    @ID(key: .id) var id: UUID?
    @Field(key: "username") var username: String
    @Field(key: "display_name") var displayName: String
    @Field(key: "password_hash") var passwordHash: String
    @Enum(key: "role") var role: Role
    @Parent(key: "unit_id") var unit: OrgUnit
    /// A disabled account cannot sign in, and its sessions were ended when it was disabled.
    @Field(key: "disabled") var disabled: Bool
    /// Set at creation and after a reset: the next sign-in leads to the change-password page and nowhere else.
    @Field(key: "must_change_password") var mustChangePassword: Bool
    @OptionalField(key: "last_sign_in_at") var lastSignInAt: Date?

    init() {}
    init(id: UUID? = nil, username: String, displayName: String, passwordHash: String, role: Role, unitID: UUID,
         mustChangePassword: Bool = false) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.role = role
        self.$unit.id = unitID
        self.disabled = false
        self.mustChangePassword = mustChangePassword
    }
}

/// The append-only log of every account action: who did it (as they were then), when, what, on whom.
/// Nothing in the application updates or deletes a row of it.
final class AccountAuditEntry: Model, @unchecked Sendable {
    static let schema = "account_audit"
    @ID(key: .id) var id: UUID?
    @Field(key: "at") var at: Date
    @Field(key: "actor_id") var actorID: UUID
    @Field(key: "actor_username") var actorUsername: String
    @Field(key: "actor_name") var actorName: String
    @Field(key: "actor_unit") var actorUnit: String
    @Parent(key: "target_id") var target: User
    @Field(key: "action") var action: String
    @Field(key: "detail") var detail: String

    init() {}
    init(actor: SignedIn, targetID: UUID, action: String, detail: String, at: Date = Date()) {
        self.id = UUID()
        self.at = at
        self.actorID = actor.userID
        self.actorUsername = actor.username
        self.actorName = actor.displayName
        self.actorUnit = actor.unitName
        self.$target.id = targetID
        self.action = action
        self.detail = detail
    }
}

/// One version of a scheme file, kept verbatim. Frozen once an assessment uses it: later edits are a new version.
final class SchemeVersion: Model, @unchecked Sendable {
    static let schema = "scheme_versions"
    @ID(key: .id) var id: UUID?
    @Field(key: "code") var code: String
    @Field(key: "version") var version: Int
    @Field(key: "name") var name: String
    @OptionalField(key: "year") var year: Int?
    @Field(key: "yaml") var yaml: String
    @Field(key: "frozen") var frozen: Bool
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}
    init(id: UUID? = nil, code: String, version: Int, name: String, year: Int?, yaml: String, frozen: Bool = false) {
        self.id = id
        self.code = code
        self.version = version
        self.name = name
        self.year = year
        self.yaml = yaml
        self.frozen = frozen
    }
}

/// One subject assessed under one scheme version for one period, with its place in the workflow.
/// `revision` is the optimistic lock: every write names the revision it read and bumps it.
final class Assessment: Model, @unchecked Sendable {
    static let schema = "assessments"
    @ID(key: .id) var id: UUID?
    @Parent(key: "scheme_id") var scheme: SchemeVersion
    @Field(key: "period") var period: String
    @Parent(key: "unit_id") var unit: OrgUnit
    @Field(key: "stage") var stage: Int
    @Enum(key: "status") var status: WorkflowState.Status
    @OptionalField(key: "comment") var comment: String?
    @Field(key: "revision") var revision: Int
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}
    init(id: UUID? = nil, schemeID: UUID, period: String, unitID: UUID, stage: Int = 0, status: WorkflowState.Status = .editing) {
        self.id = id
        self.$scheme.id = schemeID
        self.period = period
        self.$unit.id = unitID
        self.stage = stage
        self.status = status
        self.revision = 1
    }

    var state: WorkflowState { WorkflowState(stage: stage, status: status) }
}

/// One entered figure of one assessment at one stage: a named input (`field` = the input's name) or an
/// indicator's figure (`field` = "#" + code). Later stages hold only what they changed, each with a reason.
final class EntryValue: Model, @unchecked Sendable {
    static let schema = "entry_values"
    @ID(key: .id) var id: UUID?
    @Parent(key: "assessment_id") var assessment: Assessment
    @Field(key: "stage") var stage: Int
    @Field(key: "field") var field: String
    @Field(key: "value") var value: String
    @OptionalField(key: "reason") var reason: String?

    init() {}
    init(id: UUID? = nil, assessmentID: UUID, stage: Int, field: String, value: String, reason: String?) {
        self.id = id
        self.$assessment.id = assessmentID
        self.stage = stage
        self.field = field
        self.value = value
        self.reason = reason
    }
}

/// The append-only log of every change to an assessment: who, when, what, old → new, why.
/// Nothing in the application updates or deletes a row of it.
final class AuditEntry: Model, @unchecked Sendable {
    static let schema = "audit_log"
    @ID(key: .id) var id: UUID?
    @Parent(key: "assessment_id") var assessment: Assessment
    @Field(key: "username") var username: String
    @Field(key: "at") var at: Date
    @Field(key: "action") var action: String
    @OptionalField(key: "field") var field: String?
    @OptionalField(key: "old_value") var oldValue: String?
    @OptionalField(key: "new_value") var newValue: String?
    @OptionalField(key: "reason") var reason: String?

    init() {}
    init(assessmentID: UUID, username: String, at: Date = Date(), action: String, field: String? = nil,
         oldValue: String? = nil, newValue: String? = nil, reason: String? = nil) {
        self.$assessment.id = assessmentID
        self.username = username
        self.at = at
        self.action = action
        self.field = field
        self.oldValue = oldValue
        self.newValue = newValue
        self.reason = reason
    }
}

extension Array where Element: Model {
    /// Inserts in multi-row statements of `chunk` rows (SQLite limits the parameters of one statement).
    func create(on database: any Database, chunk: Int) async throws {
        for start in stride(from: 0, to: count, by: chunk) {
            try await Array(self[start..<Swift.min(start + chunk, count)]).create(on: database)
        }
    }
}

/// A file that supports an assessment's figures (佐证材料): a scan, a photo, a spreadsheet.
final class Evidence: Model, @unchecked Sendable {
    static let schema = "evidence"
    @ID(key: .id) var id: UUID?
    @Parent(key: "assessment_id") var assessment: Assessment
    @Field(key: "filename") var filename: String
    @Field(key: "content_type") var contentType: String
    @Field(key: "note") var note: String
    @Field(key: "data") var data: Data
    @Field(key: "username") var username: String
    @Field(key: "at") var at: Date

    init() {}
    init(assessmentID: UUID, filename: String, contentType: String, note: String, data: Data, username: String) {
        self.$assessment.id = assessmentID
        self.filename = filename
        self.contentType = contentType
        self.note = note
        self.data = data
        self.username = username
        self.at = Date()
    }
}
