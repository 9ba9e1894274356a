import Fluent
import Foundation
import JixiaoCore
import JixiaoPlatform
import SQLKit
import Vapor

/// Seed 000 scored from the platform's records: the figures of a month's assessments computed from the `pf_*`
/// tables as of the cut-off, the period scored, and the league table frozen as a snapshot, all in one transaction.
enum LeagueStore {
    /// The metrics file beside the scheme (always the copy compiled in: it names record tables, not the document).
    static let metricsPath = "schemes/platform/000-liangfu-jiaojiu.yaml"
    static let schemeCode = "000"
    /// Records listed per finding (the count says how many there are).
    static let listedRecords = 20
    /// The columns of the league table besides 总分.
    static let mainMetrics = ["入库残疾人人数", "需求精准度", "落实精准度", "直接投入教就项目资金", "发展增收服务落实数",
                              "居家灵活就业平台落实人数", "农业生产平台落实人数"]

    /// Parsed once per process: the embedded file never changes, and every league page asks for its cut-off day.
    private static let parsedMetricsFile = Result<MetricsFile, any Error> {
        guard let text = EmbeddedContent.files[metricsPath] else { throw Abort(.internalServerError, reason: "缺少平台指标文件 \(metricsPath)") }
        return try MetricsFile.parse(text, file: metricsPath)
    }

    static func metricsFile() throws -> MetricsFile { try parsedMetricsFile.get() }

    /// "2018-06" → its cut-off, or nil for anything else.
    static func cut(_ month: String) throws -> Cut? {
        guard month.count == 7 else { return nil }
        return Cut(month: month, day: try metricsFile().cutoffDay)
    }

    /// The reason stored with a platform figure, which the sheet shows beside it.
    static func sourceNote(_ cut: Cut) -> String { "平台数据 截至 \(cut.date)" }

    struct Outcome: Sendable {
        let changedFigures: Int
        let assessments: Int
        let skippedApproved: Int
        let snapshotTaken: Bool
        let snapshot: LeagueSnapshot
    }

