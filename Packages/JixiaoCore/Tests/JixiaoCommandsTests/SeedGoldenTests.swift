import Foundation
import JixiaoCore
import JixiaoSchemeFile
import Testing

/// Every seed document, encoded in schemes/ with its figures in examples/, is scored and every
/// printed score, subtotal, total, grade and fund figure is either reproduced (±0.01) or listed
/// here as a known disagreement of the document with its own rules.
@Suite struct SeedGoldenTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var seedNames: [String] {
        let schemes = (try? FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent("schemes").path)) ?? []
        return schemes.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    static func report(_ name: String) throws -> ScoreReport {
        let scheme = try SchemeFile.load(path: repository.appendingPathComponent("schemes/\(name).yaml").path)
        let data = try DataFile.load(path: repository.appendingPathComponent("examples/\(name).yaml").path)
        return try Engine(CompiledScheme(scheme)).score(data, explain: true)
    }

    static func audit(_ name: String) throws -> [String] {
        try Audit.run(report(name)).filter { !$0.agrees }.map { item in
            "\(item.subject)|\(item.stage)|\(item.code ?? item.name)|\(item.printed)→\(item.computed)"
        }.sorted()
    }

    /// The cells where a seed document's printed figure does not follow from its own rule, and why.
    static let knownDisagreements: [String: [String]] = [:]

    @Test func everySeedIsShipped() {
        let names = Self.seedNames
        for prefix in ["000-", "001-", "003-", "004-"] {
            #expect(names.contains { $0.hasPrefix(prefix) }, "schemes/\(prefix)….yaml")
        }
        #expect(names.filter { $0.hasPrefix("002-") }.count == 11, "eleven 002 project schemes")
        for name in names {
            #expect(FileManager.default.fileExists(atPath: Self.repository.appendingPathComponent("examples/\(name).yaml").path), "examples/\(name).yaml")
        }
    }

    @Test(arguments: seedNames)
    func seed_validatesAndScoresEverySubject(_ name: String) throws {
        let scheme = try SchemeFile.load(path: Self.repository.appendingPathComponent("schemes/\(name).yaml").path)
        let errors = SchemeChecks.check(scheme).filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors)")
        let report = try Self.report(name)
        for stage in report.stages {
            for result in stage.subjects {
                #expect(result.total.score != nil, "\(name) \(result.subject.id) \(stage.stage): \(result.total)")
                #expect(result.grade != nil, "\(name) \(result.subject.id) has no grade")
            }
        }
    }

    @Test(arguments: seedNames)
    func seed_printedFiguresReproducedOrKnownDisagreement(_ name: String) throws {
        let found = try Self.audit(name)
        let known = Self.knownDisagreements[name] ?? []
        #expect(found == known.sorted(), "\(name) disagreements:\n\(found.joined(separator: "\n"))")
    }
}
