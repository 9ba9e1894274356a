import Foundation
import Logging
import PostgresKit
import SQLKit
import XCTest

@testable import JixiaoPlatform

/// A PostgreSQL connection whose record tables live in a schema of their own (dropped at the end), so tests never
/// see each other's rows. Nil when DATABASE_URL is not set.
struct PostgresScratch {
    let connection: PostgresConnection
    var db: any SQLDatabase { connection.sql(queryLogLevel: nil) }

    static var url: String? {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], url.hasPrefix("postgres") else { return nil }
        return url
    }

    static func connect() async throws -> PostgresScratch {
        guard let url else { throw XCTSkip("DATABASE_URL is not set: the PostgreSQL platform tests are skipped") }
        let config = try SQLPostgresConfiguration(url: url)
        let c = try await PostgresConnection.connect(
            configuration: config.coreConfiguration, id: 1, logger: Logger(label: "jixiao.platform.tests"))
        return PostgresScratch(connection: c)
    }

    /// Creates schema `name` and makes it the one unqualified tables are created in and read from.
    func use(schema name: String) async throws {
        try await db.raw(rawSQL("CREATE SCHEMA IF NOT EXISTS \(name)")).run()
        try await db.raw(rawSQL("SET search_path TO \(name)")).run()
    }

    func drop(schema name: String) async throws {
        try await db.raw(rawSQL("DROP SCHEMA IF EXISTS \(name) CASCADE")).run()
    }

    static func schemaName(_ prefix: String) -> String {
        "\(prefix)_\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
    }
}

/// Every test of `PlatformTests` (the hand-computed metrics, R26 at its edges, the cut-off, idempotent and
/// refused imports, the checks, the generated province) again on PostgreSQL, when DATABASE_URL is set.
final class PlatformPostgresTests: PlatformTests {
    override func open() async throws -> (any SQLDatabase, @Sendable () async throws -> Void) {
        let pg = try await PostgresScratch.connect()
        let schema = PostgresScratch.schemaName("pf_test")
        try await pg.use(schema: schema)
        try await Records.createTables(on: pg.db)
        return (pg.db, {
            try await pg.drop(schema: schema)
            try await pg.connection.close()
        })
    }

    // Linux's test discovery lists only the methods a class declares itself, not inherited ones: each database
    // test is named here again so that it runs on PostgreSQL too (the CSV reader's test needs no database).
    override func testR26CountsRuralPersonsWithAllThreeKinds() async throws { try await super.testR26CountsRuralPersonsWithAllThreeKinds() }
    override func testChangeOnThe26thCountsNextMonth() async throws { try await super.testChangeOnThe26thCountsNextMonth() }
    override func testRepeatedImportIsANoOp() async throws { try await super.testRepeatedImportIsANoOp() }
    override func testBadRowRefusesTheWholeFileWithRowAndColumn() async throws {
        try await super.testBadRowRefusesTheWholeFileWithRowAndColumn()
    }
    override func testMetricsAgainstHandComputedValues() async throws { try await super.testMetricsAgainstHandComputedValues() }
    override func testChecksIdenticalServicesSupervisionUploadAndNegativeGrowth() async throws {
        try await super.testChecksIdenticalServicesSupervisionUploadAndNegativeGrowth()
    }
    override func testGeneratedProvinceAgreesWithAnIndependentCount() async throws {
        try await super.testGeneratedProvinceAgreesWithAnIndependentCount()
    }
    override func testConflictingVersionRefusesTheWholeFile() async throws { try await super.testConflictingVersionRefusesTheWholeFile() }
}

/// The records partitioned by month of changed_at (PostgreSQL's declarative partitioning): the same generated
/// province ingested into plain and into partitioned tables gives exactly the same metrics and findings.
final class PlatformPartitionTests: XCTestCase {
    static let metricsURL = PlatformTests.metricsURL

    func testPartitionedTablesGiveTheSameMetricsAndChecks() async throws {
        let pg = try await PostgresScratch.connect()
        let plain = PostgresScratch.schemaName("pf_plain"), parted = PostgresScratch.schemaName("pf_parted")
        do {
            var g = ProvinceGenerator()
            g.cities = 5
            g.counties = 11
            g.persons = 800  // small: the test ingests it twice and computes two cuts twice (seconds in CI)
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jixiao-part-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            _ = try g.write(to: dir)
            let file = try MetricsFile.load(Self.metricsURL)

            func load(schema: String, partitioned: Bool) async throws -> [(MetricsResult, CheckResult)] {
                try await pg.use(schema: schema)
                if partitioned {
                    try await Records.createPartitionedTables(on: pg.db, years: 2018...2018)
                } else {
                    try await Records.createTables(on: pg.db)
                }
                for kind in Records.all {
                    _ = try await Ingest.csv(
                        dir.appendingPathComponent("\(kind.name).csv"), kind: kind, into: pg.db, recordedAt: "2018-07-01 00:00:00")
                }
                var out: [(MetricsResult, CheckResult)] = []
                for month in ["2018-05", "2018-06"] {
                    let m = try await PlatformMetrics(file: file).compute(pg.db, cut: Cut(month: month)!)
                    out.append((m, try await PlatformChecker(file: file).run(pg.db, metrics: m)))
                }
                return out
            }
            let a = try await load(schema: plain, partitioned: false)
            let b = try await load(schema: parted, partitioned: true)

            // They are partitioned, and the services are spread over several months' partitions.
            let kind = try await pg.db.raw("SELECT relkind::text AS k FROM pg_class WHERE oid = 'pf_services'::regclass")
                .first()?.decode(column: "k", as: String.self)
            XCTAssertEqual(kind, "p")
            let parts = try await pg.db.raw("SELECT COUNT(DISTINCT tableoid) AS n FROM pf_services").first()?
                .decode(column: "n", as: Int.self) ?? 0
            XCTAssertGreaterThan(parts, 3, "services of several months in their own partitions")

            func key(_ f: Finding) -> String { "\(f.unit)|\(f.check)|\(f.message)|\(f.recordCount)|\(f.records.map(\.recordId))" }
            for ((ma, ca), (mb, cb)) in zip(a, b) {
                XCTAssertEqual(ma.units, mb.units)
                XCTAssertEqual(ma.values, mb.values, "metrics as of \(ma.cut)")
                XCTAssertEqual(ca.findings.map(key).sorted(), cb.findings.map(key).sorted(), "findings as of \(ma.cut)")
                XCTAssertEqual(ca.inputs, cb.inputs)
                XCTAssertFalse(ca.findings.isEmpty, "the planted anomalies are found")
                let counties = ma.units.filter { $0.level == "county" }
                XCTAssertEqual(counties.count, 11)
                let total = counties.compactMap { ma.value("入库残疾人人数", $0.code)?.decimal }.reduce(0, +)
                XCTAssertGreaterThan(total, 500, "the persons are counted, not an empty result twice")
            }
        } catch {
            try? await pg.drop(schema: plain)
            try? await pg.drop(schema: parted)
            try? await pg.connection.close()
            throw error
        }
        try await pg.drop(schema: plain)
        try await pg.drop(schema: parted)
        try await pg.connection.close()
    }
}
