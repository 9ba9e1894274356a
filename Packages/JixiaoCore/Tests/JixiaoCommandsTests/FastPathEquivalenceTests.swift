import Foundation
import JixiaoCore
import JixiaoSchemeFile
import Testing

/// The engine's fast plan (arithmetic leaves compiled to programs, column loops, integer ranking keys) must
/// decide exactly as the general evaluator: explanations always take the general path, so scoring with and
/// without them must agree on every outcome, total, grade and rank; and a reused `Scorer` must agree with
/// `Engine.score`. Checked on every seed and on randomly perturbed figures (missing, zero, text, n/a).
@Suite struct FastPathEquivalenceTests {
    static func compare(_ fast: ScoreReport, _ general: ScoreReport, _ label: String) {
        for (stageIndex, stage) in fast.stages.enumerated() {
            let other = general.stages[stageIndex]
            for (index, result) in stage.subjects.enumerated() {
                let reference = other.subjects[index]
                #expect(result.outcomes == reference.outcomes, "\(label) \(stage.stage) \(result.subject.id)")
                #expect(result.total == reference.total && result.grade == reference.grade && result.rank == reference.rank,
                        "\(label) \(stage.stage) \(result.subject.id)")
                #expect(result.provisional == reference.provisional, "\(label) \(result.subject.id)")
            }
        }
    }

    static func load(_ name: String) throws -> (CompiledScheme, DataSet) {
        let root = SeedGoldenTests.repository
        let scheme = try SchemeFile.load(path: root.appendingPathComponent("schemes/\(name).yaml").path)
        let data = try DataFile.load(path: root.appendingPathComponent("examples/\(name).yaml").path)
        return (try CompiledScheme(scheme), data)
    }

    @Test(arguments: SeedGoldenTests.seedNames)
    func seeds_scoreTheSameWithAndWithoutExplanations(_ name: String) throws {
        let (compiled, data) = try Self.load(name)
        let engine = Engine(compiled)
        Self.compare(try engine.score(data), try engine.score(data, explain: true), name)
    }

    @Test func perturbedFigures_scoreTheSameOnEveryPath() throws {
        var generator = SeededRandom(seed: 13)
        for name in ["000-liangfu-jiaojiu", "004-employment", "002-01-zonghe-guanli"] {
            let (compiled, original) = try Self.load(name)
            let engine = Engine(compiled)
            let scorer = Scorer(compiled)
            for trial in 0..<25 {
                var data = original
                for subject in data.subjects.indices {
                    for (key, value) in data.subjects[subject].inputs {
                        guard let number = value.number else { continue }
                        switch generator.next() % 10 {
                        case 0: data.subjects[subject].inputs[key] = nil  // missing
                        case 1: data.subjects[subject].inputs[key] = .number(.zero)  // a zero denominator
                        case 2: data.subjects[subject].inputs[key] = .text("很高")  // a word where a number is needed
                        case 3: data.subjects[subject].inputs[key] = .notApplicable
                        default:
                            // Scaled by 0.5 … 1.5 in steps of 0.01: totals cross tiers, thresholds and ranks.
                            let factor = Fixed("\(Int(generator.next() % 101) + 50)")!.divided(by: Fixed(100))!
                            data.subjects[subject].inputs[key] = .number((number * factor).rounded(places: 4))
                        }
                    }
                }
                let fast = try engine.score(data)
                Self.compare(fast, try engine.score(data, explain: true), "\(name) trial \(trial)")
                // A Scorer reused across trials answers as a fresh report does.
                try scorer.score(data)
                let final = fast.stages[fast.stages.count - 1]
                for subject in final.subjects.indices {
                    #expect(scorer.total(subject: subject) == final.subjects[subject].total, "\(name) trial \(trial)")
                }
            }
        }
    }
}
