/// An exact decimal number with eight fractional digits, stored as a scaled `Int64`.
///
/// Scores and money never touch binary floating point. Foundation's `Decimal` is exact but
/// too slow for the engine's target, so the engine computes in `Fixed`: every decimal with at
/// most eight places is represented exactly, addition and subtraction are exact, products and
/// quotients are rounded half away from zero at the eighth place (far below the two places
/// any scheme rounds to). The range is about ±92 billion.
///
/// Arithmetic never traps: a result out of range becomes `Fixed.overflow`, which every later
/// operation propagates, so user input can never crash the process; the engine reports it.
public struct Fixed: Sendable, Hashable, Comparable {
    /// The value × 10⁸.
    public var raw: Int64

    public static let fractionDigits = 8
    public static let scale: Int64 = 100_000_000
    /// The poison value of an overflowed computation.
    public static let overflow = Fixed(raw: .min)
    public static let zero = Fixed(raw: 0)
    public static let one = Fixed(raw: scale)
    public static let hundred = Fixed(raw: 100 * scale)

    @inlinable public init(raw: Int64) { self.raw = raw }

    public init(_ integer: Int) {
        let (product, overflow) = Int64(clamping: integer).multipliedReportingOverflow(by: Fixed.scale)
        self.raw = overflow || product == .min ? Fixed.overflow.raw : product
    }

    @inlinable public var isOverflow: Bool { raw == .min }
    @inlinable public var isNegative: Bool { raw < 0 }
    @inlinable public var isZero: Bool { raw == 0 }

    @inlinable public static func < (lhs: Fixed, rhs: Fixed) -> Bool { lhs.raw < rhs.raw }

    @inlinable public static func + (lhs: Fixed, rhs: Fixed) -> Fixed {
        if lhs.isOverflow || rhs.isOverflow { return .overflow }
        let (sum, overflow) = lhs.raw.addingReportingOverflow(rhs.raw)
        return overflow ? .overflow : Fixed(raw: sum)
    }

    @inlinable public static func - (lhs: Fixed, rhs: Fixed) -> Fixed {
        if lhs.isOverflow || rhs.isOverflow { return .overflow }
        let (difference, overflow) = lhs.raw.subtractingReportingOverflow(rhs.raw)
        return overflow ? .overflow : Fixed(raw: difference)
    }

    @inlinable public static prefix func - (value: Fixed) -> Fixed {
        value.isOverflow ? .overflow : Fixed(raw: -value.raw)
    }

    @inlinable public static func += (lhs: inout Fixed, rhs: Fixed) { lhs = lhs + rhs }
    @inlinable public static func -= (lhs: inout Fixed, rhs: Fixed) { lhs = lhs - rhs }

    @inlinable public static func * (lhs: Fixed, rhs: Fixed) -> Fixed {
        if lhs.isOverflow || rhs.isOverflow { return .overflow }
        // Fast path: both fit in 32 bits of magnitude, so the product fits in 64.
        let product = Int128(lhs.raw) * Int128(rhs.raw)
        return Fixed.fromScaled(product, divisor: Int128(scale))
    }

    /// `nil` when dividing by zero; callers turn that into an error that names the indicator.
    @inlinable public func divided(by divisor: Fixed) -> Fixed? {
        if divisor.raw == 0 { return nil }
        if isOverflow || divisor.isOverflow { return .overflow }
        return Fixed.fromScaled(Int128(raw) * Int128(Fixed.scale), divisor: Int128(divisor.raw))
    }

    /// numerator / divisor rounded half away from zero, or `.overflow` when out of range.
    @inlinable static func fromScaled(_ numerator: Int128, divisor: Int128) -> Fixed {
        var quotient = numerator / divisor
        let remainder = numerator - quotient * divisor
        if remainder != 0, 2 * remainder.magnitude >= divisor.magnitude {
            quotient += (numerator < 0) != (divisor < 0) ? -1 : 1
        }
        return Fixed.checked(quotient)
    }

