import ArgumentParser
import Foundation
import JixiaoCore
import JixiaoSchemeFile
import JixiaoXLSX
import Testing
@testable import JixiaoCommands

/// Values at the top of Fixed's range, in the data or in the scheme, go through every command
/// and every output format: each ends with a located error (exit 2), an exact figure or a cell
/// marked 溢出, never a trap. (The engine computes in `Exact`, whose range is far wider than
/// Fixed's, so it takes a cube of the largest input to overflow it.)
@Suite final class HugeValueCommandTests: CommandHarness {
    static let top = "92233720368.54775807"

    let directory = HugeValueCommandTests.scratchDirectory("jixiao-huge")

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    static let roundingScheme = """
        scheme: {id: H, name: 大数, total: 4}
        indicators:
          - {code: r, name: 四舍五入, max: 1, rule: {kind: formula, score: "round(金额 * 金额 * 金额, 2)"}}
          - {code: f, name: 向下取整, max: 1, rule: {kind: formula, score: "floor(0 - 金额 * 金额 * 金额)"}}
          - {code: c, name: 向上取整, max: 1, rule: {kind: formula, score: "ceil(金额 * 金额 * 金额)"}}
          - {code: k, name: 比较, max: 1, rule: {kind: formula, score: "if(金额 * 金额 * 金额 * 2 > 1, 1, 0)"}}
        """

    @Test func score_hugeInputThroughRoundFloorCeil_failsThatIndicatorWithoutTrapping() throws {
        let scheme = write("s.yaml", Self.roundingScheme)
        let data = write("d.yaml", """
            scheme: H
            period: "2024"
            subjects:
              - id: P
                inputs: {金额: \(Self.top)}
            """)
        // The indicator fails, so score refuses with a located line (exit 2) instead of dying.
        #expect(exitCode(["score", scheme, data]) == 2)
        let report = try Load.report(scheme: scheme, data: data, explain: true, rejectBadFigures: false)
        let outcomes = report.stages[0].subjects[0].outcomes
        for (index, code) in ["r", "f", "c", "k"].enumerated() {
            guard case .failed(let why) = outcomes[index] else {
                Issue.record("indicator \(code) should fail, is \(outcomes[index])")
                continue
            }
            #expect(why.contains("超出范围"), "indicator \(code): \(why)")
        }
        #expect(exitCode(["explain", scheme, data, "P"]) == 0)
    }

    static let scheme = """
        scheme: {id: T, name: 测试, total: 4.54}
        indicators:
          - {code: "1", name: 培训人次, max: 2.27, target: 100, rule: {kind: threshold, op: ">=", value: 100}}
          - {code: "2", name: 参与率, max: 2.27, rule: {kind: rate, rate: 参与率}}
        """

    @Test func scoreAndAudit_hugePrintedScores_reportOverflowInEveryFormat() throws {
        let scheme = write("s.yaml", Self.scheme)
        let data = write("d.yaml", """
            scheme: T
            period: "2019"
            subjects:
              - id: P
                values: {"1": 255}
                inputs: {参与率: 0.5}
                printed: {scores: {"1": \(Self.top), "2": -\(Self.top)}, total: \(Self.top)}
            """)
        for format in ["table", "csv", "json"] {
            let output = directory + "/out.\(format)"
            #expect(exitCode(["score", scheme, data, "--format", format, "--output", output]) == 0, "\(format)")
            // Table and CSV show a printed figure as it was written, to two places, which the top
            // value cannot be rounded to within Fixed's range.
            #expect(format == "json" || text(output).contains("溢出"), "\(format) marks the printed cell")
        }
        // The JSON still parses: 溢出 is a string there, not a bare word where a number goes.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/out.json"))) as? [String: Any]
        let subject = try #require((json?["subjects"] as? [[String: Any]])?.first)
        let first = try #require((subject["indicators"] as? [[String: Any]])?.first)
        #expect(first["printed"] != nil)
        #expect(first["agrees"] as? Bool == false)
        let xlsx = directory + "/out.xlsx"
        #expect(exitCode(["score", scheme, data, "--format", "xlsx", "--output", xlsx]) == 0)
        let book = try Workbook(xlsxData: Data(contentsOf: URL(fileURLWithPath: xlsx)))
        let cells = book.sheets.flatMap { $0.rows.flatMap { $0 } }
        // Marked as text: a number cell holding 溢出 is a damaged file to Excel.
        #expect(cells.contains(.text("溢出")))
        #expect(!cells.contains(.number("溢出")))
        // A printed figure of that size agrees with nothing.
        let report = try Load.report(scheme: scheme, data: data, explain: false)
        let audit = Audit.run(report)
        #expect(!audit.isEmpty && audit.allSatisfy { !$0.agrees })
        #expect(exitCode(["audit", scheme, data, "--all"]) == 0 || exitCode(["audit", scheme, data, "--all"]) == 1)
        #expect(exitCode(["audit", scheme, data, "--format", "json"]) != -1)
    }

    @Test func validateAndScore_hugeIndicatorMaxima_locatedErrorNotTrap() throws {
        let scheme = write("s.yaml", """
            scheme: {id: M, name: 大满分, total: \(Self.top)}
            indicators:
              - {code: "1", name: 一, max: \(Self.top), rule: {kind: rate, rate: 参与率}}
              - {code: "2", name: 二, max: \(Self.top), rule: {kind: rate, rate: 参与率}}
            """)
        let data = write("d.yaml", """
            scheme: M
            period: "2019"
            subjects:
              - id: P
                inputs: {参与率: 1}
                printed: {scores: {"1": \(Self.top)}, total: 1}
            """)
        #expect(exitCode(["validate", scheme]) == 2)
        #expect(exitCode(["score", scheme, data]) == 2)
        #expect(exitCode(["audit", scheme, data]) == 2)
        #expect(exitCode(["explain", scheme, data, "P"]) == 2)
        // The located reason: the line of the scheme file that makes the sum too large.
        let problems = SchemeChecks.check(try SchemeFile.load(path: scheme)).map(\.description)
        #expect(problems.contains { $0.contains("s.yaml:3") && $0.contains("超出范围") }, "\(problems)")
    }
}

@Suite struct OverflowRenderingTests {
    @Test func json_overflowIsAStringSoTheDocumentParses() throws {
        var out = ""
        JSON.object([("score", .number(.overflow)), ("ok", .number(Fixed("1.5")!))]).write(into: &out, indent: 0)
        let parsed = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        #expect(parsed?["score"] as? String == "溢出")
        #expect((parsed?["ok"] as? NSNumber)?.doubleValue == 1.5)
    }

    @Test func sheets_overflowAndUnroundableValuesAreTextCells() {
        #expect(ReportSheets.figure(Fixed.overflow) == .text("溢出"))
        #expect(ReportSheets.figure(Exact.overflow) == .text("溢出"))
        // Rounding the largest Fixed up at two places steps past Fixed's range, not past Exact's.
        #expect(ReportSheets.figure(Fixed(raw: .max)) == .number("92233720368.55"))
        #expect(ReportSheets.figure(Fixed("2.085")!) == .number("2.09"))
    }
}
