import Foundation
import JixiaoXLSX
import SQLKit
import SQLiteKit
import XCTest

@testable import JixiaoPlatform

/// Records from an xlsx workbook: the first sheet, the CSV's header, the same checks, all or nothing.
final class XLSXIngestTests: XCTestCase {
    var connection: SQLiteConnection!
    var db: any SQLDatabase { connection.sql() }

    override func setUp() async throws {
        connection = try await SQLiteConnection.open(storage: .memory)
        try await Records.createTables(on: db)
    }

    override func tearDown() async throws { try await connection.close() }

    let header: [Cell] = ["record_id", "changed_at", "county_code", "birth_year", "hukou", "category", "grade"].map { .text($0) }

    func workbook(_ rows: [[Cell]], extraSheet: Bool = false) throws -> Data {
        var sheets = [Sheet(name: "入库残疾人", rows: rows)]
        if extraSheet { sheets.append(Sheet(name: "说明", rows: [[.text("不是记录")]])) }
        return try Workbook(sheets: sheets).xlsxData()
    }

    func stored() async throws -> [(String, Int)] {
        try await db.raw("SELECT record_id, birth_year FROM pf_persons ORDER BY record_id").all().map {
            (try $0.decode(column: "record_id", as: String.self), try $0.decode(column: "birth_year", as: Int.self))
        }
    }

    func testGoodSheetIsStoredOnceWithNumbersAndShortRows() async throws {
        let data = try workbook([
            header,
            [.text("p1"), .text("2018-01-02"), .text("X"), .number("1970"), .text("农村"), .text("肢体"), .number("2")],
            [],  // a blank row in between is no record
            [.text("p2"), .text("2018-01-02 08:30:00"), .text("X"), .number("1985"), .text("城镇"), .text("视力"), .number("4")],
        ], extraSheet: true)
        let first = try await XLSXIngest.xlsx(data, file: "persons.xlsx", kind: Records.persons, into: db, recordedAt: "2018-07-01 00:00:00")
        XCTAssertEqual(first.rows, 2)
        XCTAssertEqual(first.inserted, 2)
        let rows = try await stored()
        XCTAssertEqual(rows.map(\.0), ["p1", "p2"])
        XCTAssertEqual(rows.map(\.1), [1970, 1985])
        // The same workbook again stores nothing.
        let again = try await XLSXIngest.xlsx(data, file: "persons.xlsx", kind: Records.persons, into: db, recordedAt: "2018-07-02 00:00:00")
        XCTAssertEqual(again.inserted, 0)
        XCTAssertEqual(again.unchanged, 2)
        let count = try await stored().count
        XCTAssertEqual(count, 2)
    }

    func testBadCellNamesSheetRowAndColumnAndStoresNothing() async throws {
        let data = try workbook([
            header,
            [.text("p1"), .text("2018-01-02"), .text("X"), .number("1970"), .text("农村"), .text("肢体"), .number("2")],
            [.text("p2"), .text("2018-01-02"), .text("X"), .number("1980"), .text("乡下"), .text("肢体"), .number("2")],
        ])
        do {
            _ = try await XLSXIngest.xlsx(data, file: "persons.xlsx", kind: Records.persons, into: db, recordedAt: "2018-07-01 00:00:00")
            XCTFail("a bad cell must refuse the workbook")
        } catch let error as IngestError {
            XCTAssertEqual(error.row, 3)
            XCTAssertEqual(error.column, "hukou")
            XCTAssertTrue(error.file.contains("persons.xlsx") && error.file.contains("入库残疾人"), error.file)
            XCTAssertTrue(error.description.contains("第 3 行，hukou 列"), error.description)
            XCTAssertTrue(error.description.contains("乡下"), error.description)
        }
        let count = try await stored().count
        XCTAssertEqual(count, 0, "the good first row must not be stored either")
    }

    func testUnknownHeaderAndNotAWorkbookAreRefused() async throws {
        let wrong = try workbook([[.text("record_id"), .text("changed_at"), .text("县")]])
        XCTAssertThrowsError(try XLSXIngest.check(wrong, file: "persons.xlsx", kind: Records.persons)) { error in
            XCTAssertEqual((error as? IngestError)?.row, 1)
            XCTAssertEqual((error as? IngestError)?.column, "县")
        }
        XCTAssertThrowsError(try XLSXIngest.check(Data("record_id,changed_at".utf8), file: "persons.xlsx", kind: Records.persons)) { error in
            XCTAssertTrue(String(describing: error).contains("不是有效的 xlsx"), String(describing: error))
        }
    }
}
