import Foundation
import SQLKit

/// A record that triggered a finding.
public struct RecordRef: Sendable, Equatable, Hashable {
    public let kind: String
    public let recordId: String
}

/// One result of the platform's automatic checks (R27, R28): the unit, the indicator it costs, why, and the
/// records behind it (at most `PlatformChecker.listedRecords` listed; `recordCount` says how many there are).
public struct Finding: Sendable, Equatable {
    public let unit: String
    public let indicator: String
    public let check: String
    public let message: String
    public let records: [RecordRef]
    public let recordCount: Int
}

/// The checks, and the scheme inputs they set, as of one cut-off.
public struct CheckResult: Sendable {
    public var findings: [Finding] = []
    /// input → unit → value (是/否 or a count), to be merged into the scheme's inputs.
    public var inputs: [String: [String: MetricValue]] = [:]
}

public struct PlatformChecker: Sendable {
    public static let listedRecords = 50
    public let file: MetricsFile
    public init(file: MetricsFile) { self.file = file }

    /// Runs the checks over a snapshot of the tables they read (services only the year's 发展增收 ones).
    public func run(_ db: any SQLDatabase, metrics: MetricsResult) async throws -> CheckResult {
        let cut = metrics.cut
        return try await Snapshot.with(
            db, cut: cut, kinds: Self.kinds, filters: [Records.services.name: Self.incomeOfTheYear(cut, alias: "c0")]
        ) { session, snapshot in
            try await self.run(session, snapshot: snapshot, metrics: metrics, servicesFiltered: true)
        }
    }

    /// The record tables the checks read.
    static let kinds: Set<String> = [Records.units.name, Records.tasks.name, Records.supervisions.name, Records.services.name]

    /// The services the identical-services check reads: 发展增收 ones of the cut's year up to its date.
    static func incomeOfTheYear(_ cut: Cut, alias a: String) -> String {
        let d = Snapshot.literal
        return "\(a).income = 1 AND \(a).service_date >= \(d(cut.yearStart)) AND \(a).service_date <= \(d(cut.date))"
    }

    /// `servicesFiltered`: the snapshot's services are already only `incomeOfTheYear` (else the checks filter them).
    func run(_ db: any SQLDatabase, snapshot: Snapshot, metrics: MetricsResult, servicesFiltered: Bool) async throws
        -> CheckResult
    {
        var out = CheckResult()
        let cut = metrics.cut
        let c = file.checks
        let counties = metrics.units.filter { $0.level == "county" }
        let cities = metrics.units.filter { $0.level == "city" }

        // R27: progress (完成率 below 进度要求) and negative growth, per project, for counties and cities.
        for p in c.progressProjects {
            for u in counties + cities {
                guard let done = metrics.value(p.done, u.code)?.decimal else { continue }
                let required = metrics.value(c.progressRequired, u.code)?.decimal ?? 0
                if let tasks = metrics.value(p.tasks, u.code)?.decimal, tasks > 0, required > 0 {
                    let rate = done * 100 / tasks
                    if rate < required {
                        let refs = try await taskRecords(db, snapshot, unit: u, project: p.name)
                        out.findings.append(Finding(
                            unit: u.code, indicator: c.progressIndicator, check: "进度",
                            message: "\(p.name)：\(cut.date) 完成率 \(MetricValue.text(rate))%（落实 \(MetricValue.text(done)) / 任务 \(MetricValue.text(tasks))），低于要求的 \(MetricValue.text(required))%",
                            records: refs, recordCount: refs.count))
                    }
                }
                if let before = metrics.value(p.previous, u.code)?.decimal, done < before {
                    let (refs, n) = try await movedServices(db, snapshot, unit: u, project: p.name)
                    out.findings.append(Finding(
                        unit: u.code, indicator: c.progressIndicator, check: "负增长",
                        message: "\(p.name)：平台落实人数由上月25日的 \(MetricValue.text(before)) 降为 \(MetricValue.text(done))（负增长）",
                        records: refs, recordCount: n))
                }
            }
        }

        // R27: the month's 精准分析 not uploaded by the 市（州）.
        for u in cities where metrics.value(c.uploadMetric, u.code) == .flag(false) {
            out.findings.append(Finding(
                unit: u.code, indicator: c.uploadIndicator, check: "精准分析未上传",
                message: "\(cut.monthText) 的“量服”精准分析截至 \(cut.date) 未上传平台，平台自动倒扣 0.5 分",
                records: [], recordCount: 0))
        }

        // R28: 20 or more persons of a county whose 发展增收 services of the year are completely identical.
        var identical: [String: MetricValue] = [:]
        for u in counties { identical[u.code] = .number(0) }
        for group in try await identicalIncome(db, snapshot, min: c.identicalMinPersons, filtered: servicesFiltered) {
            let current = identical[group.unit]?.decimal ?? 0
            if Decimal(group.persons) > current { identical[group.unit] = .number(Decimal(group.persons)) }
            out.findings.append(Finding(
                unit: group.unit, indicator: c.identicalIndicator, check: "发展增收服务雷同",
                message: "\(group.persons) 人的发展增收服务完全一样（\(group.signature)）：县（市、区）该项扣至 0 分，所属市（州）扣 2 分",
                records: group.records, recordCount: group.recordCount))
        }
        out.inputs[c.identicalInput] = identical

        // 3.1: a 市（州）'s supervisions of the month all at 100 %, and counties its supervisions did not cover.
        var allAccurate: [String: MetricValue] = [:]
        var uncovered: [String: MetricValue] = [:]
        let visits = try await supervisions(db, snapshot)
        for u in cities {
            let mine = visits.filter { $0.supervisor == u.code }
            let hundred = !mine.isEmpty && mine.allSatisfy { $0.checked > 0 && $0.accurate == $0.checked }
            allAccurate[u.code] = .flag(hundred)
            if hundred {
                out.findings.append(Finding(
                    unit: u.code, indicator: c.supervisionIndicator, check: "督查结果全部为100%",
                    message: "\(cut.monthText) 的 \(mine.count) 次业务督查落实精准度全部为 100%：扣 0.5 分，落实精准度（2.1）为 0",
                    records: mine.prefix(Self.listedRecords).map { RecordRef(kind: Records.supervisions.name, recordId: $0.id) },
                    recordCount: mine.count))
            }
            let covered = Set(mine.map(\.county))
            let missing = counties.filter { $0.parent == u.code && !covered.contains($0.code) }
            uncovered[u.code] = .flag(!missing.isEmpty)
            if !missing.isEmpty {
                out.findings.append(Finding(
                    unit: u.code, indicator: c.supervisionIndicator, check: "督查未全覆盖",
                    message: "\(cut.monthText) 的业务督查未覆盖：\(missing.prefix(20).map(\.name).joined(separator: "、"))\(missing.count > 20 ? " 等 \(missing.count) 个县（市、区）" : "")",
                    records: [], recordCount: 0))
            }
        }
        out.inputs[c.supervisionInput] = allAccurate
        out.inputs[c.coverageInput] = uncovered
        return out
    }

