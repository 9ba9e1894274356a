import Fluent
import Foundation
import SQLKit

/// A unit that appraises its staff under seed 003 (全员全过程绩效考核): the org node its 部室 and persons lie below.
/// Its 绩效办 is an approver account on this node, a department head a reviewer on a 部室 node, a person a filler on
/// their own 个人 node, a leader a leader account at or above it: the org tree's paths scope everything, as elsewhere.
final class AppraisalUnit: Model, @unchecked Sendable {
    static let schema = "appraisal_units"
    @ID(key: .id) var id: UUID?
    @Field(key: "org_unit_id") var orgUnitID: UUID
    @Field(key: "scheme_code") var schemeCode: String

    init() {}
    init(id: UUID? = nil, orgUnitID: UUID, schemeCode: String = "003") {
        self.id = id
        self.orgUnitID = orgUnitID
        self.schemeCode = schemeCode
    }
}

/// A person appraised (考核对象), kept over years: their own 个人 node of the org tree (below a 部室 node) and the
/// attributes the scheme reads. A person who left stays (inactive) with their history.
final class AppraisalPerson: Model, @unchecked Sendable {
    static let schema = "appraisal_persons"
    @ID(key: .id) var id: UUID?
    @Field(key: "appraisal_unit_id") var appraisalUnitID: UUID
    /// The person's own node (kind 个人); its path scopes who sees the person.
    @Field(key: "org_unit_id") var orgUnitID: UUID
    @Field(key: "staff_no") var staffNo: String
    @Field(key: "name") var name: String
    @Field(key: "department") var department: String
    @Field(key: "post") var post: String
    @Field(key: "party_member") var partyMember: Bool
    /// 州管干部: votes in 领导评价 and is not a 考核对象 of this scheme.
    @Field(key: "cadre") var cadre: Bool
    @Field(key: "active") var active: Bool

    init() {}
    init(id: UUID? = nil, appraisalUnitID: UUID, orgUnitID: UUID, staffNo: String, name: String, department: String, post: String,
         partyMember: Bool, cadre: Bool, active: Bool = true) {
        self.id = id
        self.appraisalUnitID = appraisalUnitID
        self.orgUnitID = orgUnitID
        self.staffNo = staffNo
        self.name = name
        self.department = department
        self.post = post
        self.partyMember = partyMember
        self.cadre = cadre
        self.active = active
    }
}

/// One 日常管理 entry about a person: an incident or a bonus item, as recorded when it happened.
/// `status`: recorded → contested (申诉) → kept (申诉不成立) or withdrawn (申诉成立: no longer counted).
final class AppraisalEntry: Model, @unchecked Sendable {
    static let schema = "appraisal_entries"
    @ID(key: .id) var id: UUID?
    @Field(key: "person_id") var personID: UUID
    @Field(key: "year") var year: Int
    /// yyyy-MM-dd
    @Field(key: "date") var date: String
    /// An `EntryKind` raw value (the scheme's indicator code it counts towards).
    @Field(key: "kind") var kind: String
    @OptionalField(key: "level") var level: String?
    @OptionalField(key: "group_name") var groupName: String?
    @OptionalField(key: "amount") var amount: String?
    @Field(key: "note") var note: String
    @Field(key: "evidence") var evidence: String
    @Field(key: "recorded_by") var recordedBy: String
    @Field(key: "recorded_at") var recordedAt: Date
    @Field(key: "status") var status: String
    @OptionalField(key: "appeal_reason") var appealReason: String?
    @OptionalField(key: "decision") var decision: String?
    @OptionalField(key: "decided_by") var decidedBy: String?

    init() {}
    init(id: UUID? = nil, personID: UUID, year: Int, date: String, kind: String, level: String?, groupName: String?, amount: String?,
         note: String, evidence: String, recordedBy: String, recordedAt: Date = Date()) {
        self.id = id
        self.personID = personID
        self.year = year
        self.date = date
        self.kind = kind
        self.level = level
        self.groupName = groupName
        self.amount = amount
        self.note = note
        self.evidence = evidence
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
        self.status = "recorded"
    }

    var counts: Bool { status != "withdrawn" }
}

/// A person's year: the veto (四等) with its document, and the figures entered against their 附件2 tasks.
final class AppraisalPersonYear: Model, @unchecked Sendable {
    static let schema = "appraisal_person_years"
    @ID(key: .id) var id: UUID?
    @Field(key: "person_id") var personID: UUID
    @Field(key: "year") var year: Int
    /// 受处分 or 失职渎职 (the scheme's attributes), nil without a veto.
    @OptionalField(key: "veto") var veto: String?
    @OptionalField(key: "veto_document") var vetoDocument: String?
    /// JSON object: task number ("1", "2", …) → the figure entered (完成情况).
    @Field(key: "task_values") var taskValues: String

