import Foundation
import Fluent
import XCTVapor
import JixiaoXLSX
import ZIPFoundation
@testable import JixiaoServer

/// Every xlsx the app exports, opened as a spreadsheet program opens it: a figure is a number cell, an
/// identifier is text, and every sheet prints one page wide.
///
/// The rule: columns headed 代码, 单位代码 or 字段 hold identifiers (unit codes "510101", indicator codes
/// "2.3.1", field keys) and are text cells; every other cell whose text is a decimal number (a score, a total,
/// a rank, a coefficient, a revision, an entered figure) is a number cell. Text that is not a number (未评分,
/// 91.2%) stays text.
final class ExportTests: XCTestCase {
    var app: Application!

    override func setUp() async throws { app = try await makeApp() }

    override func tearDown() async throws {
        try await app.asyncShutdown()
        app = nil
    }

    static let identifierHeadings: Set<String> = ["代码", "单位代码", "字段"]
    static let decimal = try! NSRegularExpression(pattern: #"^-?[0-9]+(\.[0-9]+)?$"#)

    /// 0 → A, 26 → AA.
    static func columnName(_ index: Int) -> String {
        var index = index, name = ""
        repeat {
            name = String(UnicodeScalar(UInt8(65 + index % 26))) + name
            index = index / 26 - 1
        } while index >= 0
        return name
    }

    static func isDecimal(_ text: String) -> Bool {
        decimal.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    struct Violation: Equatable, CustomStringConvertible {
        let sheet: String
        let row: Int
        let column: Int
        let text: String
        let problem: String
        var description: String { "\(sheet)!\(ExportTests.columnName(column))\(row + 1) “\(text)” \(problem)" }
    }

    /// Cells that break the rule, and how many number cells there are.
    static func violations(_ workbook: Workbook) -> (violations: [Violation], numbers: Int) {
        var found: [Violation] = []
        var numbers = 0
        for sheet in workbook.sheets {
            // The header: the first row of two or more cells, all text.
            guard let headerIndex = sheet.rows.firstIndex(where: { row in
                row.count > 1 && row.allSatisfy { if case .text = $0 { return true } else { return false } }
            }) else { continue }
            let identifiers = Set(sheet.rows[headerIndex].enumerated().filter { identifierHeadings.contains($0.element.text) }.map(\.offset))
            for (rowIndex, row) in sheet.rows.enumerated() where rowIndex > headerIndex {
                for (column, cell) in row.enumerated() {
                    func report(_ problem: String) { found.append(Violation(sheet: sheet.name, row: rowIndex, column: column, text: cell.text, problem: problem)) }
                    switch cell {
                    case .number(let text):
                        numbers += 1
                        if identifiers.contains(column) { report("is an identifier: should be text") }
                        if !isDecimal(text) { report("is a number cell that is not a number") }
                    case .text(let text):
                        if !identifiers.contains(column) && isDecimal(text) { report("should be a number") }
                    case .empty: break
                    }
                }
            }
        }
        return (found, numbers)
    }

    /// Each worksheet part of the file: fitted one page wide, no column wider than `widest`.
    static func checkPrintsOnePageWide(_ data: Data, widest: Int = 60, file: StaticString = #filePath, line: UInt = #line) throws {
        let archive = try Archive(data: data, accessMode: .read)
        var sheets = 0
        for entry in archive where entry.path.hasPrefix("xl/worksheets/sheet") {
            sheets += 1
            var bytes = Data()
            _ = try archive.extract(entry) { bytes.append($0) }
            let xml = String(decoding: bytes, as: UTF8.self)
            XCTAssertTrue(xml.contains("<pageSetUpPr fitToPage=\"1\"/>"), entry.path, file: file, line: line)
            XCTAssertTrue(xml.contains("fitToWidth=\"1\" fitToHeight=\"0\""), entry.path, file: file, line: line)
            let widths = xml.components(separatedBy: "width=\"").dropFirst().compactMap { Double($0.prefix { $0 != "\"" }) }
            XCTAssertFalse(widths.isEmpty, entry.path, file: file, line: line)
            XCTAssertLessThanOrEqual(widths.max() ?? 0, Double(widest), "\(entry.path): \(widths)", file: file, line: line)
        }
        XCTAssertGreaterThan(sheets, 0, file: file, line: line)
    }

    func download(_ browser: Browser, _ path: String) async throws -> (Workbook, Data) {
        let response = try await browser.get(path)
        XCTAssertEqual(response.status, .ok, path)
        let data = Data(buffer: response.body)
        return (try Workbook(xlsxData: data), data)
    }

    func testEveryExport_storesNumbersAsNumbers_andIdentifiersAsText() async throws {
        let scheme = try await SchemeVersion.query(on: app.db).filter(\.$code == "000").first()!.requireID()
        let province = Browser(app)
        try await province.login("shengshenhe")
        let approved = try await assessmentID(app, unit: "5101")  // approved: every stage's column filled
        let atReview = try await assessmentID(app, unit: "510102")
        let county = Browser(app)
        try await county.login("jinjiang")
        let own = try await assessmentID(app, unit: "510101")

        var exports: [(String, Browser, String)] = [
            ("ranking", province, "rankings/\(scheme)/2018-06/ranking.xlsx"),
            ("ranking, filtered and sorted", province, "rankings/\(scheme)/2018-06/ranking.xlsx?sort=s0&dir=desc&city=5101"),
            ("overview", province, "assessments.xlsx?scheme=\(scheme)&period=2018-06"),
            ("overview of an earlier month", province, "assessments.xlsx?scheme=\(scheme)&period=2018-05&sort=total"),
            ("entry template", county, "assessments/\(own)/template.xlsx"),
        ]
        for id in [approved, atReview, own] {
            exports.append(("score sheet \(id)", province, "assessments/\(id)/sheet.xlsx"))
        }
        for (name, browser, path) in exports {
            let (workbook, data) = try await download(browser, path)
            let (violations, numbers) = Self.violations(workbook)
            XCTAssertEqual(violations.map(\.description), [], name)
            XCTAssertGreaterThan(numbers, 0, "\(name): figures were written as numbers")
            try Self.checkPrintsOnePageWide(data)
        }

        // The counts behind "612 cells": every stage total of the ranking is a number (or text that is no number).
        let (ranking, _) = try await download(province, "rankings/\(scheme)/2018-06/ranking.xlsx")
        var stageTotals = 0
        for sheet in ranking.sheets {
            let header = sheet.rows[1].map(\.text)
            for column in ["自评", "初评", "审定"].compactMap({ header.firstIndex(of: $0) }) {
                for row in sheet.rows.dropFirst(2) where column < row.count {
                    if case .number = row[column] { stageTotals += 1 }
                }
            }
        }
        XCTAssertGreaterThan(stageTotals, 31 * 2, "stage totals are number cells")
    }

    /// The same exports, and those of seeds 001 and 002, opened by openpyxl (`scripts/xlsx-cells`): it opens every
    /// file, and reads as numbers exactly the cells the app wrote as numbers, with the same values.
    func testEveryExport_opensInOpenpyxl_withTheNumberCellsTheAppWrote() async throws {
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import openpyxl"]
        python.standardError = FileHandle.nullDevice
        try python.run()
        python.waitUntilExit()
        guard python.terminationStatus == 0 else { throw XCTSkip("openpyxl is not installed (.ci/run installs it from PyPI): skipped") }

        let scheme = try await SchemeVersion.query(on: app.db).filter(\.$code == "000").first()!.requireID()
        let province = Browser(app)
        try await province.login("shengshenhe")
        let county = Browser(app)
        try await county.login("jinjiang")
        let evaluator = Browser(app)
        try await evaluator.login("pingjia")
        let owner = Browser(app)
        try await owner.login("szxiangmu")
        struct Item: Decodable { let id: UUID }
        let evaluations = try await evaluator.json("api/evaluations", as: [Item].self)
        let evaluation = try XCTUnwrap(evaluations.first).id
        let project = try await assessmentID(app, unit: "SZCL-01", period: "2019")
        let own = try await assessmentID(app, unit: "510101")
        let approved = try await assessmentID(app, unit: "5101")
        let exports: [(String, Browser, String)] = [
            ("ranking", province, "rankings/\(scheme)/2018-06/ranking.xlsx"),
            ("overview", province, "assessments.xlsx?scheme=\(scheme)&period=2018-06"),
            ("entry template", county, "assessments/\(own)/template.xlsx"),
            ("score sheet", province, "assessments/\(approved)/sheet.xlsx"),
            ("001 打分表", evaluator, "evaluations/\(evaluation)/scores.xlsx"),
            ("002 self-evaluation form", owner, "assessments/\(project)/template.xlsx"),
        ]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jixiao-xlsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var expected: [String: [String: [[String]]]] = [:]
        var files: [String] = []
        for (index, (name, browser, path)) in exports.enumerated() {
            let (workbook, data) = try await download(browser, path)
            let file = directory.appendingPathComponent("\(index).xlsx").path
            try data.write(to: URL(fileURLWithPath: file))
            files.append(file)
            var sheets: [String: [[String]]] = [:]
            for sheet in workbook.sheets {
                var numbers: [[String]] = []
                for (r, row) in sheet.rows.enumerated() {
                    for (c, cell) in row.enumerated() {
                        if case .number(let text) = cell { numbers.append(["\(r + 1)", "\(c + 1)", text]) }
                    }
                }
                sheets[sheet.name] = numbers
            }
            XCTAssertGreaterThan(sheets.values.map(\.count).reduce(0, +), 0, "\(name) has number cells")
            XCTAssertEqual(Self.violations(workbook).violations.map(\.description), [], "\(name): figures as numbers, identifiers as text")
            expected[file] = sheets
        }
        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        script.arguments = ["python3", repository.appendingPathComponent("scripts/xlsx-cells").path] + files
        let pipe = Pipe()
        script.standardOutput = pipe
        try script.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        script.waitUntilExit()
        XCTAssertEqual(script.terminationStatus, 0)
        let read = try XCTUnwrap(try JSONSerialization.jsonObject(with: output) as? [String: [String: Any]])
        for (index, file) in files.enumerated() {
            let name = exports[index].0
            let sheets = try XCTUnwrap(read[file], name)
            XCTAssertNil(sheets["error"], "\(name): openpyxl cannot open it: \(sheets["error"] ?? "")")
            for (sheet, numbers) in expected[file] ?? [:] {
                let seen = try XCTUnwrap(sheets[sheet] as? [[Any]], "\(name): sheet \(sheet)")
                let positions = seen.map { "\($0[0])|\($0[1])" }
                XCTAssertEqual(positions, numbers.map { "\($0[0])|\($0[1])" }, "\(name) \(sheet): the number cells")
                for (cell, wrote) in zip(seen, numbers) {
                    let value = (cell[2] as? NSNumber)?.doubleValue
                    XCTAssertEqual(value, Double(wrote[2]), "\(name) \(sheet) row \(wrote[0]) column \(wrote[1])")
                }
            }
        }
    }

    /// The sheet xlsx's title once made column A 52 wide (five pages across): the code column is now as wide as its codes.
    func testTheScoreSheet_printsOnePageWide_withColumnsSizedByTheirCells() async throws {
        let province = Browser(app)
        try await province.login("shengshenhe")
        let id = try await assessmentID(app, unit: "5101")
        let response = try await province.get("assessments/\(id)/sheet.xlsx")
        let data = Data(buffer: response.body)
        try Self.checkPrintsOnePageWide(data, widest: 40)
        let archive = try Archive(data: data, accessMode: .read)
        let entry = try XCTUnwrap(archive["xl/worksheets/sheet1.xml"])
        var bytes = Data()
        _ = try archive.extract(entry) { bytes.append($0) }
        let xml = String(decoding: bytes, as: UTF8.self)
        let first = try XCTUnwrap(xml.range(of: "<col min=\"1\" max=\"1\" width=\"").map { xml[$0.upperBound...].prefix { $0 != "\"" } })
        XCTAssertLessThanOrEqual(try XCTUnwrap(Int(first)), 12, "column A holds codes like 2.3.1")
    }
}
