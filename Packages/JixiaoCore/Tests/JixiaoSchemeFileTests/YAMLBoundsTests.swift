import Foundation
import JixiaoCore
import Testing
@testable import JixiaoSchemeFile

/// Alias bombs, deep nesting and huge texts are refused before any value is built, at a line.
@Suite struct YAMLBoundsTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// "Billion laughs": each level a list of ten aliases of the level below, `depth` levels deep.
    static func laughs(depth: Int, under key: String) -> String {
        var lines = ["  l0: &l0 [\(Array(repeating: "\"哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈\"", count: 10).joined(separator: ", "))]"]
        for level in 1...depth {
            lines.append("  l\(level): &l\(level) [\(Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", "))]")
        }
        return "\(key):\n" + lines.joined(separator: "\n") + "\n"
    }

    static let scheme = """
        scheme: {id: L, name: 别名, total: 1}
        indicators:
          - {code: "1", name: 一, max: 1, rule: {kind: threshold, op: ">=", value: 1}}

        """

    @Test func schemeWithSixDeepAliasBomb_isRefusedAtTheAliasLineInWellUnderASecond() throws {
        // The indicator's target is read as a value, which walks every alias: the old loader took
        // minutes here (a data file of this shape: 0.85 s four deep, 12 s five, 132 s six).
        let text = "scheme: {id: L, name: 别名, total: 1}\n" + Self.laughs(depth: 6, under: "x_laughs") + """
            indicators:
              - {code: "1", name: 一, max: 1, target: *l6, rule: {kind: threshold, op: ">=", value: 1}}

            """
        let started = Date()
        var refusal: FileError?
        do { _ = try SchemeFile.parse(text, file: "laughs.yaml") } catch { refusal = error }
        let seconds = Date().timeIntervalSince(started)
        print("six-deep alias bomb (\(text.utf8.count) bytes) refused after \(String(format: "%.4f", seconds)) s")
        let error = try #require(refusal)
        #expect(error.message.contains("YAML 别名展开过大"), "\(error)")
        // l5 is ten copies of l4 (111,111 nodes each): its aliases cross the limit, on its line.
        #expect(error.message.contains("*l4"))
        #expect(error.location.file == "laughs.yaml" && error.location.line == 8)
        #expect(seconds < 1)
    }

    @Test func dataFileWithAliasBomb_isRefusedToo() throws {
        let text = Self.laughs(depth: 6, under: "x_laughs") + """
            scheme: L
            period: "2024"
            subjects:
              - id: P
                values: {"1": *l6}

            """
        let started = Date()
        do {
            _ = try DataFile.parse(text, file: "d.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("别名展开过大") && error.location.file == "d.yaml" && error.location.line == 7, "\(error)")
        }
        #expect(Date().timeIntervalSince(started) < 1)
    }

    @Test func aliasesWithinTheLimit_stillLoadAndAreCountedOncePerUse() throws {
        let text = Self.scheme + Self.laughs(depth: 3, under: "x_laughs")
        #expect(YAMLBounds.expandedNodes(text) == YAMLBounds.expandedNodes(Self.scheme)! + 1 + 1 + 4 + 11 + 111 + 1111 + 11111)
        // It passes the bounds and fails only on the unknown key, at its line.
        do {
            _ = try SchemeFile.parse(text, file: "s.yaml")
            Issue.record("unknown key accepted")
        } catch {
            #expect(error.message.contains("未知的键 “x_laughs”"), "\(error)")
        }
    }

    @Test func nestingPastTheLimit_isRefusedWithTheLine() {
        let deep = "scheme:\n  x: " + String(repeating: "[", count: YAMLLimits.depth + 1) + String(repeating: "]", count: YAMLLimits.depth + 1) + "\n"
        do {
            _ = try SchemeFile.parse(deep, file: "deep.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("嵌套过深") && error.location.line == 2, "\(error)")
        }
        // Far deeper than libyaml's own limit: still our located error, no stack overflow in building nodes.
        let deeper = String(repeating: "[", count: 100_000)
        do {
            _ = try DataFile.parse(deeper, file: "d.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("嵌套过深") && error.location.line == 1, "\(error)")
        }
    }

    @Test func textPastEightMiB_isRefusedBeforeParsing() throws {
        let big = "notes: \"" + String(repeating: "a", count: YAMLLimits.bytes) + "\"\n"
        do {
            _ = try DataFile.parse(big, file: "big.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("文件过大") && error.location.file == "big.yaml", "\(error)")
        }
        let path = NSTemporaryDirectory() + "jixiao-big-\(UUID().uuidString).yaml"
        try Data(big.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do { _ = try SchemeFile.load(path: path) } catch { #expect(error.message.contains("文件过大"), "\(error)") }
        // A device that never ends is read only up to the limit.
        if FileManager.default.fileExists(atPath: "/dev/zero") {
            do {
                _ = try DataFile.load(path: "/dev/zero")
                Issue.record("accepted")
            } catch {
                #expect(error.message.contains("文件过大") && error.location.file == "/dev/zero", "\(error)")
            }
        }
    }

    /// The limits are far above what the shipped files need; this measures them.
    @Test func shippedSchemesAndDataFiles_areFarBelowTheLimits() throws {
        var largest: [String: (String, Int, Int)] = [:]
        for folder in ["schemes", "examples"] {
            let directory = Self.repository.appendingPathComponent(folder)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }
            #expect(!names.isEmpty)
            for name in names {
                let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                let nodes = try #require(YAMLBounds.expandedNodes(text), "\(name)")
                #expect(nodes * 100 < YAMLLimits.expandedNodes, "\(name): \(nodes) nodes")
                #expect(text.utf8.count * 100 < YAMLLimits.bytes, "\(name): \(text.utf8.count) bytes")
                if nodes > largest[folder]?.1 ?? 0 { largest[folder] = (name, nodes, text.utf8.count) }
            }
        }
        for (folder, entry) in largest.sorted(by: { $0.key < $1.key }) {
            print("largest in \(folder)/: \(entry.0), \(entry.1) nodes, \(entry.2) bytes")
        }
    }
}