    func taskRecords(_ db: any SQLDatabase, _ snapshot: Snapshot, unit: PlatformUnit, project: String) async throws -> [RecordRef] {
        let cut = snapshot.cut
        let text = "SELECT t.record_id FROM \(snapshot.table(Records.tasks)) t" +
            (unit.level == "city" ? " JOIN \(snapshot.table(Records.units)) u ON u.record_id = t.county_code" : "") +
            " WHERE t.project = ? AND t.year = \(cut.year) AND " +
            (unit.level == "city" ? "u.parent_code = ?" : "t.county_code = ?") + " ORDER BY t.record_id"
        return try await db.raw(PlatformMetrics.bound(text, binds: [project, unit.code], cut: cut)).all().prefix(Self.listedRecords).map {
            RecordRef(kind: Records.tasks.name, recordId: try $0.decode(column: "record_id", as: String.self))
        }
    }

    /// The project's service records of the unit that changed after last month's cut-off up to this one: the
    /// records that moved the figure (withdrawn, moved to another project, …).
    func movedServices(_ db: any SQLDatabase, _ snapshot: Snapshot, unit: PlatformUnit, project: String) async throws
        -> ([RecordRef], Int)
    {
        let cut = snapshot.cut
        let scope = unit.level == "city"
            ? "s.county_code IN (SELECT u.record_id FROM \(snapshot.table(Records.units)) u WHERE u.parent_code = ?)"
            : "s.county_code = ?"
        // A version in the window whose record was in the project before (its previous version) or is now.
        let text = "SELECT DISTINCT s.record_id FROM pf_services s WHERE s.changed_at > ? AND s.changed_at <= :cut AND " +
            "\(scope) AND (s.project = ? OR EXISTS (SELECT 1 FROM pf_services o WHERE o.record_id = s.record_id " +
            "AND o.changed_at <= ? AND o.project = ?)) ORDER BY s.record_id"
        let rows = try await db.raw(PlatformMetrics.bound(
            text, binds: [cut.previous.moment, unit.code, project, cut.previous.moment, project], cut: cut)).all()
        let ids = try rows.map { try $0.decode(column: "record_id", as: String.self) }
        return (ids.prefix(Self.listedRecords).map { RecordRef(kind: Records.services.name, recordId: $0) }, ids.count)
    }

