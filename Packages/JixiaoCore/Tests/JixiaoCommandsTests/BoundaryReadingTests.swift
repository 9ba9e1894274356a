import Foundation
import JixiaoCore
import JixiaoSchemeFile
import Testing

/// 以上 / 以下 include the number (民法典 第一千二百五十九条): 003's 80分以下 and 000's 5例以上 are encoded that way.
@Suite struct BoundaryReadingTests {
    static func load(_ name: String) throws -> Scheme {
        try SchemeFile.load(path: SeedGoldenTests.repository.appendingPathComponent("schemes/\(name).yaml").path)
    }

    /// 003's grade rules on one judged indicator: 80.00 and below is 三等, 80.01 is ranked.
    @Test func seed003_eightyAndBelow_isThirdClass() throws {
        var scheme = try Self.load("003-xiangxi-staff")
        scheme.composite = nil
        scheme.indicators = [Indicator(code: "A", name: "综合", max: 100, rule: .judged(Judged(each: nil, reasonRequired: false)))]
        let data = DataSet(schemeID: scheme.id, period: "2020", subjects: [
            SubjectData(id: "甲", attributes: ["受处分": .bool(false), "失职渎职": .bool(false)], values: ["A": .number(Fixed("80")!)]),
            SubjectData(id: "乙", attributes: ["受处分": .bool(false), "失职渎职": .bool(false)], values: ["A": .number(Fixed("80.01")!)]),
            SubjectData(id: "丙", attributes: ["受处分": .bool(false), "失职渎职": .bool(false)], values: ["A": .number(Fixed("79.99")!)]),
        ])
        let grades = Dictionary(uniqueKeysWithValues: try Engine(CompiledScheme(scheme)).score(data).finalStage.subjects.map { ($0.subject.id, $0.grade) })
        #expect(grades["甲"] == "三等")
        #expect(grades["丙"] == "三等")
        // Ranked: the only one left. The quota is 20% of all three, rounded down but at least one: 一等.
        #expect(grades["乙"] == "一等")
    }

    /// 000's 扶贫补贴: 发现5例以上应落实未落实的，扣0.5分 — 5 cases deduct, 4 do not.
    @Test func seed000_fiveCasesOrMore_deduct() throws {
        let scheme = try Self.load("000-liangfu-jiaojiu")
        let leaf = try #require(scheme.indicator(code: "2.2.3.2"))
        guard case .threshold(let threshold)? = leaf.rule else {
            Issue.record("2.2.3.2 is a threshold rule")
            return
        }
        // The rule passes (no deduction) below 5 and deducts at 5 and above.
        #expect(threshold.op == .less && threshold.value?.constantValue == .number(5))
        let single = Scheme(id: "t", name: "t", total: 0, indicators: [leaf])
        func score(_ cases: Int) throws -> Outcome {
            let data = DataSet(schemeID: "t", period: "2018", subjects: [SubjectData(id: "县", inputs: ["扶贫补贴应落实未落实例数": .number(Fixed(cases))])])
            return try Engine(CompiledScheme(single)).score(data).finalStage.subjects[0].outcomes[0]
        }
        #expect(try score(4) == .scored(Exact.zero))
        #expect(try score(5) == .scored(Fixed("-0.5")!))
        #expect(try score(6) == .scored(Fixed("-0.5")!))
    }
}
