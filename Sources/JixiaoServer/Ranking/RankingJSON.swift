import Fluent
import Foundation
import JixiaoCore
import JixiaoXLSX
import Plot
import Vapor

/// `/api/rankings/:scheme/:period`: exact decimal strings, never binary floats.
struct RankingJSON: Codable {
    struct Row: Codable {
        let rank: Int?
        let code: String
        let name: String
        let kind: String
        let stage: String
        let total: String?
        let totals: [String]
        let grade: String?
        let coefficients: [String: String]
    }
    let scheme: String
    let period: String
    let stages: [String]
    let rows: [Row]

    init(_ ranking: Ranking) {
        scheme = ranking.schemeName
        period = ranking.period
        stages = ranking.stages
        rows = ranking.rows.map {
            Row(rank: $0.rank, code: $0.code, name: $0.name, kind: $0.kind, stage: $0.stage, total: $0.total?.formatted(),
                totals: $0.totals, grade: $0.grade, coefficients: $0.coefficients)
        }
    }
}
