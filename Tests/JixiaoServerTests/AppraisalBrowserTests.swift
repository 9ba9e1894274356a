import Fluent
import Foundation
import XCTVapor
@testable import JixiaoServer

/// Staff appraisal (seed 003) in headless Chromium, as issue 10's "Done when" reads: the 绩效办 imports staff,
/// writes and approves two 附件2 sheets, records incidents and bonuses, opens 民主测评 with 20 codes; ballots are
/// cast on the public page (a used code is refused), the polls closed; the year-end table shows the hand-computed
/// composites and grades; a staff member signs in and sees only their own record.
/// Screenshots in artifacts/e2e/appraisal-NN-….png.
final class AppraisalBrowserTests: XCTestCase {
    func testStaffAppraisalYear_fromImportToGrades() async throws {
        try await BrowserHarness.run("appraisal") { h in
            let browser = h.browser
            let year = AppraisalController.currentYear
            try await browser.resize(width: 1366, height: 1000)
            try await h.signIn("jixiaoban")
            try await browser.follow("#appraisals-link")
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("staff-\(UUID().uuidString).csv")
            try AppraisalTests.staffCSV.write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            _ = try await browser.find("#staff-file")
            try await browser.type("#staff-file", file.path)
            try await browser.follow("#import-staff")
            let awaited1 = try await browser.text("#flash").contains("新增 2 人，更新 1 人")
            XCTAssertTrue(awaited1)
            try await h.shot("imported")
            let persons = try await AppraisalPerson.query(on: h.app.db).all()
            let ids = Dictionary(uniqueKeysWithValues: persons.map { ($0.staffNo, $0.id!) })
            let wang = ids["001"]!, zhang = ids["002"]!

            // Two 附件2 sheets written and approved.
            for (person, tasks, values) in [(wang, "残疾人宣传报道 | 30 | 目标 50 每少 1 扣 0.6\n成立训练基地 | 10 | 完成", ["46", "已完成"]),
                                            (zhang, "工资福利工作 | 40 | 每次扣 5", ["1"])] {
                try await browser.open(h.site + SiteURL.appraisalPerson(person, year: year).path)
                try await browser.type("#sheet-tasks", tasks)
                try await browser.follow("#save-sheet")
                try await browser.follow("#approve-sheet")
                for (index, value) in values.enumerated() { try await browser.type("#task-\(index + 1)", value) }
                try await browser.follow("#save-values")
            }
            try await h.shot("sheet-approved")

            // Incidents and bonuses, recorded on the person's page.
            func record(_ person: UUID, _ kind: String, _ date: String, level: String? = nil, group: String = "") async throws {
                try await browser.open(h.site + SiteURL.appraisalPerson(person, year: year).path)
                try await browser.type("#entry-date", date)
                try await browser.click("#entry-kind option[value='\(kind)']")
                if let level { try await browser.click("#entry-level option[value='\(level)']") }
                try await browser.type("#entry-group", group)
                try await browser.type("#entry-note", "记录")
                try await browser.follow("#record")
            }
            try await record(wang, "A4.1", "\(year)-04-01")
            try await record(wang, "A4.2", "\(year)-04-02")
            try await record(wang, "AJ2", "\(year)-05-01", level: "州", group: "残疾人体育调研报告")
            try await record(wang, "AJ2", "\(year)-06-01", level: "省", group: "残疾人体育调研报告")
            try await record(zhang, "A3", "\(year)-03-02")
            let awaited2 = try await browser.text("#entries").contains("值班违规")
            XCTAssertTrue(awaited2)
            try await h.shot("entries")

            // 民主测评: the three parts, 述职测评 with 20 codes.
            func open(_ part: String, codes: String, recipients: String = "") async throws -> [String] {
                try await browser.open(h.site + SiteURL.appraisalPolls(year).path)
                try await browser.click("#poll-part option[value='\(part)']")
                try await browser.type("#poll-codes", codes)
                try await browser.type("#poll-deadline", "\(year)-12-31")
                if !recipients.isEmpty {
                    try await browser.type("#poll-recipients", recipients)
                    try await browser.type("#poll-draw", "2")
                }
                try await browser.follow("#open-poll")
                let sheet = try await browser.text("#codes")
                return sheet.split(separator: "\n").compactMap { line in
                    line.split(separator: " ").map(String.init).first { BallotCodes.normalized($0) != nil && $0.contains("-") }
                }
            }
            func vote(_ code: String, wang wangChoice: String, zhang zhangChoice: String) async throws {
                try await browser.open(h.site + SiteURL.ballot(code: code).path)
                try await browser.click("input[name='r-\(wang.uuidString)'][value='\(wangChoice)']")
                try await browser.click("input[name='r-\(zhang.uuidString)'][value='\(zhangChoice)']")
                try await browser.follow("#cast")
                _ = try await browser.find("#ballot-done")
            }
            let leaderCodes = try await open("C1", codes: "1")
            try await vote(leaderCodes[0], wang: "优秀", zhang: "称职")
            let codes = try await open("C2", codes: "20")
            XCTAssertEqual(codes.count, 20)
            try await h.shot("codes")
            try await browser.follow("#poll-link")
            let awaited3 = try await browser.text("#poll-state").contains("已投 0 / 20")
            XCTAssertTrue(awaited3)
            // The public page needs no account: sign out first.
            try await h.signOut()
            try await vote(codes[0], wang: "优秀", zhang: "称职")
            try await vote(codes[1], wang: "称职", zhang: "称职")
            try await browser.open(h.site + SiteURL.ballot(code: codes[2]).path)
            try await h.shot("ballot")
            try await vote(codes[2], wang: "优秀", zhang: "基本称职")
            try await browser.open(h.site + SiteURL.ballot(code: codes[0]).path)
            let awaited4 = try await browser.text("#ballot-refused").contains("已经投过票")
            XCTAssertTrue(awaited4)
            try await h.shot("reused-code")
            try await h.signIn("jixiaoban")
            let recipientCodes = try await open("C3", codes: "", recipients: "甲\n乙\n丙\n丁")
            XCTAssertEqual(recipientCodes.count, 2, "two of the four drawn: one code each")
            for code in recipientCodes { try await vote(code, wang: "优秀", zhang: "优秀") }
            try await browser.open(h.site + SiteURL.appraisalPolls(year).path)
            let polls = try await AppraisalPoll.query(on: h.app.db).all()
            for poll in polls {
                try await browser.open(h.site + SiteURL.appraisalPoll(poll.id!).path)
                try await browser.click("#close-poll")
                _ = try await browser.acceptDialog()
                _ = try await browser.wait("#poll-state") { $0.contains("已结束") }
            }
            try await h.shot("tally")

            // The year-end table against the hand computation (see AppraisalTests.testAYearScoredEndToEnd…).
            try await browser.open(h.site + SiteURL.appraisalYear(year).path)
            let wangRow = try await browser.text("#year-table tr[data-person='001']")
            let zhangRow = try await browser.text("#year-table tr[data-person='002']")
            XCTAssertTrue(wangRow.contains("41.50") && wangRow.contains("37.60") && wangRow.contains("19.53") && wangRow.contains("98.63") && wangRow.contains("一等"), wangRow)
            XCTAssertTrue(zhangRow.contains("39.00") && zhangRow.contains("35.00") && zhangRow.contains("16.93") && zhangRow.contains("90.93") && zhangRow.contains("二等"), zhangRow)
            try await h.shot("year-table")
            try await h.signOut()

            // The staff member sees their own record, and nobody else's.
            try await h.signIn("wanggang")
            try await browser.follow("#appraisals-link")
            let awaited5 = try await browser.text("#my-standing").contains("98.63")
            XCTAssertTrue(awaited5)
            let awaited6 = try await browser.text("#entries").contains("旷工")
            XCTAssertTrue(awaited6)
            try await h.shot("own-record")
            try await browser.open(h.site + SiteURL.appraisalPerson(zhang, year: year).path)
            let awaited7 = try await browser.text("main").contains("张婷婷 ·")
            XCTAssertFalse(awaited7)
            try await browser.open(h.site + SiteURL.appraisalYear(year).path)
            let awaited8 = try? await browser.find("#my-standing")
            XCTAssertNotNil(awaited8, "the year's table sends a person back to their own page")
        }
    }
}
