import Foundation
import JixiaoCore
import JixiaoSchemeFile
import Testing

/// The breakpoints of each rule kind, on one-indicator schemes whose arithmetic can be done by hand: the value
/// of the figure that reaches each breakpoint, and the exact points it gains (measured by re-scoring).
@Suite struct WhatIfRuleTests {
    static func report(_ indicators: String, total: Int = 10, bands: String? = nil, subjects: String, metrics: String = "") throws -> ScoreReport {
        let grades = bands ?? "{grade: 优, min: \(total * 9 / 10)}, {grade: 良, min: \(total * 8 / 10)}, {grade: 中, min: \(total * 6 / 10)}, {grade: 差, min: 0}"
        let scheme = try SchemeFile.parse("""
            scheme: {id: T, name: 测试, total: \(total)}
            grades: {bands: [\(grades)]}
            \(metrics)
            indicators:
            \(indicators)
            """, file: "t.yaml")
        let data = try DataFile.parse("scheme: T\nperiod: \"2020\"\nsubjects:\n\(subjects)", file: "d.yaml")
        return try Engine(CompiledScheme(scheme)).score(data)
    }

    static func analyse(_ report: ScoreReport, _ subject: String = "s", target: String? = nil) -> WhatIfAnalysis {
        WhatIf.analyse(report, stage: 0, subject: report.data.subjects.firstIndex { $0.id == subject }!, target: target)
    }

    static func steps(_ analysis: WhatIfAnalysis, _ code: String) -> [(to: Value, gain: Exact)] {
        (analysis.opportunities.first { $0.code == code }?.steps ?? []).map { ($0.changes.last!.to, $0.gain) }
    }

    static func n(_ text: String) -> Value { .number(Fixed(text)!) }
    static func x(_ text: String) -> Exact { Exact(Fixed(text)!) }

    // R4: each better tier, reached at its bound.
    @Test func tiers_aTierJustReached() throws {
        let report = try Self.report("""
              - code: a
                name: 达标率
                max: 10
                rule: {kind: tiers, tiers: [{from: 90%, points: 10}, {from: 80%, to: 90%, points: 6}, {to: 80%, points: 0}]}
            """, subjects: "  - {id: s, values: {a: \"78.5%\"}}")
        let analysis = Self.analyse(report, target: "良")
        let steps = Self.steps(analysis, "a")
        #expect(steps.map(\.to) == [Self.n("0.8"), Self.n("0.9")])
        #expect(steps.map(\.gain) == [Exact(6), Exact(10)])
        #expect(analysis.opportunities[0].steps[0].text == "a 达标率 78.5% → 80.0%：得分 0.00 → 6.00，+6.00 分")
        // 80% pays 6 (中); 良 needs 8, so only the 90% tier reaches it: one change, and no value below 90% does.
        #expect(analysis.plan?.changes.map(\.to) == [Self.n("0.9")])
        #expect(analysis.plan?.method == .exhaustive)
        #expect(analysis.plan?.after.total == Exact(10) && analysis.plan?.after.grade == "优")
    }

    // R6: in whole steps, the deduction falls only once the gap is less than a whole number of steps: 823.6 of 850
    // in steps of 10 is 26.4 short, 2 steps (−1.0); 830.1 leaves 19.9, 1 step; 840.1 leaves 9.9, none.
    @Test func shortfall_wholeSteps_breakJustPastEachStep() throws {
        let report = try Self.report("""
              - {code: b, name: 征收入库, max: 20, target: 850, rule: {kind: shortfall, step: 10, deduct: 0.5, steps: whole}}
            """, total: 20, subjects: "  - {id: s, values: {b: 823.6}}")
        let analysis = Self.analyse(report)
        #expect(analysis.opportunities[0].score == Exact(19))
        #expect(Self.steps(analysis, "b").map(\.to) == [Self.n("830.1"), Self.n("840.1")])
        #expect(Self.steps(analysis, "b").map(\.gain) == [Self.x("0.5"), Exact(1)])
    }

    // R5 proportional: 26.4 short × 0.05 = 1.32 off (18.68); one step closer (833.6: 16.4 × 0.05 = 0.82 off, 19.18) and the target.
    @Test func shortfall_proportional_oneStepThenTheTarget() throws {
        let report = try Self.report("""
              - {code: b, name: 征收入库, max: 20, target: 850, rule: {kind: shortfall, step: 10, deduct: 0.5}}
            """, total: 20, subjects: "  - {id: s, values: {b: 823.6}}")
        let steps = Self.steps(Self.analyse(report), "b")
        #expect(steps.map(\.to) == [Self.n("833.6"), Self.n("850")])
        #expect(steps.map(\.gain) == [Self.x("0.5"), Self.x("1.32")])
    }

