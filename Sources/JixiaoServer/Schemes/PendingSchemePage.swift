import Foundation
import JixiaoCore
import Plot

/// `/schemes/upload/:id`: an uploaded file that passed its checks with warnings. It lists every warning as
/// `jixiao validate` prints it; nothing is stored until the admin confirms (or discards) it here.
struct PendingSchemePage {
    let context: PageContext
    let pendingID: UUID
    let filename: String
    let scheme: Scheme
    let indicatorCount: Int
    let warnings: [String]

    var document: HTML {
        Page.document(
            title: "确认上传 \(filename)", context: context,
            .h1(.text("确认上传：\(filename)")),
            .p(.text("方案 \(scheme.id)「\(scheme.name)」第 \(scheme.version) 版"
                     + (scheme.year.map { " · \($0) 年度" } ?? "") + " · 总分 \(scheme.total.formatted()) · \(indicatorCount) 个指标。")),
            .p(.class("bad"), .id("pending-status"),
               .text("校验未发现错误，但有 \(warnings.count) 条警告。请逐条核对；确认前本方案不会保存，也不能用于考核。")),
            .ol(.class("warnings"), .id("warnings"), .forEach(warnings) { .li(.text($0)) }),
            .div(.class("actions"),
                .form(.method(.post), .action(SiteURL.pendingSchemeAction(pendingID, "confirm")), context.csrfField,
                      .button(.type(.submit), .id("confirm-upload"), .text("已核对警告，保存为新版本"))),
                .form(.method(.post), .action(SiteURL.pendingSchemeAction(pendingID, "discard")), context.csrfField,
                      .button(.type(.submit), .id("discard-upload"), .text("放弃，不保存")))),
            .p(.a(.href(SiteURL.schemes), .text("返回考核方案列表")))
        )
    }
}
