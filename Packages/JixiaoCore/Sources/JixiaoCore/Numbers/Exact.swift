/// An exact rational number: what the engine computes in between an input and a rounding.
///
/// `Fixed` holds every figure a user types (eight decimals at most), but a quotient such as
/// 137 / 240 has no finite decimal: cut at any place and multiplied again, it gives
/// 3.42499998 where the exact 137 / 240 × 6 is 3.425 (→ 3.43). So the engine keeps such
/// values as numerator / denominator and rounds only where the scheme says.
///
/// Canonical form, so that equal values are equal structs (and hash alike): a value with at
/// most eight decimals has `denominator == 10⁸` (the fast path: sums and most products stay
/// on it, as cheap as `Fixed`); any other value is a fraction in lowest terms. Both parts are
/// `Int128`. Arithmetic never traps: a result beyond the range becomes `Exact.overflow`
/// (denominator 0), which every later operation propagates and the engine reports.
public struct Exact: Sendable, Hashable {
    public let numerator: Int128
    /// 10⁸ for decimals, otherwise the reduced denominator (> 0); 0 for the poison.
    public let denominator: Int128

    @usableFromInline static let scale = Int128(Fixed.scale)
    public static let overflow = Exact(numerator: 0, denominator: 0)
    public static let zero = Exact(numerator: 0, denominator: scale)
    public static let one = Exact(numerator: scale, denominator: scale)

    @inlinable init(numerator: Int128, denominator: Int128) {
        self.numerator = numerator
        self.denominator = denominator
    }

    @inlinable public init(_ fixed: Fixed) {
        self = fixed.isOverflow ? .overflow : Exact(numerator: Int128(fixed.raw), denominator: Exact.scale)
    }

    public init(_ integer: Int) { self.init(Fixed(integer)) }

    /// `numerator / denominator` exactly; `nil` when the denominator is 0.
    public static func ratio(_ numerator: Int, _ denominator: Int) -> Exact? {
        denominator == 0 ? nil : fraction(Int128(numerator), Int128(denominator))
    }

    @inlinable public var isOverflow: Bool { denominator == 0 }
    @inlinable public var isZero: Bool { numerator == 0 && denominator != 0 }
    @inlinable public var isNegative: Bool { numerator < 0 }
    /// True when the value has at most eight decimals, so `fixed` is exact.
    @inlinable public var isDecimal: Bool { denominator == Exact.scale }

    /// The value as `Fixed`: exact for decimals, otherwise rounded half up at the eighth place
    /// (for display and storage only; never computed with again). `.overflow` out of range.
    public var fixed: Fixed {
        let rounded = isDecimal ? self : self.rounded(places: Fixed.fractionDigits)
        if rounded.isOverflow { return .overflow }
        return Fixed.checked(rounded.numerator)
    }

    /// Reduces n/d and puts it in canonical form. The poison when a part is out of range.
    @usableFromInline static func fraction(_ n: Int128, _ d: Int128) -> Exact {
        if d == 0 || n == .min || d == .min { return .overflow }
        var n = n
        var d = d
        if d < 0 {
            n = -n
            d = -d
        }
        let divisor = Int128(gcd(n.magnitude, d.magnitude))
        if divisor > 1 {
            n /= divisor
            d /= divisor
        }
        if d <= scale, UInt64(Fixed.scale) % UInt64(d) == 0 {
            let (scaled, overflow) = n.multipliedReportingOverflow(by: Int128(UInt64(Fixed.scale) / UInt64(d)))
            return overflow || scaled == .min ? .overflow : Exact(numerator: scaled, denominator: scale)
        }
        return Exact(numerator: n, denominator: d)
    }

    /// Binary GCD (no 128-bit division, which is done in software); 1 for gcd(0, 0).
    @usableFromInline static func gcd(_ a: UInt128, _ b: UInt128) -> UInt128 {
        if a == 0 { return b == 0 ? 1 : b }
        if b == 0 { return a }
        if a <= UInt128(UInt64.max) && b <= UInt128(UInt64.max) { return UInt128(gcd(UInt64(a), UInt64(b))) }
        var a = a
        var b = b
        let shift = (a | b).trailingZeroBitCount
        a >>= a.trailingZeroBitCount
        repeat {
            b >>= b.trailingZeroBitCount
            if a > b { swap(&a, &b) }
            b -= a
        } while b != 0
        return a << shift
    }

