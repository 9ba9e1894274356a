import Foundation
import Testing
@testable import JixiaoXLSX

/// Column widths and page setup as written: a sheet prints one page wide, a title sizes no column,
/// long text wraps within its column, header rows repeat on every page.
@Suite struct PageLayoutTests {
    static func part(_ workbook: Workbook, _ path: String) throws -> String {
        let data = try #require(try HostileXLSX.entries(workbook.xlsxData()).first { $0.path == path }?.bytes)
        return String(decoding: data, as: UTF8.self)
    }

    static func widths(_ xml: String) -> [Int] {
        xml.components(separatedBy: "<col ").dropFirst().compactMap { col in
            col.range(of: "width=\"").flatMap { Int(col[$0.upperBound...].prefix { $0 != "\"" }) }
        }
    }

    @Test func titleRow_sizesNoColumn_andChineseCountsDouble() throws {
        let title = String(repeating: "考核方案名称很长", count: 4)
        let sheet = Sheet(name: "表", rows: [[.text(title)], [.text("代码"), .text("单位"), .text("得分")],
                                             [.text("510101"), .text("锦江区"), .number("20.76")]])
        let widths = Self.widths(try Self.part(Workbook(sheets: [sheet]), "xl/worksheets/sheet1.xml"))
        // 代码 = 4, 510101 = 6 → 8; 锦江区 = 6 → 8; 20.76 = 5, 得分 = 4 → 7.
        #expect(widths == [8, 8, 7])
    }

    @Test func everySheet_fitsOnePageWide_orientationByWidth() throws {
        let narrow = Sheet(name: "窄", rows: [[.text("a"), .text("b")]])
        let wide = Sheet(name: "宽", rows: [(0..<8).map { _ in .text(String(repeating: "宽", count: 15)) }])
        let xml1 = try Self.part(Workbook(sheets: [narrow, wide]), "xl/worksheets/sheet1.xml")
        let xml2 = try Self.part(Workbook(sheets: [narrow, wide]), "xl/worksheets/sheet2.xml")
        for xml in [xml1, xml2] {
            #expect(xml.contains("<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>"))
            #expect(xml.contains("fitToWidth=\"1\" fitToHeight=\"0\""))
            // The schema's order: sheetPr before cols before sheetData before pageSetup.
            let order = ["<sheetPr>", "<cols>", "<sheetData>", "<pageMargins", "<pageSetup"].compactMap { xml.range(of: $0)?.lowerBound }
            #expect(order.count == 5 && order == order.sorted())
        }
        #expect(xml1.contains("orientation=\"portrait\""))
        #expect(xml2.contains("orientation=\"landscape\""))
        let forced = Sheet(name: "窄", rows: [[.text("a"), .text("b")]], layout: PageLayout(orientation: .landscape))
        #expect(try Self.part(Workbook(sheets: [forced]), "xl/worksheets/sheet1.xml").contains("orientation=\"landscape\""))
    }

    @Test func longText_wrapsWithinTheMaximumWidth_givenWidthsWin() throws {
        let long = String(repeating: "扣减", count: 40)
        let sheet = Sheet(name: "表", rows: [[.text("代码"), .text(long)], [.text("1"), .text("短")]],
                          layout: PageLayout(columnWidths: [0: 12], maximumColumnWidth: 30))
        let xml = try Self.part(Workbook(sheets: [sheet]), "xl/worksheets/sheet1.xml")
        #expect(Self.widths(xml) == [12, 30])
        #expect(xml.contains("<c r=\"B1\" s=\"1\" t=\"inlineStr\">"), "the long text wraps")
        #expect(xml.contains("<c r=\"B2\" t=\"inlineStr\">"), "short text does not")
        #expect(try Self.part(Workbook(sheets: [sheet]), "xl/styles.xml").contains("wrapText=\"1\""))
        // Still read back as the same cells.
        let read = try Workbook(xlsxData: Workbook(sheets: [sheet]).xlsxData())
        #expect(read.sheets.first?.rows == sheet.rows)
    }

    @Test func longHeadings_amongTheRepeatedRows_wrapOverShortFigures() throws {
        let heading = "2.2.2 服务残疾人覆盖率 系数"
        let sheet = Sheet(name: "表", rows: [[.text("标题")], [.text("代码"), .text(heading)], [.text("510101"), .number("0.8857")]],
                          layout: PageLayout(repeatedRows: 2))
        let xml = try Self.part(Workbook(sheets: [sheet]), "xl/worksheets/sheet1.xml")
        #expect(Self.widths(xml) == [8, 14], "12 for the heading, 2 of margin")
        #expect(xml.contains("<c r=\"B2\" s=\"1\" t=\"inlineStr\">"), "the heading wraps")
        let unrepeated = Sheet(name: "表", rows: sheet.rows)
        #expect(Self.widths(try Self.part(Workbook(sheets: [unrepeated]), "xl/worksheets/sheet1.xml")) == [8, 29])
    }

    @Test func repeatedRows_becomePrintTitles() throws {
        let sheet = Sheet(name: "O'Brien 表", rows: [[.text("标题")], [.text("a"), .text("b")]], layout: PageLayout(repeatedRows: 2))
        let plain = Sheet(name: "二", rows: [[.text("a")]])
        let xml = try Self.part(Workbook(sheets: [plain, sheet]), "xl/workbook.xml")
        #expect(xml.contains("<definedNames><definedName name=\"_xlnm.Print_Titles\" localSheetId=\"1\">'O''Brien 表'!$1:$2</definedName></definedNames>"))
        #expect(!(try Self.part(Workbook(sheets: [plain]), "xl/workbook.xml").contains("definedName")))
    }

    @Test func figure_isANumberOnlyForPlainDecimals() {
        #expect(Cell.figure("20.76") == .number("20.76"))
        #expect(Cell.figure("-0.5") == .number("-0.5"))
        #expect(Cell.figure("12") == .number("12"))
        #expect(Cell.figure("") == .empty)
        for text in ["未评分", "91.2%", "1e5", "+3", "1.", ".5", "1,000", "-", "2.3.1", " 1", String(repeating: "9", count: 31)] {
            #expect(Cell.figure(text) == .text(text), "\(text)")
        }
    }
}