    // R3: at the threshold; and a deduction that needs fewer than 5 cases (5例以上扣0.5分): 6 → 4.
    @Test func threshold_reachedAtTheBound_andStrictBoundsOneGrainPast() throws {
        let report = try Self.report("""
              - {code: c, name: 培训人次, max: 4, rule: {kind: threshold, op: ">=", value: 100}}
              - {code: d, name: 应落实未落实, kind: deduction, max: 0.5, rule: {kind: threshold, input: 例数, op: "<", value: 5, pass: 0, fail: -0.5}}
              - {code: e, name: 制度健全性, max: 6, rule: {kind: threshold, accept: [健全]}}
            """, subjects: "  - {id: s, inputs: {例数: 6}, values: {c: 96, e: 不健全}}")
        let analysis = Self.analyse(report)
        #expect(Self.steps(analysis, "c").map(\.to) == [.number(100)])
        #expect(Self.steps(analysis, "c").map(\.gain) == [Exact(4)])
        #expect(Self.steps(analysis, "d").map(\.to) == [.number(4)])
        #expect(Self.steps(analysis, "d").map(\.gain) == [Self.x("0.5")])
        #expect(analysis.opportunities.first { $0.code == "d" }?.steps.first?.changes.first?.key == "例数")
        #expect(Self.steps(analysis, "e").map(\.to) == [.text("健全")])
        #expect(Self.steps(analysis, "e").map(\.gain) == [Exact(6)])
    }

    // R14: four peers on a linear 1.0 → 0.6 curve: ranks 1…4 pay 12 × 1, 13/15, 11/15, 0.6 = 12, 10.4, 8.8, 7.2.
    // Reaching a better-ranked peer's value ties it, and ties share the better rank.
    @Test func ranking_eachBetterRankedPeerOvertaken() throws {
        let report = try Self.report("""
              - {code: r, name: 落实精准度, max: 12, rule: {kind: ranking, metric: 落实精准度, order: desc, coefficient: {first: 1.0, last: 0.6}}}
            """, total: 12, subjects: """
              - {id: A, inputs: {落实精准度: "95%"}}
              - {id: B, inputs: {落实精准度: "93.4%"}}
              - {id: C, inputs: {落实精准度: "91.2%"}}
              - {id: s, inputs: {落实精准度: "88.6%"}}
            """)
        let analysis = Self.analyse(report)
        let opportunity = try #require(analysis.opportunities.first { $0.code == "r" })
        #expect(opportunity.score == Self.x("7.2"))
        #expect(opportunity.steps.map { $0.changes[0].to } == [Self.n("0.912"), Self.n("0.934"), Self.n("0.95")])
        #expect(opportunity.steps.map(\.gain) == [Self.x("1.6"), Self.x("3.2"), Self.x("4.8")])
        #expect(opportunity.steps.map(\.rankAfter) == [3, 2, 1])
        #expect(opportunity.steps[0].text == "落实精准度 88.6% → 91.2%：排名 4 → 3，+1.60 分")
        #expect(analysis.assumptions.contains { $0.contains("排名类指标假定同级的其他考核对象保持现在的数值不变") })
    }

    // R14 + R25: the metric is a quotient; its numerator moves (the denominator, 入库残疾人人数, never does), exactly
    // to the peer's 100 元 per person: 100 × 21,305 = 2,130,500.
    @Test func ranking_onAFormula_movesTheNumeratorToThePeersValue() throws {
        let report = try Self.report("""
              - {code: r, name: 人均投入资金, max: 2, rule: {kind: ranking, metric: 人均投入资金, order: desc, coefficient: {first: 1.0, last: 0.6}}}
            """, total: 2, bands: "{grade: 优, min: 1.8}, {grade: 差, min: 0}", subjects: """
              - {id: A, inputs: {资金: 1486200, 人数: 14862}}
              - {id: s, inputs: {资金: 1900000, 人数: 21305}}
            """, metrics: "metrics: {人均投入资金: 资金 / 人数}")
        let step = try #require(Self.analyse(report).opportunities.first?.steps.first)
        #expect(step.changes.map(\.key) == ["资金"])
        #expect(step.changes[0].to == .number(2_130_500))
        #expect(step.gain == Self.x("0.8"))  // 2 × 1.0 − 2 × 0.6
    }

