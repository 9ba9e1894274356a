import Foundation
import JixiaoCore
import JixiaoSchemeFile
import Testing

/// Scores a scheme and a data file written inline, with explanations.
func explained(_ scheme: String, _ data: String) throws -> ScoreReport {
    let compiled = try CompiledScheme(SchemeFile.parse(scheme, file: "scheme.yaml"))
    return try Engine(compiled).score(DataFile.parse(data, file: "data.yaml"), explain: true)
}

extension ScoreReport {
    func result(_ subject: String, stage: Int = 0) -> SubjectResult {
        stages[stage].subjects.first { $0.subject.id == subject }!
    }
    func lines(_ subject: String, _ code: String, stage: Int = 0) -> [String] {
        result(subject, stage: stage).explanations[scheme.index(of: code)!]
    }
    func draft(_ subject: String, _ code: String, stage: Int = 0) -> String? {
        let index = scheme.index(of: code)!
        return DeductionText.draft(result(subject, stage: stage), index: index, indicator: scheme.indicator(at: index))
    }
}

/// The derivation lines a reviewer reads (`jixiao explain`, the score sheet): bounds say so and give the final
/// score, peer targets list the peers, groups list their children, vetoes and effects say what triggered them.
@Suite struct ExplanationTests {
    // MARK: Floors and caps

    static let nested = """
        scheme: {id: T, name: 测试, total: 7.83}
        indicators:
          - code: D
            name: 数据质量
            kind: deduction
            max: 20
            floor: -20
            children:
              - {code: D1, name: 指标一偏离, kind: deduction, max: 10, rule: {kind: shortfall, input: 偏离一, target: 0, direction: above, step: "10%", deduct: 5, steps: whole, base: 0, floor: -10}}
              - {code: D2, name: 指标二偏离, kind: deduction, max: 10, rule: {kind: shortfall, input: 偏离二, target: 0, direction: above, step: "10%", deduct: 5, steps: whole, base: 0, floor: -10}}
              - {code: D3, name: 指标三偏离, kind: deduction, max: 10, rule: {kind: shortfall, input: 偏离三, target: 0, direction: above, step: "10%", deduct: 5, steps: whole, base: 0, floor: -10}}
          - {code: P, name: 慰问特困残疾人数, max: 1.58, cap: 1.03, target: 300, rule: {kind: proportional}}
          - {code: Z, name: 值班制度, max: 5, rule: {kind: incidents, deduct: 1, cap: 5}}
          - {code: B, name: 信息发布, kind: bonus, max: 2, rule: {kind: bonus, per: 0.5, free: 12, cap: 2}}
          - {code: V, name: 活动场次, max: 1.25, target: 40, rule: {kind: deviation}}
        """
    static let nestedData = """
        scheme: T
        period: "2020"
        subjects:
          - id: 市
            inputs: {偏离一: "35%", 偏离二: "12%", 偏离三: "35%"}
            values: {P: 330, Z: 7, B: 20, V: 100}
        """

