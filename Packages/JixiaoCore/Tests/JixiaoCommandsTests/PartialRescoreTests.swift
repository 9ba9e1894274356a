import Foundation
import JixiaoCore
import Testing

/// A partial re-score (`Engine.rescore`: the changed subject in full, its peers only where they read peers)
/// must give what a full re-score gives: every outcome, max, total, grade, rank, ranking, warning, provisional
/// mark and composite, at every stage; and `Engine.explain` must give one subject's derivation exactly as
/// `score(explain: true)` does. Checked on chains of seeded random single-subject changes, each re-score
/// starting from the previous partial result, so that any drift would accumulate.
@Suite struct PartialRescoreTests {
    static func same(_ a: SubjectResult, _ b: SubjectResult, _ label: String, explanations: Bool) {
        #expect(a.subject.id == b.subject.id, "\(label)")
        #expect(a.outcomes == b.outcomes, "\(label) outcomes")
        #expect(a.maxima == b.maxima, "\(label) maxima")
        #expect(a.total == b.total && a.totalMax == b.totalMax, "\(label) total")
        #expect(a.composite == b.composite && a.grade == b.grade && a.rank == b.rank, "\(label) grade")
        #expect(a.gradeBasis == b.gradeBasis, "\(label) grade basis")
        #expect(a.warnings == b.warnings, "\(label) warnings")
        #expect(a.reasons == b.reasons, "\(label) reasons")
        #expect(a.provisional == b.provisional, "\(label) provisional")
        let rankings = { (r: SubjectResult) in r.rankings.mapValues { "\($0.rank)/\($0.count)/\($0.coefficient)" } }
        #expect(rankings(a) == rankings(b), "\(label) rankings")
        if explanations {
            #expect(a.explanations == b.explanations, "\(label) explanations")
            #expect(a.facts == b.facts, "\(label) facts")
        }
    }

