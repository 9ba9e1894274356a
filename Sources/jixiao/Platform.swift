import ArgumentParser
import Foundation
import JixiaoPlatform
import SQLKit
import SQLiteKit
import PostgresKit
import Logging
import Yams

/// `jixiao gen`: a seeded synthetic province as CSV files (seed 000's platform records).
struct Gen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "生成合成省份的“量服”平台记录（CSV，可复现；含植入的异常）。")

    @Option(help: "输出目录") var out = "platform-data"
    @Option(help: "随机种子") var seed: UInt64 = 2018
    @Option(help: "市州数") var cities = 21
    @Option(help: "县市区数") var counties = 183
    @Option(help: "入库残疾人数（全省规模 6000000）") var persons = 50_000
    @Option(help: "人均服务记录数") var servicesPerPerson = 3.33
    @Option(help: "年份") var year = 2018
    @Option(help: "数据截至的月份（1…12）") var lastMonth = 6

    func run() async throws {
        var g = ProvinceGenerator()
        g.seed = seed
        g.cities = cities
        g.counties = counties
        g.persons = persons
        g.servicesPerPerson = servicesPerPerson
        g.year = year
        g.lastMonth = lastMonth
        guard cities >= 1, counties >= cities, persons >= 1, (1...12).contains(lastMonth) else {
            throw ValidationError("需要 市州数 ≥ 1、县市区数 ≥ 市州数、人数 ≥ 1、月份 1…12")
        }
        let summary = try g.write(to: URL(fileURLWithPath: out))
        for (name, n) in summary.files.sorted(by: { $0.key < $1.key }) { print("\(name): \(n)") }
        print("persons: \(summary.persons)")
        print("service_records: \(summary.services)")
    }
}

/// `jixiao platform`: import platform CSV files into a SQLite file, and compute a month's metrics and checks.
struct PlatformCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "platform", abstract: "“量服”平台记录：导入 CSV，按截止日计算指标与自动检查。",
        subcommands: [PlatformIngest.self, PlatformMonth.self])
}

/// One database session: a SQLite file, or PostgreSQL when a URL is given (`--postgres` or DATABASE_URL).
struct PlatformDB {
    let db: any SQLDatabase
    let close: @Sendable () async throws -> Void
    let dialect: String

    static func open(_ path: String, postgres: String?) async throws -> PlatformDB {
        if let url = postgres ?? ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty {
            let config = try SQLPostgresConfiguration(url: url)
            let c = try await PostgresConnection.connect(
                configuration: config.coreConfiguration, id: 1, logger: Logger(label: "jixiao.platform"))
            let db = c.sql(queryLogLevel: nil)
            // The month's grouped queries (distinct persons, identical service sets) hash in memory rather than
            // spill at the default 4 MB; a session setting of this command only.
            try await db.raw("SET work_mem = '256MB'").run()
            // The month's snapshots are temporary tables, held in the session's temp buffers (8 MB by default: at
            // 100,000 persons services alone is ~50 MB, read back from disk); this must precede their first use.
            try await db.raw("SET temp_buffers = '512MB'").run()
            // JIT compiled every grouped query anew: ~3 s of the services query's time at 100,000 persons, more
            // than it saved.
            try await db.raw("SET jit = off").run()
            try await Records.createTables(on: db)
            return PlatformDB(db: db, close: { try await c.close() }, dialect: "postgres")
        }
        let c = try await SQLiteConnection.open(storage: .file(path: path))
        let db = c.sql(queryLogLevel: nil)
        try await db.raw("PRAGMA journal_mode = WAL").run()
        try await db.raw("PRAGMA synchronous = NORMAL").run()
        try await db.raw("PRAGMA cache_size = -200000").run()
        // The month's snapshots are temporary tables: in memory rather than a temporary file (they are dropped at
        // the end of the month; at 100,000 persons the largest, services, is ~45 MB), and the file read via mmap.
        try await db.raw("PRAGMA temp_store = MEMORY").run()
        try await db.raw("PRAGMA mmap_size = 1073741824").run()
        try await Records.createTables(on: db)
        return PlatformDB(db: db, close: { try await c.close() }, dialect: "sqlite")
    }
}

