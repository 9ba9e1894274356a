import Fluent
import Foundation
import JixiaoCore
import Vapor

/// The staff-appraisal demo (seed 003): 湘西州残联 as a tree of its own (beside 四川省, so that nothing counted
/// there changes), with accounts for its 绩效办, the head of 办公室 and one staff member. The full demo adds about
/// 30 staff in five 部室 with two years (2019, 2020) of entries, approved 附件2 sheets, closed 民主测评 and grades;
/// 鲁帮高 is 三等 both years (flagged for 岗位调整). The small demo (tests) has the unit, 办公室 and 王刚 only.
enum DemoAppraisals {
    /// Sorts after "51": a production start on a demo database still finds 四川省 as the first root (FirstStart).
    static let unitCode = "HN4331"
    static let accounts = [
        DemoAccount(username: "jixiaoban", displayName: "湘西州残联绩效办", role: .approver, unitCode: unitCode),
        DemoAccount(username: "bangongshi", displayName: "办公室主任", role: .reviewer, unitCode: "\(unitCode)-D1"),
        DemoAccount(username: "wanggang", displayName: "王刚", role: .filler, unitCode: "\(unitCode)-P001"),
        DemoAccount(username: "xiangxilingdao", displayName: "湘西州残联领导", role: .leader, unitCode: unitCode),
    ]
    static let departments = ["办公室", "组织教育就业人事部", "康复部", "维权部", "驻村工作队", "领导班子"]
    /// (工号, 姓名, 部室 index, 党员, 州管干部)
    static let staff: [(String, String, Int, Bool, Bool)] = [
        ("001", "王刚", 0, true, false), ("002", "张婷婷", 0, false, false), ("003", "姚湘", 0, true, false), ("004", "鲁帮高", 0, true, false),
        ("005", "彭丽", 0, false, false), ("006", "向阳", 0, true, false), ("007", "肖波", 1, true, false), ("008", "李芳", 1, false, false),
        ("009", "孙诗璇", 1, true, false), ("010", "田军", 1, false, false), ("011", "龙燕", 1, true, false), ("012", "莫国华", 2, true, false),
        ("013", "覃正华", 2, false, false), ("014", "李卓力", 2, true, false), ("015", "吴敏", 2, false, false), ("016", "石磊", 2, true, false),
        ("017", "杨雪", 2, false, false), ("018", "符海", 3, true, false), ("019", "麻晓红", 3, false, false), ("020", "唐勇", 3, true, false),
        ("021", "胡佳", 3, false, false), ("022", "滕飞", 3, true, false), ("023", "尚云", 4, true, false), ("024", "陈彬", 4, false, false),
        ("025", "梁红", 4, true, false), ("026", "宋涛", 4, false, false), ("027", "黄静", 1, true, false),
        ("101", "刘兴", 5, true, true), ("102", "麻芙蓉", 5, true, true), ("103", "杨光斌", 5, true, true),
    ]
    static let weak = "004"  // 鲁帮高: 三等 in 2019 and 2020

    static func load(_ size: DemoSize, hash: String, on database: any Database) async throws {
        let root = OrgUnit(id: UUID(), code: unitCode, name: "湘西州残联", kind: "部门", parentID: nil, path: "/\(unitCode)/")
        let unit = AppraisalUnit(id: UUID(), orgUnitID: root.id ?? UUID())
        var nodes: [OrgUnit] = [root]
        var departmentNodes: [OrgUnit] = []
        for (index, name) in departments.enumerated() {
            let code = "\(unitCode)-D\(index + 1)"
            let node = OrgUnit(id: UUID(), code: code, name: name, kind: "部门", parentID: root.id, path: root.path + code + "/")
            departmentNodes.append(node)
        }
        let chosen = size == .full ? staff : Array(staff.prefix(1))
        nodes += size == .full ? departmentNodes : [departmentNodes[0]]
        var persons: [AppraisalPerson] = []
        for (number, name, department, party, cadre) in chosen {
            let parent = departmentNodes[department]
            let code = "\(unitCode)-P\(number)"
            let node = OrgUnit(id: UUID(), code: code, name: name, kind: "个人", parentID: parent.id, path: parent.path + code + "/")
            nodes.append(node)
            persons.append(AppraisalPerson(id: UUID(), appraisalUnitID: unit.id ?? UUID(), orgUnitID: node.id ?? UUID(), staffNo: number, name: name,
                                           department: departments[department], post: cadre ? "州管干部" : "科员", partyMember: party, cadre: cadre))
        }
        let byCode = Dictionary(uniqueKeysWithValues: nodes.map { ($0.code, $0) })
        let users = accounts.compactMap { account in
            byCode[account.unitCode].map { User(username: account.username, displayName: account.displayName, passwordHash: hash, role: account.role, unitID: $0.id ?? UUID()) }
        }
        let years = try size == .full ? history(persons, unitID: unit.id ?? UUID()) : ([], [], [], [], [])
        let (nodeList, personList, userList) = (nodes, persons, users)
        try await database.transaction { db in
            try await nodeList.create(on: db)
            try await unit.create(on: db)
            try await personList.create(on: db)
            try await userList.create(on: db)
            try await years.0.create(on: db, chunk: 200)
            try await years.1.create(on: db, chunk: 200)
            try await years.2.create(on: db, chunk: 200)
            try await years.3.create(on: db, chunk: 200)
            try await years.4.create(on: db, chunk: 200)
        }
    }

