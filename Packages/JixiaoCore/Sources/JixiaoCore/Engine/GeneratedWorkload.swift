/// The engine benchmark's workload (`jixiao-bench`), here so that tests can score the very same scheme.
public enum GeneratedWorkload {
    /// 20 groups × 10 leaves, cycling through the rule kinds; every 20th leaf is a ranking.
    /// `Benchmarks/reference.c` hard-codes this same scheme: change both together.
    public static func scheme(leaves: Int) -> Scheme {
        var groups: [Indicator] = []
        let perGroup = 10
        for g in 0..<(leaves / perGroup) {
            var children: [Indicator] = []
            for l in 0..<perGroup {
                let code = "\(g + 1).\(l + 1)"
                let input = try! Expression(parsing: "x\(l)")
                let rule: Rule
                switch (g * perGroup + l) % 10 {
                case 0: rule = .proportional(input: input, target: .constant(.number(100)))
                case 1: rule = .rate(rate: try! Expression(parsing: "x\(l) / 100"))
                case 2: rule = .threshold(Threshold(input: input, op: .greaterOrEqual, value: .constant(.number(60)), accept: [],
                                                    pass: try! Expression(parsing: "max"), fail: .constant(.number(.zero))))
                case 3: rule = .tiers(input: input, tiers: [
                    Tier(from: 90, to: nil, points: Fixed("0.5")!), Tier(from: 75, to: 90, points: Fixed("0.4")!),
                    Tier(from: 60, to: 75, points: Fixed("0.2")!), Tier(from: nil, to: 60, points: .zero)])
                case 4: rule = .shortfall(Shortfall(input: input, target: .constant(.number(95)), step: 10, deduct: Fixed("0.1")!,
                                                    steps: .whole, above: false, base: nil, floor: nil, cutoff: nil, cutoffScore: .zero))
                case 5: rule = .incidents(Incidents(count: try! Expression(parsing: "floor(x\(l) / 25)"), deduct: Fixed("0.1")!, ladder: [], cap: nil, base: nil))
                case 6: rule = .deviation(input: input, target: .constant(.number(50)))
                case 7: rule = .formula(score: try! Expression(parsing: "min(x\(l) / 200, 1) * max"))
                case 8: rule = .shortfall(Shortfall(input: input, target: .constant(.number(80)), step: 1, deduct: Fixed("0.01")!,
                                                    steps: .proportional, above: false, base: nil, floor: nil, cutoff: .constant(.number(30)), cutoffScore: .zero))
                default:
                    rule = (g % 2 == 0)
                        ? .ranking(Ranking(metric: input, descending: true, coefficient: .linear(first: .one, last: Fixed("0.6")!), amongSiblings: false))
                        : .rescale(input: input, from: 100)
                }
                children.append(Indicator(code: code, name: "指标\(code)", max: Fixed("0.5")!, rule: rule))
            }
            groups.append(Indicator(code: "\(g + 1)", name: "组\(g + 1)", max: 5, children: children))
        }
        return Scheme(id: "bench", name: "基准方案", total: Fixed(leaves / 2), indicators: groups)
    }

    public static func data(_ scheme: Scheme, subjects: Int, month: Int, random: inout SeededRandom) -> DataSet {
        let data = (0..<subjects).map { index -> SubjectData in
            var inputs: [String: Value] = [:]
            for l in 0..<10 { inputs["x\(l)"] = .number(Fixed(Int(random.next() % 10_001)).divided(by: 100)!) }
            return SubjectData(id: "S\(index)", inputs: inputs)
        }
        return DataSet(schemeID: scheme.id, period: "2020-\(month)", subjects: data)
    }
}
