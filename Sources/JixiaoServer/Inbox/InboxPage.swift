import Foundation
import JixiaoCore
import Plot

/// `/inbox`: 待我办理 in every scheme and period, with a batch submit or approval per scheme and period.
struct InboxPage {
    let context: PageContext
    let view: InboxView
    /// After a batch: what was done, and what was refused with why.
    let done: [String]
    let refused: [String]

    var document: HTML {
        Page.document(
            title: "待我办理", context: context,
            .h1(.text("待我办理（\(view.count)）")),
            .if(!done.isEmpty, .div(.class("flash"), .id("batch-done"), .ul(.forEach(done) { .li(.text($0)) }))),
            .if(!refused.isEmpty, .div(.class("bad"), .id("batch-refused"), .p(.text("以下考核未办理：")), .ul(.forEach(refused) { .li(.text($0)) }))),
            .if(view.groups.isEmpty, .p(.class("muted"), .id("inbox-empty"), .text("没有等待您办理的考核。"))),
            .forEach(view.groups) { group in
                .group(
                    .h2(.a(.href(SiteURL.homeFor(scheme: group.schemeID, period: group.period)), .text("\(group.schemeName) · \(group.period)"))),
                    .p(.class("muted"), .text(group.perStage.map { "\($0.stage) \($0.count) 份" }.joined(separator: "，"))),
                    .form(.method(.post), .action(SiteURL.inboxBatch), .class("batch"), context.csrfField,
                        .div(.class("scroll"), .table(.class("inbox"),
                            .tr(.th("选择"), .th("单位"), .th("阶段"), .th("得分"), .th("等级"), .th("能否办理")),
                            .forEach(group.items) { item in
                                let id = item.row.assessmentID.uuidString
                                return .tr(
                                    .td(.if(item.blocker == nil,
                                            .input(.type(.checkbox), .name("ids[]"), .escaped("value", id), .escaped("data-step", item.action.rawValue)),
                                            else: .text("—")),
                                        .input(.type(.hidden), .escaped("name", "rev-" + id), .escaped("value", String(item.row.revision)))),
                                    .td(.a(.href(SiteURL.assessment(item.row.assessmentID)), .text(item.row.unitName))),
                                    .td(.text(item.stageName)),
                                    .td(.class("num"), .text(item.result.total.statusText)),
                                    .td(.text(item.result.grade ?? "—")),
                                    .td(.text(item.blocker ?? (item.action == .approve ? "可审定" : "可提交"))))
                            })),
                        .p(.button(.type(.submit), .name("action"), .value("submit"), .class("batch-submit"), .text("批量提交所选")),
                           .text(" "),
                           .button(.type(.submit), .name("action"), .value("approve"), .class("batch-approve"),
                                   .escaped("data-confirm", "审定通过后所选考核即锁定，不能再修改。确定批量审定通过？"), .text("批量审定通过所选"))))
                )
            })
    }
}
