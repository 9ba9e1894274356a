import Testing
@testable import JixiaoCore

@Suite struct ExpressionTests {
    @Test func precedence_multiplicationBeforeAddition_comparisonBeforeAnd() {
        #expect(expr("1 + 2 * 3").root.shape == "+(lit(1),*(lit(2),lit(3)))")
        #expect(expr("a > 1 and b <= 2").root.shape == "and(>(name(a),lit(1)),<=(name(b),lit(2)))")
        #expect(expr("not a > 1").root.shape == "not(>(name(a),lit(1)))")
        #expect(expr("-a * b").root.shape == "*(-(name(a)),name(b))")
    }

    @Test func chineseOperatorsAndNames() {
        #expect(expr("预算执行率 × 2.27").root.shape == "*(name(预算执行率),lit(2.27))")
        #expect(expr("（实际 ÷ 目标） ≥ 90%").root.shape == ">=(/(name(实际),name(目标)),lit(0.9))")
        #expect(expr("fund.预算执行率 ≠ 1 且 subject.党员").root.shape == "and(!=(name(fund.预算执行率),lit(1)),name(subject.党员))")
    }

    @Test func errors_sayWhatAndWhere() {
        do {
            _ = try Expression(parsing: "1 + * 2")
            Issue.record("expected an error")
        } catch {
            #expect(error.range.lower == 4)
            #expect(error.description.contains("^"))
        }
        #expect(throws: ExpressionError.self) { try Expression(parsing: "min(1,") }
        #expect(throws: ExpressionError.self) { try Expression(parsing: "'abc") }
        #expect(throws: ExpressionError.self) { try Expression(parsing: "foo(1)") }
        #expect(throws: ExpressionError.self) { try Expression(parsing: "clamp(1, 2)") }
        #expect(throws: ExpressionError.self) { try Expression(parsing: "1 # 2") }
        #expect(throws: ExpressionError.self) { try Expression(parsing: "") }
        #expect(throws: ExpressionError.self) { try Expression(parsing: "(1 + 2") }
        #expect(throws: ExpressionError.self) { try Expression(parsing: String(repeating: "(", count: 500) + "1") }
    }

    @Test func printer_roundTrips() throws {
        for source in ["1 + 2 * 3", "min(a, b, 3) / 2", "if(x >= 90%, max, 0)", "not (a == 'b') or c", "-(x - 1) * 2",
                       "score(\"1.2\") * 5", "peer_avg(通过率) - 1%", "round(a / b, 2)"] {
            let parsed = try Expression(parsing: source)
            let reparsed = try Expression(parsing: parsed.root.printed)
            #expect(reparsed.root.shape == parsed.root.shape, "\(source)")
        }
    }

    /// Random and mutated formulas never crash the parser; errors point inside the text.
    @Test func fuzz_parserNeverCrashes() {
        var random = SeededRandom(seed: 20261124)
        let alphabet = Array("0123456789.%+-*/()<>=!, abc实际目标'\"≥≤×÷（）minaxroundifscore_")
        let seeds = ["min(a, b) * 2.27", "if(x >= 90%, 1, 0)", "(实际 ÷ 目标) × 1.58", "score('1.1') + value('2')"]
        for iteration in 0..<3000 {
            var text: [Character]
            if iteration % 2 == 0 {
                text = (0..<Int(random.next() % 24)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            } else {
                text = Array(seeds[iteration % seeds.count])
                for _ in 0..<(1 + Int(random.next() % 3)) where !text.isEmpty {
                    let at = Int(random.next() % UInt64(text.count))
                    switch random.next() % 3 {
                    case 0: text.remove(at: at)
                    case 1: text.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: at)
                    default: text[at] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                    }
                }
            }
            let source = String(text)
            do {
                _ = try Expression(parsing: source)
            } catch {
                #expect(error.range.lower <= source.count, "\(source)")
            }
        }
    }
}

