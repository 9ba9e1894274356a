/// One subject's outcomes, per indicator in the compiled scheme's index order: an array to read, built so
/// that a partial re-score can change a few of them cheaply. The indicators a re-score changes for a peer (its
/// peer-dependent ones: rankings and what they feed) are recorded over the shared outcomes of the previous
/// result, so a patched peer copies at most `patchLimit` outcomes instead of every indicator's.
public struct Outcomes: RandomAccessCollection, MutableCollection, Hashable, Sendable, CustomStringConvertible {
    /// Beyond this many patched indicators the patches are folded into the base.
    static let patchLimit = 32
    private var base: [Outcome]
    /// Sorted indices of the patched indicators, and their outcomes.
    private var patched: [Int] = []
    private var patchedOutcomes: [Outcome] = []

    public init(_ outcomes: [Outcome]) { base = outcomes }

    public var startIndex: Int { 0 }
    public var endIndex: Int { base.count }
    public func index(after i: Int) -> Int { i + 1 }
    public func index(before i: Int) -> Int { i - 1 }

    private func patchPosition(_ position: Int) -> (found: Bool, at: Int) {
        var low = 0
        var high = patched.count
        while low < high {
            let middle = (low + high) / 2
            if patched[middle] < position { low = middle + 1 } else { high = middle }
        }
        return (low < patched.count && patched[low] == position, low)
    }

    public subscript(position: Int) -> Outcome {
        get {
            if !patched.isEmpty {
                let (found, at) = patchPosition(position)
                if found { return patchedOutcomes[at] }
            }
            return base[position]
        }
        set {
            precondition(base.indices.contains(position), "Outcomes index out of range")
            let (found, at) = patchPosition(position)
            if found {
                patchedOutcomes[at] = newValue
            } else if patched.count < Self.patchLimit {
                patched.insert(position, at: at)
                patchedOutcomes.insert(newValue, at: at)
            } else {
                var folded = Array(self)
                folded[position] = newValue
                self = Outcomes(folded)
            }
        }
    }

    /// Writes `changes` (ascending, distinct indicator indices) as the subscript would one by one, with the patch
    /// grown once rather than element by element.
    mutating func patch(_ changes: [(index: Int, outcome: Outcome)]) {
        guard !changes.isEmpty else { return }
        if patched.isEmpty && changes.count <= Self.patchLimit {
            patched.reserveCapacity(changes.count)
            patchedOutcomes.reserveCapacity(changes.count)
            for change in changes {
                precondition(base.indices.contains(change.index), "Outcomes index out of range")
                patched.append(change.index)
                patchedOutcomes.append(change.outcome)
            }
            return
        }
        for change in changes { self[change.index] = change.outcome }
    }

    public static func == (lhs: Outcomes, rhs: Outcomes) -> Bool { lhs.elementsEqual(rhs) }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for outcome in self { hasher.combine(outcome) }
    }

    public var description: String { Array(self).description }
}
