import Fluent
import Foundation
import JixiaoCore
import JixiaoXLSX
import Plot
import Vapor

/// A period's ranking: one section per kind (市州, 县市区), each with its chart, table and pages; the list's
/// search, filters and sort apply to every section.
struct RankingPage {
    let context: PageContext
    let ranking: Ranking

    var base: SiteURL { SiteURL.ranking(scheme: ranking.schemeID, period: ranking.period) }

    var document: HTML {
        let columns = ranking.columns
        let list = ranking.list
        return Page.document(
            title: "\(ranking.schemeName) \(ranking.period) 排名", context: context,
            .h1(.text("\(ranking.schemeName) · \(ranking.period) 排名")),
            .p(.class("noprint"),
               .a(.href(SiteURL.rankingWorkbook(scheme: ranking.schemeID, period: ranking.period, list: list.on(page: nil))), .id("ranking-xlsx"),
                  .text("导出 xlsx")), .text(" · "),
               .a(.href(SiteURL.rankingJSON(scheme: ranking.schemeID, period: ranking.period, list: list.on(page: nil))), .text("接口数据")), .text(" · "),
               .a(.href(SiteURL.listed(base, list)), .escaped("data-action", "print"), .text("打印"))),
            .p(.class("muted"), .text("市州与县市区分别排名、分表列出；名次为在全部同类单位中的名次（并列同名次），筛选不改变名次；得分为各阶段调整后的最新得分。")),
            ListView.form(base, query: list, options: ranking.options, allKinds: "分表列出", id: "ranking-filter"),
            .if(ranking.sections.allSatisfy(\.rows.isEmpty), .p(.class("muted"), .id("ranking-none"), .text("没有符合条件的单位。"))),
            .forEach(ranking.sections.enumerated().map { $0 }) { offset, section in
                let sectionList = list.kind == nil ? list.only(kind: section.kind).on(page: list.page) : list
                return .section(.class("ranking-section"), .escaped("id", "section-\(offset)"), .escaped("data-kind", section.kind),
                    .h2(.text("\(section.kind)（\(section.unfiltered)）")),
                    ListView.pager(section.page, query: sectionList, base: base, id: "pager-\(offset)"),
                    .if(!section.rows.isEmpty,
                        .div(.class("chart-box"),
                             .svg(Chart.bars(section.paged.prefix(30).map { ($0.name, $0.total) }, maximum: ranking.totalMax,
                                             title: section.paged.count > 30 ? "\(section.kind)得分（本页前 30）" : "\(section.kind)得分")))),
                    .if(!section.rows.isEmpty,
                        .table(.class("ranking list"), .escaped("id", "ranking-\(offset)"),
                            ListView.header(columns, query: list, base: base),
                            .forEach(section.paged) { row in
                                .tr(.escaped("data-code", row.code),
                                    ListView.cell("名次", numeric: true, .text(row.rank.map(String.init) ?? "—")),
                                    ListView.cell("代码", .text(row.code)),
                                    ListView.cell("单位", unit: true, .a(.href(SiteURL.assessment(row.assessmentID)), .text(row.name))),
                                    ListView.cell("阶段", .text(row.stage)),
                                    .forEach(Array(zip(ranking.stages, row.totals))) { stage, total in ListView.cell(stage, numeric: true, .text(total)) },
                                    ListView.cell("等级", .text(row.grade ?? "—")),
                                    .forEach(ranking.coefficientColumns) { column in
                                        ListView.cell("\(column.code) 系数", numeric: true, .text(row.coefficients[column.code] ?? ""))
                                    })
                            })),
                    .if(section.page.pages > 1 && section.paged.count > 20, ListView.pager(section.page, query: sectionList, base: base, id: "pager-\(offset)-bottom")))
            })
    }
}