    @usableFromInline static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var a = a
        var b = b
        let shift = (a | b).trailingZeroBitCount
        a >>= a.trailingZeroBitCount
        repeat {
            b >>= b.trailingZeroBitCount
            if a > b { swap(&a, &b) }
            b -= a
        } while b != 0
        return a << shift
    }

    @inlinable static func checked(_ value: (partialValue: Int128, overflow: Bool)) -> Int128? {
        value.overflow || value.partialValue == .min ? nil : value.partialValue
    }
}

// MARK: - Arithmetic

extension Exact {
    /// 10⁸ as a literal, so inlined code needs no lazy-global check.
    @inlinable @inline(__always) static var decimalScale: Int128 { 100_000_000 }

    /// The numerator as `Int64` when the value is a decimal that fits (the common case: every
    /// entered figure, max and point count), else nil. The fast paths below compute on it.
    @inlinable @inline(__always) var smallDecimal: Int64? {
        guard denominator == Exact.decimalScale, let small = Int64(exactly: numerator) else { return nil }
        return small
    }

    @inlinable public static func + (lhs: Exact, rhs: Exact) -> Exact {
        // Both decimals (the poison's denominator is 0, so it never takes this path).
        if lhs.denominator == decimalScale && rhs.denominator == decimalScale {
            guard let sum = checked(lhs.numerator.addingReportingOverflow(rhs.numerator)) else { return .overflow }
            return Exact(numerator: sum, denominator: decimalScale)
        }
        return addSlow(lhs, rhs, negate: false)
    }

    @inlinable public static func - (lhs: Exact, rhs: Exact) -> Exact {
        if lhs.denominator == decimalScale && rhs.denominator == decimalScale {
            guard let difference = checked(lhs.numerator.subtractingReportingOverflow(rhs.numerator)) else { return .overflow }
            return Exact(numerator: difference, denominator: decimalScale)
        }
        return addSlow(lhs, rhs, negate: true)
    }

    @usableFromInline static func addSlow(_ lhs: Exact, _ rhs: Exact, negate: Bool) -> Exact {
        if lhs.isOverflow || rhs.isOverflow { return .overflow }
        if lhs.denominator == rhs.denominator {
            guard let n = checked(negate ? lhs.numerator.subtractingReportingOverflow(rhs.numerator)
                                          : lhs.numerator.addingReportingOverflow(rhs.numerator)) else { return .overflow }
            return fraction(n, lhs.denominator)
        }
        return combine(lhs, rhs, negate: negate)
    }

    /// a/b ± c/d over the least common denominator.
    @usableFromInline static func combine(_ lhs: Exact, _ rhs: Exact, negate: Bool) -> Exact {
        let common = Int128(gcd(lhs.denominator.magnitude, rhs.denominator.magnitude))
        let rightFactor = rhs.denominator / common
        let leftFactor = lhs.denominator / common
        guard let a = checked(lhs.numerator.multipliedReportingOverflow(by: rightFactor)),
            let b = checked(rhs.numerator.multipliedReportingOverflow(by: leftFactor)),
            let n = checked(negate ? a.subtractingReportingOverflow(b) : a.addingReportingOverflow(b)),
            let d = checked(lhs.denominator.multipliedReportingOverflow(by: rightFactor))
        else { return .overflow }
        return fraction(n, d)
    }

    @inlinable public static prefix func - (value: Exact) -> Exact {
        value.isOverflow ? .overflow : Exact(numerator: -value.numerator, denominator: value.denominator)
    }

    @inlinable public static func * (lhs: Exact, rhs: Exact) -> Exact {
        // Decimals that fit in 64 bits, with a product that does too: one hardware multiply and a
        // division by the constant 10⁸ (a multiply-shift).
        if let a = lhs.smallDecimal, let b = rhs.smallDecimal {
            let (product, overflow) = a.multipliedReportingOverflow(by: b)
            if !overflow {
                let (quotient, remainder) = product.quotientAndRemainder(dividingBy: 100_000_000)
                if remainder == 0 { return Exact(numerator: Int128(quotient), denominator: decimalScale) }
            }
        }
        return multiplySlow(lhs, rhs)
    }

