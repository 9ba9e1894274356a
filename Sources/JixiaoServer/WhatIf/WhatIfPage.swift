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
            distance,
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
                  .unwrap(view.target) { .input(.type(.hidden), .name("target"), .escaped("value", $0)) },
                  .button(.type(.submit), .id("try"), .text("试算")), .text(" "),
                  .a(.href(SiteURL.whatIf(id)), .id("reset"), .text("还原为已保存的数字"))))
    }

    /// How far each grade above is, where the points are (cheapest first), and the fewest changes to the target.
    private var distance: Node<HTML.BodyContext> {
        let id = view.sheet.row.assessmentID
        return .group(
            .h2("离更高等级还差多少"),
            .form(.method(.get), .action(SiteURL.whatIf(id)), .id("target-form"),
                  .text("目标等级 "),
                  .select(.escaped("name", "target"), .escaped("id", "target"),
                          .forEach(view.grades) { grade in
                              .option(.escaped("value", grade), .escaped("label", grade), .isSelected(grade == view.target))
                          }),
                  .text(" "), .button(.type(.submit), .id("analyse"), .text("分析"))),
            .unwrap(view.analysis) { analysis in
                let changeable = analysis.opportunities.filter { $0.changeable && !$0.steps.isEmpty }
                let fixed = analysis.opportunities.filter { !$0.changeable }
                return .div(.id("analysis"),
                    .p(.text("现状：" + analysis.standing.text)),
                    .if(!analysis.problems.isEmpty, .ul(.class("problems"), .forEach(analysis.problems) { .li(.text($0)) })),
                    .ul(.id("distances"), .forEach(analysis.distances) { .li(.text($0.text)) }),
                    .unwrap(analysis.plan) { plan in
                        .div(.id("plan"), .if(plan.reachable, .class("flash"), else: .class("bad")),
                             .forEach(plan.text) { .p(.text($0)) },
                             .if(plan.reachable && !plan.changes.isEmpty,
                                 .p(.a(.href(SiteURL.whatIfTrying(id, view.trialQuery(plan.changes))), .id("try-plan"), .text("按此计划试算")))))
                    },
                    .h3("哪些指标还能得分（最省力的在前）"),
                    .table(.id("opportunities"),
                        .tr(.th("代码"), .th("指标"), .th("得分 / 分值"), .th("尚可得"), .th("改动与所得")),
                        .forEach(changeable) { item in
                            .tr(.td(.text(item.code)), .td(.text(item.name)),
                                .td(.class("num"), .text("\(item.score.formatted()) / \(item.max.formatted())")),
                                .td(.class("num"), .text(item.open.map { $0.formatted() } ?? "不封顶")),
                                .td(.class("rule"), .ul(.forEach(item.steps.prefix(4)) { step in
                                    .li(.a(.href(SiteURL.whatIfTrying(id, view.trialQuery(step.changes))), .text(step.text)))
                                })))
                        }),
                    .if(!fixed.isEmpty, .group(
                        .h3("不由填报数字决定的指标"),
                        .ul(.id("fixed"), .forEach(fixed) { item in
                            .li(.text("\(item.code) \(item.name)：\(item.score.formatted()) / \(item.max.formatted())"
                                      + (item.why.map { "，\($0)" } ?? "")))
                        }))),
                    .if(!analysis.assumptions.isEmpty, .ul(.class("muted"), .forEach(analysis.assumptions) { .li(.text($0)) })))
            })
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
