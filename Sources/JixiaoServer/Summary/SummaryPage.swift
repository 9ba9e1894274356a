import Foundation
import JixiaoCore
import Plot

/// `/summary/:scheme/:period`: 总体情况 for a province's (or a city's) office, charts drawn by the server.
struct SummaryPage {
    let context: PageContext
    let view: SummaryView
    let choices: [Overview.Choice]

    var document: HTML {
        let title = "总体情况 · \(view.schemeName) · \(view.period)"
        return Page.document(
            title: title, context: context,
            .h1(.text(title)),
            .p(.class("muted noprint"), .text("其他考核期："),
               .forEach(choices) { choice in
                   .group(.a(.href(SiteURL.summary(scheme: choice.schemeID, period: choice.period)), .text("\(choice.schemeName) · \(choice.period)")), .text(" "))
               }),
            .p(.text("共 \(view.count) 份考核。")),
            .h2("进度（按下级单位）"),
            .svg(Chart.stacked(view.progress.map { ($0.name, $0.counts) }, legend: view.columns, title: "各单位考核所处阶段")),
            .div(.class("scroll"), .table(.id("progress"),
                .tr(.th("单位"), .forEach(view.columns) { .th(.text($0)) }, .th("合计")),
                .forEach(view.progress) { line in
                    .tr(.td(.text(line.name)), .forEach(line.counts) { .td(.class("num"), .text(String($0))) }, .td(.class("num"), .text(String(line.total))))
                })),
            .h2("等级分布"),
            .svg(Chart.bars(view.grades.map { ($0.grade, Fixed($0.count)) }, maximum: Fixed(max(view.grades.map(\.count).max() ?? 1, 1)),
                            title: "各等级的考核份数", places: 0)),
            .h2("失分最多的指标"),
            .if(view.losses.isEmpty, .p(.class("muted"), .text("没有失分的指标。")),
                else: .group(
                    .svg(Chart.bars(view.losses.map { ("\($0.code) \($0.name)", $0.average.rounded(places: 2).fixed) },
                                    maximum: view.losses.map(\.max).max() ?? 1, title: "平均失分（分）")),
                    .div(.class("scroll"), .table(.id("losses"),
                        .tr(.th("代码"), .th("指标"), .th("分值"), .th("失分单位数"), .th("合计失分"), .th("平均失分")),
                        .forEach(view.losses) { loss in
                            .tr(.td(.text(loss.code)), .td(.text(loss.name)), .td(.class("num"), .text(loss.max.formatted())),
                                .td(.class("num"), .text("\(loss.units) / \(loss.scored)")),
                                .td(.class("num"), .text(loss.points.rounded(places: 2).formatted())),
                                .td(.class("num"), .text(loss.average.rounded(places: 2).formatted())))
                        })))),
            .h2("逐期平均得分"),
            .if(view.trend.count > 1, .svg(Chart.trend(view.trend, maximum: view.maximum, title: "平均得分（各期所处阶段）")),
                else: .p(.class("muted"), .text("只有一个考核期。")))
        )
    }
}
