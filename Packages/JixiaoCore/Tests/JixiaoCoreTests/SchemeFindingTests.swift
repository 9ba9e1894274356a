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