    @usableFromInline static func multiplySlow(_ lhs: Exact, _ rhs: Exact) -> Exact {
        if lhs.isOverflow || rhs.isOverflow { return .overflow }
        if lhs.isDecimal && rhs.isDecimal {
            guard let product = checked(lhs.numerator.multipliedReportingOverflow(by: rhs.numerator)) else {
                return multiply(lhs.numerator, lhs.denominator, rhs.numerator, rhs.denominator)
            }
            let (quotient, remainder) = product.quotientAndRemainder(dividingBy: scale)
            if remainder == 0 { return Exact(numerator: quotient, denominator: scale) }
            return fraction(product, scale * scale)
        }
        return multiply(lhs.numerator, lhs.denominator, rhs.numerator, rhs.denominator)
    }

    /// (a/b) × (c/d), cross-reduced first so that parts stay small.
    @usableFromInline static func multiply(_ a: Int128, _ b: Int128, _ c: Int128, _ d: Int128) -> Exact {
        let g1 = Int128(gcd(a.magnitude, d.magnitude))
        let g2 = Int128(gcd(c.magnitude, b.magnitude))
        guard let n = checked((a / g1).multipliedReportingOverflow(by: c / g2)),
            let m = checked((b / g2).multipliedReportingOverflow(by: d / g1))
        else { return .overflow }
        return fraction(n, m)
    }

    /// `nil` when dividing by zero; callers turn that into an error that names the indicator.
    @inlinable public func divided(by divisor: Exact) -> Exact? {
        // Decimals whose quotient is a decimal again: (a/10⁸) ÷ (b/10⁸) = (a·10⁸ / b) / 10⁸.
        if let a = smallDecimal, let b = divisor.smallDecimal, b != 0 {
            let (shifted, overflow) = a.multipliedReportingOverflow(by: 100_000_000)
            if !overflow && b != -1 {
                let (quotient, remainder) = shifted.quotientAndRemainder(dividingBy: b)
                if remainder == 0 { return Exact(numerator: Int128(quotient), denominator: Exact.decimalScale) }
            }
        }
        return dividedSlow(by: divisor)
    }

    @usableFromInline func dividedSlow(by divisor: Exact) -> Exact? {
        if divisor.isZero { return nil }
        if isOverflow || divisor.isOverflow { return .overflow }
        if isDecimal && divisor.isDecimal { return Exact.fraction(numerator, divisor.numerator) }
        // (a/b) ÷ (c/d) = (a/b) × (d/c), the sign carried by the numerator.
        let sign: Int128 = divisor.numerator < 0 ? -1 : 1
        return Exact.multiply(numerator, denominator, divisor.denominator * sign, divisor.numerator * sign)
    }

    @inlinable public static func += (lhs: inout Exact, rhs: Exact) { lhs = lhs + rhs }
    @inlinable public static func -= (lhs: inout Exact, rhs: Exact) { lhs = lhs - rhs }

    // Mixed with `Fixed`: maxima, points and steps are declared decimals.
    @inlinable public static func * (lhs: Exact, rhs: Fixed) -> Exact { lhs * Exact(rhs) }
    @inlinable public static func * (lhs: Fixed, rhs: Exact) -> Exact { Exact(lhs) * rhs }
    @inlinable public static func + (lhs: Exact, rhs: Fixed) -> Exact { lhs + Exact(rhs) }
    @inlinable public static func - (lhs: Exact, rhs: Fixed) -> Exact { lhs - Exact(rhs) }
    @inlinable public static func - (lhs: Fixed, rhs: Exact) -> Exact { Exact(lhs) - rhs }

    /// `true` when both are in range and differ by at most `tolerance`.
    public func isWithin(_ tolerance: Fixed, of other: Fixed) -> Bool {
        let difference = (self - Exact(other)).magnitude
        return !isOverflow && !other.isOverflow && !difference.isOverflow && !(Exact(tolerance) < difference)
    }

    public var magnitude: Exact { numerator < 0 ? -self : self }

