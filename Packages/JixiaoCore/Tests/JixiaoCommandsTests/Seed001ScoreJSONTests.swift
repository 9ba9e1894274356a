import Foundation
import Testing

/// `jixiao score … --format json` on seed 001 shows a cell recomputed from the report's text beside the printed one.
@Suite struct Seed001ScoreJSONTests: CommandHarness {
    let directory = Self.scratchDirectory("seed001-json")

    @Test func yananFundsArrival_scores193_printed183_disagrees() throws {
        let scheme = SeedGoldenTests.repository.appendingPathComponent("schemes/001-shaanxi-2020.yaml").path
        let data = SeedGoldenTests.repository.appendingPathComponent("examples/001-shaanxi-2020.yaml").path
        let output = directory + "/001.json"
        #expect(exitCode(["score", scheme, data, "--format", "json", "--output", output]) == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any])
        let subjects = try #require(json["subjects"] as? [[String: Any]])
        let yanan = try #require(subjects.first { $0["subject"] as? String == "延安市" })
        let cell = try #require((yanan["indicators"] as? [[String: Any]])?.first { $0["code"] as? String == "2.1.1" })
        #expect((cell["score"] as? NSNumber)?.decimalValue == Decimal(string: "1.93"))
        #expect((cell["printed"] as? NSNumber)?.decimalValue == Decimal(string: "1.83"))
        #expect(cell["agrees"] as? Bool == false)
        let audit = try #require(json["audit"] as? [String: Any])
        #expect(audit["disagreements"] as? Int == SeedGoldenTests.knownDisagreements["001-shaanxi-2020"]?.count)
    }
}
