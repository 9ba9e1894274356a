import Testing
@testable import JixiaoCore

/// The engine computes in exact rationals and rounds only where the scheme says.
@Suite struct ExactTests {
    func x(_ text: String) -> Exact { Exact(Fixed(text)!) }

    @Test func quotientTimesWeight_isExact_andRoundsHalfUp() {
        // 137 / 240 × 6 = 3.425 exactly; cut at eight places it would be 3.42499998 → 3.42.
        let rate = x("137").divided(by: x("240"))!
        #expect(!rate.isDecimal)
        let score = rate * x("6")
        #expect(score == x("3.425"))
        #expect(score.isDecimal)
        #expect(score.formatted() == "3.43")
        #expect(score.rounded(places: 2) == x("3.43"))
    }

    @Test func thirds_addBackToWhole() {
        let third = Exact.ratio(1, 3)!
        #expect(third + third + third == .one)
        #expect((third * x("3")) == .one)
        #expect(third.description == "0.33333333…")
        #expect(Exact.ratio(2, 3)!.formatted(places: 4) == "0.6667")
        #expect(x("1").divided(by: x("3"))! == third)
        #expect(x("-1").divided(by: x("3"))! == -third)
        #expect(x("1").divided(by: x("-3"))! == -third)
        #expect(x("1").divided(by: .zero) == nil)
    }

    @Test func canonicalForm_equalValuesAreEqualAndHashAlike() {
        let a = Exact.ratio(2, 4)!
        let b = x("0.5")
        #expect(a == b && a.hashValue == b.hashValue && a.isDecimal)
        #expect(Exact.ratio(6, 9)! == Exact.ratio(2, 3)!)
        #expect(Exact.ratio(1, 3)! < Exact.ratio(1, 2)!)
        #expect(-Exact.ratio(1, 3)! > -Exact.ratio(1, 2)!)
        #expect(Exact.ratio(1, 3)!.fixed == Fixed("0.33333333")!)
    }

    @Test func rounding_modesAndNegativeHalves() {
        let half = x("2.345")
        #expect(half.rounded(places: 2, mode: .halfUp) == x("2.35"))
        #expect(half.rounded(places: 2, mode: .halfEven) == x("2.34"))
        #expect(half.rounded(places: 2, mode: .down) == x("2.34"))
        #expect((-half).rounded(places: 2) == x("-2.35"))
        // A fraction just below a half rounds down; its eight-place cut would round up.
        let below = Exact.ratio(2_249_999_999, 1_000_000_000)! + Exact.ratio(1, 3_000_000_000)!  // 2.2499999993…
        #expect(below.rounded(places: 2) == x("2.25"))
        let justBelow = x("2.245") - Exact.ratio(1, 300_000_000_000)!
        #expect(justBelow.fixed == x("2.245").fixed)  // indistinguishable at eight places
        #expect(justBelow.rounded(places: 2) == x("2.24"))  // but not to the exact rounding
        #expect(Exact.ratio(7, 2)!.floored == x("3") && Exact.ratio(-7, 2)!.floored == x("-4"))
        #expect(Exact.ratio(7, 2)!.ceiled == x("4") && Exact.ratio(-7, 2)!.ceiled == x("-3"))
    }

    @Test func overflow_isPoisonNeverATrap() {
        let top = Exact(Fixed(raw: .max))
        var value = top
        for _ in 0..<4 { value = value * top }
        #expect(value.isOverflow)
        #expect((value + .one).isOverflow && (value - .one).isOverflow && (-value).isOverflow)
        #expect(value.divided(by: .one)!.isOverflow)
        #expect(value < .zero && !(Exact.zero < value))
        #expect(value.formatted() == "溢出" && value.description == "溢出")
        #expect(Exact.max(value, .one).isOverflow && Exact.min(value, .one).isOverflow)
        #expect(Exact(Fixed.overflow).isOverflow)
        // A fraction whose parts grow past 128 bits overflows instead of trapping.
        var fraction = Exact.ratio(1, 3)!
        let primes = [7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127]
        for prime in primes { fraction = fraction + Exact.ratio(1, prime)! }
        #expect(fraction.isOverflow)  // the denominator is the product of 29 primes, past 2¹²⁷
    }

    @Test func engine_rateTimesWeight_roundsTheExactValue() {
        let rule = Rule.formula(score: expr("a / b * 6"))
        let score = outcome(rule, max: 10, value: nil, inputs: ["a": .number(137), "b": .number(240)]).score
        #expect(score == x("3.43"))
    }

    /// 7 peers on a linear 1.0 → 0.6 curve: the k-th gets 1 − 0.4 (k − 1) / 6, exactly.
    @Test func rankingCoefficients_areExactQuotients() {
        let ranking = Rule.ranking(Ranking(metric: expr("m"), descending: true, coefficient: .linear(first: .one, last: n("0.6")), amongSiblings: false))
        let exact = Rounding(mode: .halfUp, places: 2, point: .total)
        let compiled = scheme([leaf(max: n("4.8"), rule: ranking)], total: n("4.8"), rounding: exact)
        let subjects = (1...7).map { SubjectData(id: "s\($0)", inputs: ["m": .number(Fixed(100 - $0))]) }
        let result = score(compiled, subjects)
        #expect(result.subjects[6].rankings[0]?.coefficient == x("0.6"))
        #expect(result.subjects[5].rankings[0]?.coefficient == Exact.ratio(2, 3)!)
        #expect(result.subjects[5].outcomes[0].score == x("3.2"))
        #expect(result.subjects[6].outcomes[0].score == x("2.88"))
        // Rounded only at the total: 5 × (1 − 0.4 × 1/6) … sums stay exact.
        let five = scheme([leaf(max: n("5"), rule: ranking), leaf("b", max: n("1"), rule: .formula(score: expr("o")))],
                          total: n("6"), rounding: exact)
        let withOther = (1...7).map { SubjectData(id: "s\($0)", inputs: ["m": .number(Fixed(100 - $0)), "o": .number(n("0.005"))]) }
        let second = score(five, withOther).subjects[1]
        #expect(second.outcomes[0].score == Exact.ratio(14, 3)!)  // 5 × 14/15
        #expect(second.outcomes[0].score?.isDecimal == false)
        // 4.66666666… + 0.005 = 4.67166666… → 4.67 at the total, never a rounded part re-added.
        #expect(second.total == .scored(n("4.67")))
    }