    // The poison sorts below every number, so min, max and clamp check for it first.
    public static func min(_ a: Exact, _ b: Exact) -> Exact {
        a.isOverflow || b.isOverflow ? .overflow : (a < b ? a : b)
    }
    public static func max(_ a: Exact, _ b: Exact) -> Exact {
        a.isOverflow || b.isOverflow ? .overflow : (a < b ? b : a)
    }

    @inlinable public func clamped(to lower: Fixed, _ upper: Fixed) -> Exact {
        if denominator == Exact.decimalScale && !lower.isOverflow && !upper.isOverflow {
            if numerator < Int128(lower.raw) { return Exact(numerator: Int128(lower.raw), denominator: Exact.decimalScale) }
            if Int128(upper.raw) < numerator { return Exact(numerator: Int128(upper.raw), denominator: Exact.decimalScale) }
            return self
        }
        return clampedSlow(to: lower, upper)
    }

    @usableFromInline func clampedSlow(to lower: Fixed, _ upper: Fixed) -> Exact {
        if isOverflow || lower.isOverflow || upper.isOverflow { return .overflow }
        let low = Exact(lower)
        let high = Exact(upper)
        return self < low ? low : (high < self ? high : self)
    }
}

// MARK: - Order

extension Exact: Comparable {
    @inlinable public static func < (lhs: Exact, rhs: Exact) -> Bool {
        if lhs.denominator == decimalScale && rhs.denominator == decimalScale { return lhs.numerator < rhs.numerator }
        return lessSlow(lhs, rhs)
    }

    @usableFromInline static func lessSlow(_ lhs: Exact, _ rhs: Exact) -> Bool {
        if lhs.isOverflow || rhs.isOverflow { return lhs.isOverflow && !rhs.isOverflow }
        if lhs.denominator == rhs.denominator { return lhs.numerator < rhs.numerator }
        // a/b < c/d ⇔ a·d < c·b (b, d > 0), compared in 256 bits so it cannot overflow.
        let left = lhs.numerator.multipliedFullWidth(by: rhs.denominator)
        let right = rhs.numerator.multipliedFullWidth(by: lhs.denominator)
        return left.high != right.high ? left.high < right.high : left.low < right.low
    }
}

// MARK: - Rounding

extension Exact {
    /// Rounds to `places` decimals (0…8) with `mode`; the result is a decimal.
    @inlinable public func rounded(places: Int, mode: RoundingMode = .halfUp) -> Exact {
        // A decimal in 64 bits: one hardware division by the unit of the last kept place.
        if let raw = smallDecimal, places >= 0, places < Fixed.fractionDigits {
            // Two places (nearly every scheme) divide by a constant: a multiply and a shift.
            let unit = places == 2 ? 1_000_000 : Exact.placeUnit(places)
            let (quotient, remainder) = places == 2
                ? raw.quotientAndRemainder(dividingBy: 1_000_000) : raw.quotientAndRemainder(dividingBy: unit)
            if remainder == 0 { return self }
            let twice = 2 * remainder.magnitude  // remainder < unit ≤ 10⁸: no overflow
            let away: Bool
            switch mode {
            case .down: away = false
            case .halfUp: away = twice >= unit.magnitude
            case .halfEven: away = twice > unit.magnitude || (twice == unit.magnitude && quotient % 2 != 0)
            }
            let stepped = away ? quotient + (raw < 0 ? -1 : 1) : quotient
            return Exact(numerator: Int128(stepped) * Int128(unit), denominator: Exact.decimalScale)
        }
        return roundedSlow(places: places, mode: mode)
    }

    /// 10^(8 − places) for places 0…7: one unit of the last kept place, in raw terms.
    @inlinable @inline(__always) static func placeUnit(_ places: Int) -> Int64 {
        var unit: Int64 = 1
        for _ in places..<Fixed.fractionDigits { unit &*= 10 }
        return unit
    }

