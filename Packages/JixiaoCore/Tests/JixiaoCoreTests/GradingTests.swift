import Testing
@testable import JixiaoCore

/// Rank-share grades (seed 003's 一等 "from the top"): the quota's base × rounding at the edges, ties at the
/// cut, and the sentence each grade gives as its reason.
@Suite struct GradingTests {
    let judged = Rule.judged(Judged(each: nil, reasonRequired: false))

    // MARK: RankQuota.count

    /// share, of how many → down, half_up, up, at_least_one.
    static let counts: [(share: String, of: Int, expected: [Int])] = [
        ("0.2", 1, [0, 0, 1, 1]),  // one subject left: only up and at_least_one name a 一等
        ("0.5", 1, [0, 1, 1, 1]),  // exactly half a subject
        ("0.25", 10, [2, 3, 3, 2]),  // 2.5
        ("0.25", 6, [1, 2, 2, 1]),  // 1.5
        ("0.15", 3, [0, 0, 1, 1]),  // 0.45
        ("0.2", 10, [2, 2, 2, 2]),  // a whole number: every rounding agrees
        ("1", 7, [7, 7, 7, 7]),
        ("0.2", 0, [0, 0, 0, 0]),  // nobody: at least one is still none
        ("0", 10, [0, 0, 0, 0]),  // a zero share names nobody, even at_least_one
    ]

    @Test func quotaCount_eachRoundingAtTheEdges() {
        let roundings: [RankQuota.Rounding] = [.down, .halfUp, .up, .atLeastOne]
        for (share, of, expected) in Self.counts {
            let got = roundings.map { RankQuota(base: .all, rounding: $0).count(share: n(share), of: of) }
            #expect(got == expected, "\(share) × \(of)")
        }
    }

    @Test func quotaDefault_isAllSubjectsRoundedDownButAtLeastOne() {
        #expect(RankQuota() == RankQuota(base: .all, rounding: .atLeastOne))
        #expect(GradeRules().quota == RankQuota())
    }

    // MARK: Grading, base × rounding

    /// Grades of subjects scored `scores` (p0, p1, …); those in `vetoed` carry 处分 (→ 四等); below 80 → 三等.
    func graded(_ scores: [Int], vetoed: Set<Int> = [], shares: [(grade: String, share: Fixed)] = [(grade: "一等", share: n("0.2")), (grade: "二等", share: 1)],
                quota: RankQuota, kind: SubjectKind = .region) -> [SubjectResult] {
        let grades = GradeRules(veto: [(when: expr("subject.处分"), grade: "四等")], below: (score: 80, grade: "三等"), byRank: shares, quota: quota)
        let compiled = try! CompiledScheme(Scheme(id: "t", name: "测试", subjectKind: kind, total: 100, grades: grades,
                                                  indicators: [leaf("a", max: 100, rule: judged)]))
        let subjects = scores.enumerated().map { offset, score in
            SubjectData(id: "p\(offset)", attributes: ["处分": .bool(vetoed.contains(offset))], values: ["a": .number(Fixed(score))])
        }
        return score(compiled, subjects).subjects
    }

    func firsts(_ results: [SubjectResult]) -> Int { results.filter { $0.grade == "一等" }.count }

    static let bases: [RankQuota.Base] = [.all, .remaining]
    static let roundings: [RankQuota.Rounding] = [.down, .halfUp, .up, .atLeastOne]

    @Test func onePersonLeft_afterVetoAndThreshold() {
        // p0 is the only one left: p4 (the best) is vetoed, p1–p3 are below 80.
        let scores = [95, 70, 60, 50, 99]
        // all: 5 × 20% = 1 whatever the rounding; remaining: 1 × 20% = 0.2.
        let expected: [RankQuota.Base: [Int]] = [.all: [1, 1, 1, 1], .remaining: [0, 0, 1, 1]]
        for base in Self.bases {
            let got = Self.roundings.map { firsts(graded(scores, vetoed: [4], quota: RankQuota(base: base, rounding: $0))) }
            #expect(got == expected[base], "\(base)")
        }
        let remainingDown = graded(scores, vetoed: [4], quota: RankQuota(base: .remaining, rounding: .down))
        #expect(remainingDown.map(\.grade) == ["二等", "三等", "三等", "三等", "四等"])
    }

    @Test func quotaWithAHalf_underEachBase() {
        // Twelve subjects, two below 80; 一等 is 25%: of all 12 = 3, of the remaining 10 = 2.5.
        let scores = [100, 99, 98, 97, 96, 95, 94, 93, 92, 91, 70, 60]
        let shares: [(grade: String, share: Fixed)] = [(grade: "一等", share: n("0.25")), (grade: "二等", share: 1)]
        let expected: [RankQuota.Base: [Int]] = [.all: [3, 3, 3, 3], .remaining: [2, 3, 3, 2]]
        for base in Self.bases {
            let got = Self.roundings.map { firsts(graded(scores, shares: shares, quota: RankQuota(base: base, rounding: $0))) }
            #expect(got == expected[base], "\(base)")
        }
    }

