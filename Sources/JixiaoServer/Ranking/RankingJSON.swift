import Fluent
import Foundation
import JixiaoCore
import JixiaoXLSX
import Plot
import Vapor

/// `/api/rankings/:scheme/:period`: exact decimal strings, never binary floats. Takes the ranking page's
/// parameters (`q`, `stage`, `grade`, `city`, `kind`, `sort`, `dir`, `per`); rows are grouped by kind (each row
/// names its kind), every row after the filters unless `page` is given, then that page of each kind.
struct RankingJSON: Codable, Equatable {
    struct Row: Codable, Equatable {
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
    struct Kind: Codable, Equatable {
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

    /// The same document as `JSONEncoder().encode(self)` decodes to, written by hand (see `JSONText`).
    var encoded: Data {
        var json = JSONText(capacity: 256 + rows.count * 256)
        json.beginObject()
        json.key("scheme"); json.string(scheme)
        json.key("period"); json.string(period)
        json.key("stages"); json.strings(stages)
        json.key("kinds")
        json.beginArray()
        for kind in kinds {
            json.beginObject()
            json.key("kind"); json.string(kind.kind)
            json.key("all"); json.int(kind.all)
            json.key("count"); json.int(kind.count)
            json.key("page"); json.int(kind.page)
            json.key("pages"); json.int(kind.pages)
            json.endObject()
        }
        json.endArray()
        json.key("rows")
        json.beginArray()
        for row in rows {
            json.beginObject()
            json.key("rank"); json.int(row.rank)
            json.key("code"); json.string(row.code)
            json.key("name"); json.string(row.name)
            json.key("kind"); json.string(row.kind)
            json.key("stage"); json.string(row.stage)
            json.key("total"); json.string(row.total)
            json.key("totals"); json.strings(row.totals)
            json.key("grade"); json.string(row.grade)
            json.key("coefficients"); json.dictionary(row.coefficients)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.data
    }
}
