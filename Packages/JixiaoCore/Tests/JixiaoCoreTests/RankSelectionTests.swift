import Testing
@testable import JixiaoCore

/// Which better-ranked peers a what-if tries to overtake.
@Suite struct RankSelectionTests {
    @Test func fewPeers_allTried_manyPeers_nearestThenWiderGapsAndTheTop() {
        #expect(RankSelection.positions(0) == [])
        #expect(RankSelection.positions(3) == [0, 1, 2])
        #expect(RankSelection.positions(5) == [0, 1, 2, 4])
        #expect(RankSelection.positions(139) == [0, 1, 2, 4, 7, 12, 20, 33, 54, 88, 138])
    }
}
