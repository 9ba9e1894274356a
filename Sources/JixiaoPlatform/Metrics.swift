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

    /// The record tables the file's aggregates read (and the persons and needs their conditions look up).
    func kindsNeeded() -> Set<String> {
        var kinds: Set<String> = [Records.units.name]
        func add(_ c: Condition) {
            switch c {
            case .anyOf(let cs): cs.forEach(add)
            case .compare(let o, _, _), .isNull(let o):
                if case .person = o { kinds.insert(Records.persons.name) }
                if case .age(ofPerson: true) = o { kinds.insert(Records.persons.name) }
            case .matches(_, let table, _): kinds.insert(table)
            }
        }
        for m in file.metrics {
            switch m.aggregation {
            case .count(let t), .sum(let t, _), .persons(let t, _), .exists(let t): kinds.insert(t)
            default: break
            }
            m.conditions.forEach(add)
        }
        return kinds
    }

    /// Every metric as of `cut`: the record tables are materialised once (a `Snapshot`), then each table's
    /// metrics are computed together in one grouped query with conditional aggregates per county; cities are
    /// the sums of their counties, except distinct persons, which get one grouped query per table by city.
    public func compute(_ db: any SQLDatabase, cut: Cut) async throws -> MetricsResult {
        try await Snapshot.with(db, cut: cut, kinds: kindsNeeded()) { session, snapshot in
            try await self.compute(session, snapshot: snapshot)
        }
    }

    /// A month's metrics and checks over ONE snapshot of every table either reads (the checks' services are the
    /// metrics' ones, filtered in their queries): the same results as `compute` then `PlatformChecker.run`, without
    /// materialising units and services a second time.
    public func month(_ db: any SQLDatabase, cut: Cut) async throws -> (metrics: MetricsResult, checks: CheckResult) {
        let file = self.file
        return try await Snapshot.with(db, cut: cut, kinds: kindsNeeded().union(PlatformChecker.kinds)) { session, snapshot in
            let metrics = try await self.compute(session, snapshot: snapshot)
            let checks = try await PlatformChecker(file: file).run(
                session, snapshot: snapshot, metrics: metrics, servicesFiltered: false)
            return (metrics, checks)
        }
    }

    func compute(_ db: any SQLDatabase, snapshot: Snapshot) async throws -> MetricsResult {
        let cut = snapshot.cut
        let units = try await Self.units(db, snapshot: snapshot)
        var result = MetricsResult(cut: cut, units: units, values: [:])
        try await aggregates(db, snapshot: snapshot, units: units, into: &result)
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
                break  // computed above, table by table
            }
            done.insert(name)
        }
        for m in file.metrics { try await need(m.name) }
        return result
    }

    static func units(_ db: any SQLDatabase, snapshot: Snapshot) async throws -> [PlatformUnit] {
        let text = "SELECT t.record_id, t.name, t.parent_code, t.level FROM \(snapshot.table(Records.units)) t " +
            "ORDER BY t.level, t.record_id"
        return try await db.raw(rawSQL(text)).all().map {
            PlatformUnit(
                code: try $0.decode(column: "record_id", as: String.self),
                name: try $0.decode(column: "name", as: String.self),
                parent: try $0.decode(column: "parent_code", as: String?.self),
                level: try $0.decode(column: "level", as: String.self))
        }
    }

    /// The record aggregates (count, sum, persons, exists), table by table, into `result.values`.
    func aggregates(_ db: any SQLDatabase, snapshot: Snapshot, units: [PlatformUnit], into result: inout MetricsResult)
        async throws
    {
        let cut = snapshot.cut
        let parent = Dictionary(units.map { ($0.code, $0.parent) }, uniquingKeysWith: { a, _ in a })
        var byTable: [String: [MetricDeclaration]] = [:]
        var order: [String] = []
        for m in file.metrics {
            let table: String
            switch m.aggregation {
            case .count(let t), .sum(let t, _), .persons(let t, _), .exists(let t): table = t
            default: continue
            }
            if byTable[table] == nil { order.append(table) }
            byTable[table, default: []].append(m)
        }
        for tableName in order {
            let metrics = byTable[tableName] ?? []
            guard let kind = Records.kind(named: tableName), let unitColumn = kind.unitColumn else {
                throw MetricsFileError(file: "metrics", message: "\(tableName) 没有单位列")
            }
            // metric → unit → integer value (分 for money sums); only units with matching rows get one.
            var raw: [String: [String: Int64]] = [:]
            let grouped = metrics.filter {
                switch $0.aggregation {
                case .count, .sum: return true
                case .persons(_, let allOf): return allOf.isEmpty
                default: return false
                }
            }
            if !grouped.isEmpty {
                // Per county, one query for all the table's counts, sums and distinct persons.
                var binds: [String] = []
                var wants = Set<String>()
                var select: [String] = []
                for (i, m) in grouped.enumerated() {
                    let when = Self.conditions(m, kind: kind, cut: cut, snapshot: snapshot, binds: &binds, wants: &wants)
                    switch m.aggregation {
                    case .count:
                        select.append("CAST(SUM(CASE WHEN \(when) THEN 1 ELSE 0 END) AS BIGINT) AS m\(i)")
                    case .sum(_, let c):
                        select.append("CAST(SUM(CASE WHEN \(when) THEN t.\(c) ELSE 0 END) AS BIGINT) AS m\(i)")
                        select.append("CAST(SUM(CASE WHEN \(when) THEN 1 ELSE 0 END) AS BIGINT) AS n\(i)")
                        // The condition's binds appear twice in the text: bind them twice, in order.
                        binds += Self.conditionBinds(m, kind: kind, cut: cut, snapshot: snapshot)
                    default:
                        select.append("COUNT(DISTINCT CASE WHEN \(when) THEN t.person_id END) AS m\(i)")
                    }
                }
                let from = Self.from(kind, snapshot: snapshot, person: wants.contains("person"), city: false, wants: wants)
                let text = "SELECT t.\(unitColumn) AS unit, \(select.joined(separator: ", ")) FROM \(from) GROUP BY t.\(unitColumn)"
                for row in try await db.raw(Self.bound(text, binds: binds, cut: cut)).all() {
                    guard let unit = try row.decode(column: "unit", as: String?.self) else { continue }
                    for (i, m) in grouped.enumerated() {
                        let v = try row.decode(column: "m\(i)", as: Int64?.self) ?? 0
                        let matched: Bool
                        if case .sum = m.aggregation {
                            matched = (try row.decode(column: "n\(i)", as: Int64?.self) ?? 0) > 0
                        } else {
                            matched = v > 0
                        }
                        if matched { raw[m.name, default: [:]][unit] = v }
                    }
                }
                // Cities: counts and sums are their counties' totals (every row belongs to one county).
                for m in grouped {
                    if case .persons = m.aggregation { continue }
                    var city: [String: Int64] = [:]
                    for (unit, v) in raw[m.name] ?? [:] {
                        guard let p = parent[unit] ?? nil else { continue }
                        city[p, default: 0] += v
                    }
                    for (c, v) in city { raw[m.name, default: [:]][c] = v }
                }
                // Distinct persons by city: a person's rows may lie in several counties, so not a sum.
                let distinct = grouped.enumerated().filter { if case .persons = $0.element.aggregation { return true } else { return false } }
                if !distinct.isEmpty {
                    var binds: [String] = []
                    var wants = Set<String>()
                    var select: [String] = []
                    for (i, m) in distinct {
                        let when = Self.conditions(m, kind: kind, cut: cut, snapshot: snapshot, binds: &binds, wants: &wants)
                        select.append("COUNT(DISTINCT CASE WHEN \(when) THEN t.person_id END) AS m\(i)")
                    }
                    let from = Self.from(kind, snapshot: snapshot, person: wants.contains("person"), city: true, wants: wants)
                    let text = "SELECT u.parent_code AS unit, \(select.joined(separator: ", ")) FROM \(from) GROUP BY u.parent_code"
                    for row in try await db.raw(Self.bound(text, binds: binds, cut: cut)).all() {
                        guard let unit = try row.decode(column: "unit", as: String?.self) else { continue }
                        for (i, m) in distinct {
                            let v = try row.decode(column: "m\(i)", as: Int64?.self) ?? 0
                            if v > 0 { raw[m.name, default: [:]][unit] = v }
                        }
                    }
                }
            }
            // R26 persons (every listed flag over the person's rows) and exists: one query each.
            for m in metrics {
                switch m.aggregation {
                case .persons(_, let allOf) where !allOf.isEmpty:
                    for city in [false, true] {
                        var binds: [String] = []
                        var wants = Set<String>()
                        let when = Self.conditions(m, kind: kind, cut: cut, snapshot: snapshot, binds: &binds, wants: &wants)
                        let from = Self.from(kind, snapshot: snapshot, person: wants.contains("person"), city: city, wants: wants)
                        let group = city ? "u.parent_code" : "t.\(unitColumn)"
                        let having = allOf.map { "MAX(t.\($0)) = 1" }.joined(separator: " AND ")
                        let text = "SELECT g.unit AS unit, COUNT(*) AS v FROM (SELECT \(group) AS unit, t.person_id FROM \(from) " +
                            "WHERE \(when) GROUP BY \(group), t.person_id HAVING \(having)) g GROUP BY g.unit"
                        for row in try await db.raw(Self.bound(text, binds: binds, cut: cut)).all() {
                            guard let unit = try row.decode(column: "unit", as: String?.self) else { continue }
                            raw[m.name, default: [:]][unit] = try row.decode(column: "v", as: Int64?.self) ?? 0
                        }
                    }
                case .exists:
                    var binds: [String] = []
                    var wants = Set<String>()
                    let when = Self.conditions(m, kind: kind, cut: cut, snapshot: snapshot, binds: &binds, wants: &wants)
                    let from = Self.from(kind, snapshot: snapshot, person: wants.contains("person"), city: false, wants: wants)
                    let text = "SELECT t.\(unitColumn) AS unit, COUNT(*) AS v FROM \(from) WHERE \(when) GROUP BY t.\(unitColumn)"
                    for row in try await db.raw(Self.bound(text, binds: binds, cut: cut)).all() {
                        guard let unit = try row.decode(column: "unit", as: String?.self) else { continue }
                        raw[m.name, default: [:]][unit] = try row.decode(column: "v", as: Int64?.self) ?? 0
                    }
                default: break
                }
            }
            for m in metrics {
                let isExists: Bool
                if case .exists = m.aggregation { isExists = true } else { isExists = false }
                let isMoney: Bool
                if case .sum(let t, let c) = m.aggregation, Records.kind(named: t)?.column(c)?.type == .money {
                    isMoney = true
                } else {
                    isMoney = false
                }
                var out: [String: MetricValue] = [:]
                for (unit, n) in raw[m.name] ?? [:] {
                    out[unit] = isExists ? .flag(n > 0) : isMoney ? .number(Decimal(n) / 100) : .number(Decimal(n))
                }
                // Units without rows: zero counts and sums, 否 for exists.
                for u in units where out[u.code] == nil && (u.level == "county" || u.level == "city") {
                    out[u.code] = isExists ? .flag(false) : .number(0)
                }
                result.values[m.name] = out
            }
        }
    }

    /// The snapshot of `kind` as `t`, with its county's unit as `u` (cities) and its person as `p` when needed.
    static func from(_ kind: RecordKind, snapshot: Snapshot, person: Bool, city: Bool, wants: Set<String> = []) -> String {
        var from = "\(snapshot.table(kind)) t"
        if city, let unitColumn = kind.unitColumn {
            from += " JOIN \(snapshot.table(Records.units)) u ON u.record_id = t.\(unitColumn)"
        }
        if person { from += " LEFT JOIN \(snapshot.table(Records.persons)) p ON p.record_id = t.person_id" }
        // `matches` conditions as joins (PostgreSQL): the distinct (person, value) pairs of the other table, so the
        // join adds no rows; the condition is then that a pair was found.
        for w in wants.sorted() where w.hasPrefix("match|") {
            let part = w.split(separator: "|").map(String.init)  // match|column|table|other
            guard part.count == 4, let k = Records.kind(named: part[2]) else { continue }
            let alias = matchAlias(column: part[1], table: part[2], other: part[3])
            from += " LEFT JOIN (SELECT DISTINCT person_id, \(part[3]) FROM \(snapshot.table(k))) \(alias) " +
                "ON \(alias).person_id = t.person_id AND \(alias).\(part[3]) = t.\(part[1])"
        }
        return from
    }

    static func matchAlias(column: String, table: String, other: String) -> String { "nm_\(table)_\(other)_\(column)" }

    /// A metric's period and conditions as one SQL condition over `t` (and `p`), its values appended to `binds`.
    static func conditions(
        _ m: MetricDeclaration, kind: RecordKind, cut: Cut, snapshot: Snapshot, binds: inout [String],
        wants: inout Set<String>
    ) -> String {
        var wheres: [String] = []
        if let p = m.period, let dateColumn = kind.dateColumn {
            let start = p == .year ? cut.yearStart : nextDay(cut.previous.date)
            wheres.append("t.\(dateColumn) >= ? AND t.\(dateColumn) <= ?")
            binds += [start, cut.date]
        }
        for c in m.conditions { wheres.append(render(c, cut: cut, snapshot: snapshot, binds: &binds, wants: &wants)) }
        return wheres.isEmpty ? "1 = 1" : "(" + wheres.joined(separator: " AND ") + ")"
    }

    static func conditionBinds(_ m: MetricDeclaration, kind: RecordKind, cut: Cut, snapshot: Snapshot) -> [String] {
        var binds: [String] = []
        var wants = Set<String>()
        _ = conditions(m, kind: kind, cut: cut, snapshot: snapshot, binds: &binds, wants: &wants)
        return binds
    }

    /// The current versions of a table as of `:cut` (deletions included), as a derived table named `alias`.
    static func current(_ kind: RecordKind, _ alias: String) -> String {
        "(SELECT * FROM \(kind.table) c0 WHERE c0.changed_at <= :cut AND NOT EXISTS (SELECT 1 FROM \(kind.table) c1 " +
            "WHERE c1.record_id = c0.record_id AND c1.changed_at > c0.changed_at AND c1.changed_at <= :cut)) \(alias)"
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
    static func render(_ c: Condition, cut: Cut, snapshot: Snapshot, binds: inout [String], wants: inout Set<String>) -> String {
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
        case .anyOf(let cs): return "(" + cs.map { render($0, cut: cut, snapshot: snapshot, binds: &binds, wants: &wants) }.joined(separator: " OR ") + ")"
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
            if snapshot.isPostgres {
                // A correlated EXISTS inside CASE is a subplan per row on PostgreSQL (an index probe each: ~2.5× the
                // whole query at 100,000 persons); a hash join against the distinct pairs is one pass.
                wants.insert("match|\(column)|\(table)|\(other)")
                return "\(matchAlias(column: column, table: table, other: other)).person_id IS NOT NULL"
            }
            let k = Records.kind(named: table)!
            return "EXISTS (SELECT 1 FROM \(snapshot.table(k)) n WHERE n.person_id = t.person_id AND n.\(other) = t.\(column))"
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

