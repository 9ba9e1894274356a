import Foundation
import JixiaoCore

/// Reads a UTF-8 text file, or fails with a message that names it. Reads at most one byte past
/// `YAMLLimits.bytes`, so a huge file or a device such as /dev/zero is refused, not swallowed.
func readText(_ path: String) throws(FileError) -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw FileError(SourceLocation(file: path, line: 1), "无法打开文件")
    }
    defer { try? handle.close() }
    let data: Data
    do {
        data = try handle.read(upToCount: YAMLLimits.bytes + 1) ?? Data()
    } catch {
        throw FileError(SourceLocation(file: path, line: 1), "无法读取文件")
    }
    guard data.count <= YAMLLimits.bytes else {
        throw FileError(SourceLocation(file: path, line: 1), "文件过大（超过 \(YAMLLimits.bytes >> 20) MiB）")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw FileError(SourceLocation(file: path, line: 1), "文件不是 UTF-8 编码")
    }
    return text
}