    // R11: one incident less at a time, but above the cap (5 of 7) the first two change nothing; a ladder at its rungs.
    @Test func incidents_countDown_pastTheCapAndDownALadder() throws {
        let report = try Self.report("""
              - {code: i, name: 值班制度, max: 5, rule: {kind: incidents, deduct: 1, cap: 5}}
              - code: k
                name: 旷工
                max: 10
                rule: {kind: incidents, ladder: [{count: 1, deduct: 2}, {count: 2, deduct: 5}, {count: 3, deduct: 10}]}
            """, total: 15, subjects: "  - {id: s, values: {i: 7, k: 3}}")
        let analysis = Self.analyse(report)
        let capped = try #require(analysis.opportunities.first { $0.code == "i" })
        #expect(capped.breakpoints == 5)  // 4, 3, 2, 1, 0
        #expect(capped.steps.map { $0.changes[0].to } == [.number(4), .number(3), .number(2), .number(1), .number(0)])
        #expect(capped.steps.map(\.gain) == [Exact(1), Exact(2), Exact(3), Exact(4), Exact(5)])
        #expect(Self.steps(analysis, "k").map(\.to) == [.number(2), .number(1), .number(0)])
        #expect(Self.steps(analysis, "k").map(\.gain) == [Exact(5), Exact(8), Exact(10)])
    }

    // R1 to full marks; R2 to a rate of 100%, moving the count of late reports and not the count required.
    @Test func proportionalAndRate_toFullMarks() throws {
        let report = try Self.report("""
              - {code: p, name: 慰问人数, max: 1.58, target: 100, rule: {kind: proportional}}
              - {code: q, name: 绩效考核工作, max: 10, rule: {kind: rate, rate: "1 - 未按时上报次数 / 应上报次数"}}
            """, total: 12, subjects: "  - {id: s, inputs: {未按时上报次数: 1, 应上报次数: 12}, values: {p: 50}}")
        let analysis = Self.analyse(report)
        #expect(Self.steps(analysis, "p").map(\.to) == [.number(100)])
        #expect(Self.steps(analysis, "p").map(\.gain) == [Self.x("0.79")])  // 1.58 − 0.79
        let rate = try #require(analysis.opportunities.first { $0.code == "q" }?.steps.first)
        #expect(rate.changes.map(\.key) == ["未按时上报次数"])
        #expect(rate.changes[0].to == .number(0))
        #expect(rate.gain == Self.x("0.83"))  // 10 − 9.17 (10 × 11/12 = 9.1666… → 9.17)
    }

