import Testing
@testable import JixiaoCore

/// Each rule kind at its edges: exactly at a threshold, just below, zero, above the cap, negative where allowed.
@Suite struct RuleTests {
    // R1
    @Test func proportional_scalesAndCapsAtMax() {
        let rule = Rule.proportional(input: valueExpr, target: nil)
        #expect(scoreOf(rule, max: n("1.58"), target: .number(100), value: .number(50)) == n("0.79"))
        #expect(scoreOf(rule, max: n("1.58"), target: .number(100), value: .number(100)) == n("1.58"))
        #expect(scoreOf(rule, max: n("1.58"), target: .number(100), value: .number(250)) == n("1.58"))
        #expect(scoreOf(rule, max: n("1.58"), target: .number(100), value: .number(0)) == .zero)
        #expect(outcome(rule, target: .number(0), value: .number(5)) == .failed("除数为零：实际值 ÷ 目标值（目标为 0）"))
    }

    // R2
    @Test func rate_timesWeight() {
        let rule = Rule.rate(rate: valueExpr)
        #expect(scoreOf(rule, max: n("2.27"), value: .number(n("0.919"))) == n("2.09"))
        #expect(scoreOf(rule, max: n("2.27"), value: .number(n("0.9615"))) == n("2.18"))
        #expect(scoreOf(rule, max: n("2.27"), value: .number(n("1.2"))) == n("2.27"))
    }

    // R3
    @Test func threshold_atBoundPasses_justBelowFails() {
        let rule = Rule.threshold(Threshold(input: valueExpr, op: .greaterOrEqual, value: .constant(.number(100)), accept: [],
                                            pass: expr("max"), fail: .constant(.number(.zero))))
        #expect(scoreOf(rule, max: n("1.11"), value: .number(100)) == n("1.11"))
        #expect(scoreOf(rule, max: n("1.11"), value: .number(n("99.99"))) == .zero)
        #expect(outcome(rule, max: n("1.11"), value: nil) == .missing("a 指标a 的填报值"))
        let qualitative = Rule.threshold(Threshold(input: valueExpr, op: .equal, value: nil, accept: ["健全", "合格"],
                                                   pass: expr("max"), fail: .constant(.number(.zero))))
        #expect(scoreOf(qualitative, max: n("2.27"), value: .text("健全")) == n("2.27"))
        #expect(scoreOf(qualitative, max: n("2.27"), value: .text("不健全")) == .zero)
    }

    // R4
    @Test func tiers_boundsInclusiveBelowExclusiveAbove() {
        let rule = Rule.tiers(input: valueExpr, tiers: [
            Tier(from: n("0.9"), to: nil, points: n("2.27")),
            Tier(from: n("0.8"), to: n("0.9"), points: n("1.27")),
            Tier(from: nil, to: n("0.8"), points: .zero),
        ])
        #expect(scoreOf(rule, max: n("2.27"), value: .number(n("0.9"))) == n("2.27"))
        #expect(scoreOf(rule, max: n("2.27"), value: .number(n("0.8999"))) == n("1.27"))
        #expect(scoreOf(rule, max: n("2.27"), value: .number(n("0.8"))) == n("1.27"))
        #expect(scoreOf(rule, max: n("2.27"), value: .number(n("0.7999"))) == .zero)
        // A tier paying more than the max (seed 002: 8.8 on a 1.03 indicator) is capped.
        let generous = Rule.tiers(input: valueExpr, tiers: [Tier(from: nil, to: nil, points: n("8.8"))])
        #expect(scoreOf(generous, max: n("1.03"), value: .number(1)) == n("1.03"))
    }

