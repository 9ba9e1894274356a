import Testing
@testable import JixiaoCore

/// Whole-scheme behaviour: trees, not-applicable, caps, cross effects, rankings, peers, grades, composites, stages.
@Suite struct EngineTests {
    let judged = Rule.judged(Judged(each: nil, reasonRequired: false))

    func group(_ code: String, max: Fixed, kind: IndicatorKind = .regular, floor: Fixed? = nil, _ children: [Indicator]) -> Indicator {
        Indicator(code: code, name: "组\(code)", max: max, kind: kind, children: children, floor: floor)
    }

    @Test func notApplicable_dropsOutOfParentMax() {
        let compiled = scheme([group("g", max: 10, [leaf("a", max: 6, rule: judged), leaf("b", max: 4, rule: judged)])])
        let result = score(compiled, [SubjectData(id: "s", values: ["a": .number(5), "b": .notApplicable])]).subjects[0]
        #expect(result.outcomes[0] == .scored(5))
        #expect(result.maxima[0] == 6)
        #expect(result.total == .scored(5))
        #expect(result.totalMax == 6)
    }

    @Test func appliesTo_carriesDownToChildren() {
        var own = group("p", max: 10, [leaf("p1", max: 10, rule: judged)])
        own.appliesTo = ["甲"]
        let compiled = scheme([own], total: 10)
        let stage = score(compiled, [SubjectData(id: "甲", values: ["p1": .number(8)]), SubjectData(id: "乙")])
        #expect(stage.subjects[0].outcomes[1] == .scored(8))
        #expect(stage.subjects[1].outcomes[1] == .notApplicable)  // not 未评分
        #expect(stage.subjects[1].outcomes[0] == .notApplicable)
    }

    // Seed 001: 60.14 out of an applicable 83 is printed as 72.46 out of 100.
    @Test func notApplicable_rescaledTotal() throws {
        var plain = Scheme(id: "t", name: "t", total: 100, indicators: [leaf("a", max: 83, rule: judged), leaf("b", max: 17, rule: judged)])
        plain.rescaleNotApplicable = true
        let compiled = try CompiledScheme(plain)
        let result = score(compiled, [SubjectData(id: "s", values: ["a": .number(n("60.14")), "b": .notApplicable])]).subjects[0]
        #expect(result.total == .scored(n("72.46")))
        #expect(result.totalMax == 100)
    }

    @Test func missing_leavesTotalUnscored() {
        let compiled = scheme([leaf("a", max: 6, rule: judged), leaf("b", max: 4, rule: judged)])
        let result = score(compiled, [SubjectData(id: "s", values: ["a": .number(5)])]).subjects[0]
        #expect(result.outcomes[1] == .missing("b 指标b 的填报值"))
        #expect(result.total == .missing("指标未评分：b"))
        #expect(result.grade == nil)
    }

    // R18: per-indicator caps and a group cap on the total deduction.
    @Test func nestedCaps_perIndicatorAndGroup() {
        let per = Rule.incidents(Incidents(count: valueExpr, deduct: 5, ladder: [], cap: 10, base: nil))
        let compiled = scheme([
            leaf("base", max: 100, rule: judged),
            group("d", max: 20, kind: .deduction, [
                leaf("d1", max: 10, kind: .deduction, rule: per), leaf("d2", max: 10, kind: .deduction, rule: per),
                leaf("d3", max: 10, kind: .deduction, rule: per),
            ]),
        ], total: 100)
        let result = score(compiled, [SubjectData(id: "s", values: ["base": .number(100), "d1": .number(3), "d2": .number(1), "d3": .number(2)])]).subjects[0]
        let d1 = compiled.index(of: "d1")!, d = compiled.index(of: "d")!
        #expect(result.outcomes[d1] == .scored(-10))
        #expect(result.outcomes[d] == .scored(-20))  // −10 −5 −10 = −25, capped at −20
        #expect(result.total == .scored(80))
    }

    // R19: a threshold that fails below zero, propagated into the total.
    @Test func negativeScore_reachesTheTotal() {
        let rule = Rule.threshold(Threshold(input: valueExpr, op: .equal, value: nil, accept: ["已上传"], pass: expr("max"),
                                            fail: .constant(.number(n("-0.5")))))
        let compiled = scheme([leaf("a", max: 2, rule: rule, floor: n("-0.5")), leaf("b", max: 8, rule: judged)])
        let result = score(compiled, [SubjectData(id: "s", values: ["a": .text("未上传"), "b": .number(8)])]).subjects[0]
        #expect(result.outcomes[0] == .scored(n("-0.5")))
        #expect(result.total == .scored(n("7.5")))
    }

