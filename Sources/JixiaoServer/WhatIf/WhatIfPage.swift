import Foundation
import JixiaoCore
import Plot

/// `/assessments/:id/whatif`: try figures against the saved state and watch total, grade and rank move.
struct WhatIfPage {
    let context: PageContext
    let view: WhatIfView

    var document: HTML {
        let id = view.sheet.row.assessmentID
        return Page.document(
            title: "试算 · \(view.title)", context: context,
            .h1(.text("试算：\(view.title)")),
            .p(.class("muted"), .text("在这里改动数字只用于试算，不会保存，也不影响任何人的填报。排名类指标假定其他单位的数据不变。"),
               .text(" "), .a(.href(SiteURL.assessment(id)), .id("back-to-sheet"), .text("返回得分表"))),
            .if(!view.problems.isEmpty, .group(.p(.class("bad"), .text("无法试算，请改正：")),
                                              .ul(.class("problems"), .id("problems"), .forEach(view.problems) { .li(.text($0)) }))),
            comparison,
            .h2(.text("改动数字（\(view.stageName)）")),
            .form(.method(.get), .action(SiteURL.whatIf(id)), .id("whatif"),
                  .table(
                    .tr(.th("填报项"), .th("单位"), .th("已保存"), .th("试算值")),
                    .forEach(Array(view.fields.enumerated())) { index, field in
                        .tr(.if(field.tried != nil, .class("tried")),
                            .td(.text(field.label)), .td(.text(field.unit ?? "")), .td(.class("num"), .text(field.saved)),
                            .td(.input(.type(.text), .escaped("name", WhatIfView.formKey(index)), .escaped("data-key", field.key),
                                       .escaped("value", field.tried ?? field.saved))))
                    }),
                  .button(.type(.submit), .id("try"), .text("试算")), .text(" "),
                  .a(.href(SiteURL.whatIf(id)), .id("reset"), .text("还原为已保存的数字"))))
    }

    private var comparison: Node<HTML.BodyContext> {
        let saved = view.saved
        let trial = view.trial
        func row(_ label: String, _ before: String, _ after: String?, id: String) -> Node<HTML.TableContext> {
            .tr(.th(.text(label)), .td(.class("num"), .text(before)),
                .td(.class("num"), .escaped("id", id), .if(after != nil && after != before, .class("num moved")), .text(after ?? "—")))
        }
        return .group(
            .table(.id("whatif-result"),
                .tr(.th(""), .th(.text("已保存（\(view.stageName)）")), .th("试算后")),
                row("总分", saved.total.statusText, trial?.total.statusText, id: "whatif-total"),
                row("等级", saved.grade ?? "—", trial.map { $0.grade ?? "—" }, id: "whatif-grade"),
                row("名次", saved.rank.map(String.init) ?? "—", trial.map { $0.rank.map(String.init) ?? "—" }, id: "whatif-rank")),
            .if(trial == nil && view.problems.isEmpty, .p(.class("muted"), .text("尚未改动任何数字。"))),
            .if(!view.changes.isEmpty,
                .table(.id("whatif-changes"),
                    .tr(.th("代码"), .th("指标"), .th("已保存"), .th("试算后")),
                    .forEach(view.changes) { change in
                        .tr(.td(.text(change.code)), .td(.text(change.name)), .td(.class("num"), .text(change.before)),
                            .td(.class("num moved"), .text(change.after)))
                    })))
    }
}