    /// The action "按平台数据计算本月（截至25日）": on `db` (the caller's transaction), every platform input of every
    /// assessment of the month written where it differs (stage 0, audited), the period scored and a snapshot
    /// appended unless the newest one has the same numbers. Idempotent: run twice, the second writes nothing.
    /// `includeApproved`: the demo's first start (its earlier months are approved); the action leaves approved
    /// assessments' figures as they were (what was approved stays), though the snapshot scores them as they stand.
    static func compute(month: String, username: String, includeApproved: Bool = false, board: ScoreBoard,
                        on db: any Database) async throws -> Outcome {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        guard let cut = try Self.cut(month) else { throw Abort(.notFound, reason: "月份应为 YYYY-MM") }
        let file = try metricsFile()
        struct Target: Decodable {
            let id: UUID
            let scheme_id: UUID
            let stage: Int
            let status: String
            let code: String
        }
        let targets = try await sql.raw("""
            SELECT a.id, a.scheme_id, a.stage, a.status, u.code FROM assessments a
            JOIN scheme_versions s ON s.id = a.scheme_id JOIN org_units u ON u.id = a.unit_id
            WHERE s.code = \(bind: schemeCode) AND a.period = \(bind: month)
            """).all(decoding: Target.self)
        guard let schemeID = targets.first?.scheme_id else { throw Abort(.notFound, reason: "\(month) 没有方案 000 的考核") }
        let version = try await board.version(schemeID, on: db)
        let scheme = try await board.scheme(version)

        if sql.dialect.name == "postgresql" {
            // As the CLI's month (Sources/jixiao/Platform.swift): JIT compiling the grouped queries costs more than it
            // saves. SET LOCAL ends with this transaction, so the pooled connection keeps its defaults.
            try await sql.raw("SET LOCAL jit = off").run()
        }
        // Metrics and checks over one snapshot of the records as of the cut.
        let (metrics, checks) = try await PlatformMetrics(file: file).month(sql, cut: cut)
        let platformInputs = scheme.compiled.scheme.inputs.map(\.name).filter { metrics.values[$0] != nil || checks.inputs[$0] != nil }

        // Stage-0 figures in force, for the assessments of this scheme version.
        let ids = targets.filter { $0.scheme_id == schemeID }.map(\.id)
        var existing: [UUID: [String: String]] = [:]
        if !ids.isEmpty && !platformInputs.isEmpty {
            struct Entry: Decodable { let assessment_id: UUID; let field: String; let value: String; let reason: String? }
            let rows = try await sql.select().column("assessment_id").column("field").column("value").column("reason").from(EntryValue.schema)
                .where("assessment_id", .in, SQLBind.group(ids)).where("stage", .equal, SQLBind(0))
                .where("field", .in, SQLBind.group(platformInputs)).all(decoding: Entry.self)
            // A figure is the platform's when its text and its source note are (a typed value equal to the platform's is marked too).
            for row in rows { existing[row.assessment_id, default: [:]][row.field] = row.value + "\u{1F}" + (row.reason ?? "") }
        }
        let note = sourceNote(cut)
        let now = Date()
        var changedFigures = 0, skipped = 0
        for target in targets where target.scheme_id == schemeID {
            if target.status == WorkflowState.Status.approved.rawValue && !includeApproved {
                skipped += 1
                continue
            }
            var changes: [(field: String, old: String?, new: String)] = []
            for name in platformInputs {
                guard let value = checks.inputs[name]?[target.code] ?? metrics.value(name, target.code) else { continue }
                let text = entryText(value)
                let stored = existing[target.id]?[name]
                let old = stored.map { String($0.prefix { $0 != "\u{1F}" }) }
                if stored != text + "\u{1F}" + note { changes.append((name, old, text)) }
            }
            // Which fields are the platform's, as of which cut (the lock the entry form reads).
            var mark = sql.insert(into: PlatformFigure.schema).columns("id", "assessment_id", "field", "value", "cut")
            var marked = 0
            for name in platformInputs {
                guard let value = checks.inputs[name]?[target.code] ?? metrics.value(name, target.code) else { continue }
                mark = mark.values(SQLBind(UUID()), SQLBind(target.id), SQLBind(name), SQLBind(entryText(value)), SQLBind(cut.moment))
                marked += 1
            }
            if marked > 0 {
                try await mark.onConflict(with: ["assessment_id", "field"]) { $0.set(excludedValueOf: "value").set(excludedValueOf: "cut") }.run()
            }
            guard !changes.isEmpty else { continue }
            changedFigures += changes.count
            var insert = sql.insert(into: EntryValue.schema).columns("id", "assessment_id", "stage", "field", "value", "reason")
            var audit = sql.insert(into: AuditEntry.schema)
                .columns("id", "assessment_id", "username", "at", "action", "field", "old_value", "new_value", "reason")
            for change in changes {
                insert = insert.values(SQLBind(UUID()), SQLBind(target.id), SQLBind(0), SQLBind(change.field), SQLBind(change.new), SQLBind(note))
                audit = audit.values(SQLBind(UUID()), SQLBind(target.id), SQLBind(username), SQLBind(now), SQLBind("平台数据"),
                                     SQLBind(change.field), SQLBind(change.old), SQLBind(change.new),
                                     SQLBind("按平台数据计算（截至 \(cut.moment)）"))
            }
            try await insert.onConflict(with: ["assessment_id", "stage", "field"]) {
                $0.set(excludedValueOf: "value").set(excludedValueOf: "reason")
            }.run()
            try await audit.run()
            // The revision moves with the figures, so every app server's score cache sees the change.
            try await sql.raw("UPDATE assessments SET revision = revision + 1 WHERE id = \(bind: target.id)").run()
        }

        let scores = try await board.scores(version, period: month, on: db)
        let snapshot = try await makeSnapshot(scores, metrics: metrics, checks: checks, file: file, cut: cut, month: month,
                                              username: username, at: now, on: sql)
        let digest = Digest.sha256Hex(snapshot.numbers)
        let latest = try await LeagueSnapshotRow.query(on: db).filter(\.$schemeCode == schemeCode).filter(\.$month == month)
            .sort(\.$takenAt, .descending).first()
        var taken = false
        if latest?.digest != digest {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            let body = String(decoding: try encoder.encode(snapshot), as: UTF8.self)
            try await LeagueSnapshotRow(schemeCode: schemeCode, schemeID: schemeID, month: month, cut: cut.moment, takenAt: now,
                                        takenBy: username, digest: digest, body: body).create(on: db)
            taken = true
        }
        return Outcome(changedFigures: changedFigures, assessments: targets.count, skippedApproved: skipped,
                       snapshotTaken: taken, snapshot: taken ? snapshot : (try decode(latest?.body) ?? snapshot))
    }

