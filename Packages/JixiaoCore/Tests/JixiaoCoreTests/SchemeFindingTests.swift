import Testing
@testable import JixiaoCore

/// The findings `validate` reports in the seeds (issue 8, item 6), each at its edge: the warning fires on a
/// minimal scheme and stays silent on the near miss. All are warnings: the scheme still compiles.
@Suite struct SchemeFindingTests {
    func check(_ indicators: [Indicator], total: Fixed? = nil, inputs: [String] = [], attributes: [String] = [],
               metrics: [(name: String, formula: Expression)] = [], grades: GradeRules? = nil) -> [Problem] {
        let total = total ?? indicators.filter { $0.kind == .regular }.map(\.max).reduce(Fixed.zero, +)
        var scheme = Scheme(id: "t", name: "t", total: total, inputs: inputs.map { InputDeclaration(name: $0) },
                            metrics: metrics, grades: grades, indicators: indicators)
        scheme.attributes = attributes.map { InputDeclaration(name: $0) }
        let problems = SchemeChecks.check(scheme)
        #expect(problems.allSatisfy { $0.severity == .warning }, "\(problems)")
        return problems
    }

    func warnings(_ indicators: [Indicator], total: Fixed? = nil, inputs: [String] = [], attributes: [String] = [],
                  metrics: [(name: String, formula: Expression)] = [], grades: GradeRules? = nil) -> [String] {
        check(indicators, total: total, inputs: inputs, attributes: attributes, metrics: metrics, grades: grades)
            .map { ($0.code.map { "[\($0)] " } ?? "") + $0.message }
    }

    func threshold(pass: Expression = expr("max"), fail: Expression = .constant(.number(0)), value: Fixed = 1) -> Rule {
        .threshold(Threshold(input: valueExpr, op: .greaterOrEqual, value: .constant(.number(value)), accept: [],
                             pass: pass, fail: fail))
    }

    func incidents(deduct: Fixed? = 1, ladder: [LadderRung] = [], cap: Fixed? = nil, base: Expression? = nil) -> Rule {
        .incidents(Incidents(count: valueExpr, deduct: deduct, ladder: ladder, cap: cap, base: base))
    }

    func number(_ text: String) -> Expression { .constant(.number(n(text))) }

    // MARK: - Names nothing declares

    @Test func undeclaredName_warns_declaredNamesDoNot() throws {
        let typo = leaf(max: 3, rule: .formula(score: expr("min(maxx, 3)")))
        let found = warnings([typo])
        #expect(found.count == 1)
        #expect(found[0].contains("[a]") && found[0].contains("“maxx”") && found[0].contains("未评分") && found[0].contains("是否应为 “max”"))
        // The scheme still compiles: a warning, not an error.
        _ = try CompiledScheme(Scheme(id: "t", name: "t", total: 3, indicators: [typo]))

        // Near misses: max itself, a declared input, a declared attribute read by its bare name, a metric, fund figures.
        #expect(warnings([leaf(max: 3, rule: .formula(score: expr("min(max, 3)")))]).isEmpty)
        #expect(warnings([leaf(max: 3, rule: .formula(score: expr("min(x, 3)")))], inputs: ["x"]).isEmpty)
        #expect(warnings([leaf(max: 3, rule: .formula(score: expr("if(x, 3, 0)")))], attributes: ["x"]).isEmpty)
        #expect(warnings([leaf(max: 3, rule: .formula(score: expr("min(m, 3)")))], inputs: ["x"], metrics: [("m", expr("x * 2"))]).isEmpty)
        #expect(warnings([leaf(max: 3, rule: .rate(rate: expr("fund.预算执行率")))]).isEmpty)
        #expect(warnings([leaf(max: 3, rule: .formula(score: expr("min(x, 3)")))]) .count == 1)
    }

