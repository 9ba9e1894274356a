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
