import Foundation
import SQLKit
import SQLiteKit
import XCTest

@testable import JixiaoPlatform

/// The bulk writer on SQLite (`SQLiteBulk`): every `PlatformTests` test again with its CSV loaded through the bulk
/// writer into a database file (its own connection beside the test's SQLiteNIO one), and the writer's own cases:
/// the same rows as the SQLKit path, table by table, a repeated file is a no-op, a bad row after several batches
/// refuses the whole file, a conflicting version refuses naming the field.
final class PlatformBulkTests: PlatformTests {
    var folder: URL!
    var path: String { folder.appendingPathComponent("records.sqlite").path }

    override func open() async throws -> (any SQLDatabase, @Sendable () async throws -> Void) {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jixiao-bulk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let (db, close) = try await Self.openFile(path)
        let dir = folder!
        return (db, {
            try await close()
            try? FileManager.default.removeItem(at: dir)
        })
    }

    static func openFile(_ path: String) async throws -> (any SQLDatabase, @Sendable () async throws -> Void) {
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        let db = connection.sql()
        try await db.raw("PRAGMA journal_mode = WAL").run()
        try await Records.createTables(on: db)
        return (db, { try await connection.close() })
    }

    /// Every inherited test loads its CSV through the bulk writer.
    @discardableResult
    override func load(_ kind: RecordKind, _ text: String, file name: String? = nil) async throws -> IngestResult {
        try await SQLiteBulk.csvText(
            text, file: name ?? "\(kind.name).csv", kind: kind, path: path, recordedAt: "2018-07-01 00:00:00")
    }

    func count(_ table: String, _ db: any SQLDatabase) async throws -> Int? {
        try await db.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()?.decode(column: "n", as: Int.self)
    }

