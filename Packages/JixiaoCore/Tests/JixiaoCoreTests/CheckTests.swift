import Testing
@testable import JixiaoCore

@Suite struct CheckTests {
    func problems(_ indicators: [Indicator], total: Fixed = 10, metrics: [(name: String, formula: Expression)] = [],
                  requireSum: Bool = false) -> [Problem] {
        SchemeChecks.check(Scheme(id: "t", name: "t", total: total, requireChildrenSum: requireSum, metrics: metrics, indicators: indicators))
    }

    @Test func tiers_gapWarns_overlapIsAnError() {
        let gap = Rule.tiers(input: valueExpr, tiers: [Tier(from: nil, to: n("0.8"), points: 0), Tier(from: n("0.85"), to: nil, points: 10)])
        let overlap = Rule.tiers(input: valueExpr, tiers: [Tier(from: nil, to: n("0.9"), points: 0), Tier(from: n("0.85"), to: nil, points: 10)])
        let ok = Rule.tiers(input: valueExpr, tiers: [Tier(from: nil, to: n("0.8"), points: 0), Tier(from: n("0.8"), to: nil, points: 10)])
        #expect(problems([leaf(rule: gap)]).contains { $0.severity == .warning && $0.message.contains("空档") })
        #expect(problems([leaf(rule: overlap)]).contains { $0.severity == .error && $0.message.contains("重叠") })
        #expect(problems([leaf(rule: ok)]).filter { $0.severity == .error }.isEmpty)
    }

    @Test func payingMoreThanMax_isFlagged() {
        let rule = Rule.tiers(input: valueExpr, tiers: [Tier(from: nil, to: nil, points: n("8.8"))])
        let found = problems([leaf(max: n("1.03"), rule: rule)], total: n("1.03"))
        #expect(found.contains { $0.message.contains("8.8") && $0.message.contains("1.03") })
        let pass = Rule.threshold(Threshold(input: valueExpr, op: .greaterOrEqual, value: .constant(.number(1)), accept: [],
                                            pass: .constant(.number(5)), fail: .constant(.number(0))))
        #expect(problems([leaf(max: 4, rule: pass)], total: 4).contains { $0.message.contains("超过指标分值 4") })
    }

    @Test func childrenNotSummingToParent_warnsOrFails() {
        let tree = [Indicator(code: "g", name: "g", max: 10, children: [leaf("a", max: 6, rule: nil), leaf("b", max: 3, rule: nil)])]
        #expect(problems(tree).contains { $0.severity == .warning && $0.message.contains("9") })
        #expect(problems(tree, requireSum: true).contains { $0.severity == .error && $0.message.contains("9") })
    }

    @Test func deductionCapLargerThanIndicator_isFlagged() {
        let rule = Rule.incidents(Incidents(count: valueExpr, deduct: 1, ladder: [], cap: 8, base: nil))
        #expect(problems([leaf(max: 5, rule: rule)], total: 5).contains { $0.message.contains("扣分上限 8") })
    }

    @Test func unknownReferencesAndCycles_areErrors() {
        let unknown = problems([leaf(rule: Rule.formula(score: expr("score(\"zz\")")))])
        #expect(unknown.contains { $0.severity == .error && $0.message.contains("zz") })
        let cycle = problems([leaf("a", max: 5, rule: Rule.formula(score: expr("score('b')"))), leaf("b", max: 5, rule: Rule.formula(score: expr("score('a')")))])
        #expect(cycle.contains { $0.severity == .error && $0.message.contains("循环") })
        let metricCycle = problems([leaf(rule: Rule.formula(score: expr("x")))], metrics: [(name: "x", formula: expr("y + 1")), (name: "y", formula: expr("x * 2"))])
        #expect(metricCycle.contains { $0.severity == .error && $0.message.contains("x → y → x") || $0.message.contains("y → x → y") })
        let badFund = problems([leaf(rule: Rule.rate(rate: expr("fund.不存在")))])
        #expect(badFund.contains { $0.severity == .error && $0.message.contains("不存在") })
    }
}