    init() {}
    init(id: UUID? = nil, personID: UUID, year: Int) {
        self.id = id
        self.personID = personID
        self.year = year
        self.taskValues = "{}"
    }
}

/// One version of a person's 附件2 sheet for a year. A change after approval makes a new version with a reason.
final class AppraisalSheet: Model, @unchecked Sendable {
    static let schema = "appraisal_sheets"
    @ID(key: .id) var id: UUID?
    @Field(key: "person_id") var personID: UUID
    @Field(key: "year") var year: Int
    @Field(key: "version") var version: Int
    /// JSON array of `SheetTask`.
    @Field(key: "tasks") var tasks: String
    @Field(key: "reason") var reason: String
    @Field(key: "written_by") var writtenBy: String
    @OptionalField(key: "approved_by") var approvedBy: String?

    init() {}
    init(id: UUID? = nil, personID: UUID, year: Int, version: Int, tasks: String, reason: String, writtenBy: String) {
        self.id = id
        self.personID = personID
        self.year = year
        self.version = version
        self.tasks = tasks
        self.reason = reason
        self.writtenBy = writtenBy
    }
}

/// One part of 民主测评 (C1 领导评价, C2 述职测评, C3 服务对象评价) for a unit's year.
final class AppraisalPoll: Model, @unchecked Sendable {
    static let schema = "appraisal_polls"
    @ID(key: .id) var id: UUID?
    @Field(key: "appraisal_unit_id") var appraisalUnitID: UUID
    @Field(key: "year") var year: Int
    @Field(key: "part") var part: String
    @Field(key: "deadline") var deadline: Date
    @Field(key: "closed") var closed: Bool
    @Field(key: "code_count") var codeCount: Int
    /// How many ballots were cast: a counter, like the tallies.
    @Field(key: "ballots_cast") var ballotsCast: Int
    /// 服务对象评价: the list drawn from (JSON array), the seed, and who was drawn (JSON array), so that anyone can
    /// draw again from the same list and seed and get the same names.
    @OptionalField(key: "draw_list") var drawList: String?
    @OptionalField(key: "draw_seed") var drawSeed: String?
    @OptionalField(key: "drawn") var drawn: String?
    @Field(key: "opened_by") var openedBy: String

    init() {}
}

/// A one-time ballot code, stored only as its SHA-256: the code itself is shown once, on the printed sheet.
/// The row says whether the code was used, never when, nor which ballot it cast.
final class BallotCode: Model, @unchecked Sendable {
    static let schema = "appraisal_ballot_codes"
    @ID(key: .id) var id: UUID?
    @Field(key: "poll_id") var pollID: UUID
    @Field(key: "code_hash") var codeHash: String
    @Field(key: "used") var used: Bool

    init() {}
    init(id: UUID? = nil, pollID: UUID, codeHash: String) {
        self.id = id
        self.pollID = pollID
        self.codeHash = codeHash
        self.used = false
    }
}

/// The votes of a poll, as counters: one row per (person, option), all created when the poll opens.
/// Why this is anonymous by construction: a vote adds 1 to existing counters and writes nothing else. There is
/// no row per vote, so there is nothing to order, no key that grows with time, no timestamp and no code or
/// voter to join on; the code's row only turns `used` (no time, no reference to a counter). What the database
/// can tell is what the tally tells: how many chose each option.
final class BallotTally: Model, @unchecked Sendable {
    static let schema = "appraisal_tallies"
    @ID(key: .id) var id: UUID?
    @Field(key: "poll_id") var pollID: UUID
    @Field(key: "person_id") var personID: UUID
    @Field(key: "option") var option: String
    @Field(key: "count") var count: Int

    init() {}
    init(id: UUID? = nil, pollID: UUID, personID: UUID, option: String) {
        self.id = id
        self.pollID = pollID
        self.personID = personID
        self.option = option
        self.count = 0
    }
}

/// The append-only log of appraisal decisions (appeals decided, sheets approved, vetoes, polls opened and closed).
final class AppraisalAudit: Model, @unchecked Sendable {
    static let schema = "appraisal_audit"
    @ID(key: .id) var id: UUID?
    @Field(key: "appraisal_unit_id") var appraisalUnitID: UUID
    @Field(key: "at") var at: Date
    @Field(key: "actor") var actor: String
    @OptionalField(key: "person_id") var personID: UUID?
    @Field(key: "action") var action: String
    @Field(key: "detail") var detail: String

