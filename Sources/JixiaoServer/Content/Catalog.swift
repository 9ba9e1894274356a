import Foundation
import JixiaoCore
import JixiaoSchemeFile

/// The schemes in `schemes/` with their data sets from `examples/`, compiled and scored once.
/// Read-only: assessments entered in the app will live in the database.
struct Catalog: Sendable {
    struct Entry: Sendable {
        let file: String
        let scheme: CompiledScheme
        let report: ScoreReport?
    }

    let entries: [Entry]

    func entry(_ id: String) -> Entry? { entries.first { $0.scheme.scheme.id == id } }

    /// Loads every scheme that validates; a scheme or data file that does not is skipped with a log line,
    /// so one bad file never keeps the server from starting.
    static func load(from content: ContentFiles, log: (String) -> Void = { print($0) }) -> Catalog {
        var entries: [Entry] = []
        for file in content.names(in: "schemes", suffix: ".yaml") {
            do {
                let compiled = try CompiledScheme(ParsedContent.scheme(try content.require("schemes/\(file)"), file: "schemes/\(file)"))
                var report: ScoreReport?
                if let data = content.text("examples/\(file)") {
                    report = try Engine(compiled).score(ParsedContent.dataSet(data, file: "examples/\(file)"), explain: true)
                }
                entries.append(Entry(file: file, scheme: compiled, report: report))
            } catch {
                log("跳过 \(file)：\(error)")
            }
        }
        return Catalog(entries: entries)
    }
}