    /// A metric's value as an entry's text ("91.2345%", "1204", "是").
    static func entryText(_ value: MetricValue) -> String { value.description }

    static func makeSnapshot(_ scores: PeriodScores, metrics: MetricsResult, checks: CheckResult, file: MetricsFile, cut: Cut,
                             month: String, username: String, at: Date, on sql: any SQLDatabase) async throws -> LeagueSnapshot {
        let compiled = scores.scheme.compiled
        var findings: [String: [LeagueSnapshot.FindingLine]] = [:]
        for finding in checks.findings {
            let lines = try await recordLines(Array(finding.records.prefix(listedRecords)), cut: cut, on: sql)
            findings[finding.unit, default: []].append(LeagueSnapshot.FindingLine(
                indicator: finding.indicator, check: finding.check, message: finding.message,
                recordCount: finding.recordCount, records: lines))
        }
        let byCode = Dictionary(scores.rows.map { ($0.unitCode, $0) }, uniquingKeysWith: { a, _ in a })
        let levelCount = Dictionary(grouping: metrics.units.filter { $0.level != "province" }, by: \.level).mapValues(\.count)
        var units: [LeagueSnapshot.UnitLine] = []
        for unit in metrics.units where unit.level == "county" || unit.level == "city" {
            var values: [String: String] = [:]
            for m in file.metrics {
                if let v = checks.inputs[m.name]?[unit.code] ?? metrics.value(m.name, unit.code) { values[m.name] = v.description }
            }
            for (name, perUnit) in checks.inputs { if let v = perUnit[unit.code] { values[name] = v.description } }
            let row = byCode[unit.code]
            let result = row.map { scores.latest($0) }
            var indicatorScores: [String: String] = [:]
            var exactScores: [String: String] = [:]
            if let result {
                for index in 0..<compiled.indicatorCount {
                    let code = compiled.indicator(at: index).code
                    indicatorScores[code] = result.outcomes[index].statusText
                    if let score = result.outcomes[index].score { exactScores[code] = LeagueYear.text(score) }
                }
            }
            units.append(LeagueSnapshot.UnitLine(
                code: unit.code, name: row?.unitName ?? unit.name, level: unit.level, parent: unit.parent,
                path: row?.unitPath ?? "", assessmentID: row?.assessmentID, metrics: values,
                total: result?.total.score.map { $0.formatted() }, rank: result?.rank, rankOf: levelCount[unit.level] ?? 0,
                scores: indicatorScores, findings: findings[unit.code] ?? [],
                exactScores: result == nil ? nil : exactScores, exactTotal: result?.total.score.map(LeagueYear.text)))
        }
        let indicators = (0..<compiled.indicatorCount).map { index -> LeagueSnapshot.IndicatorLine in
            let i = compiled.indicator(at: index)
            return LeagueSnapshot.IndicatorLine(code: i.code, name: i.name, max: i.max.formatted(),
                                                depth: i.code.split(separator: ".").count - 1,
                                                frequency: i.frequency.rawValue, kind: i.kind.rawValue,
                                                floor: i.floor?.description, cap: i.cap?.description)
        }
        return LeagueSnapshot(scheme: schemeCode, schemeName: compiled.scheme.name, month: month, cut: cut.moment, takenAt: at,
                              takenBy: username, mainMetrics: mainMetrics, metricNames: file.metrics.map(\.name),
                              indicators: indicators, units: units)
    }

