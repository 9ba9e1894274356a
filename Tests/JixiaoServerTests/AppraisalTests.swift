import Fluent
import JixiaoCore
import Foundation
import SQLKit
import XCTVapor
@testable import JixiaoServer

/// Staff appraisal (seed 003) over HTTP: the import's all-or-nothing refusal, who sees and does what, a year
/// scored end to end against a hand computation, and the anonymity of the stored votes.
final class AppraisalTests: XCTestCase {
    static var year: Int { AppraisalController.currentYear }

    static let staffCSV = """
        工号,姓名,部室,岗位,党员,州管干部
        001,王刚,办公室,宣传,是,否
        002,张婷婷,办公室,财务,否,否
        101,刘兴,领导班子,副理事长,是,是
        """

    /// Imports the three persons above as the 绩效办 and returns their ids by 工号.
    static func importStaff(_ office: Browser) async throws -> [String: UUID] {
        _ = try await office.get("appraisals")
        let response = try await office.upload("appraisals/import", file: "staff.csv", Data(staffCSV.utf8))
        XCTAssertEqual(response.status, .seeOther, response.body.string)
        let persons = try await AppraisalPerson.query(on: office.app.db).all()
        return Dictionary(uniqueKeysWithValues: persons.map { ($0.staffNo, $0.id!) })
    }

    /// Opens a poll and returns the printed codes.
    static func openPoll(_ office: Browser, part: String, codes: Int, recipients: String = "", draw: String = "") async throws -> (UUID, [String]) {
        _ = try await office.get("appraisals/\(year)/polls")
        let response = try await office.post("appraisals/\(year)/polls", ["part": part, "codes": String(codes), "deadline": "\(year)-12-31",
                                                                        "recipients": recipients, "draw": draw, "seed": "42"])
        XCTAssertEqual(response.status, .ok, response.body.string)
        let body = response.body.string
        let codes = body.components(separatedBy: "<code class=\"secret ballot-code\">").dropFirst().map { String($0.prefix { $0 != "<" }) }
        let link = try XCTUnwrap(body.range(of: "href=\"/appraisals/polls/"))
        let poll = try XCTUnwrap(UUID(uuidString: String(body[link.upperBound...].prefix(36))))
        return (poll, codes)
    }

    static func vote(_ app: Application, code: String, _ choices: [UUID: String]) async throws -> XCTHTTPResponse {
        let anonymous = Browser(app)
        var form = ["code": code]
        for (person, choice) in choices { form["r-\(person.uuidString)"] = choice }
        return try await anonymous.send(.POST, "ballot", form: form)
    }

    func testStaffImport_isAllOrNothing_andNamesRowAndColumn() async throws {
        try await withApp { app in
            let office = Browser(app)
            try await office.login("jixiaoban")
            _ = try await office.get("appraisals")
            let bad = "工号,姓名,部室,岗位,党员,州管干部\n002,张婷婷,办公室,财务,否,否\n003,,康复部,,也许,否\n"
            let refused = try await office.upload("appraisals/import", file: "bad.csv", Data(bad.utf8))
            XCTAssertEqual(refused.status, .unprocessableEntity)
            XCTAssertTrue(refused.body.string.contains("bad.csv 第 3 行 第 2 列（姓名）"), refused.body.string)
            XCTAssertTrue(refused.body.string.contains("bad.csv 第 3 行 第 5 列（党员）"), refused.body.string)
            let count = try await AppraisalPerson.query(on: app.db).count()
            XCTAssertEqual(count, 1, "only the demo's 王刚: nothing of the bad file was written")

            // A department change of a known person is refused too, and with it the whole file.
            let moved = "工号,姓名,部室,岗位,党员,州管干部\n002,张婷婷,办公室,财务,否,否\n001,王刚,康复部,宣传,是,否\n"
            let refusedMove = try await office.upload("appraisals/import", file: "move.csv", Data(moved.utf8))
            XCTAssertTrue(refusedMove.body.string.contains("move.csv 第 3 行 第 3 列（部室）"), refusedMove.body.string)
            let still = try await AppraisalPerson.query(on: app.db).count()
            XCTAssertEqual(still, 1)

            let ids = try await Self.importStaff(office)
            XCTAssertEqual(ids.count, 3)
            // Kept over years: the same file again updates, adds nobody.
            let again = try await office.upload("appraisals/import", file: "staff.csv", Data(Self.staffCSV.utf8))
            XCTAssertEqual(again.status, .seeOther)
            let total = try await AppraisalPerson.query(on: app.db).count()
            XCTAssertEqual(total, 3)

            // Only the 绩效办 imports, refused before the upload is read.
            let head = Browser(app)
            try await head.login("bangongshi")
            _ = try await head.get("appraisals")
            let forbidden = try await head.upload("appraisals/import", file: "staff.csv", Data(Self.staffCSV.utf8))
            XCTAssertEqual(forbidden.status, .forbidden)
        }
    }