    @Test func tiesAtTheCut_shareTheBetterGrade() {
        // 40% of 5 = 2: p1 and p2 tie for 2nd, so both are 一等 (three in all).
        let shares: [(grade: String, share: Fixed)] = [(grade: "一等", share: n("0.4")), (grade: "二等", share: 1)]
        let results = graded([95, 90, 90, 85, 84], shares: shares, quota: RankQuota())
        #expect(results.map(\.grade) == ["一等", "一等", "一等", "二等", "二等"])
        guard case .rank(let tied)? = results[2].gradeBasis, case .rank(let inside)? = results[1].gradeBasis else {
            Issue.record("rank bases expected")
            return
        }
        #expect(tied.tiedAtCut && !inside.tiedAtCut)
        #expect(tied.place == 2 && inside.place == 2)
        #expect(results[2].gradeBasis?.text
                == "得分 90.00，在按名次定等的 5 个对象中排第 2 名；一等名额 = 全部 5 个对象 × 40% = 2 名；超出名额，但与名额内最后一名同分（并列第 2 名）→ 一等")
        // A tie below the cut does not pull anyone up: 20% of 3 = 0.6 → 1 (at least one); p1, p2 tie for 2nd.
        let below = graded([95, 90, 90], quota: RankQuota())
        #expect(below.map(\.grade) == ["一等", "二等", "二等"])
    }

    @Test func seed003Reading_twelveStaffOneVetoedTwoBelow80() {
        // The default quota on the seed's shape: 12 × 20% = 2.4 → 2 一等, whoever is vetoed or below 80.
        let scores = [100, 99, 97, 96, 95, 94, 94, 93, 92, 90, 73, 65]
        let results = graded(scores, vetoed: [7], quota: RankQuota(), kind: .person)
        #expect(results.map(\.grade) == ["一等", "一等", "二等", "二等", "二等", "二等", "二等", "四等", "二等", "二等", "三等", "三等"])
        #expect(results[2].gradeBasis?.text
                == "得分 97.00，在按名次定等的 9 人中排第 3 名；一等名额 = 全部 12 人 × 20% = 2.4，向下取整且至少 1 名 → 2 名；"
                + "二等名额（累计） = 全部 12 人 × 100% = 12 名；在一等名额（前 2 名）之外、前 12 名之内 → 二等")
    }

    // MARK: Why each grade

    @Test func gradeBasis_bandsVetoThresholdAndRank() {
        let compiled = scheme([leaf("a", max: 100, rule: judged)])
        let bands = score(compiled, [SubjectData(id: "s", values: ["a": .number(85)]), SubjectData(id: "t", values: ["a": .number(95)])]).subjects
        #expect(bands[0].gradeBasis?.text == "得分 85.00，在「良」档（80 ≤ 得分 < 90）")
        #expect(bands[1].gradeBasis?.text == "得分 95.00，在「优」档（得分 ≥ 90）")

        let vetoes = GradeRules(veto: [(when: expr("违纪次数 > 3"), grade: "四等")], below: (score: 80, grade: "三等"),
                                byRank: [(grade: "一等", share: n("0.2")), (grade: "二等", share: 1)])
        let withVeto = scheme([leaf("a", max: 100, rule: judged)], grades: vetoes)
        let results = score(withVeto, [
            SubjectData(id: "p", inputs: ["违纪次数": .number(5)], values: ["a": .number(99)]),
            SubjectData(id: "q", inputs: ["违纪次数": .number(0)], values: ["a": .number(70)]),
            SubjectData(id: "r", inputs: ["违纪次数": .number(0)], values: ["a": .number(88)]),
        ]).subjects
        #expect(results[0].gradeBasis?.text == "否决条件 违纪次数 > 3 成立（违纪次数 = 5） → 四等")
        #expect(results[1].gradeBasis?.text == "得分 70.00 低于 80 分 → 三等")
        #expect(results[2].gradeBasis?.text == "得分 88.00，在按名次定等的 1 个对象中排第 1 名；一等名额 = 全部 3 个对象 × 20% = 0.6，向下取整且至少 1 名 → 1 名；在前 1 名之内 → 一等")

        let attribute = graded([99, 90], vetoed: [0], quota: RankQuota())
        #expect(attribute[0].gradeBasis?.text == "否决条件 处分 成立 → 四等")
    }

    @Test func compositeGrade_hasItsBandToo() {
        #expect(Grading.bandBasis(GradeRules.fiscalDefault.bands, Exact(n("74.87")))?.text == "得分 74.87，在「中」档（60 ≤ 得分 < 80）")
        #expect(Grading.bandBasis([GradeBand(grade: "合格", min: 60)], Exact(n("59.99"))) == nil)
    }
}
