import JixiaoCore
import Testing

/// "扣减X分：…" drafted from what happened, never from arithmetic that did not decide the score.
@Suite struct DeductionTextTests {
    @Test func zeroedRanking_citesTheEffect_notTheRank() throws {
        let report = try explained(ExplanationTests.effects, ExplanationTests.effectsData)
        let draft = try #require(report.draft("A县", "1"))
        #expect(draft == "扣减4.00分：精准需求，因 2 业务督查 的交叉影响计0分：精准度全部为100")
        #expect(!draft.contains("排第"))
    }

    @Test func veto_citesTheVetoThenTheReviewersReason() throws {
        let report = try explained(ExplanationTests.effects, ExplanationTests.effectsData)
        #expect(report.draft("市", "4") == "扣减4.00分：质量达标，否决条件成立：受到投诉，本项计0分；群众投诉查实")
        #expect(report.draft("市", "5") == "扣减9.00分：专项活动，否决条件成立：按时上报 = 否，本项计0分")
        #expect(report.draft("A县", "4") == nil)  // full marks
    }

    @Test func parentDeduction_onADeductionIndicator() throws {
        let report = try explained(ExplanationTests.effects, ExplanationTests.effectsData)
        #expect(report.draft("市", "3") == "扣减2.00分：雷同扣分，下级 A县 2 业务督查：雷同人数 >= 20（雷同人数 = 23），同时扣本级2.00分")
        #expect(report.draft("A县", "2") == "扣减0.50分：业务督查，公式 if(督查未完成 or 精准度全部为100, -0.5, 0) = -0.5")
    }

    @Test func capAndFloor_citeTheBound() throws {
        let report = try explained(ExplanationTests.nested, ExplanationTests.nestedData)
        #expect(report.draft("市", "P") == "扣减0.55分：慰问特困残疾人数，得分以上限1.03分计（按评分标准计算为1.738分）")
        #expect(report.draft("市", "Z") == "扣减5.00分：值班制度，发生 7 次 × 每次 1 分 = 扣 7，应扣7.00分，扣完5.00分为止")
        #expect(report.draft("市", "D")
                == "扣减20.00分：数据质量，其中 D1 指标一偏离 扣10.00分、D2 指标二偏离 扣5.00分、D3 指标三偏离 扣10.00分，应扣25.00分，扣完20.00分为止")
        #expect(report.draft("市", "D2") == "扣减5.00分：指标二偏离，目标 0，实际 0.12，超出 0.12；每 0.1 扣 5 分（按整步：1 步）→ 扣 5，0 − 5 = -5")
        #expect(report.draft("市", "B") == nil)  // a bonus never deducts
    }

    static let checklist = """
        scheme: {id: T, name: 测试, total: 5.5}
        indicators:
          - code: L
            name: 立项依据充分性
            max: 3
            rule:
              kind: checklist
              items:
                - {id: "1", text: 符合残疾人保障法和发展规划, points: 1}
                - {id: "2", text: 符合行业发展规划和政策要求, points: 0.5}
                - {id: "3", text: 与部门职责范围相符, points: 0.5}
                - {id: "4", text: 属于省级事权, points: 0.5}
                - {id: "5", text: 与相关项目不存在重复, points: 0.5}
          - {code: J, name: 长效管理制度健全性, max: 2.5, rule: {kind: judged, reason: required}}
        """

    @Test func group_listsTheChildrenThatLostPoints() throws {
        let report = try explained(ExplanationTests.group, ExplanationTests.groupData)
        #expect(report.draft("王刚", "G") == "扣减3.00分：组织实施，其中 G1 管理制度健全 扣2.00分、G3 违规扣分 扣1.00分")
        #expect(report.draft("王刚", "H") == nil)
    }

    @Test func checklist_namesTheItemsNotMet() throws {
        let report = try explained(Self.checklist, """
            scheme: T
            period: "2020"
            subjects:
              - {id: P, values: {L: ["1", "2", "3"], J: 2}, reasons: {J: 年中追加预算未执行完}}
              - {id: Q, values: {L: ["1", "2", "3", "4"], J: 2.5}, findings: [{code: L, deduct: 0.5, text: 与其他项目存在重复}]}
              - {id: R, values: {L: all, J: 2.5}}
            """)
        let draft = try #require(report.draft("P", "L"))
        #expect(draft == "扣减1.00分：立项依据充分性，未满足：4 属于省级事权（0.5 分）、5 与相关项目不存在重复（0.5 分）")
        #expect(!draft.contains("✓") && !draft.contains("符合残疾人保障法"))
        #expect(report.draft("P", "J") == "扣减0.50分：长效管理制度健全性，年中追加预算未执行完")
        #expect(report.draft("Q", "L") == "扣减0.50分：立项依据充分性，与其他项目存在重复")  // the document's finding, as written
        #expect(report.draft("R", "L") == nil)
    }
}