    // R20
    @Test func veto_zeroesTheIndicator() {
        var indicator = leaf("a", max: 4, rule: judged)
        indicator.veto = expr("受到投诉")
        let compiled = scheme([indicator])
        let vetoed = score(compiled, [SubjectData(id: "s", inputs: ["受到投诉": .bool(true)], values: ["a": .number(4)])]).subjects[0]
        let clean = score(compiled, [SubjectData(id: "s", inputs: ["受到投诉": .bool(false)], values: ["a": .number(4)])]).subjects[0]
        #expect(vetoed.outcomes[0] == .scored(0))
        #expect(clean.outcomes[0] == .scored(4))
    }

    // R21: an anomaly zeroes the county's indicator and costs its city 2 points.
    @Test func crossEffects_zeroSelfAndDeductParent() {
        var service = leaf("2.3", max: 4, rule: judged)
        service.effects = [Effect(when: expr("雷同人数 >= 20"), zero: "2.3", parentDeduct: (indicator: "2.3", points: 2))]
        var precision = leaf("1", max: 12, rule: judged)
        precision.effects = []
        var audit = leaf("3", max: 1, rule: judged)
        audit.effects = [Effect(when: expr("督查全部为100"), zero: "1", parentDeduct: nil)]
        let compiled = scheme([precision, service, audit])
        let subjects = [
            SubjectData(id: "州", inputs: ["雷同人数": .number(0), "督查全部为100": .bool(false)], values: ["1": .number(10), "2.3": .number(4), "3": .number(1)]),
            SubjectData(id: "县甲", parent: "州", inputs: ["雷同人数": .number(25), "督查全部为100": .bool(true)], values: ["1": .number(10), "2.3": .number(3), "3": .number(1)]),
            SubjectData(id: "县乙", parent: "州", inputs: ["雷同人数": .number(3), "督查全部为100": .bool(false)], values: ["1": .number(10), "2.3": .number(3), "3": .number(1)]),
        ]
        let stage = score(compiled, subjects)
        let i1 = compiled.index(of: "1")!, i23 = compiled.index(of: "2.3")!
        #expect(stage.subjects[1].outcomes[i23] == .scored(0))
        #expect(stage.subjects[1].outcomes[i1] == .scored(0))
        #expect(stage.subjects[2].outcomes[i23] == .scored(3))
        #expect(stage.subjects[0].outcomes[i23] == .scored(2))
    }

    // R14: linear coefficient 1.0 → 0.6, ties share the better rank.
    @Test func ranking_tiesShareRank_linearCoefficient() {
        let rule = Rule.ranking(Ranking(metric: expr("精准度"), descending: true, coefficient: .linear(first: 1, last: n("0.6")), amongSiblings: false))
        let compiled = scheme([leaf("r", max: 4, rule: rule)])
        let metrics = ["甲": "0.9", "乙": "0.95", "丙": "0.9", "丁": "0.5", "戊": "0.7"]
        let subjects = metrics.sorted { $0.key < $1.key }.map { SubjectData(id: $0.key, inputs: ["精准度": .number(n($0.value))]) }
        let stage = score(compiled, subjects)
        let byID = Dictionary(uniqueKeysWithValues: stage.subjects.map { ($0.subject.id, $0) })
        #expect(byID["乙"]!.outcomes[0] == .scored(4))          // rank 1: 1.0
        #expect(byID["甲"]!.outcomes[0] == .scored(n("3.6")))   // rank 2: 0.9
        #expect(byID["丙"]!.outcomes[0] == .scored(n("3.6")))   // tie, rank 2
        #expect(byID["戊"]!.outcomes[0] == .scored(n("2.8")))   // rank 4: 0.7
        #expect(byID["丁"]!.outcomes[0] == .scored(n("2.4")))   // rank 5: 0.6
        #expect(byID["甲"]!.rankings[0]!.rank == 2)
    }

    // R16: the target is the peers' average.
    @Test func peerTarget_average() {
        let rule = Rule.shortfall(Shortfall(input: expr("通过率"), target: expr("peer_avg(通过率)"), step: n("0.01"), deduct: n("0.5"),
                                            steps: .proportional, above: false, base: nil, floor: nil, cutoff: nil, cutoffScore: .zero))
        let compiled = scheme([leaf("p", max: 5, rule: rule)])
        let stage = score(compiled, [
            SubjectData(id: "a", inputs: ["通过率": .number(n("0.9"))]), SubjectData(id: "b", inputs: ["通过率": .number(n("0.8"))]),
            SubjectData(id: "c", inputs: ["通过率": .number(n("0.7"))]),
        ])
        #expect(stage.subjects[0].outcomes[0] == .scored(5))
        #expect(stage.subjects[1].outcomes[0] == .scored(5))   // exactly the average
        #expect(stage.subjects[2].outcomes[0] == .scored(0))   // 10 points short × 0.5 = 5
    }

