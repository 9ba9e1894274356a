import Foundation

/// The seed schemes (`schemes/`), their example data (`examples/`) and the demo's org tree (`demo/`), by path
/// relative to the content root. The catalog and the demo read only this, never the working directory, so the
/// binary starts from anywhere: by default from the copy compiled into it, or from an operator's own folder.
struct ContentFiles: Sendable {
    /// Path ("schemes/000-liangfu-jiaojiu.yaml") → the file's text.
    let files: [String: String]
    /// Where the files came from, for messages: "内置内容" or the folder.
    let origin: String

    /// What the binary carries (see scripts/embed-content).
    static let embedded = ContentFiles(files: EmbeddedContent.files, origin: "内置内容")

    /// The same folders read from an operator's directory, which replaces the embedded content entirely
    /// (a seed scheme left out of the folder is meant to be absent, not silently added back).
    static func directory(_ path: String) throws -> ContentFiles {
        let root = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("schemes").path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw StartupProblem("内容目录 \(path) 中没有 schemes/ 子目录（不指定 --content 则使用内置的方案与演示数据）")
        }
        var files: [String: String] = [:]
        for (folder, suffix) in [("schemes", ".yaml"), ("examples", ".yaml"), ("demo", ".csv")] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? []
            for name in names where name.hasSuffix(suffix) {
                let file = root.appendingPathComponent(folder).appendingPathComponent(name)
                do {
                    files["\(folder)/\(name)"] = try String(contentsOf: file, encoding: .utf8)
                } catch {
                    throw StartupProblem("无法读取内容文件 \(file.path)（须为 UTF-8 文本且可读）")
                }
            }
        }
        return ContentFiles(files: files, origin: path)
    }

    func text(_ path: String) -> String? { files[path] }

    /// The text of a file the caller cannot do without, or a Chinese problem naming it.
    func require(_ path: String) throws -> String {
        guard let text = files[path] else { throw StartupProblem("\(origin) 中缺少文件 \(path)") }
        return text
    }

    /// The file names (not paths) in one folder ending in `suffix`, sorted, as a directory listing would give them.
    func names(in folder: String, suffix: String) -> [String] {
        files.keys.filter { $0.hasPrefix(folder + "/") && $0.hasSuffix(suffix) }
            .map { String($0.dropFirst(folder.count + 1)) }
            .filter { !$0.contains("/") }
            .sorted()
    }
}
