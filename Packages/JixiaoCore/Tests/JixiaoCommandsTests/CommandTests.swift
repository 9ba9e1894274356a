import ArgumentParser
import Foundation
import JixiaoCore
import JixiaoXLSX
import Testing
@testable import JixiaoCommands

/// The command-line contract: bad input → exit status 2 and a located one-line error; outputs are real files.
@Suite final class CommandTests: CommandHarness {
    let directory = CommandTests.scratchDirectory("jixiao-cli")

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    static let scheme = """
        scheme: {id: T, name: 测试, total: 4.54}
        indicators:
          - {code: "1", name: 预算执行率, max: 2.27, rule: {kind: rate, rate: fund.预算执行率}}
          - {code: "2", name: 培训人次, max: 2.27, target: 100, rule: {kind: threshold, op: ">=", value: 100}}
        """
    static let data = """
        scheme: T
        period: "2019"
        subjects:
          - id: P
            values: {"2": 255}
            fund_table:
              sources: [市级]
              budget: {市级: 12686743.25}
              invested: {市级: 12686743.25}
              arrived: {市级: 12686743.25}
              spent: {市级: 11658892.71}
            printed: {scores: {"1": 1.99}, total: 4.26}
        """

    @Test func validate_goodSchemePasses_badSchemeExitsTwo() {
        let good = write("good.yaml", Self.scheme)
        #expect(exitCode(["validate", good]) == 0)
        let bad = write("bad.yaml", Self.scheme.replacingOccurrences(of: "kind: rate", with: "kind: rat"))
        #expect(exitCode(["validate", bad]) == 2)
        let cyclic = write("cyclic.yaml", """
            scheme: {id: C, name: 循环, total: 2}
            indicators:
              - {code: a, name: a, max: 1, rule: {kind: formula, score: "score('b')"}}
              - {code: b, name: b, max: 1, rule: {kind: formula, score: "score('a')"}}
            """)
        #expect(exitCode(["validate", cyclic]) == 2)
        #expect(exitCode(["validate", directory + "/missing.yaml"]) == 2)
    }

    @Test func score_nonNumericFigureAndUnknownCodeExitTwoOrReport() {
        let scheme = write("s.yaml", Self.scheme)
        let unknown = write("d1.yaml", Self.data.replacingOccurrences(of: "{\"2\": 255}", with: "{\"9\": 255}"))
        #expect(exitCode(["score", scheme, unknown]) == 2)
        let otherScheme = write("d2.yaml", Self.data.replacingOccurrences(of: "scheme: T", with: "scheme: X"))
        #expect(exitCode(["score", scheme, otherScheme]) == 2)
        let badFund = write("d3.yaml", Self.data.replacingOccurrences(of: "budget: {市级: 12686743.25}", with: "budget: {市级: 很多}"))
        #expect(exitCode(["score", scheme, badFund]) == 2)
    }

    @Test func score_textWhereANumberIsNeeded_exitsTwo() {
        let scheme = write("s.yaml", Self.scheme)
        let text = write("d4.yaml", Self.data.replacingOccurrences(of: "{\"2\": 255}", with: "{\"2\": 很多}"))
        #expect(exitCode(["score", scheme, text]) == 2)
        #expect(exitCode(["audit", scheme, text]) == 2)
        #expect(exitCode(["explain", scheme, text, "P"]) == 0)  // explain shows why instead
    }

    @Test func score_writesXlsxThatReadsBack() throws {
        let scheme = write("s.yaml", Self.scheme)
        let data = write("d.yaml", Self.data)
        let output = directory + "/out.xlsx"
        #expect(exitCode(["score", scheme, data, "--format", "xlsx", "--output", output]) == 0)
        let workbook = try Workbook(xlsxData: Data(contentsOf: URL(fileURLWithPath: output)))
        #expect(workbook.sheets.map(\.name) == ["P", "核对"])
        let rows = workbook.sheets[0].rows
        #expect(rows[0].map(\.text).starts(with: ["代码", "指标", "分值", "得分"]))
        let budgetRow = try #require(rows.first { $0.first?.text == "1" })
        #expect(budgetRow[3] == .number("2.09"))
        #expect(budgetRow.contains(.number("1.99")))
    }

    @Test func score_jsonContract() throws {
        let scheme = write("s.yaml", Self.scheme)
        let data = write("d.yaml", Self.data)
        let output = directory + "/out.json"
        #expect(exitCode(["score", scheme, data, "--format", "json", "--output", output]) == 0)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as! [String: Any]
        let subject = (json["subjects"] as! [[String: Any]])[0]
        #expect(subject["subject"] as? String == "P")
        #expect((subject["total"] as? NSNumber)?.stringValue == "4.36")
        // No grades declared: the default bands are fractions of the total (优 from 90% × 4.54 = 4.086), not 90 points.
        #expect(subject["grade"] as? String == "优")
        let first = (subject["indicators"] as! [[String: Any]])[0]
        #expect(first["code"] as? String == "1")
        #expect((first["printed"] as? NSNumber)?.stringValue == "1.99")
        #expect(first["agrees"] as? Bool == false)
    }

    @Test func workbook_roundTripsTextNumbersAndEscapes() throws {
        let book = Workbook(sheets: [
            Sheet(name: "得分/汇总", rows: [[.text("代码"), .text("<a & b>")], [.text("1.1"), .number("2.09")], [], [.empty, .number("-0.5")]])
        ])
        let read = try Workbook(xlsxData: book.xlsxData())
        #expect(read.sheets[0].name == "得分_汇总")
        #expect(read.sheets[0].rows[0] == [.text("代码"), .text("<a & b>")])
        #expect(read.sheets[0].rows[1] == [.text("1.1"), .number("2.09")])
        #expect(read.sheets[0].rows[3] == [.empty, .number("-0.5")])
        #expect(throws: XLSXError.self) { try Workbook(xlsxData: Data("not a zip".utf8)) }
    }
}

/// Lets the tests run the same command tree as the `jixiao` executable.
struct Jixiao: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "jixiao", subcommands: JixiaoCommands.all)
}
