import JixiaoCore
import Testing

/// `Audit.agrees`: a printed figure agrees only when it equals the recomputed figure rounded, with the
/// scheme's rounding mode, to the places it was printed with; a declared tolerance widens that.
@Suite struct AuditComparisonTests {
    func printed(_ text: String) -> PrintedFigure { PrintedFigure(text)! }

    func agrees(_ text: String, _ computed: String, mode: RoundingMode = .halfUp, tolerance: String? = nil) -> Bool {
        Audit.agrees(printed(text), n(computed), mode: mode, tolerance: tolerance.map(n))
    }

    @Test func printedFigure_keepsThePlacesAsWritten() {
        #expect(printed("4.26").places == 2 && printed("4.26").value == n("4.26"))
        #expect(printed("1.8").places == 1)
        #expect(printed("2").places == 0)
        #expect(printed("0.0").places == 1 && printed("0.0").value == .zero)
        #expect(printed("1,027,850.54").places == 2 && printed("1,027,850.54").value == n("1027850.54"))
        #expect(printed("-0.5").places == 1 && printed("-0.5").value == n("-0.5"))
        let rate = printed("91.9%")
        #expect(rate.isPercent && rate.places == 1 && rate.fractionPlaces == 3 && rate.value == n("0.919"))
        #expect(PrintedFigure("优秀") == nil)
    }

    @Test func printedFigure_printsAsWritten() {
        #expect(printed("1.8").description == "1.8")
        #expect(printed("0.00").description == "0.00")
        #expect(printed("91.9%").description == "91.9%")
        #expect(printed("100%").description == "100%")
        #expect(printed("1.8").text(n("1.83")) == "1.8")
    }

    @Test func halfPastThePrintedPlace_roundsUp_andDisagrees() {
        #expect(!agrees("4.26", "4.265"))  // 4.265 → 4.27
        #expect(agrees("4.27", "4.265"))
    }

    @Test func totalsOneCentApart_disagree() {
        #expect(!agrees("80.48", "80.49"))
        #expect(!agrees("80.49", "80.48"))
        #expect(agrees("80.49", "80.49"))
    }

    @Test func fewerPrintedPlaces_compareAtThosePlaces() {
        #expect(agrees("1.8", "1.83"))
        #expect(!agrees("1.8", "1.85"))  // → 1.9
        #expect(!agrees("1.80", "1.83"))  // printed to two places: 1.83 ≠ 1.80
        #expect(agrees("2", "1.93"))  // a whole number printed without decimals compares at 0 places
        #expect(!agrees("0.0", "0.41"))
    }

    @Test func percentages_compareAtThePrintedPlacesOfPercent() {
        #expect(agrees("91.9%", "0.91898"))  // 91.898% → 91.9%
        #expect(agrees("91.90%", "0.91898"))
        #expect(!agrees("91.9%", "0.9196"))  // 91.96% → 92.0%
        #expect(agrees("100%", "0.996"))  // 99.6% → 100%
        #expect(!agrees("100%", "0.994"))
    }

    @Test func theSchemesRoundingModeDecidesHalves() {
        #expect(agrees("2.26", "2.265", mode: .halfEven))
        #expect(!agrees("2.26", "2.265", mode: .halfUp))
        #expect(agrees("4.26", "4.269", mode: .down))
    }

    @Test func declaredTolerance_acceptsFiguresWithinIt() {
        #expect(agrees("4.26", "4.265", tolerance: "0.01"))
        #expect(agrees("80.48", "80.49", tolerance: "0.01"))
        #expect(!agrees("80.48", "80.50", tolerance: "0.01"))
        #expect(agrees("1.8", "1.83", tolerance: "0.01"))  // exact at one place still agrees
        #expect(!agrees("80.48", "80.49", tolerance: "0"))
    }

    @Test func overflow_agreesWithNothing() {
        #expect(!Audit.agrees(printed("1"), Exact.overflow, mode: .halfUp, tolerance: n("100")))
        #expect(!Audit.agrees(PrintedFigure(.overflow, places: 2), n("1"), mode: .halfUp, tolerance: nil))
        #expect(!Audit.agrees(PrintedFigure(.overflow, places: 8), Exact.overflow, mode: .halfUp, tolerance: nil))
    }

    @Test func outcomes_withoutAScore_neverAgree() {
        let scheme = Scheme(id: "t", name: "t", indicators: [])
        #expect(Audit.agrees(printed("1.93"), .scored(n("1.93")), in: scheme))
        #expect(!Audit.agrees(printed("0"), .notApplicable, in: scheme))
        #expect(!Audit.agrees(printed("0"), .missing("x"), in: scheme))
    }
}