    /// The records behind a finding as they stood at the cut-off: each one's latest version at or before it.
    static func recordLines(_ refs: [RecordRef], cut: Cut, on sql: any SQLDatabase) async throws -> [LeagueSnapshot.RecordLine] {
        var lines: [String: LeagueSnapshot.RecordLine] = [:]
        for (kindName, group) in Dictionary(grouping: refs, by: \.kind) {
            guard let kind = Records.kind(named: kindName) else { continue }
            let columns = kind.allColumns.filter { $0.name != "record_id" }
            var select = sql.select().column("record_id")
            for column in columns { select = select.column(SQLAlias(SQLFunction("CAST", args: SQLRaw("\(column.name) AS TEXT")), as: SQLIdentifier(column.name))) }
            let rows = try await select.from(kind.table)
                .where("record_id", .in, SQLBind.group(group.map(\.recordId)))
                .where("changed_at", .lessThanOrEqual, SQLBind(cut.moment))
                .orderBy("record_id").orderBy("changed_at").all()
            for row in rows {
                let id = try row.decode(column: "record_id", as: String.self)
                var fields: [String: String] = [:]
                for column in columns {
                    guard let text = try row.decode(column: column.name, as: String?.self) else { continue }
                    if column.type == .money, let fen = Int64(text) { fields[column.name] = Money.yuan(fen) } else { fields[column.name] = text }
                }
                lines["\(kindName)|\(id)"] = LeagueSnapshot.RecordLine(kind: kindName, id: id, fields: fields)
            }
        }
        return refs.compactMap { lines["\($0.kind)|\($0.recordId)"] }
    }

    static func decode(_ body: String?) throws -> LeagueSnapshot? {
        guard let body else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(LeagueSnapshot.self, from: Data(body.utf8))
    }

    /// The newest snapshot of a month, or nil.
    static func latest(month: String, on db: any Database) async throws -> LeagueSnapshot? {
        let row = try await LeagueSnapshotRow.query(on: db).filter(\.$schemeCode == schemeCode).filter(\.$month == month)
            .sort(\.$takenAt, .descending).first()
        return try decode(row?.body)
    }

    /// The year's snapshots: the newest of each month of `year` ("2018") that has one, oldest month first.
    static func yearSnapshots(_ year: String, on db: any Database) async throws -> [LeagueSnapshot] {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        struct Row: Decodable { let body: String }
        let rows = try await sql.raw("""
            SELECT s.body FROM platform_snapshots s
            WHERE s.scheme_code = \(bind: schemeCode) AND s.month LIKE \(bind: year + "-%")
              AND s.taken_at = (SELECT MAX(o.taken_at) FROM platform_snapshots o WHERE o.scheme_code = s.scheme_code AND o.month = s.month)
            ORDER BY s.month
            """).all(decoding: Row.self)
        return try rows.compactMap { try decode($0.body) }
    }

    /// The months with a snapshot (newest first) and the months with assessments of scheme 000 (to compute).
    static func months(on db: any Database) async throws -> (snapshots: [(month: String, cut: String, takenAt: Date, takenBy: String)], periods: [String]) {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        struct SnapshotRow: Decodable { let month: String; let cut: String; let taken_at: Date; let taken_by: String }
        let rows = try await sql.raw("""
            SELECT s.month, s.cut, s.taken_at, s.taken_by FROM platform_snapshots s
            WHERE s.scheme_code = \(bind: schemeCode) AND s.taken_at = (SELECT MAX(o.taken_at) FROM platform_snapshots o
              WHERE o.scheme_code = s.scheme_code AND o.month = s.month)
            ORDER BY s.month DESC
            """).all(decoding: SnapshotRow.self)
        struct PeriodRow: Decodable { let period: String }
        let periods = try await sql.raw("""
            SELECT DISTINCT a.period FROM assessments a JOIN scheme_versions s ON s.id = a.scheme_id
            WHERE s.code = \(bind: schemeCode) ORDER BY a.period DESC
            """).all(decoding: PeriodRow.self).map(\.period)
        return (rows.map { ($0.month, $0.cut, $0.taken_at, $0.taken_by) }, periods)
    }

    /// The figures of an assessment the platform computed (field → cut-off moment).
    static func platformFields(_ assessmentID: UUID, on db: any Database) async throws -> [String: String] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        struct Row: Decodable { let field: String; let cut: String }
        let rows = try await sql.select().column("field").column("cut").from(PlatformFigure.schema)
            .where("assessment_id", .equal, SQLBind(assessmentID)).all(decoding: Row.self)
        return Dictionary(rows.map { ($0.field, $0.cut) }, uniquingKeysWith: { a, _ in a })
    }
}