struct PlatformIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "导入目录中的 CSV（units.csv、persons.csv …），每个文件全部成功或全部不导入。")
    @Option(help: "SQLite 数据库文件") var database = "platform.sqlite"
    @Option(help: "PostgreSQL 连接串（或环境变量 DATABASE_URL）；设置后不用 SQLite") var postgres: String?
    @Option(help: "SQLite 的写入方式：bulk（sqlite3 预编译语句，默认）或 sql（SQLKit 多行 INSERT，旧方式）")
    var writer = "bulk"
    @Argument(help: "CSV 所在目录") var directory: String

    func run() async throws {
        guard writer == "bulk" || writer == "sql" else { throw ValidationError("--writer 应为 bulk 或 sql") }
        let c = try await PlatformDB.open(database, postgres: postgres)
        let bulkPath = c.dialect == "sqlite" && writer == "bulk" ? database : nil
        let stamp = ISO8601DateFormatter().string(from: Date())
        let started = Date()
        var total = 0
        for kind in Records.all {
            let url = URL(fileURLWithPath: directory).appendingPathComponent("\(kind.name).csv")
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            let t0 = Date()
            let progress: @Sendable (Int) -> Void = { n in
                if n % 1_000_000 == 0 { FileHandle.standardError.write(Data("  \(kind.name): \(n) 行…\n".utf8)) }
            }
            let r: IngestResult
            if let bulkPath {
                r = try await SQLiteBulk.csv(url, kind: kind, path: bulkPath, recordedAt: stamp, progress: progress)
            } else {
                r = try await Ingest.csv(url, kind: kind, into: c.db, recordedAt: stamp, progress: progress)
            }
            total += r.rows
            print("\(kind.name): \(r.rows) 行，新增 \(r.inserted)，\(String(format: "%.1f", Date().timeIntervalSince(t0))) 秒")
        }
        let seconds = Date().timeIntervalSince(started)
        try await c.close()
        print("records: \(total)")
        print("ingest_seconds: \(String(format: "%.2f", seconds))")
        print("ingest_records_per_second: \(Int(Double(total) / max(seconds, 0.001)))")
    }
}

struct PlatformMonth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "month", abstract: "按某月截止日（默认 25 日）计算每个县市区和市州的指标与自动检查。")
    @Option(help: "SQLite 数据库文件") var database = "platform.sqlite"
    @Option(help: "PostgreSQL 连接串（或环境变量 DATABASE_URL）；设置后不用 SQLite") var postgres: String?
    @Option(help: "平台指标文件") var metrics = "schemes/platform/000-liangfu-jiaojiu.yaml"
    @Option(help: "月份 YYYY-MM") var month = "2018-06"
    @Flag(help: "列出每个单位的指标") var verbose = false
    @Flag(help: "逐条列出执行的 SQL 语句、耗时与返回行数（测量用）") var profile = false
    @Option(help: "写出方案数据文件（可用 jixiao score 计分）") var dataFile: String?
    @Option(help: "方案文件（写数据文件时读取其 inputs）") var scheme = "schemes/000-liangfu-jiaojiu.yaml"

    func run() async throws {
        let file = try MetricsFile.load(URL(fileURLWithPath: metrics))
        guard let cut = Cut(month: month, day: file.cutoffDay) else { throw ValidationError("月份应为 YYYY-MM") }
        let c = try await PlatformDB.open(database, postgres: postgres)
        let log = StatementLog()
        let db: any SQLDatabase = profile ? TimedDatabase(c.db, log: log) : c.db
        let t0 = Date()
        let cpu0 = StatementLog.cpuNow()
        // Metrics and checks over one snapshot of the records as of the cut (same results as compute, then run).
        let (result, checks) = try await PlatformMetrics(file: file).month(db, cut: cut)
        let seconds = Date().timeIntervalSince(t0)
        let cpuSeconds = StatementLog.cpuNow() - cpu0
        try await c.close()
        if profile {
            for e in log.entries {
                let sql = e.sql.split(whereSeparator: \.isNewline).joined(separator: " ")
                print(String(format: "%8.3f s  cpu %7.3f s %7d 行  ", e.seconds, e.cpuSeconds, e.rows) + sql + (e.binds.isEmpty ? "" : "  -- binds: " + e.binds.joined(separator: " | ")))
            }
            print(String(
                format: "statements: %d, %.2f s, cpu %.2f s", log.entries.count, log.entries.reduce(0) { $0 + $1.seconds },
                log.entries.reduce(0) { $0 + $1.cpuSeconds }))
        }
        if verbose {
            for u in result.units where u.level != "province" {
                let line = file.metrics.map { "\($0.name)=\(result.value($0.name, u.code)?.description ?? "—")" }
                print("\(u.code) \(u.name): " + line.joined(separator: " "))
            }
        }
        for f in checks.findings {
            print("发现 \(f.unit) [\(f.indicator)] \(f.check)：\(f.message)；记录 \(f.recordCount) 条：\(f.records.prefix(5).map(\.recordId).joined(separator: ","))")
        }
        if let dataFile {
            let text = try String(contentsOfFile: scheme, encoding: .utf8)
            guard let root = try Yams.compose(yaml: text)?.mapping, let inputs = root["inputs"]?.sequence else {
                throw ValidationError("\(scheme) 没有 inputs")
            }
            let declared = inputs.compactMap { node -> (name: String, isFlag: Bool)? in
                guard let m = node.mapping, let name = m["name"]?.string else { return nil }
                return (name, (m["text"]?.string ?? "").contains("是/否"))
            }
            let yaml = DataFileExport.yaml(scheme: file.scheme, schemeInputs: declared, metrics: result, checks: checks)
            try yaml.write(toFile: dataFile, atomically: true, encoding: .utf8)
        }
        print("units: \(result.units.count)")
        print("findings: \(checks.findings.count)")
        print("month_metrics_seconds_\(c.dialect): \(String(format: "%.2f", seconds))")
        // This process's CPU time: the SQLite work itself, comparable between runs whatever the machine's load.
        print("month_metrics_cpu_seconds_\(c.dialect): \(String(format: "%.2f", cpuSeconds))")
    }
}