    // R9, R10, R15, R12, R22, R8: a month earlier at a time; the unmet items, most points first; each better growth
    // tier at its start (10,000 last year: 1% is 10,100, 2% is 10,200); one item more up to the cap; full marks.
    @Test func otherKinds_theirBreakpoints() throws {
        let report = try Self.report("""
              - {code: l, name: 完成及时性, max: 1.11, rule: {kind: lateness, due: 2019-10, deduct: 0.15}}
              - code: k
                name: 立项依据
                max: 2
                rule: {kind: checklist, items: [{id: "1", text: 甲, points: 1}, {id: "2", text: 乙, points: 0.5}, {id: "3", text: 丙, points: 0.5}]}
              - code: g
                name: 缴费人数增长
                max: 4
                rule:
                  kind: growth
                  current: 人数
                  previous: 上年人数
                  tiers: [{to: 0, to_inclusive: true, points: 0}, {from: 0, from_exclusive: true, to: 1%, points: 2}, {from: 1%, to: 2%, points: 3}, {from: 2%, points: 4}]
              - {code: b, name: 信息发布, kind: bonus, max: 2, rule: {kind: bonus, per: 0.5, free: 12, cap: 2}}
              - {code: r, name: 驻村扶贫, max: 40, rule: {kind: rescale, input: 检查得分, from: 100}}
              - {code: d, name: 活动场次, max: 1.25, target: 40, rule: {kind: deviation}}
            """, total: 50, subjects: """
              - {id: s, inputs: {人数: 10050, 上年人数: 10000, 检查得分: 85}, values: {l: 2019-12, k: ["2"], b: 13, d: 36}}
            """)
        let analysis = Self.analyse(report)
        #expect(Self.steps(analysis, "l").map(\.to) == [.text("2019-11"), .text("2019-10")])
        #expect(Self.steps(analysis, "l").map(\.gain) == [Self.x("0.15"), Self.x("0.3")])
        #expect(Self.steps(analysis, "k").map(\.to) == [.list([.text("2"), .text("1")]), .list([.text("2"), .text("1"), .text("3")])])
        #expect(Self.steps(analysis, "k").map(\.gain) == [Exact(1), Self.x("1.5")])
        #expect(Self.steps(analysis, "g").map(\.to) == [.number(10100), .number(10200)])
        #expect(Self.steps(analysis, "g").map(\.gain) == [Exact(1), Exact(2)])
        #expect(Self.steps(analysis, "b").map(\.to) == [.number(14), .number(15), .number(16)])
        #expect(Self.steps(analysis, "b").map(\.gain) == [Self.x("0.5"), Exact(1), Self.x("1.5")])
        #expect(Self.steps(analysis, "r").map(\.to) == [.number(100)])
        #expect(Self.steps(analysis, "r").map(\.gain) == [Exact(6)])  // 40 − 85 × 0.4
        #expect(Self.steps(analysis, "d").map(\.to) == [.number(40)])
        #expect(Self.steps(analysis, "d").map(\.gain) == [Self.x("0.12")])  // 1.25 − (1 − 4/40) × 1.25 = 1.125 → 1.13
    }

    // A formula over yes/no figures that needs both: flipping one gains nothing, the pair gains the 0.5.
    @Test func flags_flippedTogetherWhenOneAloneGainsNothing() throws {
        let report = try Self.report("""
              - {code: t, name: 托养服务, kind: deduction, max: 0.5, rule: {kind: formula, score: "if(集中托养 and 居家托养, 0, -0.5)"}}
              - {code: u, name: 其他, max: 10, rule: {kind: judged}}
            """, subjects: "  - {id: s, inputs: {集中托养: false, 居家托养: false}, values: {u: 9}}")
        let opportunity = try #require(Self.analyse(report).opportunities.first { $0.code == "t" })
        #expect(opportunity.steps.count == 1)
        #expect(Set(opportunity.steps[0].changes.map(\.key)) == ["集中托养", "居家托养"])
        #expect(opportunity.steps[0].gain == Self.x("0.5"))
    }

    // Judged scores and vetoed indicators are shown, and why no figure moves them.
    @Test func judgedAndVetoed_areNotChangeableByFigures() throws {
        let report = try Self.report("""
              - {code: j, name: 领导评价, max: 6, rule: {kind: judged}}
              - {code: v, name: 质量达标, max: 4, veto: 受到投诉, rule: {kind: threshold, op: ">=", value: 1}}
            """, subjects: "  - {id: s, inputs: {受到投诉: true}, values: {j: 5, v: 0}}")
        let analysis = Self.analyse(report)
        let judged = try #require(analysis.opportunities.first { $0.code == "j" })
        #expect(!judged.changeable && judged.why == "评分人给分，不由填报数字决定" && judged.open == Exact(1))
        let vetoed = try #require(analysis.opportunities.first { $0.code == "v" })
        #expect(!vetoed.changeable && vetoed.why?.hasPrefix("否决条件 受到投诉 成立") == true && vetoed.steps.isEmpty)
    }

    // The plan: the fewest changes (a pair, the cheapest pair), then three (greedy), each verified.
    @Test func plan_fewestChanges_cheapestFirst() throws {
        let indicators = """
              - {code: x, name: 甲, max: 4, rule: {kind: threshold, input: 甲数, op: ">=", value: 100}}
              - {code: y, name: 乙, max: 4, rule: {kind: threshold, input: 乙数, op: ">=", value: 100}}
              - {code: z, name: 丙, max: 4, rule: {kind: threshold, input: 丙数, op: ">=", value: 100}}
            """
        let subjects = "  - {id: s, inputs: {甲数: 90, 乙数: 50, 丙数: 99}}"
        let bands = "{grade: 优, min: 12}, {grade: 良, min: 8}, {grade: 中, min: 4}, {grade: 差, min: 0}"
        let report = try Self.report(indicators, total: 12, bands: bands, subjects: subjects)
        let pair = try #require(Self.analyse(report, target: "良").plan)
        #expect(pair.reachable && pair.method == .exhaustive)
        #expect(Set(pair.changes.map(\.key)) == ["甲数", "丙数"])  // 11.1% and 1%, not 乙数's 100%
        #expect(pair.after.total == Exact(8) && pair.after.grade == "良")
        let all = try #require(Self.analyse(report, target: "优").plan)
        #expect(all.reachable && all.method == .greedy && all.changes.count == 3 && all.after.total == Exact(12))
        #expect(Self.analyse(report, target: "优").assumptions.contains { $0.contains("贪心") })
        let distances = Self.analyse(report).distances
        #expect(distances.map(\.grade) == ["中", "良", "优"])
        #expect(distances.map(\.pointsNeeded) == [Exact(4), Exact(8), Exact(12)])
    }

