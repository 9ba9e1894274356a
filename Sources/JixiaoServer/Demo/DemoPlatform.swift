import Fluent
import Foundation
import JixiaoPlatform
import SQLKit
import Vapor

/// The demo's platform records (seed 000): a seeded synthetic province (ProvinceGenerator) on the demo's own
/// 四川 tree (codes 51CC / 51CCJJ as demo/org-sichuan.csv has them), ingested, and every demo month computed
/// from them and frozen as a league table, so the 000 assessments' platform figures come from records.
enum DemoPlatform {
    /// Registered persons generated for `jixiao serve --demo` (about 6.5 records each). Measured at 6,000 persons
    /// (debug build, shared 2 cores): 39,330 records ingested in 20.1 s, the three months computed and frozen in 53.6 s;
    /// halved to stay near the ~20 s budget until ingest and the metrics queries are faster. The issue's 50,000 then.
    static let fullPersons = 3_000
    /// For the small demo the tests load: few enough that it adds well under a second.
    static let smallPersons = 200
    static let seed: UInt64 = 2018

    static func load(_ size: DemoSize, periods: [String], on database: any Database, logger: Logger) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        let started = Date()
        let units = try await OrgUnit.query(on: database).all()
        guard let province = units.first(where: { $0.$parent.id == nil && $0.kind == "省" }) else { return }
        let provinceID = try province.requireID()
        var tree: [ProvinceGenerator.City] = []
        for city in units.filter({ $0.kind == "市州" && $0.$parent.id == provinceID }).sorted(by: { $0.code < $1.code }) {
            let id = try city.requireID()
            let counties = units.filter { $0.kind == "县市区" && $0.$parent.id == id }.sorted { $0.code < $1.code }
            tree.append(ProvinceGenerator.City(code: city.code, name: city.name, counties: counties.map { ($0.code, $0.name) }))
        }
        var generator = ProvinceGenerator()
        generator.seed = seed
        generator.persons = size == .full ? fullPersons : smallPersons
        generator.provinceCode = province.code
        generator.provinceName = province.name
        generator.tree = tree
        generator.year = Int(periods.last?.prefix(4) ?? "") ?? 2018
        generator.lastMonth = Int(periods.last?.suffix(2) ?? "") ?? 6
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jixiao-demo-platform-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try generator.write(to: directory)
        let stamp = "\(generator.year)-\(String(format: "%02d", generator.lastMonth))-26 08:00:00"
        var records = 0
        // On SQLite the bulk writer (its own connection; nothing else writes while the demo loads at start-up).
        let bulkPath = try await SQLiteBulk.databaseFile(of: sql)
        for kind in Records.all {
            let url = directory.appendingPathComponent("\(kind.name).csv")
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            if let bulkPath {
                records += try await SQLiteBulk.csv(url, kind: kind, path: bulkPath, recordedAt: stamp).rows
            } else {
                records += try await Ingest.csv(url, kind: kind, into: sql, recordedAt: stamp).rows
            }
        }
        let ingested = Date()
        // The demo's months, oldest first (a month's change is explained against the one before).
        let board = ScoreBoard()
        for month in periods.sorted() {
            _ = try await database.transaction { db in
                try await LeagueStore.compute(month: month, username: "演示数据", includeApproved: true, board: board, on: db)
            }
        }
        logger.notice("演示平台记录：\(generator.persons) 人，\(records) 条记录，导入 \(String(format: "%.1f", ingested.timeIntervalSince(started))) 秒，\(periods.count) 个月排名 \(String(format: "%.1f", Date().timeIntervalSince(ingested))) 秒")
    }
}
