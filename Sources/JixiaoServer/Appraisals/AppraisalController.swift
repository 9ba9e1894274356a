import Fluent
import Foundation
import JixiaoCore
import Plot
import Vapor

/// 全员全过程绩效考核 (seed 003) in the browser: staff import, 日常管理 entries and appeals, 附件2 sheets,
/// 民主测评 polls with one-time codes, the half-year notice, the year-end table and its JSON.
struct AppraisalController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let a = routes.grouped("appraisals")
        a.get(use: index)
        a.on(.POST, "import", body: .collect(maxSize: "5mb"), use: importStaff)
        a.get(":year", use: yearTable)
        a.get(":year", "notice", use: notice)
        a.get(":year", "polls", use: polls)
        a.post(":year", "polls", use: openPoll)
        a.get("polls", ":poll", use: poll)
        a.post("polls", ":poll", "close", use: closePoll)
        a.get("staff", ":person", ":year", use: person)
        a.post("staff", ":person", ":year", ":action", use: personAction)
        a.post("entries", ":entry", ":action", use: entryAction)
        routes.get("api", "appraisals", ":year", use: json)
    }

    static let firstYear = 2000, lastYear = 2100

    private func yearParameter(_ request: Request) throws -> Int {
        guard let year = request.parameters.get("year").flatMap { Int($0) }, (Self.firstYear...Self.lastYear).contains(year) else {
            throw Abort(.notFound, reason: "年度应为 \(Self.firstYear)–\(Self.lastYear) 之间的年份")
        }
        return year
    }

    private func base(_ request: Request) throws -> Scheme {
        guard let entry = request.application.catalog.entry("003") else { throw Abort(.internalServerError, reason: "方案 003 未载入") }
        return entry.scheme.scheme
    }

    private func flash(_ request: Request) -> String? {
        defer { request.session.data["flash"] = nil }
        return request.session.data["flash"]
    }

    static var currentYear: Int { Calendar(identifier: .gregorian).component(.year, from: Date()) }

    @Sendable func index(_ request: Request) async throws -> Response {
        let scope = try await AppraisalScope.require(request)
        let user = scope.user
        if user.role == .filler, let me = try await AppraisalStore.members(scope, on: request.db).first(where: { $0.path == user.unitPath }) {
            let years = try await AppraisalStore.years(scope, on: request.db)
            return request.redirect(to: .appraisalPerson(me.id, year: years.first ?? Self.currentYear))
        }
        return try await indexPage(request, scope, problems: [], status: .ok)
    }

    private func indexPage(_ request: Request, _ scope: AppraisalScope, problems: [String], status: HTTPResponseStatus) async throws -> Response {
        let years = try await AppraisalStore.years(scope, on: request.db)
        let members = try await AppraisalStore.members(scope, on: request.db)
        let context = PageContext(request)
        let shown = Array(Set(years + [Self.currentYear])).sorted(by: >)
        return Page.html(Page.document(
            title: "全员绩效考核", context: context,
            .h1(.text("\(scope.org.name) · 全员全过程绩效考核")),
            .unwrap(flash(request)) { .p(.class("flash"), .id("flash"), .text($0)) },
            .if(!problems.isEmpty, .group(.p(.class("bad"), .text("导入失败，未写入任何人员：")),
                                          .ul(.class("problems"), .id("problems"), .forEach(problems) { .li(.text($0)) }))),
            .h2("年度"),
            .ul(.forEach(shown) { year in .li(.a(.href(SiteURL.appraisalYear(year)), .text("\(year) 年度考核"))) }),
            .if(scope.isOffice,
                .form(.method(.post), .action(SiteURL.appraisalImport), .attribute(named: "enctype", value: "multipart/form-data"), context.csrfField,
                      .text("导入人员（CSV 或 xlsx，表头：\(StaffImport.header.joined(separator: ","))，可加一列 在职）："),
                      .input(.type(.file), .name("file"), .id("staff-file"), .attribute(named: "accept", value: ".csv,.xlsx")),
                      .button(.type(.submit), .id("import-staff"), .text("导入")))),
            .h2(.text("人员（\(members.count) 人）")),
            .table(.id("staff"),
                .tr(.th("工号"), .th("姓名"), .th("部室"), .th("岗位"), .th("党员"), .th("州管干部"), .th("在职")),
                .forEach(members) { m in
                    .tr(.td(.text(m.person.staffNo)), .td(.a(.href(SiteURL.appraisalPerson(m.id, year: shown.first ?? Self.currentYear)), .text(m.person.name))),
                        .td(.text(m.person.department)), .td(.text(m.person.post)), .td(.text(m.person.partyMember ? "是" : "否")),
                        .td(.text(m.person.cadre ? "是（不参加本考核，参加领导评价投票）" : "否")), .td(.text(m.person.active ? "是" : "否")))
                })
        ), status: status)
    }

    @Sendable func importStaff(_ request: Request) async throws -> Response {
        // Permission before the upload is read.
        let scope = try await AppraisalScope.require(request)
        try scope.requireOffice()
        struct Upload: Content { var file: File }
        let file = try request.content.decode(Upload.self).file
        let data = Data(buffer: file.data)
        let name = file.filename
        do {
            let rows: [StaffImport.Row] = try await request.application.uploadParsing.run {
                if name.lowercased().hasSuffix(".xlsx") { return try StaffImport.rows(xlsx: data, file: name) }
                guard let text = String(data: data, encoding: .utf8) else { throw InputProblems(problems: ["\(name)：不是 UTF-8 编码的 CSV"]) }
                return try StaffImport.rows(csv: text, file: name)
            }
            let (added, updated) = try await request.application.write { db -> (Int, Int) in
                let result = try await StaffImport.save(rows, file: name, unit: scope.unit, org: scope.org, on: db)
                try await AppraisalStore.audit(scope, person: nil, "导入人员", "\(name)：新增 \(result.0) 人，更新 \(result.1) 人", on: db)
                return result
            }
            request.session.data["flash"] = "已导入：新增 \(added) 人，更新 \(updated) 人"
            return request.redirect(to: .appraisals)
        } catch let problems as InputProblems {
            return try await indexPage(request, scope, problems: problems.problems, status: .unprocessableEntity)
        }
    }

    // MARK: The year

    @Sendable func yearTable(_ request: Request) async throws -> Response {
        let scope = try await AppraisalScope.require(request)
        let year = try yearParameter(request)
        if scope.user.role == .filler { return request.redirect(to: .appraisals) }
        let table = try await AppraisalStore.score(scope, year: year, base: try base(request), on: request.db)
        return Page.html(YearPage(scope: scope, table: table, flash: flash(request)).document(PageContext(request)))
    }

    @Sendable func notice(_ request: Request) async throws -> Response {
        let scope = try await AppraisalScope.require(request)
        let year = try yearParameter(request)
        if scope.user.role == .filler { return request.redirect(to: .appraisals) }
        let through = "\(year)-06-30"
        let table = try await AppraisalStore.score(scope, year: year, base: try base(request), through: through, on: request.db)
        let ids = table.rows.map(\.member.id)
        let entries = try await AppraisalEntry.query(on: request.db).filter(\.$personID ~~ ids).filter(\.$year == year)
            .filter(\.$date <= through).sort(\.$date).all()
        return Page.html(NoticePage(scope: scope, year: year, through: through, table: table, entries: entries).document(PageContext(request)))
    }

    @Sendable func json(_ request: Request) async throws -> [AppraisalDTO] {
        let scope = try await AppraisalScope.require(request)
        let table = try await AppraisalStore.score(scope, year: try yearParameter(request), base: try base(request), on: request.db)
        return table.rows.map { row in
            AppraisalDTO(staffNo: row.member.person.staffNo, name: row.member.person.name, department: row.member.person.department,
                         daily: row.parts["A"] ?? "", indicators: row.parts["B"] ?? "",
                         democratic: .init(leaders: row.parts["C1"] ?? "", review: row.parts["C2"] ?? "", recipients: row.parts["C3"] ?? "",
                                           total: row.parts["C"] ?? ""),
                         composite: row.composite, grade: row.grade, annualReview: row.gradeNote,
                         bonusCoefficient: GradeConsequence.bonusCoefficient(row.grade), postAdjustment: row.adjustPost)
        }
    }

    // MARK: A person

    @Sendable func person(_ request: Request) async throws -> Response {
        let scope = try await AppraisalScope.require(request)
        let year = try yearParameter(request)
        guard let id = request.parameters.get("person").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        let member = try await AppraisalStore.member(id, scope, on: request.db)
        return try await personPage(request, scope, member, year, problems: [], status: .ok)
    }

    private func personPage(_ request: Request, _ scope: AppraisalScope, _ member: StaffMember, _ year: Int, problems: [String],
                            status: HTTPResponseStatus) async throws -> Response {
        let db = request.db
        let entries = try await AppraisalEntry.query(on: db).filter(\.$personID == member.id).filter(\.$year == year).sort(\.$date).all()
        let sheets = try await AppraisalSheet.query(on: db).filter(\.$personID == member.id).filter(\.$year == year).sort(\.$version).all()
        let personYear = try await AppraisalStore.personYear(member.id, year, on: db)
        var history: [(Int, YearRow)] = []
        for y in try await AppraisalStore.years(scope, on: db).sorted() {
            let table = try await AppraisalStore.score(scope, year: y, base: try base(request), on: db)
            if let row = table.rows.first(where: { $0.member.id == member.id }) { history.append((y, row)) }
        }
        let page = PersonPage(scope: scope, member: member, year: year, entries: entries, sheets: sheets, personYear: personYear,
                              history: history, problems: problems, flash: flash(request))
        return Page.html(page.document(PageContext(request)), status: status)
    }

    struct ActionForm: Content {
        var date: String?
        var kind: String?
        var level: String?
        var group: String?
        var amount: String?
        var note: String?
        var evidence: String?
        var tasks: String?
        var reason: String?
        var veto: String?
        var document: String?
        var decision: String?
    }

    private static func text(_ value: String?, _ field: String, max: Int = 500, required: Bool = false) throws -> String {
        let text = (value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if required && text.isEmpty { throw InputProblems(problems: ["“\(field)”不能为空"]) }
        if text.count > max { throw InputProblems(problems: ["“\(field)”不超过 \(max) 个字"]) }
        return text
    }

    @Sendable func personAction(_ request: Request) async throws -> Response {
        let scope = try await AppraisalScope.require(request)
        let year = try yearParameter(request)
        guard let id = request.parameters.get("person").flatMap(UUID.init(uuidString:)), let action = request.parameters.get("action") else {
            throw Abort(.notFound)
        }
        let member = try await AppraisalStore.member(id, scope, on: request.db)
        let form = try request.content.decode(ActionForm.self)
        do {
            switch action {
            case "entries": try await record(request, scope, member, year, form)
            case "sheet": try await writeSheet(request, scope, member, year, form)
            case "approve": try await approveSheet(request, scope, member, year)
            case "values": try await enterValues(request, scope, member, year)
            case "veto": try await setVeto(request, scope, member, year, form)
            default: throw Abort(.notFound)
            }
        } catch let problems as InputProblems {
            return try await personPage(request, scope, member, year, problems: problems.problems, status: .unprocessableEntity)
        }
        return request.redirect(to: .appraisalPerson(member.id, year: year))
    }

    private func requireManages(_ scope: AppraisalScope, _ member: StaffMember) throws {
        guard scope.manages(member.path) else { throw Abort(.forbidden, reason: "只有绩效办或该人员所在部室的负责人可以办理") }
    }

    private func record(_ request: Request, _ scope: AppraisalScope, _ member: StaffMember, _ year: Int, _ form: ActionForm) async throws {
        try requireManages(scope, member)
        guard let kind = form.kind.flatMap(EntryKind.init(rawValue:)) else { throw InputProblems(problems: ["第 2 栏（类别）：请选择类别"]) }
        let date = try Self.text(form.date, "日期", max: 10, required: true)
        guard date.count == 10, date.hasPrefix("\(year)-"), Self.isDay(date) else {
            throw InputProblems(problems: ["第 1 栏（日期）：“\(date)” 应为 \(year) 年内的日期，如 \(year)-03-15"])
        }
        var level: String?, group: String?, amount: String?
        if !kind.levels.isEmpty {
            guard let chosen = form.level, kind.levels.contains(chosen) else {
                throw InputProblems(problems: ["第 3 栏（级别）：\(kind.label) 应为 \(kind.levels.joined(separator: "、")) 之一"])
            }
            level = chosen
            group = try Self.text(form.group, kind == .article ? "文章" : "工作", max: 200, required: true)
        }
        if kind == .unitBonus {
            guard let value = Fixed(try Self.text(form.amount, "为单位加分", max: 20, required: true)), value > .zero, value <= Fixed(100) else {
                throw InputProblems(problems: ["第 4 栏（分数）：为单位加的分数应为 0 到 100 之间的数"])
            }
            amount = value.description
        }
        let entry = AppraisalEntry(personID: member.id, year: year, date: date, kind: kind.rawValue, level: level, groupName: group, amount: amount,
                                   note: try Self.text(form.note, "说明"), evidence: try Self.text(form.evidence, "依据", max: 300),
                                   recordedBy: scope.actorName)
        try await request.application.write { db in
            try await entry.create(on: db)
            try await AppraisalStore.audit(scope, person: member.id, "记录", "\(date) \(kind.label)", on: db)
        }
        request.session.data["flash"] = "已记录：\(date) \(kind.label)"
    }

    static func isDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), parts[2] >= 1 else { return false }
        var components = DateComponents(year: parts[0], month: parts[1])
        components.day = 1
        let calendar = Calendar(identifier: .gregorian)
        guard let first = calendar.date(from: components), let days = calendar.range(of: .day, in: .month, for: first) else { return false }
        return days.contains(parts[2])
    }

    private func writeSheet(_ request: Request, _ scope: AppraisalScope, _ member: StaffMember, _ year: Int, _ form: ActionForm) async throws {
        try requireManages(scope, member)
        let text = try Self.text(form.tasks, "考核指标", max: 10_000, required: true)
        let tasks = try SheetText.parse(text)
        let data = try JSONEncoder().encode(tasks)
        let reason = try Self.text(form.reason, "修改理由", max: 300)
        try await request.application.write { db in
            let existing = try await AppraisalSheet.query(on: db).filter(\.$personID == member.id).filter(\.$year == year).sort(\.$version, .descending).first()
            if existing?.approvedBy != nil && reason.isEmpty { throw InputProblems(problems: ["附件2 已审定，修改会生成新版本，请填写修改理由"]) }
            let version = (existing?.version ?? 0) + 1
            if let existing, existing.approvedBy == nil {
                // An unapproved draft is replaced by the new text, keeping its number.
                existing.tasks = String(decoding: data, as: UTF8.self)
                existing.reason = reason.isEmpty ? existing.reason : reason
                existing.writtenBy = scope.actorName
                try await existing.update(on: db)
            } else {
                try await AppraisalSheet(personID: member.id, year: year, version: version, tasks: String(decoding: data, as: UTF8.self),
                                         reason: reason.isEmpty ? "初次填写" : reason, writtenBy: scope.actorName).create(on: db)
            }
            try await AppraisalStore.audit(scope, person: member.id, "填写附件2", "\(tasks.count) 项任务\(reason.isEmpty ? "" : "；理由：\(reason)")", on: db)
        }
        request.session.data["flash"] = "附件2 已保存，待绩效办审定"
    }

    private func approveSheet(_ request: Request, _ scope: AppraisalScope, _ member: StaffMember, _ year: Int) async throws {
        try scope.requireOffice()
        try await request.application.write { db in
            guard let sheet = try await AppraisalSheet.query(on: db).filter(\.$personID == member.id).filter(\.$year == year)
                .sort(\.$version, .descending).first(), sheet.approvedBy == nil
            else { throw InputProblems(problems: ["没有待审定的附件2"]) }
            sheet.approvedBy = scope.actorName
            try await sheet.update(on: db)
            try await AppraisalStore.audit(scope, person: member.id, "审定附件2", "第 \(sheet.version) 版", on: db)
        }
        request.session.data["flash"] = "附件2 已审定"
    }

    private func enterValues(_ request: Request, _ scope: AppraisalScope, _ member: StaffMember, _ year: Int) async throws {
        try requireManages(scope, member)
        let form = try request.content.decode([String: String].self)
        let sheets = try await AppraisalStore.approvedSheets([member.id], year, on: request.db)
        guard let sheet = sheets[member.id] else { throw InputProblems(problems: ["附件2 尚未审定，不能填写完成情况"]) }
        var values: [String: String] = [:]
        for (number, task) in AppraisalStore.tasks(sheet).enumerated() {
            let text = try Self.text(form["t\(number + 1)"], "第 \(number + 1) 项 \(task.name) 完成情况", max: 40)
            guard !text.isEmpty else { continue }
            switch task.kind {
            case .threshold:
                guard ["已完成", "未完成"].contains(text) else { throw InputProblems(problems: ["第 \(number + 1) 项（\(task.name)）：应填“已完成”或“未完成”"]) }
            default:
                guard let value = Fixed(text), !value.isNegative, value <= Fixed(100_000_000) else {
                    throw InputProblems(problems: ["第 \(number + 1) 项（\(task.name)）：“\(text.prefix(20))” 应为不小于 0 的数（\(task.valueHint)）"])
                }
                if task.kind == .rescale && value > .hundred { throw InputProblems(problems: ["第 \(number + 1) 项（\(task.name)）：检查得分不超过 100"]) }
            }
            values[String(number + 1)] = text
        }
        let data = String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
        try await request.application.write { db in
            let personYear = try await AppraisalStore.personYear(member.id, year, on: db)
            personYear.taskValues = data
            try await personYear.save(on: db)
            try await AppraisalStore.audit(scope, person: member.id, "填写附件2完成情况", data, on: db)
        }
        request.session.data["flash"] = "完成情况已保存"
    }

    private func setVeto(_ request: Request, _ scope: AppraisalScope, _ member: StaffMember, _ year: Int, _ form: ActionForm) async throws {
        try scope.requireOffice()
        let veto = form.veto.flatMap { ["受处分", "失职渎职"].contains($0) ? $0 : nil }
        let document = try Self.text(form.document, "文件", max: 300, required: veto != nil)
        try await request.application.write { db in
            let personYear = try await AppraisalStore.personYear(member.id, year, on: db)
            personYear.veto = veto
            personYear.vetoDocument = veto == nil ? nil : document
            try await personYear.save(on: db)
            try await AppraisalStore.audit(scope, person: member.id, veto == nil ? "取消四等认定" : "认定四等", veto.map { "\($0)：\(document)" } ?? "", on: db)
        }
        request.session.data["flash"] = veto == nil ? "已取消四等认定" : "已认定：\(veto ?? "")"
    }

    /// 申诉 by the person, decided by the 绩效办.
    @Sendable func entryAction(_ request: Request) async throws -> Response {
        let scope = try await AppraisalScope.require(request)
        guard let id = request.parameters.get("entry").flatMap(UUID.init(uuidString:)), let entry = try await AppraisalEntry.find(id, on: request.db)
        else { throw Abort(.notFound) }
        let member = try await AppraisalStore.member(entry.personID, scope, on: request.db)
        let form = try request.content.decode(ActionForm.self)
        do {
            switch request.parameters.get("action") ?? "" {
            case "appeal":
                guard scope.isSelf(member.path) else { throw Abort(.forbidden, reason: "只有本人可以申诉") }
                guard entry.status == "recorded" else { throw InputProblems(problems: ["该条记录已申诉过"]) }
                let reason = try Self.text(form.reason, "申诉理由", required: true)
                try await request.application.write { db in
                    guard let fresh = try await AppraisalEntry.find(id, on: db), fresh.status == "recorded" else { throw InputProblems(problems: ["该条记录已申诉过"]) }
                    fresh.status = "contested"
                    fresh.appealReason = reason
                    try await fresh.update(on: db)
                    try await AppraisalStore.audit(scope, person: member.id, "申诉", "\(fresh.date) \(EntryKind(rawValue: fresh.kind)?.label ?? fresh.kind)：\(reason)", on: db)
                }
                request.session.data["flash"] = "申诉已提交，待绩效办处理"
            case "decide":
                try scope.requireOffice()
                guard entry.status == "contested" else { throw InputProblems(problems: ["该条记录没有待处理的申诉"]) }
                let upheld = form.decision == "withdraw"
                let note = try Self.text(form.note, "处理意见", required: true)
                try await request.application.write { db in
                    guard let fresh = try await AppraisalEntry.find(id, on: db), fresh.status == "contested" else { throw InputProblems(problems: ["该条记录没有待处理的申诉"]) }
                    fresh.status = upheld ? "withdrawn" : "kept"
                    fresh.decision = note
                    fresh.decidedBy = scope.actorName
                    try await fresh.update(on: db)
                    try await AppraisalStore.audit(scope, person: member.id, upheld ? "申诉成立，撤销记录" : "申诉不成立，维持记录",
                                                   "\(fresh.date) \(EntryKind(rawValue: fresh.kind)?.label ?? fresh.kind)：\(note)", on: db)
                }
                request.session.data["flash"] = upheld ? "申诉成立，该记录已撤销" : "申诉不成立，维持记录"
            default: throw Abort(.notFound)
            }
        } catch let problems as InputProblems {
            return try await personPage(request, scope, member, entry.year, problems: problems.problems, status: .unprocessableEntity)
        }
        return request.redirect(to: .appraisalPerson(member.id, year: entry.year))
    }

    // MARK: 民主测评

    @Sendable func polls(_ request: Request) async throws -> Response {
        let scope = try await AppraisalScope.require(request)
        let year = try yearParameter(request)
        if scope.user.role == .filler { return request.redirect(to: .appraisals) }
        let polls = try await AppraisalPoll.query(on: request.db).filter(\.$appraisalUnitID == scope.unitID).filter(\.$year == year).all()
        let members = try await AppraisalStore.allMembers(scope, on: request.db).filter(\.person.active)
        return Page.html(PollsPage(scope: scope, year: year, polls: polls, cadres: members.filter(\.person.cadre).count,
                                   staff: members.count, problems: []).document(PageContext(request)))
    }

    struct PollForm: Content {
        var part: String
        var codes: String?
        var deadline: String?
        var recipients: String?
        var draw: String?
        var seed: String?
    }

    @Sendable func openPoll(_ request: Request) async throws -> Response {
        let scope = try await AppraisalScope.require(request)
        try scope.requireOffice()
        let year = try yearParameter(request)
        let form = try request.content.decode(PollForm.self)
        var problems: [String] = []
        let part = PollPart(rawValue: form.part)
        if part == nil { problems.append("第 1 栏（测评部分）：请选择") }
        let deadlineText = (form.deadline ?? "").trimmingCharacters(in: .whitespaces)
        var deadline: Date?
        if Self.isDay(deadlineText) {
            let parts = deadlineText.split(separator: "-").compactMap { Int($0) }
            var components = DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 23, minute: 59, second: 59)
            components.timeZone = TimeZone(identifier: "Asia/Shanghai")
            deadline = Calendar(identifier: .gregorian).date(from: components)
        }
        if deadline == nil || (deadline ?? Date()) < Date() { problems.append("第 3 栏（截止日期）：“\(deadlineText.prefix(12))” 应为今天或以后的日期，如 \(year)-12-20") }
        var count = Int((form.codes ?? "").trimmingCharacters(in: .whitespaces)) ?? 0
        var drawList: [String] = [], drawn: [String] = [], seed: UInt64 = 0
        if part == .recipients {
            drawList = (form.recipients ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let want = Int((form.draw ?? "10").trimmingCharacters(in: .whitespaces)) ?? 0
            if drawList.count > 2_000 || drawList.contains(where: { $0.count > 50 }) { problems.append("第 4 栏（服务对象名单）：最多 2000 人，每行不超过 50 字") }
            if drawList.isEmpty { problems.append("第 4 栏（服务对象名单）：请填写服务对象名单，一行一人") }
            if want < 1 || want > drawList.count { problems.append("第 5 栏（抽取人数）：应为 1 到名单人数（\(drawList.count)）之间") }
            let typedSeed = (form.seed ?? "").trimmingCharacters(in: .whitespaces)
            if typedSeed.isEmpty { seed = UInt64.random(in: 1...999_999_999) } else if let s = UInt64(typedSeed), s > 0 { seed = s } else {
                problems.append("第 6 栏（随机种子）：应为正整数，或留空由系统生成")
            }
            if problems.isEmpty {
                drawn = RecipientDraw.draw(drawList, count: want, seed: seed)
                count = drawn.count
            }
        }
        if count < 1 || count > BallotCodes.maxCodes { problems.append("第 2 栏（投票码数量）：应为 1 到 \(BallotCodes.maxCodes) 之间") }
        let members = try await AppraisalStore.allMembers(scope, on: request.db).filter(\.person.active)
        if !problems.isEmpty {
            let polls = try await AppraisalPoll.query(on: request.db).filter(\.$appraisalUnitID == scope.unitID).filter(\.$year == year).all()
            return Page.html(PollsPage(scope: scope, year: year, polls: polls, cadres: members.filter(\.person.cadre).count,
                                       staff: members.count, problems: problems).document(PageContext(request)), status: .unprocessableEntity)
        }
        let rated = members.filter { !$0.person.cadre }
        let codes = (0..<count).map { _ in BallotCodes.make() }
        let poll = AppraisalPoll()
        poll.id = UUID()
        poll.appraisalUnitID = scope.unitID
        poll.year = year
        poll.part = part?.rawValue ?? ""
        poll.deadline = deadline ?? Date()
        poll.closed = false
        poll.codeCount = count
        poll.ballotsCast = 0
        poll.openedBy = scope.actorName
        if part == .recipients {
            poll.drawList = String(decoding: try JSONEncoder().encode(drawList), as: UTF8.self)
            poll.drawSeed = String(seed)
            poll.drawn = String(decoding: try JSONEncoder().encode(drawn), as: UTF8.self)
        }
        let pollID = poll.id ?? UUID()
        // The codes' rows in a random order of random ids, so that not even their order follows the printed sheet.
        let codeRows = codes.shuffled().map { BallotCode(id: UUID(), pollID: pollID, codeHash: BallotCodes.hash(BallotCodes.normalized($0) ?? "")) }
        let tallies = rated.flatMap { m in BallotConversion.options.map { BallotTally(id: UUID(), pollID: pollID, personID: m.id, option: $0.name) } }
        let detail = "\(year) \(part?.label ?? "")：\(count) 个投票码，截止 \(deadlineText)\(part == .recipients ? "，随机种子 \(seed)" : "")"
        try await request.application.write { db in
            try await poll.create(on: db)
            try await codeRows.create(on: db, chunk: 200)
            try await tallies.create(on: db, chunk: 200)
            try await AppraisalStore.audit(scope, person: nil, "开启民主测评", detail, on: db)
        }
        // The codes exist only in this answer: the sheet is printed now (the database keeps their hashes).
        let host = request.headers.first(name: .host) ?? "127.0.0.1"
        return Page.html(CodeSheetPage(scope: scope, poll: poll, codes: codes, host: host, drawn: drawn).document(PageContext(request)))
    }

    @Sendable func poll(_ request: Request) async throws -> Response {
        let scope = try await AppraisalScope.require(request)
        if scope.user.role == .filler { return request.redirect(to: .appraisals) }
        guard let id = request.parameters.get("poll").flatMap(UUID.init(uuidString:)), let poll = try await AppraisalPoll.find(id, on: request.db),
            poll.appraisalUnitID == scope.unitID
        else { throw Abort(.notFound) }
        let visible = Set(try await AppraisalStore.members(scope, on: request.db).map(\.id))
        let members = try await AppraisalStore.allMembers(scope, on: request.db).filter { visible.contains($0.id) && !$0.person.cadre && $0.person.active }
        var counts: [UUID: [String: Int]] = [:]
        for tally in try await BallotTally.query(on: request.db).filter(\.$pollID == id).all() { counts[tally.personID, default: [:]][tally.option] = tally.count }
        return Page.html(PollPage(scope: scope, poll: poll, members: members, counts: counts).document(PageContext(request)))
    }

    @Sendable func closePoll(_ request: Request) async throws -> Response {
        let scope = try await AppraisalScope.require(request)
        try scope.requireOffice()
        guard let id = request.parameters.get("poll").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound) }
        try await request.application.write { db in
            guard let poll = try await AppraisalPoll.find(id, on: db), poll.appraisalUnitID == scope.unitID else { throw Abort(.notFound) }
            guard !poll.closed else { return }
            poll.closed = true
            try await poll.update(on: db)
            try await AppraisalStore.audit(scope, person: nil, "结束民主测评", "\(poll.year) \(PollPart(rawValue: poll.part)?.label ?? poll.part)：收回 \(poll.ballotsCast)/\(poll.codeCount) 票", on: db)
        }
        return request.redirect(to: .appraisalPoll(id))
    }
}

struct AppraisalDTO: Content {
    struct Democratic: Content {
        let leaders: String
        let review: String
        let recipients: String
        let total: String
    }
    let staffNo: String
    let name: String
    let department: String
    /// 日常管理 (out of 40, bonuses on top)
    let daily: String
    /// 指标考核 (out of 40)
    let indicators: String
    /// 民主测评: 领导评价 6, 述职测评 7, 服务对象评价 7
    let democratic: Democratic
    let composite: String
    let grade: String?
    let annualReview: String
    let bonusCoefficient: String
    let postAdjustment: Bool
}