    struct IdenticalGroup {
        let unit: String
        let persons: Int
        let signature: String
        let records: [RecordRef]
        let recordCount: Int
    }

    /// Per person, the signature of their 发展增收 services of the year (project, date, funds and the kinds ticked,
    /// sorted); per county, signatures shared by at least `min` persons. Set-based: ordered string aggregation
    /// (SQLite's group_concat … ORDER BY, PostgreSQL's string_agg).
    func identicalIncome(_ db: any SQLDatabase, _ snapshot: Snapshot, min: Int, filtered: Bool) async throws
        -> [IdenticalGroup]
    {
        let cut = snapshot.cut
        // The year's 发展增收 services (current, not deleted): the whole snapshot when it holds only those.
        let services = snapshot.table(Records.services)
        let only = filtered ? "" : " WHERE \(Self.incomeOfTheYear(cut, alias: "t"))"
        let andOnly = filtered ? "" : " AND \(Self.incomeOfTheYear(cut, alias: "t"))"
        let isPostgres = db.dialect.name == "postgresql"
        let item = isPostgres
            ? "t.project || '/' || t.service_date || '/' || CAST(t.funds AS TEXT) || '/' || CAST(t.funds_support AS TEXT) || CAST(t.goods_support AS TEXT) || CAST(t.training AS TEXT)"
            : "t.project || '/' || t.service_date || '/' || t.funds || '/' || t.funds_support || t.goods_support || t.training"
        let agg = isPostgres ? "string_agg(\(item), ';' ORDER BY \(item))" : "group_concat(\(item), ';' ORDER BY \(item))"
        let persons = "SELECT t.county_code AS county, t.person_id AS person, \(agg) AS sig FROM " +
            "\(services) t\(only) GROUP BY t.county_code, t.person_id"
        let text = "SELECT g.county AS county, g.sig AS sig, COUNT(*) AS n FROM (\(persons)) g GROUP BY g.county, g.sig " +
            "HAVING COUNT(*) >= \(Swift.max(1, min)) ORDER BY g.county, n DESC"
        let groups = try await db.raw(PlatformMetrics.bound(text, binds: [], cut: cut)).all()
        var out: [IdenticalGroup] = []
        for g in groups {
            let county = try g.decode(column: "county", as: String.self)
            let sig = try g.decode(column: "sig", as: String.self)
            let n = try g.decode(column: "n", as: Int.self)
            // The records behind it: the services of the persons sharing that signature.
            let rec = "SELECT t.record_id FROM \(services) t WHERE t.county_code = ?\(andOnly) AND t.person_id IN " +
                "(SELECT g.person FROM (\(persons)) g WHERE g.county = ? AND g.sig = ?) ORDER BY t.record_id"
            let rows = try await db.raw(PlatformMetrics.bound(
                rec, binds: [county, county, sig], cut: cut)).all()
            let ids = try rows.map { try $0.decode(column: "record_id", as: String.self) }
            let shown = sig.count > 80 ? String(sig.prefix(80)) + "…" : sig
            out.append(IdenticalGroup(
                unit: county, persons: n, signature: shown,
                records: ids.prefix(Self.listedRecords).map { RecordRef(kind: Records.services.name, recordId: $0) },
                recordCount: ids.count))
        }
        return out
    }

    struct Visit { let id: String, supervisor: String, county: String, checked: Int64, accurate: Int64 }

    /// The supervisions of the month (after last month's cut-off date up to this one).
    func supervisions(_ db: any SQLDatabase, _ snapshot: Snapshot) async throws -> [Visit] {
        let cut = snapshot.cut
        let text = "SELECT t.record_id, t.supervisor_code, t.county_code, t.checked, t.accurate FROM " +
            "\(snapshot.table(Records.supervisions)) t WHERE t.visit_date > ? AND " +
            "t.visit_date <= ? ORDER BY t.record_id"
        return try await db.raw(PlatformMetrics.bound(text, binds: [cut.previous.date, cut.date], cut: cut)).all().map {
            Visit(
                id: try $0.decode(column: "record_id", as: String.self),
                supervisor: try $0.decode(column: "supervisor_code", as: String.self),
                county: try $0.decode(column: "county_code", as: String.self),
                checked: try $0.decode(column: "checked", as: Int64.self),
                accurate: try $0.decode(column: "accurate", as: Int64.self))
        }
    }
}
