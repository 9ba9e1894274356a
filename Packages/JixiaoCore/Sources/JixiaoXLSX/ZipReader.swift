import Foundation
import ZIPFoundation

/// Reads a zip's directory by hand and inflates one entry at a time through ZIPFoundation's
/// `Data.decompress`, with every offset checked against the bytes there are.
///
/// ZIPFoundation's `Archive` is not safe on hostile archives: its in-memory file traps when an
/// offset points past the end, and its extract loops forever on a deflate stream cut short
/// (the provider returns no bytes, inflate never reaches the end, nothing is consumed). Here
/// the provider refuses to read past an entry's compressed size, so both become errors.
struct ZipReader {
    struct Entry {
        var path: String
        var method: UInt16
        var checksum: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var dataOffset: Int
    }

    let bytes: [UInt8]
    private(set) var entries: [String: Entry] = [:]

    init(_ data: Data, maximumEntries: Int) throws {
        bytes = [UInt8](data)
        let broken = XLSXError("不是有效的 xlsx 文件（无法解压）")
        // The end-of-central-directory record: 22 bytes plus a comment of at most 65,535.
        guard bytes.count >= 22 else { throw broken }
        var end: Int?
        var at = bytes.count - 22
        while at >= Swift.max(0, bytes.count - 22 - 0xFFFF) {
            if u32(at) == 0x0605_4B50 { end = at; break }
            at -= 1
        }
        guard let end else { throw broken }
        let count = u16(end + 10)
        let directorySize = u32(end + 12)
        let directoryOffset = u32(end + 16)
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            throw XLSXError("不支持 ZIP64 格式的 xlsx 文件")
        }
        guard Int(count) <= maximumEntries else { throw XLSXError("xlsx 中的文件过多（超过 \(maximumEntries) 个）") }
        var position = Int(directoryOffset)
        for _ in 0..<Int(count) {
            guard position >= 0, position + 46 <= bytes.count, u32(position) == 0x0201_4B50 else { throw broken }
            let nameLength = Int(u16(position + 28))
            let extraLength = Int(u16(position + 30))
            let commentLength = Int(u16(position + 32))
            let nameStart = position + 46
            guard nameStart + nameLength <= bytes.count else { throw broken }
            let path = String(decoding: bytes[nameStart..<(nameStart + nameLength)], as: UTF8.self)
            let compressedSize = Int(u32(position + 20))
            let uncompressedSize = Int(u32(position + 24))
            let header = Int(u32(position + 42))
            if compressedSize == 0xFFFF_FFFF || uncompressedSize == 0xFFFF_FFFF || header == 0xFFFF_FFFF {
                throw XLSXError("不支持 ZIP64 格式的 xlsx 文件")
            }
            // The local header's own name and extra lengths decide where the data starts.
            guard header + 30 <= bytes.count, u32(header) == 0x0403_4B50 else { throw XLSXError("xlsx 中的 \(path) 已损坏，无法解压") }
            let dataOffset = header + 30 + Int(u16(header + 26)) + Int(u16(header + 28))
            guard dataOffset + compressedSize <= bytes.count else { throw XLSXError("xlsx 中的 \(path) 已损坏，无法解压") }
            if entries[path] == nil, !path.hasSuffix("/") {
                entries[path] = Entry(
                    path: path, method: u16(position + 10), checksum: u32(position + 16), compressedSize: compressedSize,
                    uncompressedSize: uncompressedSize, dataOffset: dataOffset)
            }
            position = nameStart + nameLength + extraLength + commentLength
        }
    }

    /// The entry's bytes, handed to `consumer` chunk by chunk as they are produced (which may
    /// throw to stop), with the checksum verified at the end.
    func extract(_ entry: Entry, consumer: (Data) throws -> Void) throws {
        let corrupt = XLSXError("xlsx 中的 \(entry.path) 已损坏，无法解压")
        let start = entry.dataOffset
        let end = entry.dataOffset + entry.compressedSize
        let checksum: UInt32
        switch entry.method {
        case 0:
            var sum: UInt32 = 0
            var at = start
            while at < end {
                let chunk = Data(bytes[at..<Swift.min(end, at + (1 << 16))])
                sum = chunk.crc32(checksum: sum)
                try consumer(chunk)
                at += chunk.count
            }
            checksum = sum
        case 8:
            do {
                checksum = try Data.decompress(
                    size: Int64(entry.compressedSize), bufferSize: 1 << 16, skipCRC32: false,
                    provider: { position, size in
                        let from = start + Int(position)
                        // A stream that wants more than the entry holds is cut short: stop, do not spin.
                        guard from < end else { throw corrupt }
                        return Data(bytes[from..<Swift.min(end, from + size)])
                    }, consumer: consumer)
            } catch let error as XLSXError {
                throw error
            } catch {
                throw corrupt
            }
        default:
            throw XLSXError("xlsx 中的 \(entry.path) 使用了不支持的压缩方式（\(entry.method)）")
        }
        guard checksum == entry.checksum else { throw XLSXError("xlsx 中的 \(entry.path) 已损坏（校验和不符）") }
    }

    private func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    private func u32(_ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}