    // A threshold grade (三等: 80 and below) blocks the rank grades until the score is above it.
    @Test func distance_throughAnInclusiveThreshold() throws {
        let scheme = try SchemeFile.parse("""
            scheme: {id: T, name: 测试, total: 100, subject_kind: person}
            grades:
              veto: [{when: subject.受处分, grade: 四等}]
              below: {score: 80, grade: 三等, inclusive: true}
              by_rank: [{grade: 一等, share: 20%}, {grade: 二等, share: 100%}]
            attributes: [{name: 受处分}]
            indicators:
              - {code: a, name: 业绩, max: 100, rule: {kind: judged}}
            """, file: "t.yaml")
        let people = (1...5).map { "  - {id: p\($0), attributes: {受处分: \($0 == 5)}, values: {a: \([95, 90, 85, 78, 99][$0 - 1])}}" }
        let data = try DataFile.parse("scheme: T\nperiod: \"2020\"\nsubjects:\n" + people.joined(separator: "\n"), file: "d.yaml")
        let report = try Engine(CompiledScheme(scheme)).score(data)
        let low = WhatIf.analyse(report, stage: 0, subject: 3, target: nil)
        #expect(low.standing.grade == "三等")
        // 二等 needs above 80 (80.01); 一等 (5 × 20% = 1) needs p1's 95.
        #expect(low.distances.map(\.grade) == ["二等", "一等"])
        #expect(low.distances.map(\.pointsNeeded) == [Self.x("2.01"), Exact(17)])
        #expect(low.plan?.reachable == false)  // a judged score: no figure moves it
        let vetoed = WhatIf.analyse(report, stage: 0, subject: 4, target: "二等")
        #expect(vetoed.distances.allSatisfy { $0.pointsNeeded == nil && $0.blockedBy?.contains("受处分") == true })
        #expect(vetoed.plan?.reachable == false && vetoed.plan?.why?.contains("分数再高也不能定为 二等") == true)
    }

    // Several figures at once, nothing stored; keys as the server's preview keys them.
    @Test func trial_rescoresSeveralFigures() throws {
        let report = try Self.report("""
              - {code: c, name: 培训人次, max: 4, rule: {kind: threshold, op: ">=", value: 100}}
              - {code: q, name: 完成率, max: 6, rule: {kind: rate, rate: 完成率}}
            """, subjects: "  - {id: s, inputs: {完成率: \"50%\"}, values: {c: 96}}")
        let trial = try WhatIf.trial(report, stage: 0, subject: 0, figures: ["#c": .number(100), "完成率": Self.n("0.9")])
        #expect(trial.before.total == Exact(3) && trial.before.grade == "差")
        #expect(trial.after.total == Self.x("9.4") && trial.after.grade == "优")  // 4 + 90% × 6
        #expect(trial.gain == Self.x("6.4"))
        #expect(trial.indicators.map(\.code) == ["c", "q"])
        #expect(report.data.subjects[0].values["c"] == .number(96))  // nothing stored
        #expect(throws: WhatIfError.unknownFigure("完成数")) { try WhatIf.trial(report, stage: 0, subject: 0, figures: ["完成数": .number(1)]) }
        #expect(throws: WhatIfError.unknownFigure("#zz")) { try WhatIf.trial(report, stage: 0, subject: 0, figures: ["#zz": .number(1)]) }
        #expect(throws: WhatIfError.noSubject(3)) { try WhatIf.trial(report, stage: 0, subject: 3, figures: [:]) }
    }
}
