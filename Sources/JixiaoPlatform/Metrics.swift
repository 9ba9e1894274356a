import Foundation
import SQLKit

/// A month's cut-off: the records as they stood at the end of day `cutoffDay` (北京时间).
public struct Cut: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int
    public init(year: Int, month: Int, day: Int = 25) {
        self.year = year
        self.month = month
        self.day = day
    }
    /// "2018-06"
    public init?(month text: String, day: Int = 25) {
        let p = text.split(separator: "-")
        guard p.count == 2, let y = Int(p[0]), let m = Int(p[1]), (1...12).contains(m), (1900...2100).contains(y)
        else { return nil }
        self.init(year: y, month: m, day: day)
    }
    public var monthText: String { String(format: "%04d-%02d", year, month) }
    public var date: String { String(format: "%04d-%02d-%02d", year, month, day) }
    /// The last moment that counts: changes recorded later belong to the next month.
    public var moment: String { date + " 23:59:59" }
    public var yearStart: String { String(format: "%04d-01-01", year) }
    public var previous: Cut { month == 1 ? Cut(year: year - 1, month: 12, day: day) : Cut(year: year, month: month - 1, day: day) }
    public var description: String { "\(date)" }
}

public enum MetricValue: Sendable, Equatable, CustomStringConvertible {
    case number(Decimal)
    case percent(Decimal)
    case flag(Bool)

    public var description: String {
        switch self {
        case .number(let d): return MetricValue.text(d)
        case .percent(let d): return MetricValue.text(d) + "%"
        case .flag(let b): return b ? "是" : "否"
        }
    }
    public var decimal: Decimal? {
        switch self {
        case .number(let d), .percent(let d): return d
        case .flag: return nil
        }
    }
    static func text(_ d: Decimal) -> String {
        var v = d
        var r = Decimal()
        NSDecimalRound(&r, &v, 4, .plain)
        return NSDecimalNumber(decimal: r).stringValue
    }
}

/// A unit of the records' org tree (county or city) as of a cut-off.
public struct PlatformUnit: Sendable, Equatable {
    public let code: String
    public let name: String
    public let parent: String?
    public let level: String
}

/// Every metric of a metrics file for every county and city as of one cut-off, computed set-based in SQL:
/// one aggregate query per metric and level, grouped by unit; nothing but the per-unit results reaches Swift.
public struct MetricsResult: Sendable {
    public let cut: Cut
    public let units: [PlatformUnit]
    /// metric → unit code → value (a ratio over 0 is absent).
    public var values: [String: [String: MetricValue]]

    public func value(_ metric: String, _ unit: String) -> MetricValue? { values[metric]?[unit] }
}

public struct PlatformMetrics: Sendable {
    public let file: MetricsFile
    public init(file: MetricsFile) { self.file = file }

    public static func units(_ db: any SQLDatabase, cut: Cut) async throws -> [PlatformUnit] {
        let text = "SELECT t.record_id, t.name, t.parent_code, t.level FROM \(current(Records.units, "t")) " +
            "WHERE t.deleted = 0 ORDER BY t.level, t.record_id"
        return try await db.raw(bound(text, binds: [], cut: cut)).all().map {
            PlatformUnit(
                code: try $0.decode(column: "record_id", as: String.self),
                name: try $0.decode(column: "name", as: String.self),
                parent: try $0.decode(column: "parent_code", as: String?.self),
                level: try $0.decode(column: "level", as: String.self))
        }
    }

    public func compute(_ db: any SQLDatabase, cut: Cut) async throws -> MetricsResult {
        let units = try await Self.units(db, cut: cut)
        var result = MetricsResult(cut: cut, units: units, values: [:])
        var previous: MetricsResult?
        var done = Set<String>()
        func need(_ name: String) async throws {
            if done.contains(name) { return }
            guard let m = file.metric(name) else { return }
            switch m.aggregation {
            case .ratio(let a, let b):
                try await need(a)
                try await need(b)
                var out: [String: MetricValue] = [:]
                for u in units {
                    guard let x = result.values[a]?[u.code]?.decimal, let y = result.values[b]?[u.code]?.decimal, y != 0
                    else { continue }
                    let v = x * m.scale / y
                    out[u.code] = m.percent ? .percent(v) : .number(v)
                }
                result.values[name] = out
            case .previous(let a):
                if previous == nil {
                    // Last month's cut-off, for the metrics some `previous` names (and what their ratios need).
                    var wanted = Set<String>()
                    for d in file.metrics { if case .previous(let t) = d.aggregation { wanted.insert(t) } }
                    for d in file.metrics where wanted.contains(d.name) {
                        if case .ratio(let x, let y) = d.aggregation { wanted.formUnion([x, y]) }
                    }
                    let p = PlatformMetrics(file: MetricsFile(
                        scheme: file.scheme, cutoffDay: file.cutoffDay,
                        metrics: file.metrics.filter { wanted.contains($0.name) }, checks: file.checks))
                    previous = try await p.compute(db, cut: cut.previous)
                }
                result.values[name] = previous?.values[a] ?? [:]
            case .schedule(let steps):
                let v = steps.last { $0.month <= cut.month }?.value ?? 0
                result.values[name] = Dictionary(uniqueKeysWithValues: units.map {
                    ($0.code, m.percent ? MetricValue.percent(v) : .number(v))
                })
            default:
                result.values[name] = try await aggregate(m, db, cut: cut, units: units)
            }
            done.insert(name)
        }
        for m in file.metrics { try await need(m.name) }
        return result
    }

