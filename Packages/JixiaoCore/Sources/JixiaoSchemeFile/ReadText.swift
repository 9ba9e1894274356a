import Foundation
import JixiaoCore

/// Reads a UTF-8 text file, or fails with a message that names it.
func readText(_ path: String) throws(FileError) -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw FileError(SourceLocation(file: path, line: 1), "无法打开文件")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw FileError(SourceLocation(file: path, line: 1), "文件不是 UTF-8 编码")
    }
    return text
}
