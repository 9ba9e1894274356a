import Foundation
import Logging
import PostgresKit
import SQLKit
import SQLiteKit
import XCTest

@testable import JixiaoPlatform

/// The PostgreSQL ingest (one `text[]` bind per column through `unnest`), in a schema of its own on the database of
/// DATABASE_URL; skipped without it. The same generated province as the SQLite bulk writer stores, row for row;
/// a repeated file is a no-op; a bad row and a conflicting version refuse the file naming row and column.
final class PlatformUnnestTests: XCTestCase {
    var connection: PostgresConnection?
    var db: (any SQLDatabase)!
    var schema = ""

    override func setUp() async throws {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], url.hasPrefix("postgres") else {
            throw XCTSkip("DATABASE_URL not set: the PostgreSQL ingest is not tested")
        }
        let config = try SQLPostgresConfiguration(url: url)
        let c = try await PostgresConnection.connect(
            configuration: config.coreConfiguration, id: 1, logger: Logger(label: "jixiao.test.unnest"))
        connection = c
        db = c.sql()
        schema = "pfw_" + UUID().uuidString.prefix(8).lowercased()
        try await db.raw("CREATE SCHEMA \(ident: schema)").run()
        try await db.raw("SET search_path TO \(ident: schema)").run()
        try await Records.createTables(on: db)
    }

    override func tearDown() async throws {
        if let c = connection {
            try? await db.raw("DROP SCHEMA \(ident: schema) CASCADE").run()
            try await c.close()
        }
    }

    /// Every row of a table as text, sorted, from either database.
    func rows(_ kind: RecordKind, _ db: any SQLDatabase) async throws -> [String] {
        let names = kind.allColumns.map(\.name) + ["recorded_at"]
        var out: [String] = []
        for r in try await db.raw(rawSQL("SELECT \(names.joined(separator: ", ")) FROM \(kind.table)")).all() {
            var fields: [String] = []
            for c in kind.allColumns {
                if Records.isInteger(c.type) {
                    fields.append(try r.decode(column: c.name, as: Int64?.self).map { "\($0)" } ?? "∅")
                } else {
                    fields.append(try r.decode(column: c.name, as: String?.self) ?? "∅")
                }
            }
            fields.append(try r.decode(column: "recorded_at", as: String.self))
            out.append(fields.joined(separator: "|"))
        }
        return out.sorted()
    }

    func testUnnestIngestStoresTheRowsOfTheSQLiteBulkWriter() async throws {
        var g = ProvinceGenerator()
        g.cities = 3
        g.counties = 7
        g.persons = 800
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jixiao-unnest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let summary = try g.write(to: dir)
        let path = dir.appendingPathComponent("bulk.sqlite").path
        let lite = try await SQLiteConnection.open(storage: .file(path: path))
        let sqlite = lite.sql()
        try await Records.createTables(on: sqlite)
        let stamp = "2018-07-01 00:00:00"
        for kind in Records.all {
            let url = dir.appendingPathComponent("\(kind.name).csv")
            let pg = try await Ingest.csv(url, kind: kind, into: db, recordedAt: stamp)
            let bulk = try await SQLiteBulk.csv(url, kind: kind, path: path, recordedAt: stamp)
            XCTAssertEqual(pg, bulk, kind.name)
            XCTAssertEqual(pg.rows, summary.files[kind.name], kind.name)
            let a = try await rows(kind, db)
            let b = try await rows(kind, sqlite)
            XCTAssertEqual(a.count, b.count, kind.name)
            XCTAssertTrue(a == b, "\(kind.table): PostgreSQL and SQLite hold different rows")
        }
        try await lite.close()
        let again = try await Ingest.csv(dir.appendingPathComponent("services.csv"), kind: Records.services, into: db, recordedAt: "x")
        XCTAssertEqual(again.inserted, 0)
        XCTAssertEqual(again.rows, summary.files["services"])
    }

    func testBadRowAndConflictingVersionRefuseTheFile() async throws {
        let header = "record_id,changed_at,county_code,birth_year,hukou,category,grade\n"
        func load(_ text: String) async throws -> IngestResult {
            try await Ingest.csvText(text, file: "persons.csv", kind: Records.persons, into: db, recordedAt: "2018-07-01 00:00:00")
        }
        let first = try await load(header + "p1,2018-06-01,X,1970,农村,肢体,2\n")
        XCTAssertEqual(first.inserted, 1)
        do {
            _ = try await load(header + "p2,2018-06-01,X,1970,农村,肢体,2\np1,2018-06-01,X,1970,农村,肢体,4\n")
            XCTFail("a conflicting version was accepted")
        } catch let e as IngestError {
            XCTAssertEqual(e.row, 3)
            XCTAssertEqual(e.column, "grade")
        }
        do {
            _ = try await load(header + "p3,2018-06-01,X,1970,农村,肢体,2\np4,2018-06-01,X,1970,农村,肢体,9\n")
            XCTFail("a bad row was accepted")
        } catch let e as IngestError {
            XCTAssertEqual(e.row, 3)
            XCTAssertEqual(e.column, "grade")
        }
        let n = try await db.raw("SELECT COUNT(*) AS n FROM pf_persons").first()?.decode(column: "n", as: Int.self)
        XCTAssertEqual(n, 1, "neither refused file stored anything")
        // NULL survives the '' encoding: an empty optional field is stored as NULL.
        _ = try await Ingest.csvText(
            "record_id,changed_at,name,parent_code,level\nP,2018-01-01,省,,province\n", file: "units.csv",
            kind: Records.units, into: db, recordedAt: "2018-07-01 00:00:00")
        let nulls = try await db.raw("SELECT COUNT(*) AS n FROM pf_units WHERE parent_code IS NULL").first()?
            .decode(column: "n", as: Int.self)
        XCTAssertEqual(nulls, 1)
    }
}
