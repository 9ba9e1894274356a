import Foundation
import JixiaoCore

/// How many inputs a fuzz test runs and from which seed. Each run takes a fresh seed from the
/// clock, so CI runs add up to many different inputs; `JIXIAO_FUZZ_SEED` replays a failure
/// (the seed is printed), `JIXIAO_FUZZ_INPUTS` changes the count. The defaults (xlsx 30,000,
/// schemes 10,000, data files 20,000) keep the three near a minute together in a debug build
/// on two cores; a scheme input costs about 1.4 ms there, an xlsx input 0.35 ms.
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

/// Text mutations that keep to the characters YAML and formulas care about.
struct TextMutator {
    var random: SeededRandom
    let pieces: [String]

    mutating func below(_ bound: Int) -> Int { Int(random.next() % UInt64(Swift.max(1, bound))) }

    mutating func mutate(_ source: [Character]) -> String {
        var text = source
        for _ in 0..<(1 + below(2) * below(3)) where !text.isEmpty {
            let at = below(text.count)
            switch below(6) {
            case 0: text.remove(at: at)
            case 1, 2: text.insert(contentsOf: Array(pieces[below(pieces.count)]), at: at)
            case 3: text[at] = Array(pieces[below(pieces.count)])[0]
            case 4:
                // Duplicate a slice: repeated keys, anchors used twice, deeper nesting.
                let end = Swift.min(text.count, at + 1 + below(40))
                text.insert(contentsOf: text[at..<end], at: below(text.count))
            default:
                let end = Swift.min(text.count, at + 1 + below(20))
                text.removeSubrange(at..<end)
            }
        }
        return String(text)
    }
}
