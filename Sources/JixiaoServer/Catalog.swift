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
    static func load(from directory: String, log: (String) -> Void = { print($0) }) throws -> Catalog {
        let schemes = URL(fileURLWithPath: directory).appendingPathComponent("schemes")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: schemes.path)) ?? []
        var entries: [Entry] = []
        for file in files.filter({ $0.hasSuffix(".yaml") }).sorted() {
            do {
                let compiled = try CompiledScheme(SchemeFile.load(path: schemes.appendingPathComponent(file).path))
                let dataPath = URL(fileURLWithPath: directory).appendingPathComponent("examples/\(file)").path
                var report: ScoreReport?
                if FileManager.default.fileExists(atPath: dataPath) {
                    report = try Engine(compiled).score(DataFile.load(path: dataPath), explain: true)
                }
                entries.append(Entry(file: file, scheme: compiled, report: report))
            } catch {
                log("跳过 \(file)：\(error)")
            }
        }
        return Catalog(entries: entries)
    }
}