    init() {}
    init(unitID: UUID, actor: String, personID: UUID?, action: String, detail: String) {
        self.appraisalUnitID = unitID
        self.at = Date()
        self.actor = actor
        self.personID = personID
        self.action = action
        self.detail = detail
    }
}

/// Migration 7: the tables of staff appraisal (seed 003).
struct CreateAppraisals: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AppraisalUnit.schema).id()
            .field("org_unit_id", .uuid, .required, .references(OrgUnit.schema, .id))
            .field("scheme_code", .string, .required)
            .unique(on: "org_unit_id").create()
        try await database.schema(AppraisalPerson.schema).id()
            .field("appraisal_unit_id", .uuid, .required, .references(AppraisalUnit.schema, .id))
            .field("org_unit_id", .uuid, .required, .references(OrgUnit.schema, .id))
            .field("staff_no", .string, .required)
            .field("name", .string, .required)
            .field("department", .string, .required)
            .field("post", .string, .required)
            .field("party_member", .bool, .required)
            .field("cadre", .bool, .required)
            .field("active", .bool, .required)
            .unique(on: "appraisal_unit_id", "staff_no").create()
        try await database.schema(AppraisalEntry.schema).id()
            .field("person_id", .uuid, .required, .references(AppraisalPerson.schema, .id))
            .field("year", .int, .required)
            .field("date", .string, .required)
            .field("kind", .string, .required)
            .field("level", .string)
            .field("group_name", .string)
            .field("amount", .string)
            .field("note", .string, .required)
            .field("evidence", .string, .required)
            .field("recorded_by", .string, .required)
            .field("recorded_at", .datetime, .required)
            .field("status", .string, .required)
            .field("appeal_reason", .string)
            .field("decision", .string)
            .field("decided_by", .string)
            .create()
        try await database.schema(AppraisalPersonYear.schema).id()
            .field("person_id", .uuid, .required, .references(AppraisalPerson.schema, .id))
            .field("year", .int, .required)
            .field("veto", .string)
            .field("veto_document", .string)
            .field("task_values", .string, .required)
            .unique(on: "person_id", "year").create()
        try await database.schema(AppraisalSheet.schema).id()
            .field("person_id", .uuid, .required, .references(AppraisalPerson.schema, .id))
            .field("year", .int, .required)
            .field("version", .int, .required)
            .field("tasks", .string, .required)
            .field("reason", .string, .required)
            .field("written_by", .string, .required)
            .field("approved_by", .string)
            .unique(on: "person_id", "year", "version").create()
        try await database.schema(AppraisalPoll.schema).id()
            .field("appraisal_unit_id", .uuid, .required, .references(AppraisalUnit.schema, .id))
            .field("year", .int, .required)
            .field("part", .string, .required)
            .field("deadline", .datetime, .required)
            .field("closed", .bool, .required)
            .field("code_count", .int, .required)
            .field("ballots_cast", .int, .required)
            .field("draw_list", .string)
            .field("draw_seed", .string)
            .field("drawn", .string)
            .field("opened_by", .string, .required)
            .create()
        try await database.schema(BallotCode.schema).id()
            .field("poll_id", .uuid, .required, .references(AppraisalPoll.schema, .id))
            .field("code_hash", .string, .required)
            .field("used", .bool, .required)
            .unique(on: "code_hash").create()
        try await database.schema(BallotTally.schema).id()
            .field("poll_id", .uuid, .required, .references(AppraisalPoll.schema, .id))
            .field("person_id", .uuid, .required, .references(AppraisalPerson.schema, .id))
            .field("option", .string, .required)
            .field("count", .int, .required)
            .unique(on: "poll_id", "person_id", "option").create()
        try await database.schema(AppraisalAudit.schema).id()
            .field("appraisal_unit_id", .uuid, .required, .references(AppraisalUnit.schema, .id))
            .field("at", .datetime, .required)
            .field("actor", .string, .required)
            .field("person_id", .uuid)
            .field("action", .string, .required)
            .field("detail", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        for schema in [AppraisalAudit.schema, BallotTally.schema, BallotCode.schema, AppraisalPoll.schema, AppraisalSheet.schema,
                       AppraisalPersonYear.schema, AppraisalEntry.schema, AppraisalPerson.schema, AppraisalUnit.schema] {
            try await database.schema(schema).delete()
        }
    }
}
