import Foundation
import JixiaoPlatform
import Plot

/// `/platform/tokens`: the API tokens of the admin's tree, a form to issue one, and a new token shown once.
struct PlatformTokensPage {
    struct Row: Sendable {
        let id: UUID
        let name: String
        let unitName: String
        let createdAt: Date
        let createdBy: String
        let expiresAt: Date?
        let lastUsedAt: Date?
        let revokedAt: Date?
        let valid: Bool

        init(_ token: PlatformToken) {
            id = token.id ?? UUID()
            name = token.name
            unitName = token.unitName
            createdAt = token.createdAt
            createdBy = token.createdBy
            expiresAt = token.expiresAt
            lastUsedAt = token.lastUsedAt
            revokedAt = token.revokedAt
            valid = token.isValid()
        }
    }

    struct Issued: Sendable {
        let name: String
        let unitName: String
        let secret: String
    }

    let context: PageContext
    let tokens: [Row]
    let units: [(UUID, String)]
    let issued: Issued?
    let problems: [String]
    let flash: String?

    static func day(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.isLenient = false
        // The end of that day, Beijing time.
        return formatter.date(from: text).map { $0.addingTimeInterval(86_399) }
    }

    static func dayText(_ date: Date) -> String { String(AccountTime.text(date).prefix(10)) }

    var document: HTML {
        Page.document(
            title: "接口令牌", context: context,
            .h1(.text("平台数据接口令牌")),
            .p(.class("rule"), .text("“量服”平台用令牌向 POST /api/platform/records 推送记录（请求头 Authorization: Bearer 令牌）。令牌只在签发时显示一次，系统只保存其 SHA-256 摘要；推送的记录须属于令牌所在单位及其下级单位。"),
               .a(.href(SiteURL.platformImports), .id("platform-imports-link"), .text("上传记录文件"))),
            .unwrap(flash) { .p(.class("flash"), .text($0)) },
            .unwrap(issued) { issued in
                .div(.class("warn"), .id("issued"),
                     .p(.text("已签发令牌“\(issued.name)”（范围：\(issued.unitName)）。请立即复制保存，离开本页后无法再次查看：")),
                     .p(.element(named: "code", nodes: [.class("secret"), .id("secret"), .text(issued.secret)])))
            },
            AccountParts.problems(problems),
            .form(.method(.post), .action(SiteURL.platformTokens), .class("stacked"), .id("issue-token"), context.csrfField,
                  .p(.label(.text("名称 "), .input(.type(.text), .name("name"), .id("token-name"), .attribute(named: "maxlength", value: "60"), .required(true)))),
                  .p(.label(.text("范围（单位及其下级） "),
                            .select(.escaped("name", "unit"), .id("token-unit"),
                                    .forEach(units) { unit in .option(.escaped("value", unit.0.uuidString), .escaped("label", unit.1)) }))),
                  .p(.label(.text("有效期至（可不填） "), .input(.type(.date), .name("expires"), .id("token-expires")))),
                  .button(.type(.submit), .id("issue"), .text("签发令牌"))),
            .h2(.text("已签发的令牌")),
            .if(tokens.isEmpty, .p(.class("muted"), .text("还没有令牌。"))),
            .if(!tokens.isEmpty, .table(.id("tokens"), .class("cards"),
                .tr(.th("名称"), .th("范围"), .th("签发"), .th("有效期至"), .th("最近使用"), .th("状态"), .th("")),
                .forEach(tokens) { token in
                    .tr(.td(.escaped("data-label", "名称"), .text(token.name)),
                        .td(.escaped("data-label", "范围"), .text(token.unitName)),
                        .td(.escaped("data-label", "签发"), .text("\(AccountTime.text(token.createdAt)) \(token.createdBy)")),
                        .td(.escaped("data-label", "有效期至"), .text(token.expiresAt.map(Self.dayText) ?? "长期")),
                        .td(.escaped("data-label", "最近使用"), .text(token.lastUsedAt.map { AccountTime.text($0) } ?? "未使用")),
                        .td(.escaped("data-label", "状态"), .class("token-state"),
                            .text(token.revokedAt.map { "已撤销（\(AccountTime.text($0))）" } ?? (token.valid ? "有效" : "已过期"))),
                        .td(.if(token.revokedAt == nil,
                                .form(.method(.post), .action(SiteURL.platformTokenRevoke(token.id)), context.csrfField,
                                      .escaped("data-confirm", "撤销令牌“\(token.name)”？撤销后用它的推送一律被拒绝。"),
                                      .button(.type(.submit), .class("danger"), .text("撤销"))))))
                }))
        )
    }
}

/// `/platform/imports`: upload a record file (the page's script sends it and opens its progress page), and the
/// imports of the user's tree.
struct PlatformImportsPage {
    let context: PageContext
    let jobs: [PlatformImportDTO]