    @usableFromInline func roundedSlow(places: Int, mode: RoundingMode) -> Exact {
        if isOverflow { return self }
        let places = Swift.max(0, Swift.min(places, Fixed.fractionDigits))
        var unit: Int128 = 1  // 10^(8 − places): one unit of the last kept place, in raw terms
        for _ in places..<Fixed.fractionDigits { unit *= 10 }
        // quotient = value × 10^places, truncated toward zero; remainder over `divisor`.
        let quotient: Int128
        let remainder: Int128
        let divisor: Int128
        if isDecimal {
            (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: unit)
            divisor = unit
        } else {
            var power: Int128 = 1
            for _ in 0..<places { power *= 10 }
            guard let shifted = Exact.checked(numerator.multipliedReportingOverflow(by: power)) else { return .overflow }
            (quotient, remainder) = shifted.quotientAndRemainder(dividingBy: denominator)
            divisor = denominator
        }
        let twice = 2 * remainder.magnitude
        let away: Bool
        switch mode {
        case .down: away = false
        case .halfUp: away = twice >= divisor.magnitude
        case .halfEven: away = twice > divisor.magnitude || (twice == divisor.magnitude && quotient % 2 != 0)
        }
        let stepped = away && remainder != 0 ? quotient + (numerator < 0 ? -1 : 1) : quotient
        guard let raw = Exact.checked(stepped.multipliedReportingOverflow(by: unit)) else { return .overflow }
        return Exact(numerator: raw, denominator: Exact.scale)
    }

    /// The greatest whole number not above the value.
    public var floored: Exact {
        if isOverflow { return self }
        var whole = numerator / denominator
        if numerator < 0 && numerator % denominator != 0 { whole -= 1 }
        guard let raw = Exact.checked(whole.multipliedReportingOverflow(by: Exact.scale)) else { return .overflow }
        return Exact(numerator: raw, denominator: Exact.scale)
    }

    /// The least whole number not below the value.
    public var ceiled: Exact {
        if isOverflow { return self }
        var whole = numerator / denominator
        if numerator > 0 && numerator % denominator != 0 { whole += 1 }
        guard let raw = Exact.checked(whole.multipliedReportingOverflow(by: Exact.scale)) else { return .overflow }
        return Exact(numerator: raw, denominator: Exact.scale)
    }

    /// The whole part (toward zero), or `nil` for the poison or beyond `Int`.
    public var wholePart: Int? {
        if isOverflow { return nil }
        return Int(exactly: numerator / denominator)
    }
}

// MARK: - Text

extension Exact: CustomStringConvertible {
    /// The shortest exact text for a decimal (`3.425`); a value with no finite decimal shows
    /// eight places and an ellipsis (`0.57083333…`), so the text never claims to be exact.
    public var description: String {
        if isOverflow { return "溢出" }
        if isDecimal { return Exact.decimalText(numerator, trim: true, places: Fixed.fractionDigits) }
        let rounded = self.rounded(places: Fixed.fractionDigits)
        return rounded.isOverflow ? "溢出" : Exact.decimalText(rounded.numerator, trim: true, places: Fixed.fractionDigits) + "…"
    }

    /// Exactly `places` decimals after rounding with `mode`: `3.43`, `100.00`.
    public func formatted(places: Int = 2, mode: RoundingMode = .halfUp) -> String {
        let places = Swift.max(0, Swift.min(places, Fixed.fractionDigits))
        let rounded = self.rounded(places: places, mode: mode)
        if rounded.isOverflow { return "溢出" }
        return Exact.decimalText(rounded.numerator, trim: false, places: places)
    }

    /// As a percentage with `places` decimals: 0.919 → `91.90%`.
    public func formattedPercent(places: Int = 2) -> String {
        let percent = self * Exact(Fixed.hundred)
        let text = percent.formatted(places: places)
        return text == "溢出" ? text : text + "%"
    }

    /// A raw decimal (value × 10⁸) as text: trimmed of trailing zeros, or with `places` decimals.
    static func decimalText(_ raw: Int128, trim: Bool, places: Int) -> String {
        let magnitude = raw.magnitude
        let whole = magnitude / UInt128(Fixed.scale)
        var fraction = magnitude % UInt128(Fixed.scale)
        var text = (raw < 0 ? "-" : "") + String(whole)
        if trim {
            guard fraction != 0 else { return text }
            var digits = Fixed.fractionDigits
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            let fractionText = String(fraction)
            return text + "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
        }
        if places > 0 {
            var unit: UInt128 = 1
            for _ in 0..<(Fixed.fractionDigits - places) { unit *= 10 }
            let fractionText = String(fraction / unit)
            text += "." + String(repeating: "0", count: places - fractionText.count) + fractionText
        }
        return text
    }
}
