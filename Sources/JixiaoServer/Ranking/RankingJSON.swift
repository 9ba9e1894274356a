import Fluent
import Foundation
import JixiaoCore
import JixiaoXLSX
import Plot
import Vapor

/// `/api/rankings/:scheme/:period`: exact decimal strings, never binary floats. Takes the ranking page's
/// parameters (`q`, `stage`, `grade`, `city`, `kind`, `sort`, `dir`, `per`); rows are grouped by kind (each row
/// names its kind), every row after the filters unless `page` is given, then that page of each kind.
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
    /// Per kind: its rows before and after the filters, and the page given.
    struct Kind: Codable {
        let kind: String
        let all: Int
        let count: Int
        let page: Int
        let pages: Int
    }
    let scheme: String
    let period: String
    let stages: [String]
    let kinds: [Kind]
    let rows: [Row]

    init(_ ranking: Ranking) {
        scheme = ranking.schemeName
        period = ranking.period
        stages = ranking.stages
        let paged = ranking.list.page != nil
        kinds = ranking.sections.map {
            Kind(kind: $0.kind, all: $0.unfiltered, count: $0.rows.count, page: paged ? $0.page.number : 1, pages: paged ? $0.page.pages : 1)
        }
        rows = ranking.sections.flatMap { paged ? Array($0.paged) : $0.rows }.map {
            Row(rank: $0.rank, code: $0.code, name: $0.name, kind: $0.kind, stage: $0.stage, total: $0.total?.formatted(),
                totals: $0.totals, grade: $0.grade, coefficients: $0.coefficients)
        }
    }
}
