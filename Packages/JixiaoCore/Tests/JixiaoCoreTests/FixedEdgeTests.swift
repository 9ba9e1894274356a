import Testing
@testable import JixiaoCore

/// Fixed at the edges of its range, against a reference computed in 128 bits: every result is
/// either the exact value or `.overflow`, and `.overflow` exactly when the true value does not fit.
@Suite struct FixedEdgeTests {
    static let scale = Int128(Fixed.scale)

    /// The true result, or nil when it lies outside (Int64.min, Int64.max] (the poison's own value is out too).
    static func inRange(_ value: Int128) -> Int64? {
        value > Int128(Int64.min) && value <= Int128(Int64.max) ? Int64(value) : nil
    }

    static func referenceRound(_ raw: Int64, places: Int, mode: RoundingMode) -> Int128 {
        var unit: Int128 = 1
        for _ in 0..<(Fixed.fractionDigits - places) { unit *= 10 }
        let value = Int128(raw)
        let magnitude = value.magnitude
        var whole = magnitude / UInt128(unit)
        let rest = magnitude % UInt128(unit)
        switch mode {
        case .down: break
        case .halfUp: if 2 * rest >= UInt128(unit) { whole += 1 }
        case .halfEven: if 2 * rest > UInt128(unit) || (2 * rest == UInt128(unit) && whole % 2 == 1) { whole += 1 }
        }
        let result = Int128(whole) * unit
        return value < 0 ? -result : result
    }

    static func referenceFloor(_ raw: Int64) -> Int128 {
        let value = Int128(raw)
        var whole = value / scale
        if value < 0, whole * scale != value { whole -= 1 }
        return whole * scale
    }

    static func referenceCeil(_ raw: Int64) -> Int128 {
        let value = Int128(raw)
        var whole = value / scale
        if value > 0, whole * scale != value { whole += 1 }
        return whole * scale
    }

