import Foundation
import JixiaoCore

/// The year's league table of seed 000 (`/platform/000/2018`), computed from the year's frozen monthly snapshots
/// (the newest of each month), so reopening it gives the same numbers whatever the records became since.
///
/// The rule (the seed marks every indicator 月度计分指标 or 年度计分指标, kept as `frequency` in the scheme):
/// - an indicator whose indicators below it are all 月度计分指标 scores, for the year, the average of its exact
///   monthly scores over the frozen months;
/// - one whose indicators below are all 年度计分指标 scores what it scored at the year's last frozen cut-off
///   (the platform's year-to-date figures then: the running standing until 11月/12月 is frozen);
/// - a group mixing both adds its children's year scores within the group's bounds, as the engine adds a month's;
/// - 总分 is the sum of the top-level indicators, and units are ranked on the exact 总分 among their own kind
///   (市州 among 市州, 县市区 among 县市区), ties sharing the better rank.
/// Nothing is rounded in between: the page shows two decimals, as every score of the scheme is shown.
struct LeagueYear: Codable, Sendable, Equatable {
    static let rule = "年度得分：月度计分指标取已冻结各月得分的平均值，年度计分指标取本年最后一个已冻结月份（截止日）的得分；"
        + "同时含两类的指标按下级指标的年度得分相加（按方案的上下限）；总分为一级指标之和，按精确值排名（市州在市州中、县市区在县市区中，同分同名次），"
        + "显示保留两位小数。"

    struct MonthRef: Codable, Sendable, Equatable {
        let month: String
        let cut: String
        let takenAt: Date
    }

    struct MonthCell: Codable, Sendable, Equatable {
        let total: String?
        let rank: Int?
    }

    struct UnitLine: Codable, Sendable, Equatable {
        let code: String
        let name: String
        let level: String
        let parent: String?
        let path: String
        /// Month → that month's 总分 and rank as frozen.
        let months: [String: MonthCell]
        /// The year's 总分 (two decimals), nil when a month it needs was not scored.
        let total: String?
        /// Exactly, "numerator/denominator".
        let exactTotal: String?
        let rank: Int?
        let rankOf: Int
        /// Indicator code → the year's score (two decimals; "不适用" / "未评分").
        let scores: [String: String]
        /// Why the total is missing, if it is.
        let missing: String?
    }

    let scheme: String
    let schemeName: String
    let year: String
    let rule: String
    let months: [MonthRef]
    let indicators: [LeagueSnapshot.IndicatorLine]
    let units: [UnitLine]

    func ranked(_ level: String) -> [UnitLine] {
        units.filter { $0.level == level }.sorted { ($0.rank ?? Int.max, $0.code) < ($1.rank ?? Int.max, $1.code) }
    }

    /// An exact score as text that parses back exactly.
    static func text(_ value: Exact) -> String { "\(value.numerator)/\(value.denominator)" }