    /// One aggregate over records, per county (the record's unit column) and per city (its county's parent).
    func aggregate(_ m: MetricDeclaration, _ db: any SQLDatabase, cut: Cut, units: [PlatformUnit]) async throws
        -> [String: MetricValue]
    {
        var out: [String: MetricValue] = [:]
        let isExists: Bool
        if case .exists = m.aggregation { isExists = true } else { isExists = false }
        for level in isExists ? [Level.own] : [.county, .city] {
            let sql = try Self.query(m, level: level, cut: cut)
            for row in try await db.raw(sql).all() {
                let unit = try row.decode(column: "unit", as: String?.self)
                guard let unit else { continue }
                let n = try row.decode(column: "v", as: Int64?.self) ?? 0
                switch m.aggregation {
                case .exists: out[unit] = .flag(n > 0)
                case .sum(let t, let c) where Records.kind(named: t)?.column(c)?.type == .money:
                    out[unit] = .number(Decimal(n) / 100)
                default: out[unit] = .number(Decimal(n))
                }
            }
        }
        // Units without rows: zero counts and sums, 否 for exists.
        for u in units where out[u.code] == nil && (u.level == "county" || u.level == "city") {
            out[u.code] = isExists ? .flag(false) : .number(0)
        }
        return out
    }

    enum Level { case county, city, own }

    /// The current versions of a table as of `:cut`, not deleted, as a derived table named `alias`.
    static func current(_ kind: RecordKind, _ alias: String) -> String {
        "(SELECT * FROM \(kind.table) c0 WHERE c0.changed_at <= :cut AND NOT EXISTS (SELECT 1 FROM \(kind.table) c1 " +
            "WHERE c1.record_id = c0.record_id AND c1.changed_at > c0.changed_at AND c1.changed_at <= :cut)) \(alias)"
    }

    static func query(_ m: MetricDeclaration, level: Level, cut: Cut) throws -> SQLQueryString {
        let tableName: String
        switch m.aggregation {
        case .count(let t), .sum(let t, _), .persons(let t, _), .exists(let t): tableName = t
        default: preconditionFailure("not a record aggregate")
        }
        guard let kind = Records.kind(named: tableName), let unitColumn = kind.unitColumn else {
            throw MetricsFileError(file: "metrics", message: "\(tableName) 没有单位列")
        }
        var from = "\(current(kind, "t"))"
        let group: String
        switch level {
        case .county, .own: group = "t.\(unitColumn)"
        case .city:
            from += " JOIN \(current(Records.units, "u")) ON u.record_id = t.\(unitColumn)"
            group = "u.parent_code"
        }
        var wants = Set<String>()
        var binds: [String] = []
        var wheres = ["t.deleted = 0"]
        if level == .city { wheres.append("u.deleted = 0") }
        if let p = m.period, let dateColumn = kind.dateColumn {
            let start = p == .year ? cut.yearStart : nextDay(cut.previous.date)
            wheres.append("t.\(dateColumn) >= ? AND t.\(dateColumn) <= ?")
            binds += [start, cut.date]
        }
        for c in m.conditions { wheres.append(render(c, cut: cut, binds: &binds, wants: &wants)) }
        if wants.contains("person") {
            // Joined on the base table with the currentness test inline, so the key index serves each lookup.
            from += " LEFT JOIN pf_persons p ON p.record_id = t.person_id AND p.deleted = 0 AND p.changed_at <= :cut " +
                "AND NOT EXISTS (SELECT 1 FROM pf_persons p1 WHERE p1.record_id = p.record_id AND " +
                "p1.changed_at > p.changed_at AND p1.changed_at <= :cut)"
        }
        let whereText = wheres.joined(separator: " AND ")
        var text: String
        switch m.aggregation {
        case .count:
            text = "SELECT \(group) AS unit, COUNT(*) AS v FROM \(from) WHERE \(whereText) GROUP BY \(group)"
        case .sum(_, let c):
            text = "SELECT \(group) AS unit, CAST(COALESCE(SUM(t.\(c)), 0) AS BIGINT) AS v FROM \(from) WHERE \(whereText) GROUP BY \(group)"
        case .exists:
            text = "SELECT \(group) AS unit, COUNT(*) AS v FROM \(from) WHERE \(whereText) GROUP BY \(group)"
        case .persons(_, let allOf):
            if allOf.isEmpty {
                text = "SELECT \(group) AS unit, COUNT(DISTINCT t.person_id) AS v FROM \(from) WHERE \(whereText) GROUP BY \(group)"
            } else {
                let having = allOf.map { "MAX(t.\($0)) = 1" }.joined(separator: " AND ")
                text = "SELECT g.unit AS unit, COUNT(*) AS v FROM (SELECT \(group) AS unit, t.person_id FROM \(from) " +
                    "WHERE \(whereText) GROUP BY \(group), t.person_id HAVING \(having)) g GROUP BY g.unit"
            }
        default: preconditionFailure("not a record aggregate")
        }
        return Self.bound(text, binds: binds, cut: cut)
    }

