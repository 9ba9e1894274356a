import Foundation
import JixiaoCore
import Testing
@testable import JixiaoSchemeFile

/// The `grades:` keys of a scheme file, the rank-share quota's base and rounding among them, and the
/// docs/schemes.md Grades block (it must load, so the documentation cannot drift from the reader).
@Suite struct GradesFileTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func scheme(_ grades: String) -> String {
        """
        scheme: {id: T, name: 测试, total: 100}
        grades:
        \(grades)
        indicators:
          - {code: a, name: 得分, max: 100, rule: {kind: judged}}
        """
    }

    static let byRank = """
          veto: [{when: subject.受处分, grade: 四等}]
          below: {score: 80, grade: 三等}
          by_rank: [{grade: 一等, share: 20%}, {grade: 二等, share: 100%}]
        """

    @Test func quota_defaultsToAllSubjectsAtLeastOne() throws {
        let scheme = try SchemeFile.parse(Self.scheme(Self.byRank), file: "t.yaml")
        #expect(scheme.grades.quota == RankQuota(base: .all, rounding: .atLeastOne))
        #expect(scheme.grades.byRank.map(\.share) == [Fixed("0.2")!, 1])
    }

    @Test func quota_everyBaseAndRounding() throws {
        for base in RankQuota.Base.allCases {
            for rounding in RankQuota.Rounding.allCases {
                let text = Self.scheme(Self.byRank + "\n  quota: {base: \(base.rawValue), rounding: \(rounding.rawValue)}")
                #expect(try SchemeFile.parse(text, file: "t.yaml").grades.quota == RankQuota(base: base, rounding: rounding))
            }
        }
    }

    @Test func quota_unknownValuesAndKeysAreLocatedErrors() {
        func error(_ quota: String) -> String? {
            do {
                _ = try SchemeFile.parse(Self.scheme(Self.byRank + "\n  quota: \(quota)"), file: "t.yaml")
                return nil
            } catch {
                return error.description
            }
        }
        #expect(error("{rounding: nearest}") == "t.yaml:6: 错误: quota.rounding 的值 “nearest” 无效（可用：down | half_up | up | at_least_one）")
        #expect(error("{base: ranked}") == "t.yaml:6: 错误: quota.base 的值 “ranked” 无效（可用：all | remaining）")
        #expect(error("{base: all, round: up}")?.contains("未知的键 “round”") == true)
    }

    @Test func seed003_declaresItsQuota() throws {
        let path = Self.repository.appendingPathComponent("schemes/003-xiangxi-staff.yaml").path
        #expect(try SchemeFile.load(path: path).grades.quota == RankQuota(base: .all, rounding: .atLeastOne))
    }

    @Test func documentedGradesBlocks_load() throws {
        let docs = Self.repository.appendingPathComponent("docs/schemes.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let start = try #require(text.range(of: "### Grades\n"))
        let end = try #require(text.range(of: "\n### ", range: start.upperBound..<text.endIndex))
        var cursor = start.upperBound
        var schemes: [Scheme] = []
        while let open = text.range(of: "```yaml\n", range: cursor..<end.lowerBound),
            let close = text.range(of: "```\n", range: open.upperBound..<end.lowerBound)
        {
            let yaml = "scheme: {id: docs, name: 等级示例, total: 100}\n" + text[open.upperBound..<close.lowerBound]
                + "indicators:\n  - {code: a, name: 得分, max: 100, rule: {kind: judged}}\n"
            schemes.append(try SchemeFile.parse(yaml, file: "docs/schemes.md"))
            cursor = close.upperBound
        }
        #expect(schemes.count == 2)
        #expect(schemes.first?.grades == GradeRules.fiscalDefault)
        let ranked = try #require(schemes.last?.grades)
        #expect(ranked.quota == RankQuota(base: .all, rounding: .atLeastOne))
        #expect(ranked.byRank.map(\.grade) == ["一等", "二等"] && ranked.below?.grade == "三等" && ranked.veto.map(\.grade) == ["四等"])
    }
}
