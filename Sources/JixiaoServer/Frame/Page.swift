import Foundation
import Plot
import Vapor

/// What every signed-in page shows in its header: who is signed in, and the token its forms carry.
struct PageContext: Sendable {
    let user: SignedIn?
    let csrf: String

    init(_ request: Request) {
        user = SignedIn(session: request.session)
        csrf = request.csrfToken
    }

    /// The hidden field every POST form carries (see CSRFProtection).
    var csrfField: Node<HTML.FormContext> { .input(.type(.hidden), .name("_csrf"), .escaped("value", csrf)) }
}

/// The shared page frame: Chinese, one stylesheet inline (no CDN), a header with the product name and the user.
enum Page {
    static func document(title: String, context: PageContext?, _ content: Node<HTML.BodyContext>...) -> HTML {
        HTML(
            .lang(.chinese),
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
                // Not Plot's `.title`, which also writes the title into unescaped <meta content> tags.
                .element(named: "title", text: "\(title) · 绩效"),
                .element(named: "style", text: stylesheet + listStylesheet),
                .script(.src(SiteURL.script), .attribute(named: "defer"))
            ),
            .body(
                .header(
                    .a(.href(SiteURL.home), .text("绩效 Jixiao")),
                    .if(context?.user != nil,
                        .group(
                            .a(.href(SiteURL.inbox), .id("inbox-link"), .text("待我办理")),
                            .a(.href(SiteURL.rankings), .text("排名")),
                            .if(context?.user?.role != .filler, .a(.href(SiteURL.summaryIndex), .text("总体情况"))),
                            .a(.href(SiteURL.schemes), .text("考核方案")),
                            .a(.href(SiteURL.evaluations), .id("evaluations-link"), .text("评价")),
                            .a(.href(SiteURL.platformMonths), .id("platform-link"), .text("平台数据")),
                            .a(.href(SiteURL.org), .text("组织机构")),
                            .a(.href(SiteURL.appraisals), .id("appraisals-link"), .text("全员考核")),
                            .if(context?.user.map { AccountRules.managesAccounts($0.role) } ?? false,
                                .a(.href(SiteURL.accounts), .id("accounts-link"), .text("账号"))),
                            .if(context?.user.map(PlatformIngestRules.mayUpload) ?? false,
                                .a(.href(SiteURL.platformImports), .id("platform-ingest-link"), .text("平台导入")))
                        )),
                    .unwrap(context, { context in
                        .unwrap(context.user) { user in
                            .span(.class("who"),
                                .text("\(user.unitName) · \(user.displayName)（\(user.role.chineseName)）"),
                                .a(.href(SiteURL.changePassword), .id("change-password-link"), .class("quiet"), .text("修改密码")),
                                .form(.class("inline"), .method(.post), .action(SiteURL.logout), context.csrfField,
                                      .button(.type(.submit), .id("logout"), .text("退出"))))
                        }
                    })
                ),
                .main(.group(content))
            )
        )
    }

    static func html(_ document: HTML, status: HTTPResponseStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .html
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: status, headers: headers, body: .init(string: document.render()))
    }

    /// The pages' one script, served as a file (the Content-Security-Policy allows no inline script):
    /// the entry form's live score, and the print and back links.
    static let script = """
        document.addEventListener('submit', (event) => {
          // A form asks before it is sent, or the button that sends it does (the inbox's batch approval).
          const message = (event.submitter && event.submitter.dataset.confirm) || event.target.dataset.confirm;
          if (message && !window.confirm(message)) event.preventDefault();
        });
        document.addEventListener('change', (event) => {
          // A "select all" box ticks or clears every box of its fieldset, or only those of one data-kind
          // (the unit tree of opening a period).
          const all = event.target.closest('input[data-select-all]');
          if (!all) return;
          const kind = all.dataset.selectAll;
          const boxes = all.closest('fieldset').querySelectorAll(kind ? 'input[data-kind="' + CSS.escape(kind) + '"]' : 'input[type=checkbox]');
          for (const box of boxes) box.checked = all.checked;
        });
        document.addEventListener('click', (event) => {
          const link = event.target.closest('[data-action]');
          if (!link) return;
          event.preventDefault();
          if (link.dataset.action === 'print') window.print();
          if (link.dataset.action === 'back') history.back();
        });
        const form = document.getElementById('entry');
        if (form) {
          let timer, latest = 0;
          form.addEventListener('input', () => {
            clearTimeout(timer);
            timer = setTimeout(async () => {
              const asked = ++latest;
              const response = await fetch(form.dataset.preview, {method: 'POST', body: new URLSearchParams(new FormData(form)), headers: {'Accept': 'application/json'}});
              if (!response.ok || asked !== latest) return;  // a slower, older answer never overwrites a newer one
              const data = await response.json();
              if (asked !== latest) return;
              document.getElementById('live-total').textContent = data.total + (data.grade ? '（' + data.grade + '）' : '');
              for (const [code, score] of Object.entries(data.scores)) {
                for (const cell of document.querySelectorAll('[data-live="' + CSS.escape(code) + '"]')) cell.textContent = score;
              }
              const ruleTotal = document.getElementById('rule-total');
              if (ruleTotal) ruleTotal.textContent = data.total;
              const ruleGrade = document.getElementById('rule-grade');
              if (ruleGrade) ruleGrade.textContent = data.grade || '—';
            }, 300);
          });
        }
        """ + SelfEvaluationScript.text + listScript + PlatformIngestScript.text

    /// A one-message page (errors, refusals), with a way back.
    static func message(title: String, lines: [String], context: PageContext?, status: HTTPResponseStatus) -> Response {
        html(document(title: title, context: context,
                      .h1(.text(title)),
                      .ul(.class("problems"), .forEach(lines) { .li(.text($0)) }),
                      .p(.a(.href(SiteURL.home), .escaped("data-action", "back"), .text("返回上一页")), .text(" · "),
                         .a(.href(SiteURL.home), .text("首页")))),
             status: status)
    }

    static let stylesheet = """
        body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#222}
        header{background:#8b1a1a;color:#fff;padding:.6em 1.2em;display:flex;gap:1em;align-items:center}
        header a{color:#fff;font-weight:bold;text-decoration:none}.who{margin-left:auto;font-size:.9em}.who a.quiet{font-weight:normal;margin-left:.6em;text-decoration:underline}
        form.stacked label{display:inline-block;min-width:22em}form.stacked select{max-width:100%}code.secret{font-size:1.3em;background:#f3f0ea;padding:.1em .4em;user-select:all}
        .table-scroll{overflow-x:auto}button.danger{color:#b00}
        @media (max-width:640px){form.stacked label{min-width:0}table.cards,table.cards tbody,table.cards tr,table.cards td{display:block}table.cards tr:first-child{display:none}
        table.cards tr{border:1px solid #ccc;margin-bottom:.5em;padding:.2em 0}table.cards td{border:none;padding:.1em .5em}
        table.cards td[data-label]::before{content:attr(data-label) "：";color:#777}}
        form.inline{display:inline;margin-left:.6em}main{padding:1em 1.2em}
        table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .5em;vertical-align:top}
        th{background:#f3f0ea}td.num{text-align:right;font-variant-numeric:tabular-nums}.rule{color:#555;font-size:.85em;max-width:40em}
        .bad{color:#b00;font-weight:bold}.ok{color:#070}.muted{color:#777}.problems li{color:#b00}
        .flash{background:#eef7ee;border:1px solid #9c9;padding:.5em}.status{padding:.1em .4em;border-radius:3px;background:#eee}
        input[type=text]{width:9em}input.reason{width:16em}.actions form{display:inline-block;margin-right:1em;vertical-align:top}
        .total{font-size:1.3em;font-weight:bold}.live{position:sticky;top:0;background:#fff;padding:.3em 0;z-index:1}svg text{font-family:inherit}svg.chart{max-width:100%;height:auto}
        details.why summary{cursor:pointer;color:#8b1a1a;font-size:.9em}details.why ol{margin:.2em 0;padding-left:1.4em}
        .grade-basis{font-weight:normal;max-width:28em}.moved{background:#fff3cd;font-weight:bold}tr.tried td{background:#fffbea}
        .warn{background:#fff6e0;border:1px solid #e0b050;padding:.5em}.provisional{color:#a15c00;font-weight:bold}tr.returned td{background:#fdecea}
        progress#import-progress{width:100%;max-width:40em;height:1.4em}tr.claim-differs td{background:#fdecea}.flag{white-space:nowrap}.checklist label,.lateness input{display:block;font-size:.9em}input.amount{width:10em;text-align:right}
        @media print{header,.actions,form,.noprint{display:none}main{padding:0}details.why{display:none}}
        header{flex-wrap:wrap}header a{white-space:nowrap}.scroll{overflow-x:auto;max-width:100%}.phone-code{display:none}
        @media (max-width:640px){
        header{gap:.3em .9em;padding:.5em .8em}.who{margin-left:0;width:100%;font-size:.85em}main{padding:.6em}h1{font-size:1.15em}
        .scroll th,.scroll td{white-space:nowrap}.scroll td.rule{white-space:normal}
        .scroll table th:first-child,.scroll table td:first-child{position:sticky;left:0;background:#fff;z-index:1}
        #sheet th:first-child,#sheet td:first-child{display:none}
        #sheet th:nth-child(2),#sheet td:nth-child(2){position:sticky;left:0;background:#fff;z-index:1;white-space:normal;min-width:7em}
        .scroll table th:first-child,#sheet th:nth-child(2){background:#f3f0ea}
        .phone-code{display:inline;color:#777;font-size:.85em;margin-right:.3em}.rule{min-width:13em}input[type=text]{width:7em}
        .actions form{display:block;margin:0 0 .6em}textarea{width:100%;box-sizing:border-box}}
        """
}

extension Node where Context == HTML.BodyContext {
    /// SVG drawn by the server (Plot has no SVG elements); callers escape every text they put in.
    static func svg(_ markup: String) -> Node { .raw(markup) }
}