    @Test func undeclaredName_inMetricsVetoVariantsEffectsAndGrades() {
        var indicator = leaf(max: 3, rule: .judged(Judged(each: nil, reasonRequired: false)))
        indicator.veto = expr("受到投诉")
        indicator.variants = [Variant(when: expr("subject.党员"), max: 2)]
        indicator.effects = [Effect(when: expr("雷同人数 >= 20"), zero: "a", parentDeduct: nil)]
        let grades = GradeRules(bands: [GradeBand(grade: "优", min: 0)], veto: [(expr("subject.受处分"), "四等")])
        let found = warnings([indicator], metrics: [("m", expr("甲 / 乙"))], grades: grades)
        #expect(found.contains { $0.hasPrefix("[a] veto ") && $0.contains("“受到投诉”") && $0.contains("否决条件按不成立处理") })
        #expect(found.contains { $0.hasPrefix("[a] variants ") && $0.contains("属性 “subject.党员” 未在 attributes 中声明") })
        #expect(found.contains { $0.hasPrefix("[a] effects ") && $0.contains("“雷同人数”") })
        #expect(found.contains { $0.hasPrefix("公式指标 m ") && $0.contains("“甲”") } && found.contains { $0.contains("“乙”") })
        #expect(found.contains { $0.contains("等级 “四等” 的否决条件") && $0.contains("subject.受处分") })
        #expect(found.count == 6)
        // Declared, all of them are silent.
        #expect(warnings([indicator], inputs: ["受到投诉", "雷同人数", "甲", "乙"], attributes: ["党员", "受处分"],
                         metrics: [("m", expr("甲 / 乙"))], grades: grades).isEmpty)
    }

    @Test func undeclaredName_thatIsAnIndicatorCode_saysHowToReferToIt() {
        let found = warnings([leaf("a", max: 3, rule: .judged(Judged(each: nil, reasonRequired: false))),
                              leaf("b", max: 3, rule: .formula(score: expr("a * 1")))])
        #expect(found.count == 1 && found[0].contains("score(\"a\")"))
        // score("a") and value("a") name indicators, not inputs.
        #expect(warnings([leaf("a", max: 3, rule: .judged(Judged(each: nil, reasonRequired: false))),
                          leaf("b", max: 3, rule: .formula(score: expr("score('a') + value('a') * 0")))]).isEmpty)
    }

    // MARK: - Full marks against max, per rule kind

    @Test func threshold_passBelowOrAboveMax() {
        // 002-02 2.3.3: 及时得 3.33 分 on a 3.36 indicator.
        #expect(warnings([leaf(max: n("3.36"), rule: threshold(pass: number("3.33")))]) == ["[a] 达标得 3.33 分，低于指标分值 3.36（满分无法达到）"])
        #expect(warnings([leaf(max: n("3.36"), rule: threshold(pass: number("3.36")))]).isEmpty)
        #expect(warnings([leaf(max: n("3.36"), rule: threshold())]).isEmpty)  // pass: max
        #expect(warnings([leaf(max: n("0.3"), rule: threshold(pass: number("0.55")))]) == ["[a] 达标得 0.55 分，超过指标分值 0.3（计分时按 0.3 封顶）"])
    }

    @Test func tiers_topTierBelowMax() {
        // 002-05 4.2.1: 90% ≤ x ≤ 100% 得 2.25 分 on a 2.5 indicator.
        func rule(_ top: String) -> Rule {
            .tiers(input: valueExpr, tiers: [Tier(from: n("0.9"), to: .one, toInclusive: true, points: n(top)),
                                              Tier(from: n("0.8"), to: n("0.9"), points: n("1.25")), Tier(from: nil, to: n("0.8"), points: 0)])
        }
        #expect(warnings([leaf(max: n("2.5"), rule: rule("2.25"))]) == ["[a] 最高档 [0.9, 1] 得 2.25 分，低于指标分值 2.5（满分无法达到）"])
        #expect(warnings([leaf(max: n("2.5"), rule: rule("2.5"))]).isEmpty)
    }

    @Test func incidents_baseAboveOrBelowMax() {
        // 004 失业保险统计: 达到省要求的得5分 on a 4-point indicator.
        #expect(warnings([leaf(max: 4, rule: incidents(cap: 5, base: number("5")))]) == ["[a] 起始分 base 5 分，超过指标分值 4（计分时按 4 封顶）"])
        #expect(warnings([leaf(max: 4, rule: incidents(base: number("4")))]).isEmpty)
        #expect(warnings([leaf(max: 4, rule: incidents(base: number("3")))]) == ["[a] 起始分 base 3 分，低于指标分值 4（满分无法达到）"])
        #expect(warnings([leaf(max: 4, rule: incidents())]).isEmpty)  // base: max
    }

    @Test func incidents_capComparedWithWhatCanBeDeducted() {
        // A cap above max with nothing below zero to deduct into.
        #expect(warnings([leaf(max: 5, rule: incidents(cap: 8))]) == ["[a] 扣分上限 8 大于指标分值 5：最多只能扣 5 分（从 5 扣到下限 0）"])
        #expect(warnings([leaf(max: 5, rule: incidents(cap: 5))]).isEmpty)
        // 003 A1: 扣完10分止 pooled over 5-point sub-items, whose floor −10 lets the deductions run on.
        #expect(warnings([leaf(max: 5, rule: incidents(deduct: 2, cap: 10), floor: -10)]).isEmpty)
        #expect(warnings([leaf(max: 5, rule: incidents(deduct: 2, cap: 16), floor: -10)]).count == 1)
    }

    @Test func incidents_oneDeductionLargerThanTheItem() {
        #expect(warnings([leaf(max: 5, rule: incidents(deduct: 6))]) == ["[a] 每次扣 6 分，超过本项可扣的 5 分（一次就扣过了头）"])
        #expect(warnings([leaf(max: 5, rule: incidents(deduct: 5))]).isEmpty)
        // 003 旷工: a deduction part (ladder 2 / 5 / 10) of a 5-point item 扣完5分止.
        func a4(_ last: Fixed, floor: Fixed? = 0) -> [Indicator] {
            let ladder = [LadderRung(count: 1, deduct: 2), LadderRung(count: 2, deduct: 5), LadderRung(count: 3, deduct: last)]
            return [Indicator(code: "A4", name: "考勤", max: 5, children: [
                leaf("A4.1", max: 10, kind: .deduction, rule: incidents(deduct: nil, ladder: ladder)),
                leaf("A4.2", max: 5, rule: incidents(deduct: n("0.5"))),
            ], floor: floor)]
        }
        #expect(warnings(a4(10)) == ["[A4.1] 阶梯 3 次扣 10 分，超过所在的 A4 考勤 可扣的 5 分"])
        #expect(warnings(a4(5)).isEmpty)
        // A parent without a floor is no pool (000 4.2: bonuses and deductions on a 0-point group).
        #expect(warnings(a4(10, floor: nil)).isEmpty)
    }

    @Test func shortfall_baseAgainstMax_deductionNeedsBaseZero() {
        func shortfall(base: Expression?) -> Rule {
            .shortfall(Shortfall(input: valueExpr, target: .constant(.number(100)), step: 1, deduct: 1, steps: .proportional,
                                 above: false, base: base, floor: nil, cutoff: nil, cutoffScore: 0))
        }
        #expect(warnings([leaf(max: 4, rule: shortfall(base: number("3")))]) == ["[a] 起始分 base 3 分，低于指标分值 4（满分无法达到）"])
        #expect(warnings([leaf(max: 4, rule: shortfall(base: nil))]).isEmpty)
        // A deduction indicator's shortfall starts from max unless base: 0 is written (R18).
        #expect(warnings([leaf(max: 10, kind: .deduction, rule: shortfall(base: nil))], total: 0)
                == ["[a] 扣分项起始分（未写 base，取分值） 10 分：扣分项不扣分时应得 0 分"])
        #expect(warnings([leaf(max: 10, kind: .deduction, rule: shortfall(base: number("0")))], total: 0).isEmpty)
    }

    @Test func deduction_thresholdPassesZero() {
        #expect(warnings([leaf(max: 1, kind: .deduction, rule: threshold(fail: number("-1")))], total: 0)
                == ["[a] 扣分项达标得 1 分：扣分项不扣分时应得 0 分"])
        #expect(warnings([leaf(max: 1, kind: .deduction, rule: threshold(pass: number("0"), fail: number("-1")))], total: 0).isEmpty)
    }

    @Test func formula_andRanking_bestAgainstMax() {
        #expect(warnings([leaf(max: 3, rule: .formula(score: expr("if(x, 2, 1)")))], inputs: ["x"]) == ["[a] 公式最多得 2 分，低于指标分值 3（满分无法达到）"])
        #expect(warnings([leaf(max: 3, rule: .formula(score: expr("if(x, 3, if(y, 2, 0))")))], inputs: ["x", "y"]).isEmpty)
        #expect(warnings([leaf(max: 3, rule: .formula(score: expr("min(x * 4, 2)")))], inputs: ["x"]).count == 1)
        #expect(warnings([leaf(max: 3, rule: .formula(score: expr("min(x * 4, max)")))], inputs: ["x"]).isEmpty)
        #expect(warnings([leaf(max: 3, rule: .formula(score: expr("x * 3")))], inputs: ["x"]).isEmpty)  // unknown: no claim
        func ranking(_ coefficient: Ranking.Coefficient) -> Rule {
            .ranking(Ranking(metric: expr("m"), descending: true, coefficient: coefficient, amongSiblings: false))
        }
        #expect(warnings([leaf(max: 4, rule: ranking(.table([n("0.9"), n("0.8")])))], inputs: ["m"]) == ["[a] 排名第一（系数 0.9）得 3.6 分，低于指标分值 4（满分无法达到）"])
        #expect(warnings([leaf(max: 4, rule: ranking(.linear(first: 1, last: n("0.6"))))], inputs: ["m"]).isEmpty)
    }

    @Test func variants_eachMaxIsChecked() {
        // 5分（党员3分）with the pass written as 5 pays 5 on a 3-point variant.
        var indicator = leaf(max: 5, rule: threshold(pass: number("5")))
        indicator.variants = [Variant(when: expr("subject.党员"), max: 3)]
        #expect(warnings([indicator], attributes: ["党员"]) == ["[a] 达标得 5 分，超过指标分值 3（计分时按 3 封顶）（subject.党员 时分值 3）"])
        indicator.rule = threshold()
        #expect(warnings([indicator], attributes: ["党员"]).isEmpty)
    }

    // MARK: - Printed parts of a judged indicator

    @Test func parts_addingUpAboveOrBelowMax() {
        // 001 2.1.4 资金使用合规性: 得3分 + 得2分 + 得1分 on 5.
        var indicator = leaf(max: 5, rule: .judged(Judged(each: nil, reasonRequired: false)))
        indicator.parts = [3, 2, 1]
        #expect(warnings([indicator]) == ["[a] 评分标准各部分合计 3 + 2 + 1 = 6 分，超过指标分值 5（每部分都给满分时超出分值）"])
        indicator.parts = [3, 2]
        #expect(warnings([indicator]).isEmpty)
        indicator.parts = [3, 1]
        #expect(warnings([indicator]) == ["[a] 评分标准各部分合计 3 + 1 = 4 分，少于指标分值 5（按评分标准给分满分无法达到）"])
    }

    // MARK: - The rule's threshold against the printed 目标值

    func printed(_ target: String, _ rule: Rule, max: Fixed = 1) -> [String] {
        var indicator = leaf(max: max, rule: rule)
        indicator.targetText = target
        return warnings([indicator])
    }

    @Test func target_threshold() {
        // 002-01 2.2.3: 目标值 98, 办公设备的合格率≥90%.
        #expect(printed("98", threshold(value: n("0.9"))) == ["[a] 评分标准的达标线 ≥ 90% 与印刷的目标值 “98” 不一致"])
        for same in ["90", "90%", "≥90%", "≥ 90%", "0.9"] { #expect(printed(same, threshold(value: n("0.9"))).isEmpty, "\(same)") }
        // 002-06 3.1.15: 目标值 ≥90%, rule ≥80%.
        #expect(printed("≥90%", threshold(value: n("0.8"))) == ["[a] 评分标准的达标线 ≥ 80% 与印刷的目标值 “≥90%” 不一致"])
        // Counts with units; 万.
        #expect(printed("1次", threshold(value: 1)).isEmpty)
        #expect(printed("2次", threshold(value: 1)) == ["[a] 评分标准的达标线 ≥ 1 与印刷的目标值 “2次” 不一致"])
        #expect(printed("4.8万平米", threshold(value: n("4.8"))).isEmpty)
        #expect(printed("71.5万份", .proportional(input: valueExpr, target: .constant(.number(715000)))).isEmpty)
        // 设置预算项目 (> 0) is a presence check, not the 825.2万元 target.
        let present = Rule.threshold(Threshold(input: valueExpr, op: .greater, value: .constant(.number(0)), accept: [], pass: expr("max"), fail: .constant(.number(0))))
        #expect(printed("825.2万元", present).isEmpty)
        // Not one plain figure: no claim.
        for text in ["2019年12月", "2万(其中深户1.25万)", "每季度1次", "提升80%", "健全"] { #expect(printed(text, threshold(value: 7)).isEmpty, "\(text)") }
    }

    @Test func target_shortfallAndTiers() {
        func shortfall(_ target: String) -> Rule {
            .shortfall(Shortfall(input: valueExpr, target: .constant(.number(n(target))), step: n("0.1"), deduct: 2, steps: .proportional,
                                 above: false, base: nil, floor: nil, cutoff: nil, cutoffScore: 0))
        }
        // 002-02 3.2.1: 目标值 70%, rule 满意度达到75%.
        #expect(printed("70%", shortfall("0.75"), max: n("17.5")) == ["[a] 评分标准的扣分起点（目标）75% 与印刷的目标值 “70%” 不一致"])
        #expect(printed("75%", shortfall("0.75"), max: n("17.5")).isEmpty)
        // 002-03 2.1.4: 目标值 80, full marks from 70.
        let from70 = Rule.tiers(input: valueExpr, tiers: [Tier(from: 70, to: nil, points: n("1.58")), Tier(from: 60, to: 70, points: n("1.3")), Tier(from: nil, to: 60, points: 0)])
        #expect(printed("80", from70, max: n("1.58")) == ["[a] 评分标准的满分档 ≥ 70 与印刷的目标值 “80” 不一致"])
        #expect(printed("70", from70, max: n("1.58")).isEmpty)
        // 90% ≤ x ≤ 100% beside a 100% target: the target is an end of the full-marks band.
        let band = Rule.tiers(input: valueExpr, tiers: [Tier(from: n("0.9"), to: .one, toInclusive: true, points: n("2.5")), Tier(from: nil, to: n("0.9"), points: 0)])
        #expect(printed("100%", band, max: n("2.5")).isEmpty)
        let open = Rule.tiers(input: valueExpr, tiers: [Tier(from: n("0.9"), to: nil, points: n("2.5")), Tier(from: nil, to: n("0.9"), points: 0)])
        #expect(printed("100%", open, max: n("2.5")) == ["[a] 评分标准的满分档 ≥ 90% 与印刷的目标值 “100%” 不一致"])
        #expect(printed("100", open, max: n("2.5")) == ["[a] 评分标准的满分档 ≥ 90% 与印刷的目标值 “100” 不一致"])
        // A rule that reads the indicator's own target agrees with it.
        var implicit = leaf(max: 3, target: .number(100), rule: .shortfall(Shortfall(
            input: valueExpr, target: nil, step: 1, deduct: 1, steps: .whole, above: false, base: nil, floor: nil, cutoff: nil, cutoffScore: 0)))
        implicit.targetText = "100"
        #expect(warnings([implicit]).isEmpty)
    }

    // MARK: - Tier bands: open and closed ends, single points

    func tierProblems(_ tiers: [Tier]) -> [Problem] {
        SchemeChecks.check(Scheme(id: "t", name: "t", total: 10, indicators: [leaf(max: 10, rule: .tiers(input: valueExpr, tiers: tiers))]))
    }

    @Test func tiers_inDocumentOrder_singlePointBetweenOpenBands() {
        // 004 7.1 as printed: 增长 10, 持平 5, 降低 0; 持平 is the single point 0.
        let printedOrder = [Tier(from: 0, to: nil, fromExclusive: true, points: 10), Tier(from: 0, to: 0, toInclusive: true, points: 5),
                            Tier(from: nil, to: 0, points: 0)]
        #expect(tierProblems(printedOrder).isEmpty, "\(tierProblems(printedOrder))")
        let growth = Rule.growth(Growth(current: expr("本年"), previous: expr("上年"), relative: false, tiers: printedOrder))
        #expect(SchemeChecks.check(Scheme(id: "t", name: "t", total: 10, inputs: [InputDeclaration(name: "本年"), InputDeclaration(name: "上年")],
                                          indicators: [leaf(max: 10, rule: growth)])).isEmpty)
        // Without the single point: 0 falls in no band.
        let gap = tierProblems([Tier(from: 0, to: nil, fromExclusive: true, points: 10), Tier(from: nil, to: 0, points: 0)])
        #expect(gap.map(\.message) == ["档位 < 0 与 > 0 之间有空档（落在空档的值无法计分）"])
    }

    @Test func tiers_sharedEnds() {
        // [0, 5] and [5, 10] overlap at 5, in either order; [0, 5) and (5, 10] leave 5 out; [0, 5) [5, 10] and [0, 5] (5, 10] meet.
        let closedClosed = tierProblems([Tier(from: 5, to: 10, toInclusive: true, points: 10), Tier(from: 0, to: 5, toInclusive: true, points: 5),
                                         Tier(from: 10, to: nil, fromExclusive: true, points: 10)])
        #expect(closedClosed.map(\.severity) == [.error] && closedClosed[0].message == "档位 [0, 5] 与 [5, 10] 重叠")
        let openOpen = tierProblems([Tier(from: 0, to: 5, points: 5), Tier(from: 5, to: nil, fromExclusive: true, points: 10)])
        #expect(openOpen.map(\.message) == ["档位 [0, 5) 与 > 5 之间有空档（落在空档的值无法计分）"])
        #expect(tierProblems([Tier(from: 0, to: 5, points: 5), Tier(from: 5, to: nil, points: 10)]).isEmpty)
        #expect(tierProblems([Tier(from: 0, to: 5, toInclusive: true, points: 5), Tier(from: 5, to: nil, fromExclusive: true, points: 10)]).isEmpty)
        // Same lower end; one band inside another (no false gap after it); an empty band.
        #expect(tierProblems([Tier(from: 0, to: nil, points: 10), Tier(from: 0, to: 3, points: 3)]).map(\.message) == ["档位 ≥ 0 与 [0, 3) 重叠"])
        let nested = tierProblems([Tier(from: 0, to: 10, points: 5), Tier(from: 2, to: 3, points: 3), Tier(from: 10, to: nil, points: 10)])
        #expect(nested.map(\.message) == ["档位 [0, 10) 与 [2, 3) 重叠"])
        #expect(tierProblems([Tier(from: 0, to: nil, points: 10), Tier(from: 5, to: 5, points: 1)]).map(\.message) == ["档位 [5, 5) 不含任何值（永远不会用到）"])
    }

    @Test func tiers_endsOfTheScale() {
        // A band closed at 100% ends a share's scale (人员到位率 90% ≤ x ≤ 100%); open at 100%, above it is uncovered.
        #expect(tierProblems([Tier(from: n("0.9"), to: .one, toInclusive: true, points: 10), Tier(from: nil, to: n("0.9"), points: 0)]).isEmpty)
        #expect(tierProblems([Tier(from: n("0.9"), to: .one, points: 10), Tier(from: nil, to: n("0.9"), points: 0)]).map(\.message) == ["高于 1 的值没有对应档位"])
        #expect(tierProblems([Tier(from: n("0.8"), to: n("0.9"), toInclusive: true, points: 10), Tier(from: nil, to: n("0.8"), points: 0)]).map(\.message)
                == ["高于 0.9 的值没有对应档位"])
        #expect(tierProblems([Tier(from: 1, to: nil, points: 10)]).map(\.message) == ["低于 1 的值没有对应档位"])
        #expect(tierProblems([Tier(from: 0, to: nil, points: 10)]).isEmpty)
        // A growth rate can be anything down to −100%.
        func growth(_ tiers: [Tier]) -> [String] {
            SchemeChecks.check(Scheme(id: "t", name: "t", total: 10, inputs: [InputDeclaration(name: "c"), InputDeclaration(name: "p")],
                                      indicators: [leaf(max: 10, rule: .growth(Growth(current: expr("c"), previous: expr("p"), relative: true, tiers: tiers)))])).map(\.message)
        }
        #expect(growth([Tier(from: 0, to: nil, points: 10)]) == ["低于 0 的值没有对应档位"])
        #expect(growth([Tier(from: -1, to: nil, points: 10)]).isEmpty)
        #expect(growth([Tier(from: -1, to: nil, fromExclusive: true, points: 10)]) == ["值 -1 没有对应档位"])
    }

    // MARK: - Grade bands and the scheme's total

    @Test func defaultBands_areFractionsOfTheTotal() {
        let twelve = Scheme(id: "t", name: "t", total: 12, indicators: [leaf(max: 12, rule: nil)])
        #expect(twelve.grades.bands.map(\.min) == [n("10.8"), n("9.6"), n("7.2"), 0])
        #expect(twelve.grades.bands.map(\.grade) == ["优", "良", "中", "差"])
        #expect(GradeRules.fiscalDefault(total: 100) == .fiscalDefault)
        #expect(Scheme(id: "t", name: "t", indicators: []).grades == .fiscalDefault)
        #expect(Scheme(id: "t", name: "t", total: 0, indicators: []).grades.bands.isEmpty)  // a deduction-only scheme
        // And the engine grades with them: 11 of 12 is 优, 9 of 12 is 中.
        let compiled = try! CompiledScheme(twelve)
        let result = try! Engine(compiled).score(DataSet(schemeID: "t", period: "2020", subjects: [
            SubjectData(id: "甲", values: ["a": .number(11)]), SubjectData(id: "乙", values: ["a": .number(9)]),
        ]), explain: false).stages[0]
        #expect(result.subjects.map(\.grade) == ["优", "中"])
    }

    @Test func declaredBandsAboveTheTotal_warn() {
        let hundred = GradeRules.fiscalDefault
        let found = warnings([leaf(max: 12, rule: nil)], total: 12, grades: hundred)
        #expect(found.count == 3 && found[0] == "等级 “优” 的分数线 90 高于方案总分 12，总分达不到（分数线应按总分折算，如 90% × 12 = 10.8）")
        #expect(warnings([leaf(max: 12, rule: nil)], total: 12, grades: .fiscalDefault(total: 12)).isEmpty)
        #expect(warnings([leaf(max: 12, rule: nil)], total: 12, grades: GradeRules(bands: [GradeBand(grade: "优", min: 12), GradeBand(grade: "差", min: 0)])).isEmpty)
        let below = GradeRules(below: (score: 80, grade: "三等"), byRank: [(grade: "一等", share: 1)])
        #expect(warnings([leaf(max: 12, rule: nil)], total: 12, grades: below) == ["等级 “三等” 的分数线 80 高于方案总分 12：每个对象都会落在这一等"])
    }
}
