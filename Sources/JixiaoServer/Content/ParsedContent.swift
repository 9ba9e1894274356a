import Foundation
import JixiaoCore
import JixiaoSchemeFile
import Synchronization

/// Parsing a scheme or data file is a pure function of its text, and the costliest step of starting an app
/// (YAML, then compiling every rule): the demo, the catalog and the score board each parse the same shipped
/// files. This remembers what the files parsed to, per process, so that each text is parsed once however many
/// applications start in it (the test suite starts one per test). It holds no state that servers must agree
/// on: only successful parses of texts already in hand, bounded in number; an upload being checked is never
/// remembered (`SchemeUploadCheck` parses directly).
enum ParsedContent {
    private struct Key: Hashable {
        let file: String
        let text: String
    }

    /// Enough for every shipped file and the scheme versions a deployment keeps; past it the memo starts over.
    private static let capacity = 128
    private static let schemes = Mutex<[Key: Scheme]>([:])
    private static let dataSets = Mutex<[Key: DataSet]>([:])
    private static let catalogs = Mutex<[[String: String]: Catalog]>([:])

    static func scheme(_ text: String, file: String) throws(FileError) -> Scheme {
        let key = Key(file: file, text: text)
        if let known = schemes.withLock({ $0[key] }) { return known }
        let scheme = try SchemeFile.parse(text, file: file)
        remember(scheme, for: key, in: schemes)
        return scheme
    }

    static func dataSet(_ text: String, file: String) throws(FileError) -> DataSet {
        let key = Key(file: file, text: text)
        if let known = dataSets.withLock({ $0[key] }) { return known }
        let data = try DataFile.parse(text, file: file)
        remember(data, for: key, in: dataSets)
        return data
    }

    /// The catalog of a content set (every shipped scheme compiled, every example scored), once per content.
    static func catalog(_ content: ContentFiles) -> Catalog {
        if let known = catalogs.withLock({ $0[content.files] }) { return known }
        let catalog = Catalog.load(from: content)
        catalogs.withLock { memo in
            if memo.count >= 4 { memo.removeAll() }
            memo[content.files] = catalog
        }
        return catalog
    }

    private static func remember<Value: Sendable>(_ value: Value, for key: Key, in memo: borrowing Mutex<[Key: Value]>) {
        memo.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[key] = value
        }
    }
}