    func testRoles_staffSeeOnlyThemselves_headsTheirDepartment_leadersOnlyRead() async throws {
        try await withApp { app in
            let office = Browser(app)
            try await office.login("jixiaoban")
            var ids = try await Self.importStaff(office)
            let other = "工号,姓名,部室,岗位,党员,州管干部\n003,向阳,康复部,科员,否,否\n"
            _ = try await office.upload("appraisals/import", file: "more.csv", Data(other.utf8))
            ids["003"] = try await AppraisalPerson.query(on: app.db).filter(\.$staffNo == "003").first()!.id!
            let year = Self.year

            let staff = Browser(app)
            try await staff.login("wanggang")
            let own = try await staff.get("appraisals")
            XCTAssertEqual(own.status, .seeOther)
            XCTAssertEqual(own.headers.first(name: .location), "/appraisals/staff/\(ids["001"]!.uuidString)/\(year)")
            let mine = try await staff.get("appraisals/staff/\(ids["001"]!.uuidString)/\(year)")
            XCTAssertEqual(mine.status, .ok)
            XCTAssertFalse(mine.body.string.contains("record-form"), "a person does not record entries")
            let colleague = try await staff.get("appraisals/staff/\(ids["002"]!.uuidString)/\(year)")
            XCTAssertEqual(colleague.status, .notFound)
            let table = try await staff.get("api/appraisals/\(year)")
            let visible = try table.content.decode([AppraisalDTO].self).map(\.name)
            XCTAssertEqual(visible, ["王刚"])

            // The head of 办公室 records for 办公室's staff, not for 康复部's.
            let head = Browser(app)
            try await head.login("bangongshi")
            _ = try await head.get("appraisals/staff/\(ids["002"]!.uuidString)/\(year)")
            let recorded = try await head.post("appraisals/staff/\(ids["002"]!.uuidString)/\(year)/entries",
                                               ["date": "\(year)-03-02", "kind": "A3", "note": "值班脱岗", "evidence": "值班检查记录"])
            XCTAssertEqual(recorded.status, .seeOther, recorded.body.string)
            let outside = try await head.get("appraisals/staff/\(ids["003"]!.uuidString)/\(year)")
            XCTAssertEqual(outside.status, .notFound)
            let names = try await head.json("api/appraisals/\(year)", as: [AppraisalDTO].self).map(\.name)
            XCTAssertEqual(Set(names), ["王刚", "张婷婷"])

            // A leader reads everything and writes nothing.
            let leader = Browser(app)
            try await leader.login("xiangxilingdao")
            let page = try await leader.get("appraisals/staff/\(ids["003"]!.uuidString)/\(year)")
            XCTAssertEqual(page.status, .ok)
            let refused = try await leader.post("appraisals/staff/\(ids["003"]!.uuidString)/\(year)/entries",
                                                ["date": "\(year)-03-02", "kind": "A3", "note": "x", "evidence": ""])
            XCTAssertEqual(refused.status, .forbidden)
            // 四川's accounts see nothing of it.
            let sichuan = Browser(app)
            try await sichuan.login("lingdao")
            let none = try await sichuan.get("appraisals/staff/\(ids["003"]!.uuidString)/\(year)")
            XCTAssertEqual(none.status, .notFound)

            // The person contests the entry; the 绩效办 decides; the audit log has both.
            let entry = try await AppraisalEntry.query(on: app.db).filter(\.$personID == ids["002"]!).first()!
            let zhang = try await AppraisalPerson.find(ids["002"]!, on: app.db)!
            let zhangNode = try await OrgUnit.find(zhang.orgUnitID, on: app.db)!
            try await User(username: "zhangtingting", displayName: "张婷婷", passwordHash: try Bcrypt.hash(DemoData.password), role: .filler,
                           unitID: zhangNode.id!).create(on: app.db)
            let zhangBrowser = Browser(app)
            try await zhangBrowser.login("zhangtingting")
            let seen = try await zhangBrowser.get("appraisals/staff/\(ids["002"]!.uuidString)/\(year)")
            XCTAssertTrue(seen.body.string.contains("值班脱岗"), "the person sees every entry about them")
            let appeal = try await zhangBrowser.post("appraisals/entries/\(entry.id!.uuidString)/appeal", ["reason": "当日已请假，有审批单"])
            XCTAssertEqual(appeal.status, .seeOther, appeal.body.string)
            _ = try await office.get("appraisals/staff/\(ids["002"]!.uuidString)/\(year)")
            let decided = try await office.post("appraisals/entries/\(entry.id!.uuidString)/decide", ["decision": "withdraw", "note": "请假手续齐全"])
            XCTAssertEqual(decided.status, .seeOther, decided.body.string)
            let after = try await AppraisalEntry.find(entry.id!, on: app.db)!
            XCTAssertEqual(after.status, "withdrawn")
            let log = try await AppraisalAudit.query(on: app.db).filter(\.$personID == ids["002"]!).all().map(\.action)
            XCTAssertEqual(log, ["记录", "申诉", "申诉成立，撤销记录"])
        }
    }