    // R17: failing child units counted from the children's own data.
    @Test func childrenCount_deductsPerFailingCounty() {
        let rule = Rule.incidents(Incidents(count: expr("children_count(not 执行四项制度)"), deduct: 1, ladder: [], cap: 4, base: nil))
        let compiled = scheme([leaf("x", max: 4, rule: rule)])
        let stage = score(compiled, [
            SubjectData(id: "市", inputs: ["执行四项制度": .bool(true)]),
            SubjectData(id: "县1", parent: "市", inputs: ["执行四项制度": .bool(false)]),
            SubjectData(id: "县2", parent: "市", inputs: ["执行四项制度": .bool(true)]),
            SubjectData(id: "县3", parent: "市", inputs: ["执行四项制度": .bool(false)]),
        ])
        #expect(stage.subjects[0].outcomes[0] == .scored(2))
    }

    // R29
    @Test func variants_changeMaxBySubjectAttribute() {
        var indicator = leaf("a", max: 5, rule: Rule.incidents(Incidents(count: valueExpr, deduct: 2, ladder: [], cap: nil, base: nil)))
        indicator.variants = [Variant(when: expr("subject.党员"), max: 3)]
        let compiled = scheme([indicator])
        let stage = score(compiled, [
            SubjectData(id: "党员", attributes: ["党员": .bool(true)], values: ["a": .number(0)]),
            SubjectData(id: "群众", attributes: ["党员": .bool(false)], values: ["a": .number(0)]),
        ])
        #expect(stage.subjects[0].outcomes[0] == .scored(3))
        #expect(stage.subjects[1].outcomes[0] == .scored(5))
    }

    @Test func grades_vetoThresholdAndRankShares() {
        let grades = GradeRules(veto: [(when: expr("subject.处分"), grade: "四等")], below: (score: 80, grade: "三等"),
                                byRank: [(grade: "一等", share: n("0.2")), (grade: "二等", share: 1)], quota: RankQuota(base: .remaining, rounding: .halfUp))
        let compiled = scheme([leaf("a", max: 100, rule: judged)], grades: grades)
        let scores = [95, 91, 88, 85, 82, 79, 70, 99, 86, 84]
        var subjects = scores.enumerated().map { SubjectData(id: "p\($0.offset)", attributes: ["处分": .bool(false)], values: ["a": .number(Fixed($0.element))]) }
        subjects[7].attributes["处分"] = .bool(true)  // 99 but disciplined
        let stage = score(compiled, subjects)
        let grade = Dictionary(uniqueKeysWithValues: stage.subjects.map { ($0.subject.id, $0.grade ?? "") })
        #expect(grade["p7"] == "四等")
        #expect(grade["p5"] == "三等" && grade["p6"] == "三等")
        // 7 remain for rank shares: 20% of 7 = 1.4 → 1 一等.
        #expect(grade["p0"] == "一等")
        #expect(grade["p1"] == "二等" && grade["p4"] == "二等")
    }

    @Test func grades_bandsUseTheRoundedTotal() {
        let compiled = scheme([leaf("a", max: 100, rule: Rule.formula(score: expr("x")))], rounding: Rounding(point: .total))
        let stage = score(compiled, [SubjectData(id: "s", inputs: ["x": .number(n("89.995"))])])
        #expect(stage.subjects[0].total == .scored(90))
        #expect(stage.subjects[0].grade == "优")
    }

    // Seed 001: composite per indicator over regions with renormalisation where n/a.
    @Test func subjectComposite_perIndicator_renormalisesNotApplicable() {
        let compiled = scheme([leaf("a", max: 2, rule: judged), leaf("b", max: 3, rule: judged)],
                              composite: .subjects(weights: [(subject: "省", weight: n("0.8")), (subject: "市", weight: n("0.2"))],
                                                   order: .perIndicator, renormalise: true))
        let stage = score(compiled, [
            SubjectData(id: "省", values: ["a": .number(2), "b": .notApplicable]),
            SubjectData(id: "市", values: ["a": .number(1), "b": .number(n("1.5"))]),
        ])
        #expect(stage.composite!.outcomes[0] == .scored(n("1.8")))
        #expect(stage.composite!.outcomes[1] == .scored(n("1.5")))  // only 市 has it
        #expect(stage.composite!.total == .scored(n("3.3")))
    }

