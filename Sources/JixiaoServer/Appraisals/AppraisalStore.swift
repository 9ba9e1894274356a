import Fluent
import Foundation
import JixiaoCore
import Vapor

/// Who may do what in one appraisal unit. Roles are the accounts' roles on the org tree, read for this feature:
/// 绩效办 = an approver on the unit's own node; a department head = a reviewer on a 部室 node (the staff below it);
/// a person = a filler on their own 个人 node (only themselves); a leader = read-only, at or above the unit.
/// Anyone sees only the persons whose node lies at or below their own.
struct AppraisalScope: Sendable {
    let unit: AppraisalUnit
    let org: OrgUnit
    let user: SignedIn

    var unitID: UUID { unit.id ?? UUID() }
    var isOffice: Bool { user.role == .approver && user.unitPath == org.path }
    var actorName: String { "\(user.displayName)（\(user.unitName)）" }

    func sees(_ path: String) -> Bool { path.hasPrefix(user.unitPath) }

    /// Incidents, bonuses and 附件2 sheets: the 绩效办, or the head of the person's 部室.
    func manages(_ path: String) -> Bool {
        if isOffice { return true }
        return user.role == .reviewer && user.unitPath != org.path && path.hasPrefix(user.unitPath) && path != user.unitPath
    }

    /// The person's own account (a filler on their own node).
    func isSelf(_ path: String) -> Bool { user.role == .filler && user.unitPath == path }

    static func find(_ request: Request) async throws -> AppraisalScope? {
        let user = try request.user
        for unit in try await AppraisalUnit.query(on: request.db).all() {
            guard let org = try await OrgUnit.find(unit.orgUnitID, on: request.db) else { continue }
            if user.unitPath.hasPrefix(org.path) || (user.role == .leader && org.path.hasPrefix(user.unitPath)) {
                return AppraisalScope(unit: unit, org: org, user: user)
            }
        }
        return nil
    }

    static func require(_ request: Request) async throws -> AppraisalScope {
        guard let scope = try await find(request) else { throw Abort(.notFound, reason: "您的单位没有开展全员绩效考核") }
        return scope
    }

    func requireOffice() throws {
        guard isOffice else { throw Abort(.forbidden, reason: "只有本单位绩效办（审定账号）可以办理") }
    }
}

/// A person with the path of their node (which scopes who sees them).
struct StaffMember: Sendable {
    let person: AppraisalPerson
    let path: String
    var id: UUID { person.id ?? UUID() }
}

/// One person's line of a year's table.
struct YearRow: Sendable {
    let member: StaffMember
    let parts: [String: String]  // A, B, C1, C2, C3, C → score text ("未评分" when missing)
    let composite: String
    let grade: String?
    let gradeNote: String
    let notes: [String]
    var adjustPost = false
}

struct YearTable: Sendable {
    let year: Int
    let rows: [YearRow]
    let problems: [String]
}

enum AppraisalStore {
    static func members(_ scope: AppraisalScope, on db: any Database, activeOnly: Bool = false) async throws -> [StaffMember] {
        let nodes = Dictionary(uniqueKeysWithValues: try await OrgUnit.query(on: db).within(scope.org.path).all().map { ($0.id ?? UUID(), $0.path) })
        var query = AppraisalPerson.query(on: db).filter(\.$appraisalUnitID == scope.unitID)
        if activeOnly { query = query.filter(\.$active == true) }
        return try await query.sort(\.$department).sort(\.$staffNo).all().compactMap { person in
            guard let path = nodes[person.orgUnitID], scope.sees(path) else { return nil }
            return StaffMember(person: person, path: path)
        }
    }

    static func member(_ id: UUID, _ scope: AppraisalScope, on db: any Database) async throws -> StaffMember {
        guard let person = try await AppraisalPerson.find(id, on: db), person.appraisalUnitID == scope.unitID,
            let node = try await OrgUnit.find(person.orgUnitID, on: db), scope.sees(node.path)
        else { throw Abort(.notFound, reason: "找不到该人员，或不在您的查看范围内") }
        return StaffMember(person: person, path: node.path)
    }

    static func personYear(_ personID: UUID, _ year: Int, on db: any Database) async throws -> AppraisalPersonYear {
        if let found = try await AppraisalPersonYear.query(on: db).filter(\.$personID == personID).filter(\.$year == year).first() { return found }
        return AppraisalPersonYear(personID: personID, year: year)
    }

