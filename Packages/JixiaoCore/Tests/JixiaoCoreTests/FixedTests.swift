import Testing
@testable import JixiaoCore

@Suite struct FixedTests {
    @Test func parse_decimalsPercentagesAndThousands() {
        #expect(Fixed("2.27")!.raw == 227_000_000)
        #expect(Fixed("91.9%") == Fixed("0.919"))
        #expect(Fixed("12,686,743.25")!.description == "12686743.25")
        #expect(Fixed("-0.5")!.description == "-0.5")
        #expect(Fixed(".5") == Fixed("0.5"))
        #expect(Fixed("1.123456785")!.description == "1.12345679")  // ninth digit rounds half up
    }

    @Test func parse_rejectsGarbageAndOutOfRange() {
        #expect(Fixed("") == nil)
        #expect(Fixed("1.2.3") == nil)
        #expect(Fixed("abc") == nil)
        #expect(Fixed("99999999999999") == nil)
        #expect(Fixed("92233720368.99999999") == nil)
        #expect(Fixed("%") == nil)
    }

    @Test func arithmetic_isExactAtTwoPlaces() {
        #expect(n("0.1") + n("0.2") == n("0.3"))
        #expect((n("0.919") * n("2.27")).description == "2.08613")
        #expect(n("11658892.71").divided(by: n("12686743.25"))!.formattedPercent(places: 1) == "91.9%")
        #expect(n("1").divided(by: n("3"))!.description == "0.33333333")
        #expect(n("2").divided(by: n("3"))!.description == "0.66666667")
        #expect(n("1").divided(by: .zero) == nil)
    }

    @Test func rounding_halfUpGoesAwayFromZero_halfEvenToEven() {
        #expect(n("2.345").rounded(places: 2) == n("2.35"))
        #expect(n("-2.345").rounded(places: 2) == n("-2.35"))
        #expect(n("2.345").rounded(places: 2, mode: .halfEven) == n("2.34"))
        #expect(n("2.355").rounded(places: 2, mode: .halfEven) == n("2.36"))
        #expect(n("2.349").rounded(places: 2, mode: .down) == n("2.34"))
        #expect(n("89.995").rounded(places: 2) == n("90"))
        #expect(n("1.5").formatted(places: 0) == "2")
        #expect(n("100").formatted() == "100.00")
        #expect(n("-0.004").formatted() == "0.00" || n("-0.004").formatted() == "-0.00")
    }

    @Test func overflow_poisonsInsteadOfTrapping() {
        let big = Fixed("90000000000")!
        #expect((big * big).isOverflow)
        #expect((big + big).isOverflow)
        #expect(((big * big) + .one).isOverflow)
        #expect(Fixed.overflow.description == "溢出")
    }

    @Test func floorAndCeil() {
        #expect(n("2.7").floored == n("2"))
        #expect(n("-2.3").floored == n("-3"))
        #expect(n("2.3").ceiled == n("3"))
        #expect(n("3").floored == n("3"))
    }
}
