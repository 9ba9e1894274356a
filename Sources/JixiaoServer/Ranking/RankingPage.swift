import Fluent
import Foundation
import JixiaoCore
import JixiaoXLSX
import Plot
import Vapor

struct RankingPage {
    let context: PageContext
    let ranking: Ranking

    var document: HTML {
        return Page.document(
            title: "\(ranking.schemeName) \(ranking.period) 排名", context: context,
            .h1(.text("\(ranking.schemeName) · \(ranking.period) 排名")),
            .p(.class("noprint"), .a(.href(SiteURL.rankingWorkbook(scheme: ranking.schemeID, period: ranking.period)), .text("导出 xlsx")), .text(" · "),
               .a(.href(SiteURL.rankingJSON(scheme: ranking.schemeID, period: ranking.period)), .text("JSON")), .text(" · "),
               .a(.href(SiteURL.ranking(scheme: ranking.schemeID, period: ranking.period)), .escaped("data-action", "print"), .text("打印"))),
            .p(.class("muted"), .text("名次为在全部同级单位中的名次（并列同名次）；得分为各阶段调整后的最新得分。")),
            .forEach(ranking.groups) { group in
                .group(
                    .h2(.text("\(group.kind)（\(group.rows.count)）")),
                    .svg(Chart.bars(group.rows.prefix(30).map { ($0.name, $0.total) }, maximum: ranking.totalMax,
                                    title: group.rows.count > 30 ? "\(group.kind)得分（前 30）" : "\(group.kind)得分")),
                    .table(.class("ranking"),
                        .tr(.th("名次"), .th("单位"), .th("阶段"), .forEach(ranking.stages) { .th(.text($0)) }, .th("等级"),
                            .forEach(ranking.coefficientColumns) { .th(.class("rule"), .text("\($0.code) 系数")) }),
                        .forEach(group.rows) { row in
                            .tr(.td(.class("num"), .text(row.rank.map(String.init) ?? "—")),
                                .td(.a(.href(SiteURL.assessment(row.assessmentID)), .text(row.name))),
                                .td(.text(row.stage)),
                                .forEach(row.totals) { .td(.class("num"), .text($0)) },
                                .td(.text(row.grade ?? "—")),
                                .forEach(ranking.coefficientColumns) { column in .td(.class("num"), .text(row.coefficients[column.code] ?? "")) })
                        }))
            })
    }
}