    /// The browser test's year, over HTTP: every part entered through the routes, the table against the hand computation.
    func testAYearScoredEndToEnd_matchesTheHandComputation() async throws {
        try await withApp { app in
            let office = Browser(app)
            try await office.login("jixiaoban")
            let ids = try await Self.importStaff(office)
            try await Self.enterTheYear(office, ids)
            let rows = try await office.json("api/appraisals/\(Self.year)", as: [AppraisalDTO].self)
            let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0.name, $0) })
            XCTAssertEqual(rows.count, 2, "刘兴 is 州管干部: a voter, not a 考核对象")
            // 王刚 (党员): A = 10 + 10 + 5 + (5 − 2 旷工 − 0.5 迟到) + 5 + 5 = 37.5, + 4 (州 and 省 for the same article: 省 only) = 41.5;
            // B = 30 − 4 × 0.6 + 10 = 37.6; C = 6 + 7 × (100+80+100)/300 = 6.53 + 7 = 19.53; composite 98.63 → 一等 (20% of 2 → at least 1).
            XCTAssertEqual(byName["王刚"]?.daily, "41.50")
            XCTAssertEqual(byName["王刚"]?.indicators, "37.60")
            XCTAssertEqual(byName["王刚"]?.democratic.review, "6.53")
            XCTAssertEqual(byName["王刚"]?.democratic.total, "19.53")
            XCTAssertEqual(byName["王刚"]?.composite, "98.63")
            XCTAssertEqual(byName["王刚"]?.grade, "一等")
            XCTAssertEqual(byName["王刚"]?.annualReview, "年度考核优秀推荐对象")
            // 张婷婷: A = 40 − 1 (值班) = 39; B = 40 − 5 = 35; C = 4.8 + 7 × 220/300 = 5.13 + 7 = 16.93; composite 90.93 → 二等.
            XCTAssertEqual(byName["张婷婷"]?.daily, "39.00")
            XCTAssertEqual(byName["张婷婷"]?.indicators, "35.00")
            XCTAssertEqual(byName["张婷婷"]?.democratic.total, "16.93")
            XCTAssertEqual(byName["张婷婷"]?.composite, "90.93")
            XCTAssertEqual(byName["张婷婷"]?.grade, "二等")

            // A veto with its document: 四等 whatever the score.
            _ = try await office.get("appraisals/staff/\(ids["001"]!.uuidString)/\(Self.year)")
            _ = try await office.post("appraisals/staff/\(ids["001"]!.uuidString)/\(Self.year)/veto", ["veto": "受处分", "document": "州纪委〔\(Self.year)〕3号"])
            let vetoed = try await office.json("api/appraisals/\(Self.year)", as: [AppraisalDTO].self)
            XCTAssertEqual(vetoed.first { $0.name == "王刚" }?.grade, "四等")
            XCTAssertEqual(vetoed.first { $0.name == "张婷婷" }?.grade, "一等")
        }
    }

    /// Sheets, entries, values and the three polls of the hand-computed year (shared with the browser test's numbers).
    static func enterTheYear(_ office: Browser, _ ids: [String: UUID]) async throws {
        let year = Self.year
        let wang = ids["001"]!.uuidString, zhang = ids["002"]!.uuidString
        _ = try await office.get("appraisals/staff/\(wang)/\(year)")
        for (person, tasks) in [(wang, "残疾人宣传报道 | 30 | 目标 50 每少 1 扣 0.6\n成立训练基地 | 10 | 完成"), (zhang, "工资福利工作 | 40 | 每次扣 5")] {
            let saved = try await office.post("appraisals/staff/\(person)/\(year)/sheet", ["tasks": tasks, "reason": ""])
            XCTAssertEqual(saved.status, .seeOther, saved.body.string)
            let approved = try await office.post("appraisals/staff/\(person)/\(year)/approve")
            XCTAssertEqual(approved.status, .seeOther, approved.body.string)
        }
        _ = try await office.post("appraisals/staff/\(wang)/\(year)/values", ["t1": "46", "t2": "已完成"])
        _ = try await office.post("appraisals/staff/\(zhang)/\(year)/values", ["t1": "1"])
        for form in [["kind": "A4.1", "date": "\(year)-04-01"], ["kind": "A4.2", "date": "\(year)-04-02"],
                     ["kind": "AJ2", "level": "州", "group": "残疾人体育调研报告", "date": "\(year)-05-01"],
                     ["kind": "AJ2", "level": "省", "group": "残疾人体育调研报告", "date": "\(year)-06-01"]] {
            let response = try await office.post("appraisals/staff/\(wang)/\(year)/entries", form.merging(["note": "记录", "evidence": "考勤表"]) { a, _ in a })
            XCTAssertEqual(response.status, .seeOther, response.body.string)
        }
        _ = try await office.post("appraisals/staff/\(zhang)/\(year)/entries", ["kind": "A3", "date": "\(year)-03-02", "note": "值班脱岗", "evidence": ""])
        let w = ids["001"]!, z = ids["002"]!
        let (c1, leaderCodes) = try await openPoll(office, part: "C1", codes: 1)
        let awaited1 = try await vote(office.app, code: leaderCodes[0], [w: "优秀", z: "称职"]).status
        XCTAssertEqual(awaited1, .ok)
        let (c2, codes) = try await openPoll(office, part: "C2", codes: 20)
        XCTAssertEqual(codes.count, 20)
        for (code, choice) in zip(codes, [[w: "优秀", z: "称职"], [w: "称职", z: "称职"], [w: "优秀", z: "基本称职"]]) {
            let awaited2 = try await vote(office.app, code: code, choice).status
            XCTAssertEqual(awaited2, .ok)
        }
        let reused = try await vote(office.app, code: codes[0], [w: "不称职", z: "不称职"])
        XCTAssertEqual(reused.status, .unprocessableEntity)
        XCTAssertTrue(reused.body.string.contains("已经投过票"))
        let (c3, recipientCodes) = try await openPoll(office, part: "C3", codes: 0, recipients: "甲\n乙\n丙\n丁", draw: "2")
        XCTAssertEqual(recipientCodes.count, 2, "one code per recipient drawn")
        for code in recipientCodes { _ = try await vote(office.app, code: code, [w: "优秀", z: "优秀"]) }
        for poll in [c1, c2, c3] {
            _ = try await office.get("appraisals/polls/\(poll.uuidString)")
            let closed = try await office.post("appraisals/polls/\(poll.uuidString)/close")
            XCTAssertEqual(closed.status, .seeOther)
        }
        let late = try await vote(office.app, code: codes[5], [w: "优秀"])
        XCTAssertEqual(late.status, .unprocessableEntity, "a closed poll takes no ballot")
    }

    /// The draw of service recipients is seeded and recorded: the same list and seed give the same names.
    func testRecipientDraw_isReproducibleFromItsRecord() async throws {
        let list = (1...40).map { "服务对象\($0)" }
        XCTAssertEqual(RecipientDraw.draw(list, count: 10, seed: 7), RecipientDraw.draw(list, count: 10, seed: 7))
        XCTAssertNotEqual(RecipientDraw.draw(list, count: 10, seed: 7), RecipientDraw.draw(list, count: 10, seed: 8))
        XCTAssertEqual(Set(RecipientDraw.draw(list, count: 10, seed: 7)).count, 10)
    }

    /// Anonymous by construction: the stored state after two ballots is the same whichever code cast which ballot,
    /// so nothing stored can tell them apart; and voting adds no row anywhere (no per-vote row to order or date).
    func testStoredVotes_cannotBeJoinedToCodesOrVoters() async throws {
        try await withApp { app in
            let office = Browser(app)
            try await office.login("jixiaoban")
            let ids = try await Self.importStaff(office)
            let w = ids["001"]!, z = ids["002"]!
            let (first, codesA) = try await Self.openPoll(office, part: "C2", codes: 2)
            let (second, codesB) = try await Self.openPoll(office, part: "C2", codes: 2)
            let sql = app.db as! any SQLDatabase
            func rows(_ table: String) async throws -> Int {
                try await sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()!.decode(column: "n", as: Int.self)
            }
            let tables = ["appraisal_tallies", "appraisal_ballot_codes", "appraisal_polls", "appraisal_audit", "appraisal_entries", "sessions"]
            var before: [String: Int] = [:]
            for table in tables { before[table] = try await rows(table) }
            let tallyIDsBefore = Set(try await BallotTally.query(on: app.db).all().map(\.id))

            // Poll 1: code a votes X, code b votes Y. Poll 2: the other way round.
            let x = [w: "优秀", z: "基本称职"], y = [w: "称职", z: "优秀"]
            let awaited3 = try await Self.vote(app, code: codesA[0], x).status
            XCTAssertEqual(awaited3, .ok)
            let awaited4 = try await Self.vote(app, code: codesA[1], y).status
            XCTAssertEqual(awaited4, .ok)
            let awaited5 = try await Self.vote(app, code: codesB[0], y).status
            XCTAssertEqual(awaited5, .ok)
            let awaited6 = try await Self.vote(app, code: codesB[1], x).status
            XCTAssertEqual(awaited6, .ok)

            for table in tables {
                let after = try await rows(table)
                XCTAssertEqual(after, before[table], "voting added or removed rows in \(table)")
            }
            let tallyIDsAfter = Set(try await BallotTally.query(on: app.db).all().map(\.id))
            XCTAssertEqual(tallyIDsAfter, tallyIDsBefore, "counters only: no row per vote")
            // What each poll stores, apart from its id, is identical although the codes cast the ballots the other way round.
            func state(_ poll: UUID) async throws -> [String] {
                let tallies = try await BallotTally.query(on: app.db).filter(\.$pollID == poll).all()
                    .map { "\($0.personID.uuidString) \($0.option) \($0.count)" }.sorted()
                let codes = try await BallotCode.query(on: app.db).filter(\.$pollID == poll).all().map { "used=\($0.used)" }.sorted()
                return tallies + codes
            }
            let one = try await state(first), two = try await state(second)
            XCTAssertEqual(one, two)
            XCTAssertTrue(one.contains("\(w.uuidString) 优秀 1") && one.contains("\(w.uuidString) 称职 1"))
            // The tables' columns: the tallies hold no code, voter or time; the codes' rows hold no time and no choice.
            let awaited7 = try await Self.columns("appraisal_tallies", sql)
            XCTAssertEqual(awaited7, ["count", "id", "option", "person_id", "poll_id"])
            let awaited8 = try await Self.columns("appraisal_ballot_codes", sql)
            XCTAssertEqual(awaited8, ["code_hash", "id", "poll_id", "used"])
            // And no code is stored in the clear.
            let stored = try await BallotCode.query(on: app.db).all().map(\.codeHash)
            for code in codesA + codesB { XCTAssertFalse(stored.contains(BallotCodes.normalized(code)!)) }
        }
    }

    static func columns(_ table: String, _ sql: any SQLDatabase) async throws -> [String] {
        if sql.dialect.name == "sqlite" {
            return try await sql.raw("SELECT name FROM pragma_table_info(\(bind: table))").all().map { try $0.decode(column: "name", as: String.self) }.sorted()
        }
        return try await sql.raw("SELECT column_name FROM information_schema.columns WHERE table_name = \(bind: table)").all()
            .map { try $0.decode(column: "column_name", as: String.self) }.sorted()
    }

    func testBallotCodes_areLongRandomAndOnlyTheirOwnShape() {
        let codes = (0..<200).map { _ in BallotCodes.make() }
        XCTAssertEqual(Set(codes).count, 200)
        for code in codes { XCTAssertEqual(BallotCodes.normalized(code)?.count, 24, "24 × 5 = 120 random bits") }
        XCTAssertNil(BallotCodes.normalized("' OR 1=1 --"))
        XCTAssertNil(BallotCodes.normalized(String(repeating: "A", count: 10_000)))
    }

    func testSheetText_refusesPointsThatDoNotAddUpTo40_byLine() {
        XCTAssertThrowsError(try SheetText.parse("任务一 | 30 | 每次扣 5\n任务二 | 5 | 完成")) { error in
            XCTAssertEqual((error as? InputProblems)?.problems, ["各项分值合计 35 分，应为 40 分"])
        }
        XCTAssertThrowsError(try SheetText.parse("任务一 | 30 | 每次扣 5\n任务二 | 10 | 看情况")) { error in
            XCTAssertTrue((error as? InputProblems)?.problems.first?.hasPrefix("第 2 行 第 3 栏（规则）") ?? false)
        }
        XCTAssertEqual(try SheetText.parse("任务一 | 30 | 目标 100 每少 10 扣 0.5\n任务二 | 10 | 折算").map(\.kind), [.shortfall, .rescale])
    }

    func testBallotConversion_isTheDeclaredMeanOfThePartsPoints() {
        XCTAssertEqual(BallotConversion.points(counts: ["优秀": 2, "称职": 1], max: Fixed(7))?.description, "6.53")
        XCTAssertEqual(BallotConversion.points(counts: ["称职": 1], max: Fixed(6))?.description, "4.8")
        XCTAssertNil(BallotConversion.points(counts: [:], max: Fixed(7)))
    }
}
