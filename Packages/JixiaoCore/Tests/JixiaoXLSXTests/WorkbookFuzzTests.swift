import Foundation
import JixiaoCore
import Testing
@testable import JixiaoXLSX

/// Mutated workbooks are read or refused with an XLSXError that says where (the part, sheet or
/// cell): never a crash, never another error type, never a long or large read.
@Suite struct WorkbookFuzzTests {
    static let book = Workbook(sheets: [
        Sheet(name: "得分", rows: [[.text("代码"), .text("指标"), .number("2.27")], [], [.empty, .text("<&>"), .number("-0.5")]]),
        Sheet(name: "核对", rows: [[.text("✓"), .number("100")]]),
    ])

    /// Shared strings are not written by our writer; the fuzz corpus adds a part that uses them.
    static let sharedStrings = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>甲</t></si><si><r><t>乙</t></r></si></sst>
        """
    static let sheetWithShared = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="b"><v>1</v></c></row><row r="3" spans="1:2"><c r="B3" t="str"><v>x</v></c><c r="C3"><v>1.5</v></c></row></sheetData></worksheet>
        """

    static let xmlPieces = ["<", ">", "/>", "</", "\"", "=", " r=\"", " t=\"s\"", " t=\"inlineStr\"", "<c r=\"XFD1\">", "<row r=\"1048576\">",
                            "<row>", "</row>", "<c>", "</c>", "<v>", "</v>", "-1", "0", "9", "99999999999999999999", "A", "ZZZZ",
                            "&amp;", "&#0;", "&x;", "<![CDATA[", "]]>", "<!--", "-->", "<?x?>", "\u{0}", "中", " ", "\n"]

    func check(_ data: Data, _ plan: FuzzPlan, refusals: inout Int) {
        do {
            let read = try Workbook(xlsxData: data)
            let cells = read.sheets.reduce(0) { $0 + $1.rows.reduce(0) { $0 + $1.count } }
            if cells > XLSXLimits.cells || read.sheets.count > XLSXLimits.sheets {
                Issue.record("read past the limits — replay with JIXIAO_FUZZ_SEED=\(plan.seed)")
            }
        } catch let error as XLSXError {
            refusals += 1
            if !error.message.contains("xlsx") {
                Issue.record("refusal that does not say where: \(error.message) — replay with JIXIAO_FUZZ_SEED=\(plan.seed)")
            }
        } catch {
            refusals += 1
            Issue.record("not an XLSXError: \(error) — replay with JIXIAO_FUZZ_SEED=\(plan.seed)")
        }
    }

    @Test func fuzz_workbookReader_mutatedBytesAndSheetXML_readOrLocatedError() throws {
        let plan = FuzzPlan("xlsx reader", defaultInputs: 30_000)
        var random = SeededRandom(seed: plan.seed)
        func below(_ bound: Int) -> Int { Int(random.next() % UInt64(Swift.max(1, bound))) }
        let deflated = [UInt8](try Self.book.xlsxData())
        var parts = try HostileXLSX.entries(Self.book.xlsxData())
        parts.append(("xl/sharedStrings.xml", Data(Self.sharedStrings.utf8)))
        parts[parts.firstIndex { $0.path == "xl/worksheets/sheet2.xml" }!].bytes = Data(Self.sheetWithShared.utf8)
        let stored = [UInt8](HostileXLSX.storedZip(parts))
        let xmlParts = parts.indices.filter { parts[$0].path.hasSuffix(".xml") || parts[$0].path.hasSuffix(".rels") }
        var refusals = 0
        for index in 0..<plan.inputs {
            let input: Data
            switch index % 3 {
            case 0, 1:
                // Bytes of a valid archive (deflated or stored): flips, extreme header fields, cuts, splices.
                var bytes = index % 3 == 0 ? deflated : stored
                for _ in 0..<(1 + below(4)) where !bytes.isEmpty {
                    let at = below(bytes.count)
                    switch below(6) {
                    case 0: bytes[at] ^= UInt8(1 << below(8))
                    case 1: bytes[at] = UInt8(truncatingIfNeeded: random.next())
                    case 2:
                        let value: UInt32 = [0, 0xFFFF_FFFF, 0x7FFF_FFFF, 0xFFFF, 1_000, 0x8000_0000][below(6)]
                        for k in 0..<4 where at + k < bytes.count { bytes[at + k] = UInt8((value >> (8 * UInt32(k))) & 0xFF) }
                    case 3: bytes.removeSubrange(at..<Swift.min(bytes.count, at + 1 + below(64)))
                    case 4: bytes.insert(contentsOf: bytes[at..<Swift.min(bytes.count, at + 1 + below(64))], at: below(bytes.count))
                    default: bytes.removeSubrange(at..<bytes.count)
                    }
                }
                input = Data(bytes)
            default:
                // A valid archive whose XML is mutated: each part parses, so the sheet reader's checks are reached.
                var mutated = parts
                let part = xmlParts[below(xmlParts.count)]
                var text = Array(String(decoding: mutated[part].bytes, as: UTF8.self))
                for _ in 0..<(1 + below(4)) where !text.isEmpty {
                    let at = below(text.count)
                    switch below(4) {
                    case 0: text.remove(at: at)
                    case 1, 2: text.insert(contentsOf: Array(Self.xmlPieces[below(Self.xmlPieces.count)]), at: at)
                    default:
                        let end = Swift.min(text.count, at + 1 + below(60))
                        text.insert(contentsOf: text[at..<end], at: below(text.count))
                    }
                }
                mutated[part].bytes = Data(String(text).utf8)
                input = HostileXLSX.storedZip(mutated)
            }
            // A crash cannot be caught: with JIXIAO_FUZZ_DUMP set, each input is written there first.
            if let dump = ProcessInfo.processInfo.environment["JIXIAO_FUZZ_DUMP"] { try input.write(to: URL(fileURLWithPath: dump)) }
            check(input, plan, refusals: &refusals)
        }
        plan.report(refusals: refusals, accepted: plan.inputs - refusals)
        #expect(refusals > 0 && refusals < plan.inputs)  // both paths are reached
    }
}
