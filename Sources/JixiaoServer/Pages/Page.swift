import Plot
import Vapor

/// The shared page frame: Chinese, one stylesheet inline (no CDN), a header with the product name.
enum Page {
    static func document(title: String, _ content: Node<HTML.BodyContext>...) -> HTML {
        HTML(
            .lang(.chinese),
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
                .title("\(title) · 绩效"),
                .element(named: "style", text: stylesheet)
            ),
            .body(
                .header(.a(.href("/"), .text("绩效 Jixiao")), .span(.class("subtitle"), .text("考核方案 · 计分 · 核对"))),
                .main(.group(content))
            )
        )
    }

    static func html(_ document: HTML) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .html
        return Response(status: .ok, headers: headers, body: .init(string: document.render()))
    }

    static let stylesheet = """
        body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#222}
        header{background:#8b1a1a;color:#fff;padding:.6em 1.2em}header a{color:#fff;font-weight:bold;text-decoration:none;margin-right:1em}
        main{padding:1em 1.2em}table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .5em}
        th{background:#f3f0ea}td.num{text-align:right;font-variant-numeric:tabular-nums}.rule{color:#555;font-size:.9em}
        .bad{color:#b00;font-weight:bold}.ok{color:#070}.subtitle{opacity:.8}
        @media print{header{display:none}}
        """
}