    static func taskValues(_ year: AppraisalPersonYear) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(year.taskValues.utf8))) ?? [:]
    }

    static func tasks(_ sheet: AppraisalSheet) -> [SheetTask] {
        (try? JSONDecoder().decode([SheetTask].self, from: Data(sheet.tasks.utf8))) ?? []
    }

    /// The newest approved version of each person's sheet for the year.
    static func approvedSheets(_ ids: [UUID], _ year: Int, on db: any Database) async throws -> [UUID: AppraisalSheet] {
        var result: [UUID: AppraisalSheet] = [:]
        for sheet in try await AppraisalSheet.query(on: db).filter(\.$personID ~~ ids).filter(\.$year == year).sort(\.$version).all()
        where sheet.approvedBy != nil {
            result[sheet.personID] = sheet
        }
        return result
    }

    /// Each part's points for each person from the closed polls of the year (open polls do not count yet).
    static func pollPoints(_ scope: AppraisalScope, _ year: Int, on db: any Database) async throws -> [String: [UUID: Fixed]] {
        var result: [String: [UUID: Fixed]] = [:]
        let polls = try await AppraisalPoll.query(on: db).filter(\.$appraisalUnitID == scope.unitID).filter(\.$year == year)
            .filter(\.$closed == true).all()
        for poll in polls {
            guard let part = PollPart(rawValue: poll.part), let pollID = poll.id else { continue }
            var counts: [UUID: [String: Int]] = [:]
            for tally in try await BallotTally.query(on: db).filter(\.$pollID == pollID).all() {
                counts[tally.personID, default: [:]][tally.option, default: 0] += tally.count
            }
            for (person, options) in counts {
                if let points = BallotConversion.points(counts: options, max: part.max) { result[poll.part, default: [:]][person] = points }
            }
        }
        return result
    }

    /// Scores a year with scheme 003: 附件1 from the entries, 附件2 from each person's approved sheet, 民主测评 from
    /// the closed polls; the engine applies every rule, the composite and the grades. `through` (yyyy-MM-dd) counts
    /// only entries up to that day (the half-year notice).
    static func score(_ scope: AppraisalScope, year: Int, base: Scheme, through: String? = nil, on db: any Database,
                      withHistory: Bool = true) async throws -> YearTable {
        // Grades rank among all the unit's 考核对象, so the engine always sees all of them; rows are then cut to the scope.
        let all = try await allMembers(scope, on: db).filter { $0.person.active && !$0.person.cadre }
        let ids = all.map(\.id)
        let entries = try await AppraisalEntry.query(on: db).filter(\.$personID ~~ ids).filter(\.$year == year).all()
            .filter { entry in entry.counts && (through.map { entry.date <= $0 } ?? true) }
        let years = Dictionary(try await AppraisalPersonYear.query(on: db).filter(\.$personID ~~ ids).filter(\.$year == year).all()
            .map { ($0.personID, $0) }, uniquingKeysWith: { a, _ in a })
        let sheets = try await approvedSheets(ids, year, on: db)
        let polls = try await pollPoints(scope, year, on: db)

        var scheme = base
        scheme.year = year
        scheme.inputs = scheme.inputs.filter { $0.name == "为单位加分" }
        var groups: [Indicator] = []
        var subjects: [SubjectData] = []
        for (index, member) in all.enumerated() {
            let id = member.id.uuidString
            let code = "B\(index + 1)"
            var values: [String: Value] = [:]
            if let sheet = sheets[member.id] {
                let tasks = tasks(sheet)
                let entered = years[member.id].map(taskValues) ?? [:]
                var children: [Indicator] = []
                for (number, task) in tasks.enumerated() {
                    children.append(try task.indicator(code: "\(code).\(number + 1)"))
                    if let text = entered[String(number + 1)], !text.isEmpty { values["\(code).\(number + 1)"] = Value.parse(text) }
                }
                groups.append(Indicator(code: code, name: member.person.name, max: SheetText.total, children: children, appliesTo: [id]))
            } else {
                // No approved sheet: B is not scored (never out of 60: the year waits for the sheet).
                let rule = Rule.judged(Judged(each: nil, reasonRequired: false))
                let placeholder = Indicator(code: "\(code).1", name: "附件2（未审定）", max: SheetText.total, rule: rule)
                groups.append(Indicator(code: code, name: member.person.name, max: SheetText.total, children: [placeholder], appliesTo: [id]))
            }
            let mine = entries.filter { $0.personID == member.id }
            func count(_ kind: EntryKind) -> Int { mine.filter { $0.kind == kind.rawValue }.count }
            for kind in [EntryKind.annualTask, .study, .partyDay, .postponed, .duty, .absence, .late, .underReported, .unfinished, .news] {
                values[kind.rawValue] = .number(Fixed(count(kind)))
            }
            values[EntryKind.notClosed.rawValue] = .text(count(.notClosed) > 0 ? "未销号" : "已销号")
            for kind in [EntryKind.article, .commendation] {
                var items: [Value] = []
                for entry in mine where entry.kind == kind.rawValue {
                    let level: String = entry.level ?? ""
                    let group: String = entry.groupName ?? entry.id?.uuidString ?? ""
                    items.append(Value.list([Value.text(level), Value.text(group)]))
                }
                values[kind.rawValue] = Value.list(items)
            }
            var unitBonus = Fixed.zero
            for entry in mine where entry.kind == EntryKind.unitBonus.rawValue {
                if let text = entry.amount, let amount = Fixed(text) { unitBonus += amount }
            }
            for part in PollPart.allCases {
                if let points = polls[part.rawValue]?[member.id] { values[part.rawValue] = .number(points) }
            }
            let veto = years[member.id]?.veto
            subjects.append(SubjectData(id: id, name: member.person.name,
                                        attributes: ["党员": .bool(member.person.partyMember), "受处分": .bool(veto == "受处分"), "失职渎职": .bool(veto == "失职渎职")],
                                        inputs: ["为单位加分": .number(unitBonus)], values: values))
        }
        if let index = scheme.indicators.firstIndex(where: { $0.code == "B" }) { scheme.indicators[index].children = groups }
        guard !subjects.isEmpty else { return YearTable(year: year, rows: [], problems: []) }
        // Both steps throw the core's typed problems, whose descriptions are the Chinese messages the CLI prints too.
        let report: ScoreReport
        do throws(SchemeErrors) {
            let compiled = try CompiledScheme(scheme)
            do throws(DataErrors) {
                report = try Engine(compiled).score(DataSet(schemeID: scheme.id, period: String(year), subjects: subjects))
            } catch {
                return YearTable(year: year, rows: [], problems: error.problems.map { "计分失败：\($0)" })
            }
        } catch {
            return YearTable(year: year, rows: [], problems: error.problems.map { "方案无法编译：\($0)" })
        }
        let compiled = report.scheme
        var previous: [UUID: String] = [:]
        if withHistory, through == nil {
            let last = try await score(scope, year: year - 1, base: base, on: db, withHistory: false)
            for row in last.rows { if let grade = row.grade { previous[row.member.id] = grade } }
        }
        var rows: [YearRow] = []
        let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id.uuidString, $0) })
        for result in report.finalStage.subjects {
            guard let member = byID[result.subject.id], scope.sees(member.path) else { continue }
            var parts: [String: String] = [:]
            for code in ["A", "B", "C1", "C2", "C3", "C"] {
                parts[code] = compiled.index(of: code).map { result.outcomes[$0].statusText } ?? "—"
            }
            var notes: [String] = []
            if sheets[member.id] == nil { notes.append("附件2 未审定") }
            for part in PollPart.allCases where polls[part.rawValue]?[member.id] == nil { notes.append("\(part.label.prefix(4)) 未结束或无人评价") }
            if entries.contains(where: { $0.personID == member.id && $0.status == "contested" }) { notes.append("有未处理的申诉") }
            if let veto = years[member.id]?.veto { notes.append("\(veto)（\(years[member.id]?.vetoDocument ?? "")）") }
            var row = YearRow(member: member, parts: parts, composite: result.composite.map { Exact($0).formatted() } ?? result.total.statusText,
                              grade: result.grade, gradeNote: GradeConsequence.annualReview(result.grade), notes: notes)
            row.adjustPost = result.grade == "三等" && previous[member.id] == "三等"
            rows.append(row)
        }
        return YearTable(year: year, rows: rows, problems: [])
    }

    /// Every person of the unit, whatever the user's own scope (for ranking among all of them).
    static func allMembers(_ scope: AppraisalScope, on db: any Database) async throws -> [StaffMember] {
        let nodes = Dictionary(uniqueKeysWithValues: try await OrgUnit.query(on: db).within(scope.org.path).all().map { ($0.id ?? UUID(), $0.path) })
        return try await AppraisalPerson.query(on: db).filter(\.$appraisalUnitID == scope.unitID).sort(\.$department).sort(\.$staffNo).all()
            .compactMap { person in nodes[person.orgUnitID].map { StaffMember(person: person, path: $0) } }
    }

    /// The years the unit has anything in, newest first.
    static func years(_ scope: AppraisalScope, on db: any Database) async throws -> [Int] {
        let ids = try await allMembers(scope, on: db).map(\.id)
        var years = Set(try await AppraisalEntry.query(on: db).filter(\.$personID ~~ ids).all().map(\.year))
        years.formUnion(try await AppraisalSheet.query(on: db).filter(\.$personID ~~ ids).all().map(\.year))
        years.formUnion(try await AppraisalPoll.query(on: db).filter(\.$appraisalUnitID == scope.unitID).all().map(\.year))
        return years.sorted(by: >)
    }

    static func audit(_ scope: AppraisalScope, person: UUID?, _ action: String, _ detail: String, on db: any Database) async throws {
        try await AppraisalAudit(unitID: scope.unitID, actor: scope.actorName, personID: person, action: action, detail: detail).create(on: db)
    }
}
