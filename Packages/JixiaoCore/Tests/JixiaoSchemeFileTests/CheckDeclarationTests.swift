import Foundation
import JixiaoCore
import Testing
@testable import JixiaoSchemeFile

/// The declarations the scheme checks read (docs/schemes.md, "Checks"): `attributes:`, an indicator's printed
/// `parts` and `target` text, default grade bands as fractions of the total, and the lines warnings point at.
@Suite struct CheckDeclarationTests {
    static let scheme = """
        scheme: {id: T, name: 测试, total: 30}
        inputs:
          - {name: 实际人数, unit: 人}
        attributes:
          - {name: 党员, text: 是否党员}
        metrics:
          完成率: 实际人数 / 任务数
        indicators:
          - code: "1"
            name: 资金使用合规性
            max: 5
            parts: [3, 2, 1]
            rule: {kind: judged}
          - code: "2"
            name: 合格率
            max: 25
            target: "98"
            variants: [{when: subject.党员, max: 25}]
            rule: {kind: threshold, op: ">=", value: "90%"}
        """

    @Test func readsAttributesPartsAndTheTargetAsPrinted() throws {
        let scheme = try SchemeFile.parse(Self.scheme, file: "t.yaml")
        #expect(scheme.attributes == [InputDeclaration(name: "党员", text: "是否党员")])
        #expect(scheme.indicators[0].parts == [3, 2, 1])
        #expect(scheme.indicators[1].targetText == "98")
        #expect(scheme.indicators[1].target == .number(98))
        #expect(scheme.locations["metrics.完成率"]?.line == 7)
    }

    @Test func warningsNameTheLineTheyAreAbout() throws {
        let problems = SchemeChecks.check(try SchemeFile.parse(Self.scheme, file: "t.yaml")).map(\.description)
        #expect(problems == [
            "t.yaml:7: 警告: 公式指标 完成率 中的名称 “任务数” 未在 inputs、attributes 或 metrics 中声明（实际人数 / 任务数）：数据文件不给出它时用到它的指标一直“未评分”",
            "t.yaml:9: 警告: [1] 评分标准各部分合计 3 + 2 + 1 = 6 分，超过指标分值 5（每部分都给满分时超出分值）",
            "t.yaml:14: 警告: [2] 评分标准的达标线 ≥ 90% 与印刷的目标值 “98” 不一致",
        ], "\(problems)")
    }

    @Test func parts_mustBeNumbers() {
        let bad = Self.scheme.replacingOccurrences(of: "parts: [3, 2, 1]", with: "parts: [3, 两]")
        #expect(throws: FileError.self) { try SchemeFile.parse(bad, file: "t.yaml") }
    }

    @Test func defaultGrades_areFractionsOfTheTotal() throws {
        // No grades: 90% / 80% / 60% of 30.
        let scheme = try SchemeFile.parse(Self.scheme, file: "t.yaml")
        #expect(scheme.grades.bands.map(\.min) == [27, 24, 18, 0])
        // A grades block with a threshold but no bands gets the same defaults.
        let below = try SchemeFile.parse(Self.scheme.replacingOccurrences(of: "indicators:\n", with: "grades:\n  below: {score: 10, grade: 差}\nindicators:\n"), file: "t.yaml")
        #expect(below.grades.bands.map(\.min) == [27, 24, 18, 0])
        #expect(below.grades.below?.score == 10)
        // Bands written for 100 points on this 30-point scheme: a warning at the grades line.
        let hundred = Self.scheme.replacingOccurrences(of: "indicators:\n", with: "grades:\n  bands:\n    - {grade: 优, min: 90}\n    - {grade: 差, min: 0}\nindicators:\n")
        let problems = SchemeChecks.check(try SchemeFile.parse(hundred, file: "t.yaml")).map(\.description)
        #expect(problems.contains("t.yaml:8: 警告: 等级 “优” 的分数线 90 高于方案总分 30，总分达不到（分数线应按总分折算，如 90% × 30 = 27）"), "\(problems)")
    }

    @Test func tiersInDocumentOrder_load() throws {
        // 004 7.1 as printed: 增长的得10分，持平的得5分，降低的不得分.
        let scheme = try SchemeFile.parse("""
            scheme: {id: T, name: 测试, total: 10}
            inputs: [{name: 本年}, {name: 上年}]
            indicators:
              - code: "7.1"
                name: 就业专项资金筹集
                max: 10
                rule:
                  kind: growth
                  current: 本年
                  previous: 上年
                  measure: difference
                  tiers:
                    - {from: 0, from_exclusive: true, points: 10}
                    - {from: 0, to: 0, to_inclusive: true, points: 5}
                    - {to: 0, points: 0}
            """, file: "t.yaml")
        #expect(SchemeChecks.check(scheme).isEmpty)
        _ = try CompiledScheme(scheme)
    }
}
