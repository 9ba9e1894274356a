import Foundation
import JixiaoCore

/// (A copy of JixiaoSchemeFileTests/FuzzPlan.swift: test targets cannot share code.)
/// How many inputs a fuzz test runs and from which seed. Each run takes a fresh seed from the
/// clock, so CI runs add up to many different inputs; `JIXIAO_FUZZ_SEED` replays a failure
/// (the seed is printed), `JIXIAO_FUZZ_INPUTS` changes the count.
struct FuzzPlan {
    let target: String
    let seed: UInt64
    let inputs: Int
    let started = Date()

    init(_ target: String, defaultInputs: Int) {
        self.target = target
        let environment = ProcessInfo.processInfo.environment
        seed = environment["JIXIAO_FUZZ_SEED"].flatMap { UInt64($0) } ?? UInt64(Date().timeIntervalSince1970 * 1_000_000)
        inputs = environment["JIXIAO_FUZZ_INPUTS"].flatMap { Int($0) } ?? defaultInputs
        print("fuzz \(target): seed \(seed) (JIXIAO_FUZZ_SEED=\(seed) to replay), \(inputs) inputs")
    }

    func report(refusals: Int, accepted: Int) {
        let seconds = Date().timeIntervalSince(started)
        print("fuzz \(target): \(inputs) inputs, seed \(seed), \(refusals) refusals, \(accepted) accepted, \(String(format: "%.1f", seconds)) s")
    }
}

