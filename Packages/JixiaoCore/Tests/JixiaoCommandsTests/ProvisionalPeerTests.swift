import Foundation
import JixiaoCore
import JixiaoSchemeFile
import Testing

/// Scores read from peers (a peer average, a ranking) while some peers have not entered: computed from those
/// that have, marked provisional with the peers still missing, and final once all are in.
@Suite struct ProvisionalPeerTests {
    static func report(_ name: String, without figure: String, for missing: Set<String>) throws -> ScoreReport {
        let scheme = try SchemeFile.load(path: SeedGoldenTests.repository.appendingPathComponent("schemes/\(name).yaml").path)
        var data = try DataFile.load(path: SeedGoldenTests.repository.appendingPathComponent("examples/\(name).yaml").path)
        for index in data.subjects.indices where missing.contains(data.subjects[index].id) {
            data.subjects[index].inputs[figure] = nil
            data.subjects[index].stages = [:]
        }
        return try Engine(CompiledScheme(scheme)).score(data, explain: true)
    }

    @Test func peerAverage_withCitiesMissing_isTakenOverThoseEntered_andMarkedProvisional() throws {
        let report = try Self.report("004-employment", without: "鉴定通过率", for: ["无锡市", "苏州市"])
        let index = try #require(report.scheme.index(of: "5.4.1"))
        let nantong = report.result("南通市")
        // (0.92 + 0.78 + 0.82 + 0.8) / 4 = 0.83; 南通 0.8 is 3 points short: 5 − 3 × 0.5 = 3.5.
        #expect(nantong.outcomes[index] == .scored(Exact(Fixed("3.5")!)))
        #expect(nantong.provisional[index] == ["无锡市", "苏州市"])
        #expect(nantong.missingPeers == ["无锡市", "苏州市"])
        // The groups above it and the total are provisional too, and the total is a number, not 未评分.
        let group = try #require(report.scheme.index(of: "5.4"))
        #expect(nantong.provisional[group] == ["无锡市", "苏州市"])
        #expect(nantong.isProvisional && nantong.total.score != nil)
        // An indicator that reads no peer is not marked.
        let unrelated = try #require(report.scheme.index(of: "1.1.1"))
        #expect(nantong.provisional[unrelated] == nil)
        let line = try #require(nantong.explanations[index].first)
        #expect(line.contains("取自同级 4 个对象") && line.contains("暂按已填报的 4 个对象计算，尚未填报 2 个：无锡市、苏州市"), "\(line)")
        // A city that has not entered the figure has no score for 5.4.1 (its own figure is missing).
        #expect(report.result("无锡市").outcomes[index].score == nil)
    }

    @Test func peerAverage_withEveryCityEntered_isFinal() throws {
        let report = try SeedGoldenTests.report("004-employment")
        for result in report.stages[0].subjects {
            #expect(!result.isProvisional && result.missingPeers.isEmpty, "\(result.subject.id)")
        }
        let index = try #require(report.scheme.index(of: "5.4.1"))
        let line = try #require(report.result("南通市").explanations[index].first)
        #expect(!line.contains("暂按"))
    }

    @Test func ranking_withACountyMissingItsMetric_ranksTheOthers_provisionally() throws {
        let scheme = try SchemeFile.load(path: SeedGoldenTests.repository.appendingPathComponent("schemes/000-liangfu-jiaojiu.yaml").path)
        let compiled = try CompiledScheme(scheme)
        // The first ranking indicator of 000 and one of the inputs its metric reads.
        let rankingIndices = (0..<compiled.indicatorCount).filter { index in
            if case .ranking? = compiled.indicator(at: index).rule { return true } else { return false }
        }
        let ranked = try #require(rankingIndices.first)
        let data = try DataFile.load(path: SeedGoldenTests.repository.appendingPathComponent("examples/000-liangfu-jiaojiu.yaml").path)
        let full = try Engine(compiled).score(data)
        let counties = data.subjects.filter { $0.parent != nil }
        let dropped = try #require(counties.last)
        // Remove every input of the dropped county: its metric is missing, whichever inputs it reads.
        var partial = data
        let position = try #require(partial.subjects.firstIndex { $0.id == dropped.id })
        partial.subjects[position].inputs = [:]
        partial.subjects[position].stages = [:]
        let report = try Engine(compiled).score(partial)
        let others = report.stages[0].subjects.filter { $0.subject.parent != nil && $0.subject.id != dropped.id }
        for result in others {
            let count = try #require(result.rankings[ranked]?.count)
            #expect(count == counties.count - 1)
            #expect(result.provisional[ranked] == [dropped.id])
        }
        #expect(full.stages[0].subjects.allSatisfy { !$0.isProvisional })
    }
}
