/// Gaps and overlaps between the bands of a tiers (or growth) rule, on the value line, with open and closed
/// ends and single points handled exactly: (0, ∞), [0, 0] and (−∞, 0) neither overlap nor leave a gap, in any
/// order they are written; [0, 5] and [5, 10] overlap at 5; [0, 5) and (5, 10] leave 5 uncovered.
enum TierCoverage {
    /// Where coverage starts: the values below it are not expected (rates and counts are not negative; a
    /// growth rate is not below −100%). nil: −∞.
    struct Domain {
        var low: Fixed?
        /// The value `low` itself can occur (it is covered only if a band includes it).
        var lowIncluded: Bool
    }

    /// A lower end: nil is −∞. Ordered by value; at one value a closed end [x comes before an open end (x.
    private struct Lower: Comparable {
        var value: Fixed?
        var exclusive: Bool
        static func < (a: Lower, b: Lower) -> Bool {
            switch (a.value, b.value) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?): return x < y || (x == y && !a.exclusive && b.exclusive)
            }
        }
    }

    /// An upper end: nil is +∞. Ordered by value; at one value an open end x) comes before a closed end x].
    private struct Upper: Comparable {
        var value: Fixed?
        var inclusive: Bool
        static func < (a: Upper, b: Upper) -> Bool {
            switch (a.value, b.value) {
            case (nil, nil): return false
            case (nil, _): return false
            case (_, nil): return true
            case (let x?, let y?): return x < y || (x == y && !a.inclusive && b.inclusive)
            }
        }
    }

    static func check(
        _ tiers: [Tier], domain: Domain, closedAtHundredPercentIsTop: Bool, _ report: (Problem.Severity, String) -> Void
    ) {
        guard !tiers.isEmpty else {
            report(.error, "tiers 为空")
            return
        }
        var bands: [(tier: Tier, lower: Lower, upper: Upper)] = []
        for tier in tiers {
            if let from = tier.from, let to = tier.to, from > to || (from == to && (tier.fromExclusive || !tier.toInclusive)) {
                report(.warning, "档位 \(tier.bandText) 不含任何值（永远不会用到）")
                continue
            }
            bands.append((tier, Lower(value: tier.from, exclusive: tier.fromExclusive), Upper(value: tier.to, inclusive: tier.toInclusive)))
        }
        guard !bands.isEmpty else { return }
        // Stable: bands with the same lower end keep the order they were written in.
        let sorted = bands.enumerated().sorted { ($0.element.lower, $0.offset) < ($1.element.lower, $1.offset) }.map(\.element)

        // Below the first band.
        let first = sorted[0]
        if let start = first.lower.value {
            if let low = domain.low {
                if start > low {
                    report(.warning, "低于 \(start) 的值没有对应档位")
                } else if start == low, first.lower.exclusive, domain.lowIncluded {
                    report(.warning, "值 \(start) 没有对应档位")
                }
            } else {
                report(.warning, "低于 \(start) 的值没有对应档位")
            }
        }

        // Sweep: `reach` is the furthest upper end so far, and the band it belongs to.
        var reach = first.upper
        var reachBand = first.tier
        for band in sorted.dropFirst() {
            let lower = band.lower
            switch (reach.value, lower.value) {
            case (nil, _), (_, nil):
                report(.error, "档位 \(reachBand.bandText) 与 \(band.tier.bandText) 重叠")
            case (let end?, let start?):
                if end < start || (end == start && !reach.inclusive && lower.exclusive) {
                    // A real defect of some documents (002: >90%, 90%>x>80%, <80%): a value in the gap fails to score.
                    report(.warning, "档位 \(reachBand.bandText) 与 \(band.tier.bandText) 之间有空档（落在空档的值无法计分）")
                } else if end > start || (end == start && reach.inclusive && !lower.exclusive) {
                    report(.error, "档位 \(reachBand.bandText) 与 \(band.tier.bandText) 重叠")
                }
            }
            if reach < band.upper {
                reach = band.upper
                reachBand = band.tier
            }
        }

        // Above the last band. A band closed at 100% is the top of a share's scale (人员到位率 90%–100%):
        // the document itself says nothing can be above it.
        if let end = reach.value, !(closedAtHundredPercentIsTop && end == .one && reach.inclusive) {
            report(.warning, "高于 \(end) 的值没有对应档位")
        }
    }
}
