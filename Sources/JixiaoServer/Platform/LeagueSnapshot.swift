import Foundation

/// A monthly league table as computed at a cut-off, as stored (JSON) and served (`GET /api/platform/…`).
/// Everything a page of it shows is in here, so reopening it later gives the same numbers whatever the
/// records or figures became since.
struct LeagueSnapshot: Codable, Sendable, Equatable {
    struct RecordLine: Codable, Sendable, Equatable {
        let kind: String
        let id: String
        /// The record's main columns as of the cut-off (person, project, date, funds …), as text.
        let fields: [String: String]
    }

    struct FindingLine: Codable, Sendable, Equatable {
        let indicator: String
        let check: String
        let message: String
        /// How many records are behind it; `records` lists at most `LeagueStore.listedRecords` of them.
        let recordCount: Int
        let records: [RecordLine]
    }

    struct UnitLine: Codable, Sendable, Equatable {
        let code: String
        let name: String
        /// "city" or "county" (ranked among their own kind).
        let level: String
        let parent: String?
        /// The org tree path (scoping: a city sees its counties).
        let path: String
        let assessmentID: UUID?
        /// Metric name → value as text ("91.2%", "1204", "是").
        let metrics: [String: String]
        /// 总分 as text, nil when it could not be scored.
        let total: String?
        let rank: Int?
        let rankOf: Int
        /// Indicator code → score as text (every indicator of the sheet).
        let scores: [String: String]
        let findings: [FindingLine]
        /// Indicator code → the exact score as "numerator/denominator" (the year's table computes from these,
        /// never from the rounded text); absent in snapshots taken before it was kept.
        var exactScores: [String: String]? = nil
        /// 总分 exactly, "numerator/denominator".
        var exactTotal: String? = nil
    }

    let scheme: String
    let schemeName: String
    let month: String
    /// "2018-06-25 23:59:59"
    let cut: String
    let takenAt: Date
    let takenBy: String
    /// The metrics the table shows as columns, in order.
    let mainMetrics: [String]
    /// Every metric, in the metrics file's order.
    let metricNames: [String]
    /// Indicator code → name, for the sheet (top level first as in the scheme).
    let indicators: [IndicatorLine]
    let units: [UnitLine]

    struct IndicatorLine: Codable, Sendable, Equatable {
        let code: String
        let name: String
        let max: String
        let depth: Int
        /// monthly / annual … (月度计分指标 / 年度计分指标), kind (regular / bonus / deduction), floor and cap as the
        /// scheme declares them: what the year's table needs to combine months (absent in older snapshots).
        var frequency: String? = nil
        var kind: String? = nil
        var floor: String? = nil
        var cap: String? = nil
    }

    func unit(_ code: String) -> UnitLine? { units.first { $0.code == code } }

    /// The counties (or cities) ranked: by rank, then code.
    func ranked(_ level: String) -> [UnitLine] {
        units.filter { $0.level == level }.sorted { ($0.rank ?? Int.max, $0.code) < ($1.rank ?? Int.max, $1.code) }
    }

    /// The part of the numbers a recomputation compares (not when or by whom it was taken).
    var numbers: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        struct Numbers: Encodable {
            let month: String
            let cut: String
            let units: [UnitLine]
        }
        return (try? encoder.encode(Numbers(month: month, cut: cut, units: units))) ?? Data()
    }
}

/// The month-over-month change of one unit's total, explained by the metrics and indicators that moved.
struct LeagueChange: Sendable, Equatable {
    struct Moved: Sendable, Equatable {
        let name: String
        let before: String
        let after: String
        let delta: String?
    }

    let previousMonth: String
    let totalBefore: String?
    let totalAfter: String?
    let totalDelta: String?
    let rankBefore: Int?
    let rankAfter: Int?
    /// Indicators whose score moved.
    let indicators: [Moved]
    /// Metrics whose value moved.
    let metrics: [Moved]

    init(previous: LeagueSnapshot, _ before: LeagueSnapshot.UnitLine, _ after: LeagueSnapshot.UnitLine, indicatorNames: [String: String]) {
        previousMonth = previous.month
        totalBefore = before.total
        totalAfter = after.total
        totalDelta = Self.delta(before.total, after.total)
        rankBefore = before.rank
        rankAfter = after.rank
        indicators = after.scores.keys.sorted { LeagueChange.codeOrder($0, $1) }.compactMap { code in
            let a = before.scores[code] ?? "—", b = after.scores[code] ?? "—"
            guard a != b else { return nil }
            return Moved(name: "\(code) \(indicatorNames[code] ?? "")", before: a, after: b, delta: Self.delta(a, b))
        }
        metrics = previous.metricNames.compactMap { name in
            let a = before.metrics[name] ?? "—", b = after.metrics[name] ?? "—"
            guard a != b else { return nil }
            return Moved(name: name, before: a, after: b, delta: Self.delta(a, b))
        }
    }

    /// "after − before" for two numbers (or percentages) as text, exactly; nil when either is not a number.
    static func delta(_ before: String?, _ after: String?) -> String? {
        guard let before, let after else { return nil }
        let percent = before.hasSuffix("%") && after.hasSuffix("%")
        let strip = { (s: String) in s.hasSuffix("%") ? String(s.dropLast()) : s }
        guard let a = Decimal(string: strip(before), locale: Locale(identifier: "en_US_POSIX")),
            let b = Decimal(string: strip(after), locale: Locale(identifier: "en_US_POSIX"))
        else { return nil }
        var d = b - a
        var rounded = Decimal()
        NSDecimalRound(&rounded, &d, 4, .plain)
        let text = NSDecimalNumber(decimal: rounded).stringValue
        return (rounded > 0 ? "+" : "") + text + (percent ? " 个百分点" : "")
    }

    /// "2.10" after "2.9": indicator codes compared part by part as numbers.
    static func codeOrder(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: ".").map { Int($0) ?? 0 }, y = b.split(separator: ".").map { Int($0) ?? 0 }
        return x.lexicographicallyPrecedes(y)
    }
}
