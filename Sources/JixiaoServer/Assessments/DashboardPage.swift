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
                       .text(" · "), .a(.href(SiteURL.ranking(scheme: selected.schemeID, period: selected.period)), .id("ranking-link"), .text("查看排名")),
                       .text(" · "), .a(.href(SiteURL.overviewWorkbook(scheme: selected.schemeID, period: selected.period)), .text("导出 xlsx"))),
                    .h2(.text("待我办理（\(mine.count)）")),
                    .if(overview.waitingElsewhere > 0,
                        .p(.class("flash"), .id("waiting-elsewhere"),
                           .text("其他考核还有 \(overview.waitingElsewhere) 份待我办理："),
                           .forEach(overview.choices.filter { $0.waiting > 0 && !($0.schemeID == selected.schemeID && $0.period == selected.period) }) { choice in
                               .a(.href(SiteURL.homeFor(scheme: choice.schemeID, period: choice.period)),
                                  .text("\(choice.schemeName) · \(choice.period)（\(choice.waiting)）  "))
                           })),
                    table(mine, stages: stages, id: "todo"),
                    .h2(.text("全部（\(overview.lines.count)）")),
                    table(overview.lines, stages: stages, id: "all")
                )
            }
        )
    }

    static func describe(_ stage: Int, _ status: WorkflowState.Status, _ stages: [String]) -> String {
        stage < stages.count ? AssessmentStore.describe(WorkflowState(stage: stage, status: status), stages) : "?"
    }

    private func table(_ lines: [Overview.Line], stages: [String], id: String) -> Node<HTML.BodyContext> {
        .table(.escaped("id", id),
            .tr(.th("单位"), .th("阶段"), .th("得分"), .th("等级"), .th("名次")),
            .forEach(lines) { line in
                .tr(.td(.a(.href(SiteURL.assessment(line.row.assessmentID)), .text(line.row.unitName))),
                    .td(.text(AssessmentStore.describe(line.row.state, stages))),
                    .td(.class("num"), .text(line.result.total.statusText)),
                    .td(.text(line.result.grade ?? "—")),
                    .td(.class("num"), .text(line.result.rank.map(String.init) ?? "—")))
            })
    }
}