    // R5, R6, R7
    @Test func shortfall_proportionalAndWholeSteps_cutoffAndFloor() {
        let perPoint = Rule.shortfall(Shortfall(input: valueExpr, target: nil, step: n("0.01"), deduct: n("0.5"), steps: .proportional,
                                                above: false, base: nil, floor: nil, cutoff: .constant(.number(n("0.6"))), cutoffScore: .zero))
        // 80% target, 74.6% actual: 5.4 points short × 0.5 = 2.7.
        #expect(scoreOf(perPoint, max: 3, target: .number(n("0.8")), value: .number(n("0.746"))) == n("0.3"))
        #expect(scoreOf(perPoint, max: 3, target: .number(n("0.8")), value: .number(n("0.8"))) == 3)
        #expect(scoreOf(perPoint, max: 3, target: .number(n("0.8")), value: .number(n("0.95"))) == 3)
        // R7: below 60% scores 0 regardless; at 60% the deduction (10) floors at 0.
        #expect(scoreOf(perPoint, max: 3, target: .number(n("0.8")), value: .number(n("0.5999"))) == .zero)
        #expect(scoreOf(perPoint, max: 3, target: .number(n("0.8")), value: .number(n("0.6"))) == .zero)
        // R6 whole steps: 7 short in steps of 3 = 2 steps.
        let whole = Rule.shortfall(Shortfall(input: valueExpr, target: nil, step: 3, deduct: 1, steps: .whole, above: false,
                                             base: nil, floor: nil, cutoff: nil, cutoffScore: .zero))
        #expect(scoreOf(whole, max: 10, target: .number(20), value: .number(13)) == 8)
        // Seed 002: 每减少26家扣1分, 110 target, 100 done: 10 short is no whole step.
        let perTwentySix = Rule.shortfall(Shortfall(input: valueExpr, target: nil, step: 26, deduct: 1, steps: .whole, above: false,
                                                    base: nil, floor: nil, cutoff: nil, cutoffScore: .zero))
        #expect(scoreOf(perTwentySix, max: n("3.33"), target: .number(110), value: .number(100)) == n("3.33"))
        #expect(scoreOf(perTwentySix, max: n("3.33"), target: .number(110), value: .number(84)) == n("2.33"))
        // R19: a floor below zero lets the deduction go negative.
        let negative = Rule.shortfall(Shortfall(input: valueExpr, target: nil, step: 1, deduct: 1, steps: .proportional, above: false,
                                                base: nil, floor: -5, cutoff: nil, cutoffScore: .zero))
        #expect(scoreOf(negative, max: 2, target: .number(10), value: .number(0), floor: -5) == -5)
    }

    // R8
    @Test func deviation_eitherWay() {
        let rule = Rule.deviation(input: valueExpr, target: nil)
        #expect(scoreOf(rule, max: n("1.25"), target: .number(40), value: .number(40)) == n("1.25"))
        #expect(scoreOf(rule, max: n("1.25"), target: .number(40), value: .number(36)) == n("1.13"))  // 0.9 × 1.25 = 1.125
        #expect(scoreOf(rule, max: n("1.25"), target: .number(40), value: .number(44)) == n("1.13"))
        #expect(scoreOf(rule, max: n("1.25"), target: .number(40), value: .number(100)) == .zero)
    }

    // R9
    @Test func lateness_perMonth_nextYearZero() {
        let rule = Rule.lateness(Lateness(input: valueExpr, due: YearMonth(year: 2019, month: 10), deduct: n("0.15"), nextYear: .zero))
        #expect(scoreOf(rule, max: n("1.11"), value: .text("2019-10")) == n("1.11"))
        #expect(scoreOf(rule, max: n("1.11"), value: .text("2019-12")) == n("0.81"))
        #expect(scoreOf(rule, max: n("1.11"), value: .text("2020-01")) == .zero)
        #expect(scoreOf(rule, max: n("1.11"), value: .text("及时")) == n("1.11"))
        #expect(outcome(rule, max: n("1.11"), value: .text("下个月")) == .failed("完成时间 “下个月” 不是年月（如 2020-02）"))
    }

    // R10
    @Test func checklist_sumsSatisfiedItems() {
        let rule = Rule.checklist(items: [
            ChecklistItem(id: "1", text: "符合法律", points: 1), ChecklistItem(id: "2", text: "符合规划", points: n("0.5")),
            ChecklistItem(id: "3", text: "属于事权", points: n("0.5")), ChecklistItem(id: "4", text: "程序规范", points: n("0.5")),
            ChecklistItem(id: "5", text: "不重复", points: 1),
        ])
        #expect(scoreOf(rule, max: 3, value: .text("all")) == 3)
        #expect(scoreOf(rule, max: 3, value: .list([.text("1"), .text("5")])) == 2)
        #expect(scoreOf(rule, max: 3, value: .list([])) == .zero)
        #expect(outcome(rule, max: 3, value: .list([.text("9")])) == .failed("清单中没有条目：9"))
    }

    // R11
    @Test func incidents_perIncidentCapped_andLadder() {
        let perIncident = Rule.incidents(Incidents(count: valueExpr, deduct: 1, ladder: [], cap: 5, base: nil))
        #expect(scoreOf(perIncident, max: 5, value: .number(0)) == 5)
        #expect(scoreOf(perIncident, max: 5, value: .number(3)) == 2)
        #expect(scoreOf(perIncident, max: 5, value: .number(9)) == .zero)
        #expect(outcome(perIncident, max: 5, value: .number(n("1.5"))) == .failed("次数应为非负整数，实际是 1.5"))
        let ladder = Rule.incidents(Incidents(count: valueExpr, deduct: nil,
                                              ladder: [LadderRung(count: 1, deduct: 2), LadderRung(count: 2, deduct: 5), LadderRung(count: 3, deduct: 10)],
                                              cap: 10, base: nil))
        #expect(scoreOf(ladder, max: 10, value: .number(1)) == 8)
        #expect(scoreOf(ladder, max: 10, value: .number(2)) == 5)
        #expect(scoreOf(ladder, max: 10, value: .number(4)) == .zero)
        // A deduction indicator starts at 0 and goes down to −max.
        let deduction = Rule.incidents(Incidents(count: valueExpr, deduct: n("0.1"), ladder: [], cap: 2, base: nil))
        #expect(scoreOf(deduction, max: 2, kind: .deduction, value: .number(7)) == n("-0.7"))
        #expect(scoreOf(deduction, max: 2, kind: .deduction, value: .number(40)) == -2)
    }

