import Foundation
import JixiaoCore
import Testing
@testable import JixiaoSchemeFile

/// Mutated shipped schemes and data files: each loads (and then checks or scores) or is refused
/// with a FileError that names the file and a line. Never a crash, never an unbounded run.
@Suite struct LoaderFuzzTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func shipped(_ folder: String) -> [(name: String, text: [Character])] {
        let directory = repository.appendingPathComponent(folder)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        return names.compactMap { name in
            (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)).map { (name, Array($0)) }
        }
    }

    /// Small seeds are most of the inputs (a shipped file takes tens of times longer to load in a
    /// debug build); one input in `shippedShare` is a whole shipped file.
    static let shippedShare = 100

    static let smallSchemes: [(name: String, text: [Character])] = [
        ("small-1.yaml", Array(SchemeFileTests.scheme)),
        ("small-2.yaml", Array("""
            scheme: {id: S, name: 小, total: 10}
            stages: [自评分, 复评分]
            rounding: {places: 2, mode: half_up, at: indicator}
            indicators:
              - {code: "1", name: 一, max: 2, rule: &rule {kind: proportional, input: 实际, target: 100}}
              - {code: "2", name: 二, max: 2, rule: {kind: tiers, input: 实际, tiers: [{from: 0, to: 50, points: 1}, {from: 50, points: 2}]}}
              - {code: "6", name: 六, kind: bonus, max: 0, cap: 1, rule: *rule}
              - {code: "3", name: 三, max: 2, rule: {kind: shortfall, input: 实际, target: 100, step: 10, deduct: 0.5}}
              - {code: "4", name: 四, max: 2, rule: {kind: formula, score: "round(min(实际 / 50, 2), 2)"}}
              - {code: "5", name: 五, kind: deduction, max: 2, rule: {kind: incidents, count: 次数, deduct: 1}}
            """)),
    ]

    static let smallData: [(name: String, text: [Character], scheme: String)] = [
        ("small-d1.yaml", Array("""
            scheme: S
            period: "2024"
            subjects:
              - id: A
                name: 甲
                inputs: {实际: 80, 次数: 1}
                stages: {复评分: {inputs: {实际: "75%"}, reasons: {"1": 抽查}}}
                printed: {scores: {"1": 1.6}, total: 8.1, grade: 良}
              - {id: B, parent: A, inputs: {实际: n/a, 次数: 0}, findings: [{code: "3", deduct: 0.5, text: 缺}]}
            """), "small-2.yaml"),
    ]

    static let pieces = [":", "{", "}", "[", "]", "- ", "\"", "'", " ", "\n", "#", "&a ", "*a", "&b ", "*b", "!!str ", "|", ">",
                         "%", ",", ".", "0", "9", "-1", "92233720368.54775807", "1e400", "~", "null", "中", "? ", "<<: *a", "\t"]

    @Test func fuzz_schemeLoader_mutatedShippedSchemes_loadOrLocatedError() throws {
        let plan = FuzzPlan("scheme loader", defaultInputs: 10_000)
        let shipped = Self.shipped("schemes")
        try #require(!shipped.isEmpty)
        var mutator = TextMutator(random: SeededRandom(seed: plan.seed), pieces: Self.pieces)
        var refusals = 0
        for index in 0..<plan.inputs {
            let source = index % Self.shippedShare == 0 ? shipped[mutator.below(shipped.count)] : Self.smallSchemes[mutator.below(Self.smallSchemes.count)]
            let text = mutator.mutate(source.text)
            do {
                let scheme = try SchemeFile.parse(text, file: source.name)
                _ = SchemeChecks.check(scheme)
            } catch {
                refusals += 1
                if error.location.file != source.name || error.location.line < 1 || error.message.isEmpty {
                    Issue.record("unlocated refusal \(error) — replay with JIXIAO_FUZZ_SEED=\(plan.seed)")
                }
            }
        }
        plan.report(refusals: refusals, accepted: plan.inputs - refusals)
        #expect(refusals > 0)  // the mutations do reach the error paths
    }

    @Test func fuzz_dataLoader_mutatedShippedDataFiles_scoreOrLocatedError() throws {
        let plan = FuzzPlan("data-file loader", defaultInputs: 20_000)
        let shipped = Self.shipped("examples")
        try #require(!shipped.isEmpty)
        // Each data file is scored against its own scheme when it still loads.
        var compiled: [String: CompiledScheme] = [:]
        for (name, _) in shipped {
            let path = Self.repository.appendingPathComponent("schemes/\(name)").path
            compiled[name] = try? CompiledScheme(SchemeFile.load(path: path))
        }
        for (name, _, scheme) in Self.smallData {
            compiled[name] = try CompiledScheme(SchemeFile.parse(String(Self.smallSchemes.first { $0.name == scheme }!.text), file: scheme))
        }
        let small = Self.smallData.map { (name: $0.name, text: $0.text) }
        var mutator = TextMutator(random: SeededRandom(seed: plan.seed), pieces: Self.pieces)
        var refusals = 0
        for index in 0..<plan.inputs {
            let source = index % Self.shippedShare == 0 ? shipped[mutator.below(shipped.count)] : small[mutator.below(small.count)]
            let text = mutator.mutate(source.text)
            do {
                let data = try DataFile.parse(text, file: source.name)
                // Scoring a shipped file is the expensive half; those are scored one in eight.
                if index % Self.shippedShare != 0 || index % 8 == 0, let scheme = compiled[source.name] {
                    do {
                        _ = try Engine(scheme).score(data, explain: true)
                    } catch {
                        #expect(!error.problems.isEmpty)
                    }
                }
            } catch {
                refusals += 1
                if error.location.file != source.name || error.location.line < 1 || error.message.isEmpty {
                    Issue.record("unlocated refusal \(error) — replay with JIXIAO_FUZZ_SEED=\(plan.seed)")
                }
            }
        }
        plan.report(refusals: refusals, accepted: plan.inputs - refusals)
        #expect(refusals > 0)
    }
}