    /// A raw value computed in 128 bits, or `.overflow` when it does not fit. `Int64.min` is
    /// the poison itself, so it is out of range too: every result stays negatable.
    @inlinable static func checked(_ raw: Int128) -> Fixed {
        guard raw > Int128(Int64.min), raw <= Int128(Int64.max) else { return .overflow }
        return Fixed(raw: Int64(raw))
    }

    public var magnitude: Fixed { raw < 0 ? -self : self }

    /// `true` when both are in range and differ by at most `tolerance`. An overflowed value
    /// agrees with nothing: it compares below every number, so a plain `<=` would call it a match.
    public func isWithin(_ tolerance: Fixed, of other: Fixed) -> Bool {
        let difference = self - other
        return !isOverflow && !other.isOverflow && !difference.isOverflow && difference.magnitude <= tolerance
    }

    // The poison sorts below every number, so min, max and clamp check for it first:
    // otherwise `max(overflow, 1)` would quietly turn an overflow into 1.
    public static func min(_ a: Fixed, _ b: Fixed) -> Fixed {
        a.isOverflow || b.isOverflow ? .overflow : (a < b ? a : b)
    }
    public static func max(_ a: Fixed, _ b: Fixed) -> Fixed {
        a.isOverflow || b.isOverflow ? .overflow : (a < b ? b : a)
    }

    public func clamped(to lower: Fixed, _ upper: Fixed) -> Fixed {
        if isOverflow || lower.isOverflow || upper.isOverflow { return .overflow }
        return self < lower ? lower : (upper < self ? upper : self)
    }
}

// MARK: - Rounding

/// How a scheme rounds (四舍五入 is `halfUp`: halves away from zero).
public enum RoundingMode: String, Sendable, Hashable, CaseIterable {
    case halfUp = "half_up"
    case halfEven = "half_even"
    case down
}

extension Fixed {
    /// Rounds to `places` decimal places (0…8). Rounding away from zero can step past the
    /// range (Int64.max to two places), so the step is taken in 128 bits and checked.
    public func rounded(places: Int, mode: RoundingMode = .halfUp) -> Fixed {
        if isOverflow { return self }
        let drop = Fixed.fractionDigits - Swift.max(0, Swift.min(places, Fixed.fractionDigits))
        if drop == 0 { return self }
        var unit: Int64 = 1
        for _ in 0..<drop { unit *= 10 }
        var quotient = Int128(raw / unit)
        let remainder = raw % unit  // same sign as raw
        let twice = 2 * remainder.magnitude
        let away: Bool
        switch mode {
        case .down: away = false
        case .halfUp: away = twice >= UInt64(unit)
        case .halfEven: away = twice > UInt64(unit) || (twice == UInt64(unit) && quotient % 2 != 0)
        }
        if away { quotient += raw < 0 ? -1 : 1 }
        return Fixed.checked(quotient * Int128(unit))
    }

    /// The greatest whole number not above the value; `.overflow` below about −92 billion.
    public var floored: Fixed {
        if isOverflow { return self }
        let whole = Int128(raw / Fixed.scale * Fixed.scale)
        return Fixed.checked(raw < 0 && whole != Int128(raw) ? whole - Int128(Fixed.scale) : whole)
    }

    /// The least whole number not below the value; `.overflow` above about 92 billion.
    public var ceiled: Fixed {
        if isOverflow { return self }
        let whole = Int128(raw / Fixed.scale * Fixed.scale)
        return Fixed.checked(raw > 0 && whole != Int128(raw) ? whole + Int128(Fixed.scale) : whole)
    }

    /// The whole part as an `Int` (toward zero), or `nil` for the poison: what callers that
    /// count or index need, without each dividing `raw` by hand.
    public var wholePart: Int? { isOverflow ? nil : Int(raw / Fixed.scale) }
}

// MARK: - Text