    static func nextDay(_ date: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        guard let d = f.date(from: date) else { return date }
        return f.string(from: d.addingTimeInterval(86_400))
    }

    /// Renders a checked condition (every column name was checked against the table when the file was read;
    /// values are bound parameters).
    static func render(_ c: Condition, cut: Cut, binds: inout [String], wants: inout Set<String>) -> String {
        func operand(_ o: Operand) -> String {
            switch o {
            case .column(let c): return "t.\(c)"
            case .person(let c):
                wants.insert("person")
                return "p.\(c)"
            case .age(let ofPerson):
                if ofPerson { wants.insert("person") }
                return "(\(cut.year) - \(ofPerson ? "p" : "t").birth_year)"
            }
        }
        func value(_ v: ConditionValue) -> String {
            switch v {
            case .literal(let s):
                binds.append(s)
                return "?"
            case .year: return "\(cut.year)"
            case .month:
                binds.append(cut.monthText)
                return "?"
            case .cutoffDate:
                binds.append(cut.date)
                return "?"
            }
        }
        switch c {
        case .anyOf(let cs): return "(" + cs.map { render($0, cut: cut, binds: &binds, wants: &wants) }.joined(separator: " OR ") + ")"
        case .isNull(let o): return "\(operand(o)) IS NULL"
        case .compare(let o, let op, let vs):
            let lhs = operand(o)
            let numeric: Bool
            if case .age = o { numeric = true } else if case .column(let c) = o, ["year", "task_count", "direct", "income", "by_self", "birth_year", "grade", "satisfaction", "items", "checked", "accurate", "funds_support", "goods_support", "training"].contains(c) { numeric = true } else { numeric = false }
            let rendered = vs.map { v -> String in
                if numeric, case .literal(let s) = v, let n = Int64(s) { return "\(n)" }
                return value(v)
            }
            switch op {
            case "in": return "\(lhs) IN (\(rendered.joined(separator: ", ")))"
            case "not in": return "(\(lhs) IS NULL OR \(lhs) NOT IN (\(rendered.joined(separator: ", "))))"
            case "!=": return "(\(lhs) IS NULL OR \(lhs) <> \(rendered[0]))"
            default: return "\(lhs) \(op) \(rendered[0])"
            }
        case .matches(let column, let table, let other):
            let k = Records.kind(named: table)!
            return "EXISTS (SELECT 1 FROM \(k.table) n WHERE n.person_id = t.person_id AND n.\(other) = t.\(column) " +
                "AND n.deleted = 0 AND n.changed_at <= :cut AND NOT EXISTS (SELECT 1 FROM \(k.table) n1 WHERE " +
                "n1.record_id = n.record_id AND n1.changed_at > n.changed_at AND n1.changed_at <= :cut))"
        }
    }

    /// Turns the `?` placeholders and `:cut` into SQLKit binds, in order.
    static func bound(_ text: String, binds: [String], cut: Cut) -> SQLQueryString {
        var q = SQLQueryString("")
        var bindIndex = 0
        var rest = Substring(text)
        while let i = rest.firstIndex(where: { $0 == "?" || $0 == ":" }) {
            q.appendLiteral(String(rest[..<i]))
            if rest[i] == "?" {
                q.appendInterpolation(bind: binds[bindIndex])
                bindIndex += 1
                rest = rest[rest.index(after: i)...]
            } else if rest[i...].hasPrefix(":cut") {
                q.appendInterpolation(bind: cut.moment)
                rest = rest[rest.index(i, offsetBy: 4)...]
            } else {
                q.appendLiteral(":")
                rest = rest[rest.index(after: i)...]
            }
        }
        q.appendLiteral(String(rest))
        return q
    }
}