    var document: HTML {
        Page.document(
            title: "导入平台数据", context: context,
            .h1(.text("导入平台数据（量服记录）")),
            .p(.class("rule"), .text("每次一个文件、一类记录：CSV（UTF-8）或 xlsx（第一个工作表），第一行为列名，与平台导出的 CSV 相同。整个文件要么全部导入，要么（任何一行有错）一条也不导入；同一文件导入两次不会重复。CSV 不超过 \(PlatformIngestRules.maxUploadBytes >> 20) MiB，xlsx 不超过 20 MiB。"),
               .if(context.user.map(PlatformIngestRules.managesTokens) ?? false,
                   .a(.href(SiteURL.platformTokens), .id("platform-tokens-link"), .text("接口令牌（平台推送）")))),
            .form(.method(.post), .action(SiteURL.platformImports), .id("platform-upload"), .class("stacked"),
                  .escaped("data-upload", SiteURL.platformImportUpload.path), .escaped("data-csrf", context.csrf),
                  .p(.label(.text("记录类型 "),
                            .select(.escaped("name", "kind"), .id("upload-kind"),
                                    .option(.value(""), .escaped("label", "按文件名（如 services.csv）")),
                                    .forEach(Records.all) { kind in .option(.escaped("value", kind.name), .escaped("label", "\(kind.label)（\(kind.name)）")) }))),
                  .p(.label(.text("文件 "), .input(.type(.file), .name("file"), .id("upload-file"), .attribute(named: "accept", value: ".csv,.xlsx"), .required(true)))),
                  .button(.type(.submit), .id("upload"), .text("上传并导入")),
                  .p(.id("upload-problem"), .class("bad"))),
            .h2(.text("导入记录")),
            .if(jobs.isEmpty, .p(.class("muted"), .text("还没有导入。"))),
            .if(!jobs.isEmpty, .div(.class("table-scroll"), .table(.id("imports"), .class("cards"),
                .tr(.th("时间"), .th("导入人"), .th("文件"), .th("类型"), .th("状态"), .th("结果")),
                .forEach(jobs) { job in
                    .tr(.td(.escaped("data-label", "时间"), .a(.href(SiteURL.platformImport(job.id)), .text(AccountTime.text(job.createdAt, seconds: true)))),
                        .td(.escaped("data-label", "导入人"), .text(job.user)),
                        .td(.escaped("data-label", "文件"), .text(job.file)),
                        .td(.escaped("data-label", "类型"), .text(job.kindLabel)),
                        .td(.escaped("data-label", "状态"), .escaped("class", job.state == "done" ? "ok" : job.finished ? "bad" : ""), .text(job.stateText)),
                        .td(.escaped("data-label", "结果"), .text(job.resultText)))
                })))
        )
    }
}

/// `/platform/imports/<id>`: one import's progress; the script polls the JSON endpoint until it is done or failed.
struct PlatformImportPage {
    let context: PageContext
    let job: PlatformImportDTO

    var document: HTML {
        Page.document(
            title: "导入进度", context: context,
            .h1(.text("导入 \(job.file)（\(job.kindLabel)）")),
            .div(.id("import-job"), .escaped("data-poll", SiteURL.platformImportJSON(job.id).path), .escaped("data-state", job.state),
                 .p(.element(named: "progress", nodes: [.id("import-progress"), .attribute(named: "max", value: "100"),
                                                        .escaped("value", String(job.percent)), .text("\(job.percent) %")])),
                 .p(.text("状态："), .strong(.id("import-state"), .text(job.stateText))),
                 .p(.id("import-result"), .escaped("class", job.state == "done" ? "ok" : "bad"), .text(job.resultText)),
                 .if(job.state == PlatformImportDTO.interrupted,
                     .p(.id("import-again"), .a(.href(SiteURL.platformImports), .text("重新上传该文件"))))),
            .p(.class("muted"), .text("上传人 \(job.user)，\(AccountTime.text(job.createdAt, seconds: true))")),
            .p(.a(.href(SiteURL.platformImports), .id("back-to-imports"), .text("返回导入记录")))
        )
    }
}

/// The upload form and the progress page, by hand (the pages' one script; no inline script is allowed).
enum PlatformIngestScript {
    static let text = """

        const platformUpload = document.getElementById('platform-upload');
        if (platformUpload) {
          platformUpload.addEventListener('submit', async (event) => {
            event.preventDefault();
            const file = document.getElementById('upload-file').files[0];
            const problem = document.getElementById('upload-problem');
            if (!file) return;
            problem.textContent = '正在上传…';
            const query = new URLSearchParams({file: file.name, kind: document.getElementById('upload-kind').value});
            try {
              const response = await fetch(platformUpload.dataset.upload + '?' + query, {method: 'POST', body: file,
                headers: {'X-CSRF-Token': platformUpload.dataset.csrf, 'Content-Type': 'application/octet-stream', 'Accept': 'application/json'}});
              const data = await response.json().catch(() => ({}));
              if (!response.ok) { problem.textContent = data.reason || ('上传失败（' + response.status + '）'); return; }
              window.location.href = data.page;
            } catch (error) { problem.textContent = '上传失败：' + error; }
          });
        }
        const importJob = document.getElementById('import-job');
        if (importJob && !['done', 'failed', 'interrupted'].includes(importJob.dataset.state)) {
          const poll = async () => {
            try {
              const response = await fetch(importJob.dataset.poll, {headers: {'Accept': 'application/json'}});
              if (response.ok) {
                const data = await response.json();
                const bar = document.getElementById('import-progress');
                bar.value = data.percent;
                bar.textContent = data.percent + ' %';
                document.getElementById('import-state').textContent = data.stateText;
                const result = document.getElementById('import-result');
                result.textContent = data.result;
                result.className = data.state === 'done' ? 'ok' : 'bad';
                if (data.state === 'interrupted') { window.location.reload(); return; }
                importJob.dataset.state = data.state;
                if (data.finished) return;
              }
            } catch (error) { /* the next poll tries again */ }
            setTimeout(poll, 500);
          };
          setTimeout(poll, 300);
        }
        """
}