    /// Two years of figures, drawn from a fixed seed: every run of the demo gives the same table.
    private static func history(_ persons: [AppraisalPerson], unitID: UUID) throws
        -> ([AppraisalEntry], [AppraisalSheet], [AppraisalPersonYear], [AppraisalPoll], [BallotTally]) {
        var random = SeededRandom(seed: 3003)
        func roll(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
        var entries: [AppraisalEntry] = [], sheets: [AppraisalSheet] = [], years: [AppraisalPersonYear] = []
        var polls: [AppraisalPoll] = [], tallies: [BallotTally] = []
        let tasks = [SheetTask(name: "年度重点工作任务（完成 100 项）", points: "30", kind: .shortfall, deduct: "0.5", target: "100", step: "1"),
                     SheetTask(name: "日常工作无差错", points: "10", kind: .incidents, deduct: "5")]
        let taskText = String(decoding: try JSONEncoder().encode(tasks), as: UTF8.self)
        let rated = persons.filter { !$0.cadre }
        for year in [2019, 2020] {
            for person in rated {
                let id = person.id ?? UUID()
                let weak = person.staffNo == weak
                let sheet = AppraisalSheet(id: UUID(), personID: id, year: year, version: 1, tasks: taskText, reason: "初次填写", writtenBy: "部室负责人")
                sheet.approvedBy = "湘西州残联绩效办（湘西州残联）"
                sheets.append(sheet)
                let personYear = AppraisalPersonYear(id: UUID(), personID: id, year: year)
                personYear.taskValues = #"{"1":"\#(weak ? 80 : 92 + roll(9))","2":"\#(weak ? 1 : roll(4) == 0 ? 1 : 0)"}"#
                if person.staffNo == "013" && year == 2020 {
                    personYear.veto = "受处分"
                    personYear.vetoDocument = "州纪委〔2020〕12号 处分决定"
                }
                years.append(personYear)
                let kinds: [EntryKind] = weak ? [.absence, .absence, .late, .late, .duty, .unfinished, .unfinished, .annualTask, .annualTask, .postponed]
                    : (0..<roll(3)).map { _ in [EntryKind.late, .duty, .underReported, .unfinished][roll(4)] }
                for (n, kind) in kinds.enumerated() {
                    entries.append(AppraisalEntry(id: UUID(), personID: id, year: year, date: String(format: "%d-%02d-%02d", year, 2 + n % 10, 3 + roll(20)),
                                                  kind: kind.rawValue, level: nil, groupName: nil, amount: nil, note: "考勤与值班检查",
                                                  evidence: "办公室考勤记录", recordedBy: "办公室主任（办公室）"))
                }
                if roll(4) == 0 && !weak {
                    entries.append(AppraisalEntry(id: UUID(), personID: id, year: year, date: "\(year)-09-10", kind: EntryKind.article.rawValue, level: ["州", "省"][roll(2)],
                                                  groupName: "残疾人就业调研报告", amount: nil, note: "调研报告发表", evidence: "刊物复印件", recordedBy: "湘西州残联绩效办（湘西州残联）"))
                }
            }
            for part in PollPart.allCases {
                let poll = AppraisalPoll()
                poll.id = UUID()
                poll.appraisalUnitID = unitID
                poll.year = year
                poll.part = part.rawValue
                poll.deadline = Calendar(identifier: .gregorian).date(from: DateComponents(year: year, month: 12, day: 20)) ?? Date()
                poll.closed = true
                let voters = part == .leaders ? 3 : part == .review ? 27 : 10
                poll.codeCount = voters
                poll.ballotsCast = voters
                poll.openedBy = "湘西州残联绩效办（湘西州残联）"
                if part == .recipients {
                    let list = (1...40).map { "服务对象\($0)" }
                    poll.drawList = String(decoding: try JSONEncoder().encode(list), as: UTF8.self)
                    poll.drawSeed = String(year)
                    poll.drawn = String(decoding: try JSONEncoder().encode(RecipientDraw.draw(list, count: 10, seed: UInt64(year))), as: UTF8.self)
                }
                polls.append(poll)
                for person in rated {
                    let weak = person.staffNo == weak
                    var left = voters
                    for (index, option) in BallotConversion.options.enumerated() {
                        let share = index == BallotConversion.options.count - 1 ? left : weak ? (index == 1 ? left : 0) : min(left, index == 0 ? voters / 2 + roll(voters / 2 + 1) : roll(left + 1))
                        let tally = BallotTally(id: UUID(), pollID: poll.id ?? UUID(), personID: person.id ?? UUID(), option: option.name)
                        tally.count = share
                        left -= share
                        tallies.append(tally)
                    }
                }
            }
        }
        return (entries, sheets, years, polls, tallies)
    }
}
