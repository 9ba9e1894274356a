import Foundation
import Testing
import ZIPFoundation
@testable import JixiaoXLSX

/// Builds xlsx files the way an attacker would: a valid workbook from our own writer, with
/// one part rewritten, or an archive assembled by hand.
enum HostileXLSX {
    static let valid = Workbook(sheets: [Sheet(name: "表一", rows: [[.text("代码"), .number("1.5")], [.text("A"), .number("2")]])])

    /// The entries of `data`, in order.
    static func entries(_ data: Data) throws -> [(path: String, bytes: Data)] {
        let archive = try Archive(data: data, accessMode: .read)
        var result: [(String, Data)] = []
        for entry in archive {
            var bytes = Data()
            _ = try archive.extract(entry) { bytes.append($0) }
            result.append((entry.path, bytes))
        }
        return result
    }

    static func archive(_ entries: [(path: String, bytes: Data)], compression: CompressionMethod = .deflate) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, bytes) in entries {
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: compression,
                provider: { position, size in bytes.subdata(in: Int(position)..<Int(position) + size) })
        }
        return archive.data!
    }

    /// The valid workbook with its first sheet's XML replaced.
    static func withSheet(_ xml: String) throws -> Data {
        let parts = try entries(valid.xlsxData()).map { entry in
            entry.path == "xl/worksheets/sheet1.xml" ? (entry.path, Data(xml.utf8)) : entry
        }
        return try archive(parts)
    }

    static func sheet(_ sheetData: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>\(sheetData)</sheetData></worksheet>
        """
    }

    static func withPart(_ path: String, _ bytes: Data) throws -> Data {
        var parts = try entries(valid.xlsxData())
        if let index = parts.firstIndex(where: { $0.path == path }) { parts[index].bytes = bytes } else { parts.append((path, bytes)) }
        return try archive(parts)
    }

    /// Rewrites the uncompressed size that the local and central headers of `path` declare.
    static func declaring(_ size: UInt32, for path: String, in data: Data) -> Data {
        var bytes = [UInt8](data)
        let name = [UInt8](path.utf8)
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func put32(_ value: UInt32, at: Int) { for k in 0..<4 { bytes[at + k] = UInt8((value >> (8 * UInt32(k))) & 0xFF) } }
        var index = 0
        while index + 46 < bytes.count {
            if bytes[index] == 0x50, bytes[index + 1] == 0x4B, bytes[index + 2] == 0x03, bytes[index + 3] == 0x04,
                Array(bytes[(index + 30)..<min(bytes.count, index + 30 + name.count)]) == name
            {
                put32(size, at: index + 22)
            }
            if bytes[index] == 0x50, bytes[index + 1] == 0x4B, bytes[index + 2] == 0x01, bytes[index + 3] == 0x02,
                u16(index + 28) == name.count, Array(bytes[(index + 46)..<min(bytes.count, index + 46 + name.count)]) == name
            {
                put32(size, at: index + 24)
            }
            index += 1
        }
        return Data(bytes)
    }

    /// A stored zip of `entries` with correct checksums, written by hand: a few microseconds
    /// instead of ZIPFoundation's deflate, so the fuzz test can build one per input.
    static func storedZip(_ entries: [(path: String, bytes: Data)], rawDeflate: [String: Data] = [:]) -> Data {
        var out = [UInt8]()
        var central = [UInt8]()
        func le16(_ v: Int, _ a: inout [UInt8]) { a += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func le32(_ v: Int, _ a: inout [UInt8]) { for k in 0..<4 { a.append(UInt8((v >> (8 * k)) & 0xFF)) } }
        for (path, content) in entries {
            let name = [UInt8](path.utf8)
            let crc = Int(content.crc32(checksum: 0))
            // An entry given as raw deflate bytes is written with method 8 and those bytes as they are.
            let bytes = rawDeflate[path] ?? content
            let method = rawDeflate[path] == nil ? 0 : 8
            let offset = out.count
            le32(0x0403_4B50, &out); le16(20, &out); le16(0, &out); le16(method, &out); le16(0, &out); le16(0, &out)
            le32(crc, &out); le32(bytes.count, &out); le32(content.count, &out); le16(name.count, &out); le16(0, &out)
            out += name
            out += bytes
            le32(0x0201_4B50, &central); le16(20, &central); le16(20, &central); le16(0, &central); le16(method, &central)
            le16(0, &central); le16(0, &central); le32(crc, &central); le32(bytes.count, &central); le32(content.count, &central)
            le16(name.count, &central); le16(0, &central); le16(0, &central); le16(0, &central); le16(0, &central)
            le32(0, &central); le32(offset, &central)
            central += name
        }
        let centralOffset = out.count
        out += central
        le32(0x0605_4B50, &out); le16(0, &out); le16(0, &out); le16(entries.count, &out); le16(entries.count, &out)
        le32(central.count, &out); le32(centralOffset, &out); le16(0, &out)
        return Data(out)
    }

    /// A stored (uncompressed) zip of `count` tiny entries, written by hand: ZIPFoundation
    /// rewrites its central directory on every add, which makes ten thousand entries slow.
    static func storedZip(count: Int) -> Data {
        var out = [UInt8]()
        var central = [UInt8]()
        func le16(_ v: Int, _ a: inout [UInt8]) { a += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func le32(_ v: Int, _ a: inout [UInt8]) { for k in 0..<4 { a.append(UInt8((v >> (8 * k)) & 0xFF)) } }
        for index in 0..<count {
            let name = [UInt8]("f\(index)".utf8)
            let offset = out.count
            le32(0x0403_4B50, &out); le16(20, &out); le16(0, &out); le16(0, &out); le16(0, &out); le16(0, &out)
            le32(0, &out); le32(0, &out); le32(0, &out); le16(name.count, &out); le16(0, &out)
            out += name
            le32(0x0201_4B50, &central); le16(20, &central); le16(20, &central); le16(0, &central); le16(0, &central)
            le16(0, &central); le16(0, &central); le32(0, &central); le32(0, &central); le32(0, &central)
            le16(name.count, &central); le16(0, &central); le16(0, &central); le16(0, &central); le16(0, &central)
            le32(0, &central); le32(offset, &central)
            central += name
        }
        let centralOffset = out.count
        out += central
        le32(0x0605_4B50, &out); le16(0, &out); le16(0, &out); le16(min(count, 0xFFFF), &out); le16(min(count, 0xFFFF), &out)
        le32(central.count, &out); le32(centralOffset, &out); le16(0, &out)
        return Data(out)
    }
}

@Suite struct HostileWorkbookTests {
    func refusal(_ data: Data) -> String? {
        do {
            _ = try Workbook(xlsxData: data)
            return nil
        } catch let error as XLSXError {
            return error.message
        } catch {
            return "not an XLSXError: \(error)"
        }
    }

    @Test func sharedStringIndex_negativeOrPastTheEnd_isALocatedError() throws {
        for index in ["-1", "99", "9223372036854775807", "x"] {
            let data = try HostileXLSX.withSheet(HostileXLSX.sheet(#"<row r="1"><c r="B1" t="s"><v>\#(index)</v></c></row>"#))
            let message = try #require(refusal(data))
            #expect(message.contains("表一") && message.contains("B1") && message.contains("共享字符串"), "\(message)")
        }
    }

    @Test func rowNumbers_outsideExcelsRange_areRefusedNamingTheRow() throws {
        for number in ["-9223372036854775808", "0", "-1", "1048577", "100000000", "9223372036854775807", "1e3"] {
            let started = Date()
            let data = try HostileXLSX.withSheet(HostileXLSX.sheet(#"<row r="\#(number)"><c r="A1"><v>1</v></c></row>"#))
            let message = try #require(refusal(data))
            #expect(message.contains("表一") && message.contains("行号"), "\(message)")
            #expect(Date().timeIntervalSince(started) < 5, "row \(number) took too long")
        }
    }

    @Test func cellReferences_pastXFDOrWithoutLetters_areRefusedNamingTheCell() throws {
        let long = String(repeating: "Z", count: 22) + "1"
        for reference in [long, "XFE1", "AAAA1", "1"] {
            let data = try HostileXLSX.withSheet(HostileXLSX.sheet(#"<row r="1"><c r="\#(reference)"><v>1</v></c></row>"#))
            let message = try #require(refusal(data))
            #expect(message.contains("表一") && message.contains("地址无效") || message.contains("XFD"), "\(message)")
        }
        // XFD itself is Excel's last column and reads.
        let last = try Workbook(xlsxData: HostileXLSX.withSheet(HostileXLSX.sheet(#"<row r="1"><c r="XFD1"><v>7</v></c></row>"#)))
        #expect(last.sheets[0].rows[0].count == 16_384 && last.sheets[0].rows[0].last == .number("7"))
    }

    @Test func farAwayRowsAndColumns_stopAtTheRowAndCellBudget() throws {
        // Excel's last row is a valid address, but a million empty rows are not read.
        let lastRow = try HostileXLSX.withSheet(HostileXLSX.sheet(#"<row r="1048576"><c r="A1048576"><v>1</v></c></row>"#))
        let rows = try #require(refusal(lastRow))
        #expect(rows.contains("行数过多"), "\(rows)")
        // Every row reaching column XFD: 16,384 cells each, past two million after 123 rows.
        let wide = (1...200).map { #"<row r="\#($0)"><c r="XFD\#($0)"><v>1</v></c></row>"# }.joined()
        let cells = try #require(refusal(HostileXLSX.withSheet(HostileXLSX.sheet(wide))))
        #expect(cells.contains("单元格过多"), "\(cells)")
        // Rows within the budget keep their numbers: the server reads rows by index.
        let gap = try Workbook(xlsxData: HostileXLSX.withSheet(HostileXLSX.sheet(#"<row r="5"><c r="C5"><v>3</v></c></row>"#)))
        #expect(gap.sheets[0].rows.count == 5 && gap.sheets[0].rows[4] == [.empty, .empty, .number("3")])
    }

    @Test func zipBomb_declaredSmall_isRefusedByTheBytesItInflatesTo() throws {
        let size = 200 << 20
        let zeros = Data(count: size)
        let parts = try HostileXLSX.entries(HostileXLSX.valid.xlsxData()).map { entry in
            entry.path == "xl/worksheets/sheet1.xml" ? (entry.path, zeros) : entry
        }
        let bomb = HostileXLSX.declaring(1_000, for: "xl/worksheets/sheet1.xml", in: try HostileXLSX.archive(parts))
        #expect(bomb.count < 1 << 20)  // a real bomb: under a megabyte on disk
        let archive = try Archive(data: bomb, accessMode: .read)
        #expect(archive["xl/worksheets/sheet1.xml"]?.uncompressedSize == 1_000)  // the forged header is what a reader sees
        let started = Date()
        let message = try #require(refusal(bomb))
        let seconds = Date().timeIntervalSince(started)
        print("zip bomb: \(bomb.count) bytes declaring 1000, inflating to \(size): refused after \(String(format: "%.2f", seconds)) s")
        #expect(message.contains("解压后过大"), "\(message)")
    }

    @Test func manyParts_togetherPastTheTotalLimit_areRefused() throws {
        // One honest 9.5 MiB sheet (Foundation's XML parser stops near 10 MB), listed fourteen times:
        // each read is within the part limit, the sum is not.
        let filler = "<extLst a=\"" + String(repeating: "a", count: 1_000) + "\"/>\n"
        let padding = String(repeating: filler, count: (19 << 19) / filler.utf8.count)
        let sheet = Data(HostileXLSX.sheet(#"<row r="1"><c r="A1"><v>1</v></c></row>"#).replacingOccurrences(of: "</worksheet>", with: padding + "</worksheet>").utf8)
        let workbook = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>\((1...14).map { #"<sheet name="s\#($0)" sheetId="\#($0)" r:id="rId1"/>"# }.joined())</sheets></workbook>
            """
        var parts = try HostileXLSX.entries(HostileXLSX.valid.xlsxData())
        for index in parts.indices {
            if parts[index].path == "xl/worksheets/sheet1.xml" { parts[index].bytes = sheet }
            if parts[index].path == "xl/workbook.xml" { parts[index].bytes = Data(workbook.utf8) }
        }
        let data = try HostileXLSX.archive(parts)
        let message = try #require(refusal(data))
        #expect(message.contains("解压后过大"), "\(message)")
    }

    @Test func archiveWithTooManyEntries_isRefusedBeforeReadingAny() {
        let message = refusal(HostileXLSX.storedZip(count: XLSXLimits.entries + 1))
        #expect(message?.contains("文件过多") == true, "\(message ?? "accepted")")
        // Under the limit the same kind of archive is merely not a workbook.
        #expect(refusal(HostileXLSX.storedZip(count: 10))?.contains("workbook.xml") == true)
    }

    @Test func xmlWithDTDOrDeepNesting_isRefused() throws {
        let laughs = """
            <?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
            <worksheet><sheetData><row r="1"><c r="A1" t="str"><v>&b;</v></c></row></sheetData></worksheet>
            """
        let dtd = try #require(refusal(HostileXLSX.withSheet(laughs)))
        #expect(dtd.contains("DTD"), "\(dtd)")
        let deep = String(repeating: "<x>", count: 200) + String(repeating: "</x>", count: 200)
        let nested = try #require(refusal(HostileXLSX.withSheet(HostileXLSX.sheet(deep))))
        #expect(nested.contains("嵌套过深"), "\(nested)")
        let rels = Data(("<Relationships>" + String(repeating: "<Relationship/>", count: XLSXLimits.listElements + 1) + "</Relationships>").utf8)
        let many = try #require(refusal(HostileXLSX.withPart("xl/_rels/workbook.xml.rels", rels)))
        #expect(many.contains("元素过多"), "\(many)")
    }

    // Found by fuzzing: each of these crashed the process in ZIPFoundation or Foundation's XMLParser.

    @Test func centralDirectoryOffsetPastTheEnd_isRefusedNotATrap() throws {
        let parts = try HostileXLSX.entries(HostileXLSX.valid.xlsxData())
        var bytes = [UInt8](HostileXLSX.storedZip(parts))
        // Point every central directory entry's local header far past the end of the data.
        var index = 0
        while index + 46 < bytes.count {
            if bytes[index] == 0x50, bytes[index + 1] == 0x4B, bytes[index + 2] == 0x01, bytes[index + 3] == 0x02 {
                bytes[index + 42] = 0xFF; bytes[index + 43] = 0xFF; bytes[index + 44] = 0xFF; bytes[index + 45] = 0x7F
            }
            index += 1
        }
        #expect(refusal(Data(bytes)) != nil)
    }

    @Test func deflateStreamCutShort_isRefusedInsteadOfSpinning() throws {
        // A deflate "stored block" announcing 65,535 bytes and holding ten: ZIPFoundation's
        // extract reads on to the end of the archive and then loops forever on empty reads.
        let raw = Data([0x00, 0xFF, 0xFF, 0x00, 0x00] + Array(repeating: UInt8(ascii: "a"), count: 10))
        let parts = try HostileXLSX.entries(HostileXLSX.valid.xlsxData())
        let data = HostileXLSX.storedZip(parts, rawDeflate: ["xl/worksheets/sheet1.xml": raw])
        let started = Date()
        let message = try #require(refusal(data))
        #expect(message.contains("已损坏"), "\(message)")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func processingInstructionWithoutData_isRefused() throws {
        let message = try #require(refusal(HostileXLSX.withSheet(HostileXLSX.sheet("<?x?>"))))
        #expect(message.contains("处理指令"), "\(message)")
        // The declaration itself is fine (every part starts with one).
        #expect(refusal(try HostileXLSX.withSheet(HostileXLSX.sheet(#"<row r="1"><c r="A1"><v>1</v></c></row>"#))) == nil)
    }

    @Test func namesThatAreNotUTF8_areRefused() throws {
        var xml = Data(HostileXLSX.sheet(#"<row r="1"><c r="A1"><v>1</v></c></row>"#).utf8)
        xml.append(contentsOf: [0x3C, 0x78, 0xFF, 0x2F, 0x3E])  // <x\xFF/>
        let message = try #require(refusal(HostileXLSX.withPart("xl/worksheets/sheet1.xml", xml)))
        #expect(message.contains("UTF-8"), "\(message)")
    }

    @Test func entryWhoseChecksumDoesNotMatch_isRefused() throws {
        let parts = try HostileXLSX.entries(HostileXLSX.valid.xlsxData())
        var bytes = [UInt8](HostileXLSX.storedZip(parts))
        // Change one byte of the stored workbook.xml's content, leaving its checksum as it was.
        let marker = [UInt8]("<sheets>".utf8)
        let at = try #require((0..<(bytes.count - marker.count)).first { Array(bytes[$0..<($0 + marker.count)]) == marker })
        bytes[at + 1] = UInt8(ascii: "S")
        let message = try #require(refusal(Data(bytes)))
        #expect(message.contains("校验和"), "\(message)")
    }

    @Test func ordinaryWorkbook_readsAsBefore() throws {
        let book = Workbook(sheets: [
            Sheet(name: "一", rows: [[.text("a"), .empty, .number("1.25")], [], [.empty, .text("x")]]),
            Sheet(name: "二", rows: [[.number("-3")]]),
        ])
        let read = try Workbook(xlsxData: book.xlsxData())
        #expect(read.sheets.map(\.name) == ["一", "二"])
        #expect(read.sheets[0].rows == [[.text("a"), .empty, .number("1.25")], [], [.empty, .text("x")]])
        #expect(read.sheets[1].rows == [[.number("-3")]])
    }
}