    @Test func roundingAtTheTotal_onlyThere() {
        // Three thirds of one point each: per indicator 0.33 × 3 = 0.99; at the total exactly 1.
        let third = Rule.formula(score: expr("1 / 3"))
        let leaves = ["a", "b", "c"].map { leaf($0, max: 1, rule: third) }
        let perIndicator = score(scheme(leaves, total: 3), [SubjectData(id: "s")])
        #expect(perIndicator.subjects[0].total == .scored(n("0.99")))
        let atTotal = score(scheme(leaves, total: 3, rounding: Rounding(point: .total)), [SubjectData(id: "s")])
        #expect(atTotal.subjects[0].total == .scored(1))
        #expect(atTotal.subjects[0].outcomes[0].score == Exact.ratio(1, 3)!)
    }

    /// Random formulas of + − × ÷ over decimals, evaluated by the engine and by a naive
    /// reference (plain fractions, reduced after every step, no fast paths): always equal.
    @Test func property_engineMatchesExactReference() {
        var random = SeededRandom(seed: 20_261_201)
        var compared = 0
        for _ in 0..<400 {
            let (text, reference) = Self.randomFormula(depth: 3, &random)
            guard let reference else { continue }  // a division by zero somewhere, or too big for the reference
            let rule = Rule.formula(score: expr(text))
            let big = n("1000000")
            let compiled = scheme([leaf(max: big, rule: rule, floor: -big)], total: big, rounding: Rounding(places: 8, point: .total))
            guard let score = score(compiled, [SubjectData(id: "s")]).subjects[0].outcomes[0].score else {
                continue  // out of the indicator's range: clamped, not compared
            }
            guard reference.magnitude() < Reference(1_000_000, 1) else { continue }
            #expect(Reference(score) == reference, "\(text)")
            compared += 1
        }
        #expect(compared > 200)
    }

    /// A formula text and its exact value (nil on a zero divisor or a reference overflow).
    static func randomFormula(depth: Int, _ random: inout SeededRandom) -> (String, Reference?) {
        if depth == 0 || UInt64.random(in: 0..<4, using: &random) == 0 {
            let cents = Int64(UInt64.random(in: 0..<200_000, using: &random)) - 100_000
            let places = Int(UInt64.random(in: 0..<4, using: &random))
            var scale: Int64 = 1
            for _ in 0..<places { scale *= 10 }
            let value = Fixed(raw: cents * (Fixed.scale / scale) / 100)
            return ("(\(value))", Reference(Int128(value.raw), Int128(Fixed.scale)))
        }
        let (left, a) = randomFormula(depth: depth - 1, &random)
        let (right, b) = randomFormula(depth: depth - 1, &random)
        let op = ["+", "-", "*", "/"][Int(UInt64.random(in: 0..<4, using: &random))]
        let text = "(\(left) \(op) \(right))"
        guard let a, let b else { return (text, nil) }
        switch op {
        case "+": return (text, a.adding(b, negate: false))
        case "-": return (text, a.adding(b, negate: true))
        case "*": return (text, a.multiplying(b))
        default: return (text, b.numerator == 0 ? nil : a.multiplying(Reference(b.denominator, b.numerator)))
        }
    }
}

/// The textbook fraction, for the property test: no canonical decimal form, no fast path.
struct Reference: Equatable, Comparable {
    let numerator: Int128
    let denominator: Int128

    init(_ numerator: Int128, _ denominator: Int128) {
        let sign: Int128 = denominator < 0 ? -1 : 1
        var a = numerator.magnitude
        var b = denominator.magnitude
        while b != 0 { (a, b) = (b, a % b) }
        let g = Int128(a == 0 ? 1 : a)
        self.numerator = sign * numerator / g
        self.denominator = sign * denominator / g
    }

    init(_ exact: Exact) { self.init(exact.numerator, exact.denominator) }

    func adding(_ other: Reference, negate: Bool) -> Reference? {
        let (p, o1) = numerator.multipliedReportingOverflow(by: other.denominator)
        let (q, o2) = other.numerator.multipliedReportingOverflow(by: denominator)
        let (d, o3) = denominator.multipliedReportingOverflow(by: other.denominator)
        let (s, o4) = negate ? p.subtractingReportingOverflow(q) : p.addingReportingOverflow(q)
        return o1 || o2 || o3 || o4 ? nil : Reference(s, d)
    }

    func multiplying(_ other: Reference) -> Reference? {
        let (p, o1) = numerator.multipliedReportingOverflow(by: other.numerator)
        let (d, o2) = denominator.multipliedReportingOverflow(by: other.denominator)
        return o1 || o2 ? nil : Reference(p, d)
    }

    func magnitude() -> Reference { Reference(numerator.magnitude > Int128.max.magnitude ? 0 : Int128(numerator.magnitude), denominator) }

    static func < (lhs: Reference, rhs: Reference) -> Bool {
        let left = lhs.numerator.multipliedFullWidth(by: rhs.denominator)
        let right = rhs.numerator.multipliedFullWidth(by: lhs.denominator)
        return left.high != right.high ? left.high < right.high : left.low < right.low
    }
}