    @Test func floorInsideTheRule_isTheLastWordWithTheFinalScore() throws {
        let report = try explained(Self.nested, Self.nestedData)
        #expect(report.lines("市", "D3") == [
            "目标 0，实际 0.35，超出 0.35；每 0.1 扣 5 分（按整步：3 步）→ 扣 15，0 − 15 = -15",
            "计算得 -15，低于下限 -10（扣完为止），按下限计：本指标得 -10 分",
        ])
        #expect(report.result("市").outcomes[report.scheme.index(of: "D3")!] == .scored(-10))
        #expect(report.result("市").facts[report.scheme.index(of: "D3")!] == [.limited(computed: Exact(-15), bound: Exact(-10), isFloor: true)])
    }

    @Test func groupFloor_listsTheChildrenThenTheSumThenTheBound() throws {
        let report = try explained(Self.nested, Self.nestedData)
        #expect(report.lines("市", "D") == [
            "D1 指标一偏离：-10（分值 10）", "D2 指标二偏离：-5（分值 10）", "D3 指标三偏离：-10（分值 10）",
            "合计：−10 − 5 − 10 = -25",
            "计算得 -25，低于下限 -20（扣完为止），按下限计：本指标得 -20 分",
        ])
    }

    @Test func capOnTheScore_incidentsCap_bonusCap_deviationBelowZero() throws {
        let report = try explained(Self.nested, Self.nestedData)
        #expect(report.lines("市", "P") == ["实际 330 ÷ 目标 300 × 分值 1.58 = 1.738", "计算得 1.738，超过上限 1.03，按上限计：本指标得 1.03 分"])
        #expect(report.lines("市", "Z") == ["发生 7 次 × 每次 1 分 = 扣 7", "5 − 7 = -2", "计算得 -2，低于下限 0（扣完为止），按下限计：本指标得 0 分"])
        #expect(report.lines("市", "B") == ["20 条，超过 12 条的 8 条 × 0.5 = 4", "计算得 4，超过上限 2，按上限计：本指标得 2 分"])
        #expect(report.lines("市", "V") == [
            "偏差 |100 − 40| ÷ 40 = 1.5；(1 − 1.5) × 1.25 = -0.625", "计算得 -0.625，低于下限 0（扣完为止），按下限计：本指标得 0 分",
        ])
    }

    @Test func noBoundReached_noBoundLine() throws {
        let report = try explained(Self.nested, Self.nestedData.replacingOccurrences(of: "Z: 7", with: "Z: 5"))
        #expect(report.lines("市", "Z") == ["发生 5 次 × 每次 1 分 = 扣 5", "5 − 5 = 0"])
        #expect(report.result("市").facts[report.scheme.index(of: "Z")!] == nil)
    }

    // MARK: Peers (R16, R17)

    static let peers = """
        scheme: {id: T, name: 测试, total: 9}
        indicators:
          - {code: R, name: 鉴定通过率, max: 5, rule: {kind: shortfall, input: 鉴定通过率, target: "peer_avg(鉴定通过率)", step: "1%", deduct: 0.5}}
          - {code: F, name: 四项制度, max: 4, rule: {kind: incidents, count: "children_count(not 全面执行)", deduct: 1}}
        """
    static let peersData = """
        scheme: T
        period: "2020"
        subjects:
          - {id: 甲市, inputs: {鉴定通过率: "90%", 全面执行: true}, values: {}}
          - {id: 乙市, inputs: {鉴定通过率: "70%", 全面执行: true}}
          - {id: 丙市, inputs: {鉴定通过率: "80%", 全面执行: true}}
          - {id: 丁市, inputs: {鉴定通过率: n/a, 全面执行: true}}
          - {id: A县, parent: 乙市, inputs: {鉴定通过率: "80%", 全面执行: false}}
          - {id: B县, parent: 乙市, inputs: {鉴定通过率: "80%", 全面执行: true}}
          - {id: C县, parent: 乙市, inputs: {鉴定通过率: "80%", 全面执行: false}}
        """

    @Test func peerTarget_listsThePeersAndTheirFigures() throws {
        let report = try explained(Self.peers, Self.peersData)
        #expect(report.lines("乙市", "R") == [
            "同级平均 peer_avg(鉴定通过率) = 0.8，取自同级 3 个对象：甲市 0.9、乙市（本对象） 0.7、丙市 0.8、丁市 不适用（不计入）",
            "目标 0.8，实际 0.7，差 0.1；每 0.01 扣 0.5 分（按比例：10 步）→ 扣 5，5 − 5 = 0",
        ])
        // The counties are peers of each other, not of the cities.
        #expect(report.lines("A县", "R").first == "同级平均 peer_avg(鉴定通过率) = 0.8，取自同级 3 个对象：A县（本对象） 0.8、B县 0.8、C县 0.8")
    }

    @Test func childrenCount_listsTheChildren() throws {
        let report = try explained(Self.peers, Self.peersData)
        #expect(report.lines("乙市", "F") == [
            "下级中满足 not 全面执行 的个数 = 2：A县 是、B县 否、C县 是", "发生 2 次 × 每次 1 分 = 扣 2", "4 − 2 = 2",
        ])
        #expect(report.lines("甲市", "F").first == "下级中满足 not 全面执行 的个数 = 0（没有下级考核对象）")
    }

    // MARK: Groups, variants

    static let group = """
        scheme: {id: T, name: 测试, total: 14}
        indicators:
          - code: G
            name: 组织实施
            max: 9
            children:
              - {code: G1, name: 管理制度健全, max: 5, rule: {kind: judged}}
              - {code: G2, name: 制度执行有效性, max: 4, rule: {kind: judged}}
              - {code: G3, name: 违规扣分, kind: deduction, max: 2, rule: {kind: incidents, deduct: 1}}
          - {code: H, name: 责任分解任务, max: 5, variants: [{when: subject.党员, max: 3}], rule: {kind: incidents, deduct: 2}}
        """
    static let groupData = """
        scheme: T
        period: "2020"
        subjects:
          - {id: 王刚, attributes: {党员: true}, values: {G1: 3, G2: n/a, G3: 1, H: 0}}
        """

    @Test func group_listsEachChildWithItsScoreAndMax_thenTheSum() throws {
        let report = try explained(Self.group, Self.groupData)
        #expect(report.lines("王刚", "G") == [
            "下级指标不适用或分值调整，本指标分值为 5",
            "G1 管理制度健全：3（分值 5）", "G3 违规扣分：-1（分值 2）", "不适用（不计入）：G2 制度执行有效性",
            "合计：3 − 1 = 2",
        ])
        #expect(report.lines("王刚", "H") == ["考核对象条件 党员 成立，分值为 3", "发生 0 次 × 每次 2 分 = 扣 0", "3 − 0 = 3"])
    }

    // MARK: Vetoes and cross effects (R20, R21)

    static let effects = """
        scheme: {id: T, name: 测试, total: 17}
        indicators:
          - {code: "1", name: 精准需求, max: 4, rule: {kind: ranking, metric: 需求精准度, coefficient: {first: 1.0, last: 0.6}}}
          - code: "2"
            name: 业务督查
            kind: deduction
            max: 0.5
            rule: {kind: formula, score: "if(督查未完成 or 精准度全部为100, -0.5, 0)"}
            effects:
              - {when: "督查未完成 or 精准度全部为100", zero: "1"}
              - {when: "雷同人数 >= 20", parent_deduct: {indicator: "3", points: 2}}
          - {code: "3", name: 雷同扣分, kind: deduction, max: 30, rule: {kind: formula, score: "0"}}
          - {code: "4", name: 质量达标, max: 4, veto: 受到投诉, rule: {kind: judged}}
          - {code: "5", name: 专项活动, max: 9, veto: not 按时上报, rule: {kind: judged}}
        """
    static let effectsData = """
        scheme: T
        period: "2020"
        subjects:
          - id: 市
            inputs: {需求精准度: 0.7, 督查未完成: false, 精准度全部为100: false, 雷同人数: 0, 受到投诉: true, 按时上报: false}
            values: {"4": 3.5, "5": 9}
            reasons: {"4": 群众投诉查实}
          - id: A县
            parent: 市
            inputs: {需求精准度: 0.9, 督查未完成: false, 精准度全部为100: true, 雷同人数: 23, 受到投诉: false, 按时上报: true}
            values: {"4": 4, "5": 9}
          - id: B县
            parent: 市
            inputs: {需求精准度: 0.8, 督查未完成: false, 精准度全部为100: false, 雷同人数: 0, 受到投诉: false, 按时上报: true}
            values: {"4": 4, "5": 9}
        """

    @Test func zeroedByAnEffect_saysWhichIndicatorAndWhatTriggeredIt() throws {
        let report = try explained(Self.effects, Self.effectsData)
        #expect(report.lines("A县", "1") == [
            "在 2 个对象中排第 1 名，排名系数 1；4 × 1 = 4",
            "交叉影响：2 业务督查 的条件 精准度全部为100 成立 → 本指标计 0 分",
        ])
        #expect(report.lines("A县", "2").contains("交叉影响条件 精准度全部为100 成立 → 指标 1 精准需求 计 0 分"))
        #expect(report.result("A县").facts[0] == [.zeroed(byCode: "2", byName: "业务督查", condition: "精准度全部为100", figures: "")])
    }

    @Test func parentDeduction_namesTheChildAndTheTrigger() throws {
        let report = try explained(Self.effects, Self.effectsData)
        #expect(report.lines("A县", "2").contains("交叉影响：上级 市 的指标 3 扣 2 分"))
        #expect(report.lines("市", "3").last == "交叉影响：下级 A县 的 2 业务督查 条件 雷同人数 >= 20 成立（雷同人数 = 23），扣 2 分；0 − 2 = -2")
    }

    @Test func factsAreKeptOnlyWhenExplaining() throws {
        let compiled = try CompiledScheme(SchemeFile.parse(Self.effects, file: "scheme.yaml"))
        let fast = try Engine(compiled).score(DataFile.parse(Self.effectsData, file: "data.yaml"))
        #expect(fast.finalStage.subjects.allSatisfy { $0.facts.isEmpty && $0.explanations.allSatisfy(\.isEmpty) })
        #expect(fast.finalStage.subjects[1].outcomes[0] == .scored(Exact.zero))  // the effect still applies
    }

    @Test func veto_citesItsCondition_andANegatedNameAsNo() throws {
        let report = try explained(Self.effects, Self.effectsData)
        #expect(report.lines("市", "4").last == "否决条件成立：受到投诉 → 本指标计 0 分")
        #expect(report.lines("市", "5").last == "否决条件成立：按时上报 = 否 → 本指标计 0 分")
        #expect(report.lines("A县", "4") == ["评分人给分 4"])
    }
}