    static func parse(_ text: String) -> Exact? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let n = Int(parts[0]), let d = Int(parts[1]) else { return nil }
        return Exact.ratio(n, d)
    }

    enum Score: Equatable {
        case scored(Exact)
        case notApplicable
        case missing(String)

        var exact: Exact? { if case .scored(let e) = self { return e } else { return nil } }
        var text: String {
            switch self {
            case .scored(let e): return e.formatted()
            case .notApplicable: return "不适用"
            case .missing: return "未评分"
            }
        }
    }

    /// One unit's score of one indicator in one month, from the snapshot (exact when kept, else its text).
    static func monthScore(_ line: LeagueSnapshot.UnitLine, _ code: String) -> Score {
        if let text = line.exactScores?[code], let e = parse(text) { return .scored(e) }
        guard let text = line.scores[code] else { return .missing("未评分") }
        if text == "不适用" { return .notApplicable }
        if let fixed = Fixed(text) { return .scored(Exact(fixed)) }
        return .missing(text)
    }

    /// The year's table from the year's snapshots (any order; one per month, the newest).
    static func make(year: String, snapshots: [LeagueSnapshot]) -> LeagueYear? {
        let ordered = snapshots.filter { $0.month.hasPrefix(year + "-") }.sorted { $0.month < $1.month }
        guard let last = ordered.last else { return nil }
        let indicators = last.indicators
        let codes = indicators.map(\.code)
        func children(_ code: String) -> [LeagueSnapshot.IndicatorLine] {
            let depth = code.split(separator: ".").count
            return indicators.filter { $0.code.hasPrefix(code + ".") && $0.depth == depth }
        }
        // The frequencies below (and at) each indicator's leaves.
        var leafFrequencies: [String: Set<String>] = [:]
        func frequencies(_ line: LeagueSnapshot.IndicatorLine) -> Set<String> {
            if let known = leafFrequencies[line.code] { return known }
            let kids = children(line.code)
            let set = kids.isEmpty ? [line.frequency ?? "annual"] : kids.reduce(into: Set<String>()) { $0.formUnion(frequencies($1)) }
            leafFrequencies[line.code] = set
            return set
        }
        for line in indicators { _ = frequencies(line) }

        let unitCodes = ordered.flatMap { $0.units.map(\.code) }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        var lines: [(line: UnitLine, exact: Exact?)] = []
        for code in unitCodes {
            let perMonth = ordered.map { ($0.month, $0.unit(code)) }
            guard let latest = perMonth.last(where: { $0.1 != nil })?.1 else { continue }
            var memo: [String: Score] = [:]
            func yearScore(_ line: LeagueSnapshot.IndicatorLine) -> Score {
                if let known = memo[line.code] { return known }
                let freq = leafFrequencies[line.code] ?? []
                let result: Score
                if freq == ["monthly"] {
                    result = average(perMonth.map { month, unit in unit.map { monthScore($0, line.code) } ?? .missing("\(month) 没有该单位") })
                } else if freq.count == 1 {
                    let (month, unit) = perMonth[perMonth.count - 1]
                    result = unit.map { monthScore($0, line.code) } ?? .missing("\(month) 没有该单位")
                } else {
                    result = group(line, children(line.code).map(yearScore))
                }
                memo[line.code] = result
                return result
            }
            var scores: [String: String] = [:]
            for line in indicators { scores[line.code] = yearScore(line).text }
            let roots = indicators.filter { $0.depth == 0 }.map(yearScore)
            var total: Exact? = .zero
            var missing: String?
            for (root, score) in zip(indicators.filter { $0.depth == 0 }, roots) {
                switch score {
                case .scored(let e): total = total.map { $0 + e }
                case .notApplicable: break
                case .missing(let why): total = nil; missing = missing ?? "\(root.code) \(why)"
                }
            }
            if let t = total, t.isOverflow { total = nil; missing = "溢出" }
            var months: [String: MonthCell] = [:]
            for (month, unit) in perMonth { if let unit { months[month] = MonthCell(total: unit.total, rank: unit.rank) } }
            lines.append((UnitLine(code: code, name: latest.name, level: latest.level, parent: latest.parent, path: latest.path,
                                   months: months, total: total?.formatted(), exactTotal: total.map(text), rank: nil, rankOf: 0,
                                   scores: scores.filter { codes.contains($0.key) }, missing: missing), total))
        }
        // Ranks on the exact totals, among the same kind; ties share the better rank.
        var units: [UnitLine] = []
        for level in ["city", "county"] {
            let group = lines.filter { $0.line.level == level }
            let scored = group.compactMap(\.exact)
            for (line, exact) in group {
                let rank = exact.map { e in 1 + scored.filter { e < $0 }.count }
                units.append(UnitLine(code: line.code, name: line.name, level: line.level, parent: line.parent, path: line.path,
                                      months: line.months, total: line.total, exactTotal: line.exactTotal, rank: rank,
                                      rankOf: group.count, scores: line.scores, missing: line.missing))
            }
        }
        return LeagueYear(scheme: last.scheme, schemeName: last.schemeName, year: year, rule: rule,
                          months: ordered.map { MonthRef(month: $0.month, cut: $0.cut, takenAt: $0.takenAt) },
                          indicators: indicators, units: units)
    }

    /// The average of the months' scores; months where it does not apply are left out, a month not scored
    /// makes the year not scored (it would otherwise silently count less).
    static func average(_ scores: [Score]) -> Score {
        var sum = Exact.zero, count = 0
        for score in scores {
            switch score {
            case .scored(let e): sum += e; count += 1
            case .notApplicable: continue
            case .missing(let why): return .missing(why)
            }
        }
        guard count > 0, let mean = sum.divided(by: Exact(count)) else { return .notApplicable }
        return .scored(mean)
    }

    /// A group's year score from its children's: their sum within the group's bounds (floor, cap, or ±max for
    /// deductions and bonuses), as the engine adds a month's.
    static func group(_ line: LeagueSnapshot.IndicatorLine, _ children: [Score]) -> Score {
        var sum = Exact.zero, applicable = 0
        for child in children {
            switch child {
            case .scored(let e): sum += e; applicable += 1
            case .notApplicable: continue
            case .missing(let why): return .missing(why)
            }
        }
        guard applicable > 0 else { return .notApplicable }
        let max = Fixed(line.max) ?? .zero
        let lower = line.floor.flatMap { Fixed($0) } ?? (line.kind == "deduction" ? Fixed.zero - max : nil)
        let upper = line.cap.flatMap { Fixed($0) } ?? (line.kind == "bonus" ? max : nil)
        if let lower, sum < Exact(lower) { sum = Exact(lower) }
        if let upper, Exact(upper) < sum { sum = Exact(upper) }
        return .scored(sum)
    }
}