    func testFileIsFoundAndMemoryIsNot() async throws {
        let found = try await SQLiteBulk.databaseFile(of: db)
        XCTAssertEqual(found.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path },
                       URL(fileURLWithPath: path).resolvingSymlinksInPath().path)
        let memory = try await SQLiteConnection.open(storage: .memory)
        let none = try await SQLiteBulk.databaseFile(of: memory.sql())
        try await memory.close()
        XCTAssertNil(none, "an in-memory database has no file another connection could open")
    }

    /// The same generated province through SQLKit into one file and through the bulk writer into this one: every
    /// table holds exactly the same rows (compared with EXCEPT both ways, and counted).
    func testBulkWriterStoresExactlyTheRowsOfTheSQLKitPath() async throws {
        var g = ProvinceGenerator()
        g.cities = 4
        g.counties = 9
        g.persons = 1200
        let data = folder.appendingPathComponent("gen")
        let summary = try g.write(to: data)
        let otherPath = folder.appendingPathComponent("sqlkit.sqlite").path
        let (other, closeOther) = try await Self.openFile(otherPath)
        let stamp = "2018-07-01 00:00:00"
        for kind in Records.all {
            let url = data.appendingPathComponent("\(kind.name).csv")
            let old = try await Ingest.csv(url, kind: kind, into: other, recordedAt: stamp)
            let new = try await SQLiteBulk.csv(url, kind: kind, path: path, recordedAt: stamp)
            XCTAssertEqual(new, old, kind.name)
            XCTAssertEqual(new.rows, summary.files[kind.name], kind.name)
        }
        try await closeOther()
        try await db.raw("ATTACH DATABASE \(bind: otherPath) AS old").run()
        for kind in Records.all {
            let n = try await count(kind.table, db)
            XCTAssertGreaterThan(n ?? 0, 0, kind.table)
            let both = try await db.raw("""
                SELECT (SELECT COUNT(*) FROM (SELECT * FROM main.\(ident: kind.table) EXCEPT SELECT * FROM old.\(ident: kind.table))) AS extra,
                       (SELECT COUNT(*) FROM (SELECT * FROM old.\(ident: kind.table) EXCEPT SELECT * FROM main.\(ident: kind.table))) AS missing,
                       (SELECT COUNT(*) FROM old.\(ident: kind.table)) AS old
                """).first()
            XCTAssertEqual(try both?.decode(column: "extra", as: Int.self), 0, kind.table)
            XCTAssertEqual(try both?.decode(column: "missing", as: Int.self), 0, kind.table)
            XCTAssertEqual(try both?.decode(column: "old", as: Int.self), n, kind.table)
        }
        try await db.raw("DETACH DATABASE old").run()
        // The same file again: nothing new, nothing changed.
        let services = data.appendingPathComponent("services.csv")
        let before = try await count("pf_services", db)
        let again = try await SQLiteBulk.csv(services, kind: Records.services, path: path, recordedAt: "2018-07-02 00:00:00")
        XCTAssertEqual(again.inserted, 0)
        XCTAssertEqual(again.rows, summary.files["services"])
        let after = try await count("pf_services", db)
        XCTAssertEqual(after, before)
        let restamped = try await db.raw("SELECT COUNT(*) AS n FROM pf_services WHERE recorded_at <> \(bind: stamp)").first()?
            .decode(column: "n", as: Int.self)
        XCTAssertEqual(restamped, 0, "a repeated file leaves the stored versions as they were")
    }

    /// A bad row after several full batches (already written inside the transaction) refuses the whole file.
    func testBadRowAfterSeveralBatchesStoresNothing() async throws {
        try await load(Records.units, units)
        var text = "record_id,changed_at,county_code,birth_year,hukou,category,grade\n"
        for i in 0..<3_500 { text += "p\(i),2018-01-02,X,1970,农村,肢体,2\n" }
        text += "bad,2018-01-02,X,1970,乡村,肢体,2\n"
        for i in 3_500..<3_600 { text += "p\(i),2018-01-02,X,1970,农村,肢体,2\n" }
        do {
            try await load(Records.persons, text)
            XCTFail("the bad row was accepted")
        } catch let e as IngestError {
            XCTAssertEqual(e.row, 3_502, "header + 3,500 good rows")
            XCTAssertEqual(e.column, "hukou")
            XCTAssertTrue(e.description.contains("persons.csv 第 3502 行，hukou 列"), e.description)
        }
        let n = try await count("pf_persons", db)
        XCTAssertEqual(n, 0, "3,500 good rows before it were rolled back with the file")
        // An unterminated quote at the end is the reader's error, refused the same way.
        do {
            try await load(Records.persons, "record_id,changed_at,county_code,birth_year,hukou,category,grade\np1,2018-01-02,X,1970,农村,肢体,\"2\n")
            XCTFail("an unterminated quote was accepted")
        } catch let e as IngestError {
            XCTAssertEqual(e.row, 2)
            XCTAssertTrue(e.message.contains("引号没有闭合"), e.message)
        }
        let still = try await count("pf_persons", db)
        XCTAssertEqual(still, 0)
        // The database stays usable by the bulk writer after refusals (its transaction was rolled back).
        let good = try await load(Records.persons, "record_id,changed_at,county_code,birth_year,hukou,category,grade\np1,2018-01-02,X,1970,农村,肢体,2\n")
        XCTAssertEqual(good.inserted, 1)
    }

    /// Checked rows (the JSON API, xlsx) through the bulk writer: a conflicting version names the row (the
    /// position in the request, or the sheet's row when given) and the field; nothing of the request is stored.
    func testRowsConflictNamesTheFieldAndStoresNothing() async throws {
        let header = ["record_id", "changed_at", "county_code", "birth_year", "hukou", "category", "grade"]
        let mapper = try RowMapper(kind: Records.persons, header: header, file: "api")
        func rows(_ r: [[String]]) throws -> [[RecordValue]] { try r.map { try mapper.values($0, row: 0, file: "api") } }
        let first = try await SQLiteBulk.rows(
            try rows([["p1", "2018-06-01", "X", "1970", "农村", "肢体", "2"]]), kind: Records.persons, path: path,
            recordedAt: "2018-07-01 00:00:00")
        XCTAssertEqual(first, IngestResult(kind: "persons", rows: 1, inserted: 1))
        let conflicting = try rows([
            ["p2", "2018-06-02", "X", "1971", "城镇", "视力", "1"],
            ["p1", "2018-06-01 00:00:00", "X", "1970", "农村", "肢体", "2"],
            ["p1", "2018-06-01", "X", "1970", "农村", "精神", "2"],
        ])
        do {
            _ = try await SQLiteBulk.rows(conflicting, kind: Records.persons, path: path, recordedAt: "2018-07-02 00:00:00",
                                          file: "book.xlsx", rowNumbers: [5, 6, 7])
            XCTFail("a conflicting version was accepted")
        } catch let e as IngestError {
            XCTAssertEqual(e.file, "book.xlsx")
            XCTAssertEqual(e.row, 7)
            XCTAssertEqual(e.column, "category")
            XCTAssertTrue(e.message.contains("已有“肢体”，此处“精神”"), e.message)
        }
        let n = try await count("pf_persons", db)
        XCTAssertEqual(n, 1, "p2 was not stored")
        // A row of the wrong width is refused, not trapped on.
        do {
            _ = try await SQLiteBulk.rows([[.text("p9")]], kind: Records.persons, path: path, recordedAt: "2018-07-02 00:00:00")
            XCTFail("a short row was accepted")
        } catch let e as IngestError {
            XCTAssertEqual(e.row, 1)
        }
    }

    /// The writer waits for the write lock another connection holds (busy timeout), then stores its file.
    func testWaitsForAnotherWriter() async throws {
        let other = try await SQLiteConnection.open(storage: .file(path: path))
        let sql = other.sql()
        try await sql.raw("BEGIN IMMEDIATE").run()
        try await sql.raw("INSERT INTO pf_units (record_id, changed_at, deleted, name, parent_code, level, recorded_at) VALUES ('Z', '2018-01-01 00:00:00', 0, '丙县', 'C', 'county', 'x')").run()
        let (path, text) = (path, units)
        let stored = Task {
            try await SQLiteBulk.csvText(text, file: "units.csv", kind: Records.units, path: path, recordedAt: "2018-07-01 00:00:00")
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        try await sql.raw("COMMIT").run()
        let result = try await stored.value
        XCTAssertEqual(result.inserted, 4)
        try await other.close()
        let n = try await count("pf_units", db)
        XCTAssertEqual(n, 5)
    }
}