    // Seed 003: 40% / 40% / 20% of components.
    @Test func componentComposite_weightsScoreRates() {
        let compiled = scheme([leaf("A", max: 40, rule: judged), leaf("B", max: 40, rule: judged), leaf("C", max: 20, rule: judged)],
                              composite: .components([(indicator: "A", weight: n("0.4")), (indicator: "B", weight: n("0.4")), (indicator: "C", weight: n("0.2"))]))
        let result = score(compiled, [SubjectData(id: "s", values: ["A": .number(36), "B": .number(30), "C": .number(18)])]).subjects[0]
        #expect(result.composite == 84)
        #expect(result.total == .scored(84))
    }

    // Seed 004: 自评 → 初评 → 审定, each stage overlays the reviewer's changes.
    @Test func stages_overlayChangesCumulatively() throws {
        let compiled = scheme([leaf("a", max: 5, rule: judged), leaf("b", max: 5, rule: judged)], stages: ["自评分", "初评分", "审定考核分"])
        let subject = SubjectData(id: "s", values: ["a": .number(5), "b": .number(5)], stages: [
            "初评分": StageChanges(values: ["a": .number(4)], reasons: ["a": "材料不全"]),
            "审定考核分": StageChanges(values: ["b": .number(3)], reasons: ["b": "抽查不合格"]),
        ])
        let report = try Engine(compiled).score(DataSet(schemeID: "t", period: "2020", subjects: [subject]))
        #expect(report.stages.map { $0.subjects[0].total } == [.scored(10), .scored(9), .scored(7)])
    }

    @Test func stages_changeWithoutReasonIsRejected() {
        let compiled = scheme([leaf("a", max: 5, rule: judged)], stages: ["自评分", "初评分"])
        let subject = SubjectData(id: "s", values: ["a": .number(5)], stages: ["初评分": StageChanges(values: ["a": .number(4)])])
        #expect(throws: DataErrors.self) { try Engine(compiled).score(DataSet(schemeID: "t", period: "2020", subjects: [subject])) }
    }

    @Test func dataChecks_unknownCodeAndParentCycle() {
        let compiled = scheme([leaf("a", max: 5, rule: judged)])
        #expect(throws: DataErrors.self) {
            try Engine(compiled).score(DataSet(schemeID: "t", period: "2020", subjects: [SubjectData(id: "s", values: ["zz": .number(1)])]))
        }
        #expect(throws: DataErrors.self) {
            try Engine(compiled).score(DataSet(schemeID: "t", period: "2020", subjects: [
                SubjectData(id: "a", parent: "b", values: ["a": .number(1)]), SubjectData(id: "b", parent: "a", values: ["a": .number(1)]),
            ]))
        }
    }

    @Test func fundTable_perSourceFigures() {
        let table = FundTable(sources: ["省级", "市级"], budget: ["省级": 100, "市级": 300], invested: ["省级": 100, "市级": 300],
                              arrived: ["省级": 100, "市级": 200], spent: ["省级": 50, "市级": 150])
        #expect(table.figure("预算执行率") == n("0.5"))
        #expect(table.figure("市级.预算执行率") == n("0.5"))
        #expect(table.figure("市级.资金到位率")?.formatted(places: 4) == "0.6667")
        #expect(table.figure("省级.结余") == 50)
        #expect(table.figure("中央级.预算执行率") == nil)  // no budget in that column
    }

    @Test func rounding_atIndicatorVersusAtTotal() {
        let third = Rule.formula(score: expr("1 / 3"))
        let perIndicator = scheme([leaf("a", max: 1, rule: third), leaf("b", max: 1, rule: third), leaf("c", max: 1, rule: third)])
        let atTotal = scheme([leaf("a", max: 1, rule: third), leaf("b", max: 1, rule: third), leaf("c", max: 1, rule: third)],
                             rounding: Rounding(point: .total))
        #expect(score(perIndicator, [SubjectData(id: "s")]).subjects[0].total == .scored(n("0.99")))
        #expect(score(atTotal, [SubjectData(id: "s")]).subjects[0].total == .scored(1))
    }

    @Test func explanation_recordsBranchAndRounding() {
        let compiled = scheme([leaf("a", max: n("2.27"), rule: Rule.rate(rate: valueExpr))])
        let result = score(compiled, [SubjectData(id: "s", values: ["a": .number(n("0.919"))])]).subjects[0]
        #expect(result.explanations[0].contains("比率 91.90% × 分值 2.27 = 2.08613"))
        #expect(result.explanations[0].contains("四舍五入保留 2 位：2.08613 → 2.09"))
        #expect(DeductionText.draft(result, index: 0, indicator: compiled.indicator(at: 0)) == "扣减0.18分：指标a，比率 91.90% × 分值 2.27 = 2.08613")
    }
}