    static func same(_ partial: ScoreReport, _ full: ScoreReport, _ label: String) {
        #expect(partial.stages.count == full.stages.count, "\(label)")
        for (stage, expected) in zip(partial.stages, full.stages) {
            #expect(stage.subjects.count == expected.subjects.count, "\(label)")
            for (a, b) in zip(stage.subjects, expected.subjects) {
                same(a, b, "\(label) \(stage.stage) \(a.subject.id)", explanations: false)
            }
            #expect(stage.composite?.outcomes == expected.composite?.outcomes, "\(label) composite")
            #expect(stage.composite?.total == expected.composite?.total && stage.composite?.grade == expected.composite?.grade,
                    "\(label) composite")
        }
    }

    /// One subject's figures changed at random: numbers scaled, or made missing, zero, a word or n/a, in its
    /// inputs, its entered values and its review stages' changes alike.
    static func change(_ subject: SubjectData, _ random: inout SeededRandom) -> SubjectData {
        func perturb(_ figures: inout [String: Value]) {
            for (key, value) in figures {
                guard let number = value.number, random.next() % 3 == 0 else { continue }
                switch random.next() % 12 {
                case 0: figures[key] = nil
                case 1: figures[key] = .number(.zero)
                case 2: figures[key] = .text("很高")
                case 3: figures[key] = .notApplicable
                default:
                    let factor = Fixed("\(Int(random.next() % 101) + 50)")!.divided(by: Fixed(100))!
                    figures[key] = .number((number * factor).rounded(places: 2))
                }
            }
        }
        var changed = subject
        // A third of the changes touch the review stages only (a reviewer's adjustment), which leaves the stages
        // before the first changed one as they were.
        if changed.stages.isEmpty || random.next() % 3 != 0 {
            perturb(&changed.inputs)
            perturb(&changed.values)
        }
        for stage in changed.stages.keys.sorted() {
            perturb(&changed.stages[stage]!.inputs)
            perturb(&changed.stages[stage]!.values)
        }
        return changed
    }

    /// `changes` random changes, each re-scored partially and compared with a full score of the same data; every
    /// `explainEvery`-th change also compares the changed subject's and a random peer's derivations.
    static func check(_ compiled: CompiledScheme, _ original: DataSet, changes: Int, explainEvery: Int, seed: UInt64, _ label: String) throws {
        let engine = Engine(compiled)
        var random = SeededRandom(seed: seed)
        var period = try engine.scorePeriod(original)
        same(period.report, try engine.score(original), "\(label) start")
        var peerMarks = 0
        for trial in 0..<changes {
            let index = Int(random.next() % UInt64(original.subjects.count))
            let changed = change(period.data.subjects[index], &random)
            period = try engine.rescore(period, subject: index, to: changed)
            let full = try engine.score(period.data)
            same(period.report, full, "\(label) change \(trial) of subject \(index)")
            peerMarks += full.finalStage.subjects.filter(\.isProvisional).count
            if trial % explainEvery == 0 {
                let explained = try engine.score(period.data, explain: true)
                let peer = Int(random.next() % UInt64(original.subjects.count))
                for subject in Set([index, peer]) {
                    let results = engine.explain(period, subject: subject)
                    #expect(results.count == explained.stages.count)
                    for (result, stage) in zip(results, explained.stages) {
                        same(result, stage.subjects[subject], "\(label) change \(trial) explain \(subject)", explanations: true)
                    }
                }
            }
        }
        // The changes must have reached the peer-dependent paths this test is about (missing peers among them).
        #expect(compiled.peerDependentCount > 0, "\(label)")
        if label == "000" { #expect(peerMarks > 0, "\(label): no change left a peer's figure missing") }
    }

    @Test func seed000_partialEqualsFull() throws {
        let (compiled, data) = try FastPathEquivalenceTests.load("000-liangfu-jiaojiu")
        try Self.check(compiled, data, changes: 50, explainEvery: 5, seed: 1300, "000")
    }

    @Test func seed004_partialEqualsFull() throws {
        let (compiled, data) = try FastPathEquivalenceTests.load("004-employment")
        try Self.check(compiled, data, changes: 50, explainEvery: 5, seed: 1304, "004")
    }

    @Test func benchScheme_partialEqualsFull() throws {
        let scheme = GeneratedWorkload.scheme(leaves: 200)
        var random = SeededRandom(seed: 42)
        let data = GeneratedWorkload.data(scheme, subjects: 40, month: 1, random: &random)
        try Self.check(try CompiledScheme(scheme), data, changes: 50, explainEvery: 25, seed: 1399, "bench")
    }

    /// Only peer-reading indicators (and what sums them) are redone for peers: in the bench's scheme the 10
    /// ranking leaves and their 10 groups, not the 180 other leaves.
    @Test func benchScheme_peerDependenceIsTheRankingsAndTheirGroups() throws {
        let compiled = try CompiledScheme(GeneratedWorkload.scheme(leaves: 200))
        #expect(compiled.peerDependentCount == 20)
    }

    @Test func changedIdentity_isScoredInFull_andBadCodesAreRefused() throws {
        let (compiled, data) = try FastPathEquivalenceTests.load("000-liangfu-jiaojiu")
        let engine = Engine(compiled)
        let period = try engine.scorePeriod(data)
        // A subject no other names as its parent, renamed: its peers' ranks and marks change with it.
        let leafSubject = try #require(data.subjects.indices.last { index in !data.subjects.contains { $0.parent == data.subjects[index].id } })
        var renamed = data.subjects[leafSubject]
        renamed.id += "-新"
        let rescored = try engine.rescore(period, subject: leafSubject, to: renamed)
        Self.same(rescored.report, try engine.score(rescored.data), "renamed")
        var wrong = data.subjects[0]
        wrong.values["不存在的指标"] = .number(1)
        #expect(throws: DataErrors.self) { try engine.rescore(period, subject: 0, to: wrong) }
        #expect(throws: DataErrors.self) { try engine.rescore(period, subject: data.subjects.count, to: wrong) }
    }
}