    // R12
    @Test func bonus_freeItemsCap_levels_highestOnly() {
        let articles = Rule.bonus(Bonus(items: valueExpr, per: n("0.5"), points: [:], free: 12, highestOnly: false, cap: 2, uncapped: false))
        #expect(scoreOf(articles, max: 2, kind: .bonus, value: .number(12)) == .zero)
        #expect(scoreOf(articles, max: 2, kind: .bonus, value: .number(15)) == n("1.5"))
        #expect(scoreOf(articles, max: 2, kind: .bonus, value: .number(30)) == 2)
        let papers = Rule.bonus(Bonus(items: valueExpr, per: nil, points: ["州": 2, "省": 4, "国家": 6], free: 0, highestOnly: true,
                                      cap: nil, uncapped: true))
        let items: Value = .list([.list([.text("州"), .text("A")]), .list([.text("省"), .text("A")]), .list([.text("国家"), .text("B")])])
        #expect(scoreOf(papers, max: 100, kind: .bonus, value: items) == 10)  // A counts once at 省 (4) + B 6
    }

    // R13, R24
    @Test func judged_rangeValidated_listsSummed() {
        let activities = Rule.judged(Judged(each: n("0.5")...3, reasonRequired: false))
        #expect(scoreOf(activities, max: 10, kind: .bonus, value: .list([.number(n("0.5")), .number(3)])) == n("3.5"))
        #expect(outcome(activities, max: 10, kind: .bonus, value: .list([.number(4)])) == .failed("第 1 项给分 4 不在允许范围 0.5–3 内"))
        let discretion = Rule.judged(Judged(each: nil, reasonRequired: true))
        #expect(scoreOf(discretion, max: 3, value: .number(n("2.56"))) == n("2.56"))
        #expect(outcome(discretion, max: 3, value: .number(4)) == .failed("给分 4 超出本指标范围 0–3"))
    }

    // R22
    @Test func rescale_externalScore() {
        let rule = Rule.rescale(input: valueExpr, from: 100)
        #expect(scoreOf(rule, max: 40, value: .number(92)) == n("36.8"))
        #expect(scoreOf(rule, max: 40, value: .number(100)) == 40)
    }

    // R23, R25
    @Test func formula_multiplierAndMetrics() {
        let rule = Rule.formula(score: expr("5 * 为单位加分"))
        #expect(scoreOf(rule, max: 100, kind: .bonus, value: nil, inputs: ["为单位加分": .number(n("0.4"))]) == 2)
        #expect(outcome(rule, max: 100, kind: .bonus, value: nil) == .missing("为单位加分"))
        let divide = Rule.formula(score: expr("a / b"))
        #expect(outcome(divide, value: nil, inputs: ["a": .number(1), "b": .number(0)]) == .failed("除数为零：a / b"))
    }

    // R15
    @Test func growth_tiersOverRate() {
        let rule = Rule.growth(Growth(current: expr("本年"), previous: expr("上年"), relative: true, tiers: [
            Tier(from: nil, to: 0, toInclusive: true, points: 0),
            Tier(from: 0, to: n("0.01"), fromExclusive: true, points: 2),
            Tier(from: n("0.01"), to: n("0.02"), points: 3),
            Tier(from: n("0.02"), to: nil, points: 4),
        ]))
        func growth(_ now: Int, _ before: Int) -> Fixed? {
            scoreOf(rule, max: 4, value: nil, inputs: ["本年": .number(Fixed(now)), "上年": .number(Fixed(before))])
        }
        #expect(growth(100, 100) == 0)
        #expect(growth(1005, 1000) == 2)
        #expect(growth(1010, 1000) == 3)
        #expect(growth(1020, 1000) == 4)
        #expect(growth(990, 1000) == 0)
    }

    @Test func notApplicable_isNotZero_andMissingIsNotZero() {
        let rule = Rule.rate(rate: valueExpr)
        #expect(outcome(rule, value: .notApplicable) == .notApplicable)
        #expect(outcome(rule, value: nil) == .missing("a 指标a 的填报值"))
        #expect(outcome(rule, value: .text("很多")) == .failed("“比率”需要数字，实际是文字 “很多”"))
    }
}