    /// Edge values: the ends of the range, ±1, and every power of ten with its neighbours and halves.
    static var samples: [Int64] {
        var values: [Int64] = [Int64.min + 1, Int64.min + 2, Int64.max, Int64.max - 1, 0, 1, -1, 2, -2]
        var power: Int64 = 1
        for _ in 0...18 {
            for candidate in [power - 1, power, power + 1, power / 2, power / 2 + 1, power * 5 / 10] {
                values += [candidate, -candidate]
            }
            if power <= Int64.max / 10 { power *= 10 } else { break }
        }
        // Near the top: the largest values whose rounding steps past Int64.max at each place count.
        for drop in 1...8 {
            var unit: Int64 = 1
            for _ in 0..<drop { unit *= 10 }
            let top = Int128(Int64.max / unit * unit)
            let half = Int128(unit / 2)
            for candidate in [top, top - 1, top + half - 1, top + half, top - half, top - half - 1] {
                for signed in [candidate, -candidate] { if let value = inRange(signed) { values.append(value) } }
            }
        }
        var random = SeededRandom(seed: 0x5EED_F1ED)
        for _ in 0..<3_000 {
            let bits = Int64(bitPattern: random.next())
            values.append(bits == .min ? .max : bits)
            values.append(Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &random))
        }
        return values
    }

    @Test func rounded_matchesInt128Reference_overflowExactlyWhenOutOfRange() {
        var checked = 0
        for raw in Self.samples {
            for places in 0...Fixed.fractionDigits {
                for mode in RoundingMode.allCases {
                    let result = Fixed(raw: raw).rounded(places: places, mode: mode)
                    let expected = Self.inRange(Self.referenceRound(raw, places: places, mode: mode))
                    if let expected {
                        #expect(result.raw == expected, "raw \(raw) places \(places) \(mode)")
                    } else {
                        #expect(result.isOverflow, "raw \(raw) places \(places) \(mode) should overflow")
                    }
                    checked += 1
                }
            }
        }
        #expect(checked > 50_000)
    }

    @Test func floorCeilNegateMagnitude_matchReference_overflowExactlyWhenOutOfRange() {
        for raw in Self.samples {
            let value = Fixed(raw: raw)
            let floor = Self.inRange(Self.referenceFloor(raw))
            let ceil = Self.inRange(Self.referenceCeil(raw))
            #expect(floor.map { value.floored.raw == $0 } ?? value.floored.isOverflow, "floor \(raw)")
            #expect(ceil.map { value.ceiled.raw == $0 } ?? value.ceiled.isOverflow, "ceil \(raw)")
            #expect((-value).raw == -raw)
            #expect(value.magnitude.raw == (raw < 0 ? -raw : raw))
            let whole = Int(Int128(raw) / Self.scale)
            #expect(value.wholePart == whole)
        }
    }

    @Test func arithmetic_matchesReference_overflowExactlyWhenOutOfRange() {
        let samples = Self.samples
        var random = SeededRandom(seed: 42)
        for _ in 0..<20_000 {
            let a = samples[Int(random.next() % UInt64(samples.count))]
            let b = samples[Int(random.next() % UInt64(samples.count))]
            let x = Fixed(raw: a), y = Fixed(raw: b)
            let sum = Self.inRange(Int128(a) + Int128(b))
            let difference = Self.inRange(Int128(a) - Int128(b))
            #expect(sum.map { (x + y).raw == $0 } ?? (x + y).isOverflow, "\(a) + \(b)")
            #expect(difference.map { (x - y).raw == $0 } ?? (x - y).isOverflow, "\(a) - \(b)")
            // Product: exact value a·b / 10⁸ rounded half away from zero.
            let product = Int128(a) * Int128(b)
            var quotient = product / Self.scale
            if 2 * (product % Self.scale).magnitude >= UInt128(Self.scale) { quotient += product < 0 ? -1 : 1 }
            let expected = Self.inRange(quotient)
            #expect(expected.map { (x * y).raw == $0 } ?? (x * y).isOverflow, "\(a) * \(b)")
        }
    }

    @Test func poison_propagatesThroughEveryOperation() {
        let poison = Fixed.overflow
        let one = Fixed.one
        #expect((poison + one).isOverflow && (one - poison).isOverflow && (-poison).isOverflow)
        #expect((poison * one).isOverflow && poison.divided(by: one)!.isOverflow && one.divided(by: poison)!.isOverflow)
        #expect(poison.rounded(places: 2).isOverflow && poison.floored.isOverflow && poison.ceiled.isOverflow)
        #expect(poison.magnitude.isOverflow && poison.wholePart == nil)
        #expect(Fixed.max(poison, one).isOverflow && Fixed.min(one, poison).isOverflow)
        #expect(poison.clamped(to: .zero, .hundred).isOverflow && one.clamped(to: poison, .hundred).isOverflow)
        #expect(!poison.isWithin(.hundred, of: poison) && !one.isWithin(.hundred, of: poison))
        #expect(Fixed(raw: .max).isWithin(.zero, of: Fixed(raw: .max)))
        #expect(!Fixed(raw: .max).isWithin(.hundred, of: Fixed(raw: -Int64.max)))  // the difference overflows
    }

    @Test func formatting_hugeValuesPrintOverflowInsteadOfTrapping() {
        let top = Fixed("92233720368.54775807")!
        #expect(top.raw == .max)
        #expect(top.description == "92233720368.54775807")
        #expect(top.formatted(places: 2) == "溢出")  // rounds up past the range
        #expect(top.formatted(places: 2, mode: .down) == "92233720368.54")
        #expect((-top).formatted(places: 0) == "溢出")
        #expect(top.formatted(places: 8) == "92233720368.54775807")
        #expect(top.formatted(places: 12) == "92233720368.54775807")  // more places than exist: clamped, not a crash
        #expect(top.formattedPercent() == "溢出")
        #expect(Fixed("0.919")!.formattedPercent(places: 1) == "91.9%")
    }
}
