import Foundation
import JixiaoCore
import Plot

/// `/`: the assessments of a period in the user's part of the tree, the user's to-do list first.
struct DashboardPage {
    let context: PageContext
    let overview: Overview

    var document: HTML {
        let stages = overview.scores?.scheme.workflow.stages ?? []
        let mine = overview.lines.filter(\.mine)
        return Page.document(
            title: "我的考核", context: context,
            .h1("我的考核"),
            .if(overview.choices.isEmpty, .p(.text("您的单位下还没有考核。"))),
            .unwrap(overview.selected) { selected in
                .group(
                    .p(.class("choices"), .text("考核："),
                       .forEach(overview.choices) { choice in
                           let current = choice.schemeID == selected.schemeID && choice.period == selected.period
                           return .a(.href(SiteURL.homeFor(scheme: choice.schemeID, period: choice.period)), .if(current, .class("status")),
                                     .text("\(choice.schemeName) · \(choice.period)（\(choice.count) 份"
                                           + (choice.waiting > 0 ? "，待我办理 \(choice.waiting)" : "") + "）  "))
                       }),
                    .p(.text("进度："),
                       .forEach(overview.counts) { count in
                           .span(.class("status"), .text("\(Self.describe(count.stage, count.status, stages)) \(count.count)"))
                       },
                       .span(.class("noprint"),
                             .text(" · "), .a(.href(SiteURL.ranking(scheme: selected.schemeID, period: selected.period)), .id("ranking-link"), .text("查看排名")),
                             .text(" · "), .a(.href(SiteURL.overviewWorkbook(scheme: selected.schemeID, period: selected.period, list: overview.list.on(page: nil))),
                                              .id("overview-xlsx"), .text("导出 xlsx")))),
                    .h2(.text("待我办理（\(mine.count)）")),
                    .if(overview.waitingElsewhere > 0,
                        .p(.class("flash"), .id("waiting-elsewhere"),
                           .text("其他考核还有 \(overview.waitingElsewhere) 份待我办理："),
                           .forEach(overview.choices.filter { $0.waiting > 0 && !($0.schemeID == selected.schemeID && $0.period == selected.period) }) { choice in
                               .a(.href(SiteURL.homeFor(scheme: choice.schemeID, period: choice.period)),
                                  .text("\(choice.schemeName) · \(choice.period)（\(choice.waiting)）  "))
                           })),
                    .if(!mine.isEmpty, table(mine[...], stages: stages, id: "todo", header: .tr(.class("head"), .forEach(Self.titles) { .th(.text($0)) }))),
                    .h2(.id("all-heading"), .text("全部（\(overview.lines.count)）")),
                    ListView.form(base, hidden: [("scheme", selected.schemeID.uuidString), ("period", selected.period)],
                                  query: overview.list, options: overview.options, id: "all-filter"),
                    ListView.pager(overview.page, query: overview.list, base: base, id: "all-pager"),
                    .if(overview.listed.isEmpty && !overview.lines.isEmpty, .p(.class("muted"), .id("all-none"), .text("没有符合条件的考核。"))),
                    .if(!overview.listed.isEmpty,
                        table(overview.paged, stages: stages, id: "all",
                              header: ListView.header(Overview.columns(grades: overview.options.grades), query: overview.list, base: base))),
                    .if(overview.page.pages > 1, ListView.pager(overview.page, query: overview.list, base: base, id: "all-pager-bottom"))
                )
            }
        )
    }

    /// The list's own URL: the scheme and period on screen (the filter form and the pager keep them).
    private var base: SiteURL {
        overview.selected.map { SiteURL.homeFor(scheme: $0.schemeID, period: $0.period) } ?? SiteURL.home
    }

    static let titles = ["代码", "单位", "类别", "阶段", "得分", "等级", "同类名次"]

    static func describe(_ stage: Int, _ status: WorkflowState.Status, _ stages: [String]) -> String {
        stage < stages.count ? AssessmentStore.describe(WorkflowState(stage: stage, status: status), stages) : "?"
    }

    private func table(_ lines: ArraySlice<Overview.Line>, stages: [String], id: String, header: Node<HTML.TableContext>) -> Node<HTML.BodyContext> {
        let titles = Self.titles
        return .table(.escaped("id", id), .class("list"),
            header,
            .forEach(lines) { line in
                .tr(ListView.cell(titles[0], .text(line.row.unitCode)),
                    ListView.cell(titles[1], unit: true, .a(.href(SiteURL.assessment(line.row.assessmentID)), .text(line.row.unitName))),
                    ListView.cell(titles[2], .text(line.row.unitKind)),
                    ListView.cell(titles[3], .text(AssessmentStore.describe(line.row.state, stages))),
                    ListView.cell(titles[4], numeric: true, .text(line.result.total.statusText)),
                    ListView.cell(titles[5], .text(line.result.grade ?? "—")),
                    ListView.cell(titles[6], numeric: true, .text(line.result.rank.map(String.init) ?? "—")))
            })
    }
}