extension Fixed: CustomStringConvertible, LosslessStringConvertible {
    /// Parses `12686743.25`, `-0.5`, `12,686,743.25`, `91.9%` (= 0.919), `+3`, `.5`.
    /// Digits past the eighth place are rounded half up. Out of range or malformed: `nil`.
    public init?(_ text: String) {
        var scalars = Substring(text.trimmingSpaces())
        var percent = false
        if scalars.hasSuffix("%") || scalars.hasSuffix("％") {
            percent = true
            scalars = scalars.dropLast()
        }
        var negative = false
        if let first = scalars.first, first == "-" || first == "+" || first == "−" {
            negative = first != "+"
            scalars = scalars.dropFirst()
        }
        var integerPart: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var roundUp = false
        var seenDigit = false
        var seenPoint = false
        for character in scalars {
            if character == "," && !seenPoint && seenDigit { continue }
            if character == "." {
                if seenPoint { return nil }
                seenPoint = true
                continue
            }
            guard let digit = character.wholeNumberValue, character.isASCII else { return nil }
            seenDigit = true
            if seenPoint {
                if fractionDigits < Fixed.fractionDigits {
                    fraction = fraction * 10 + Int64(digit)
                    fractionDigits += 1
                } else if fractionDigits == Fixed.fractionDigits {
                    roundUp = digit >= 5
                    fractionDigits += 1
                }
            } else {
                let (shifted, o1) = integerPart.multipliedReportingOverflow(by: 10)
                let (next, o2) = shifted.addingReportingOverflow(Int64(digit))
                if o1 || o2 || next > Int64.max / Fixed.scale { return nil }
                integerPart = next
            }
        }
        guard seenDigit else { return nil }
        for _ in Swift.min(fractionDigits, Fixed.fractionDigits)..<Fixed.fractionDigits { fraction *= 10 }
        let (sum, tooLarge) = (integerPart * Fixed.scale).addingReportingOverflow(fraction + (roundUp ? 1 : 0))
        guard !tooLarge else { return nil }
        var raw = sum
        if percent {
            guard let divided = Fixed(raw: raw).divided(by: .hundred), !divided.isOverflow else { return nil }
            raw = divided.raw
        }
        self.raw = negative ? -raw : raw
    }

    /// The shortest exact text: `2.27`, `100`, `0.919`, `-0.5`.
    public var description: String {
        if isOverflow { return "溢出" }
        let magnitude = raw.magnitude
        let whole = magnitude / UInt64(Fixed.scale)
        var fraction = magnitude % UInt64(Fixed.scale)
        var text = (raw < 0 ? "-" : "") + String(whole)
        if fraction != 0 {
            var digits = Fixed.fractionDigits
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            let fractionText = String(fraction)
            text += "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
        }
        return text
    }

    /// Exactly `places` decimals, after rounding with `mode`: `1.99`, `100.00`.
    public func formatted(places: Int = 2, mode: RoundingMode = .halfUp) -> String {
        let places = Swift.max(0, Swift.min(places, Fixed.fractionDigits))
        let rounded = self.rounded(places: places, mode: mode)
        if rounded.isOverflow { return "溢出" }
        let magnitude = rounded.raw.magnitude
        let whole = magnitude / UInt64(Fixed.scale)
        var text = (rounded.raw < 0 ? "-" : "") + String(whole)
        if places > 0 {
            var unit: UInt64 = 1
            for _ in 0..<(Fixed.fractionDigits - places) { unit *= 10 }
            let fractionText = String((magnitude % UInt64(Fixed.scale)) / unit)
            text += "." + String(repeating: "0", count: places - fractionText.count) + fractionText
        }
        return text
    }

    /// As a percentage with `places` decimals: 0.919 → `91.90%`.
    public func formattedPercent(places: Int = 2) -> String {
        let percent = self * Fixed.hundred
        let text = percent.formatted(places: places)
        return percent.isOverflow || text == "溢出" ? "溢出" : text + "%"
    }
}

extension Fixed: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self.init(value) }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
