import Foundation
import Plot

extension SiteURL {
    /// A list's page, workbook or JSON (`base`) with `list` as its query; any other URL as it is.
    static func listed(_ base: SiteURL, _ list: ListQuery) -> SiteURL {
        switch base {
        case .homeFor(let scheme, let period, _): return .homeFor(scheme: scheme, period: period, list: list)
        case .overviewWorkbook(let scheme, let period, _): return .overviewWorkbook(scheme: scheme, period: period, list: list)
        case .ranking(let scheme, let period, _): return .ranking(scheme: scheme, period: period, list: list)
        case .rankingWorkbook(let scheme, let period, _): return .rankingWorkbook(scheme: scheme, period: period, list: list)
        case .rankingJSON(let scheme, let period, _): return .rankingJSON(scheme: scheme, period: period, list: list)
        default: return base
        }
    }
}

/// The pieces every long list shows: the filter form (GET, works without script), sortable headings, the pager.
enum ListView {
    /// `base`: the list's URL (its own query is replaced); `hidden`: parameters the form must carry along
    /// (the overview's scheme and period); `kindLabel`: the "all kinds" choice (the ranking keeps them apart).
    static func form(_ base: SiteURL, hidden: [(name: String, value: String)] = [], query: ListQuery, options: ListOptions,
                     allKinds: String = "全部", id: String) -> Node<HTML.BodyContext> {
        .form(.method(.get), .action(SiteURL.listed(base, ListQuery())), .escaped("id", id), .class("list-filter noprint"),
              .escaped("data-autosubmit", "1"),
              .forEach(hidden) { field in .input(.type(.hidden), .escaped("name", field.name), .escaped("value", field.value)) },
              .label(.text("搜索 "),
                     .input(.type(.search), .name("q"), .escaped("value", query.search), .escaped("maxlength", "50"),
                            .placeholder("单位名称或代码"), .class("search"))),
              .if(options.kinds.count > 1,
                  select("kind", label: "类别", all: allKinds, [(String, String)](options.kinds.map { ($0, $0) }), selected: query.kind)),
              .if(options.cities.count > 1,
                  select("city", label: "市州", all: "全部", options.cities.map { ($0.code, $0.name) }, selected: query.city)),
              select("stage", label: "阶段", all: "全部", options.stages.map { ($0.token, $0.label) }, selected: query.stage),
              .if(!options.grades.isEmpty,
                  select("grade", label: "等级", all: "全部", options.grades.map { ($0, $0) } + [(ListOptions.noGrade, "未定等")],
                         selected: query.grade)),
              select("sort", label: "排序", all: "默认", options.columns.map { ($0.key, $0.title) }, selected: query.sort),
              select("dir", label: nil, all: nil, [("asc", "升序"), ("desc", "降序")], selected: query.descending ? "desc" : "asc"),
              select("per", label: "每页", all: nil, ListQuery.pageSizes.map { (String($0), "\($0) 条") }, selected: String(query.perPage)),
              .button(.type(.submit), .escaped("id", id + "-submit"), .text("筛选")),
              .if(!query.isDefault, .a(.href(SiteURL.listed(base, ListQuery())), .class("clear"), .text("清除条件"))))
    }

    private static func select(_ name: String, label: String?, all: String?, _ choices: [(String, String)], selected: String?) -> Node<HTML.FormContext> {
        guard let label else { return field(name, all: all, choices, selected: selected) }
        return .label(.text(label + " "), field(name, all: all, choices, selected: selected))
    }

    private static func field<C: HTML.BodyContext>(_ name: String, all: String?, _ choices: [(String, String)], selected: String?) -> Node<C> {
        .select(.escaped("name", name), .escaped("id", "list-\(name)"),
                .unwrap(all) { all in option("", all, selected: selected == nil) },
                .forEach(choices) { choice in option(choice.0, choice.1, selected: choice.0 == selected) })
    }

    private static func option(_ value: String, _ text: String, selected: Bool) -> Node<HTML.SelectContext> {
        .element(named: "option", nodes: [.escaped("value", value), .if(selected, .attribute(named: "selected")), .text(text)])
    }

    /// The heading row: each column a link that sorts by it (again: the other way), the sorted one marked ▲ / ▼.
    static func header<Row>(_ columns: [ListColumn<Row>], query: ListQuery, base: SiteURL, extra: [String] = []) -> Node<HTML.TableContext> {
        .tr(.class("head"),
            .forEach(columns) { column in
                let current = query.sort == column.key
                let mark = current ? (query.descending ? " ▼" : " ▲") : ""
                return .th(.if(current, .escaped("aria-sort", query.descending ? "descending" : "ascending")),
                           .a(.href(SiteURL.listed(base, query.sorted(by: column.key, descendingFirst: column.descendingFirst))),
                              .escaped("data-sort", column.key), .text(column.title + mark)))
            },
            .forEach(extra) { .th(.text($0)) })
    }

    /// "共 N 条，第 x / y 页" and links to the first, previous, nearby, next and last pages, keeping the query.
    static func pager(_ page: ListRows.Page, query: ListQuery, base: SiteURL, id: String) -> Node<HTML.BodyContext> {
        let position: String = page.pages > 1 ? "，第 \(page.number) / \(page.pages) 页" : ""
        let count: Node<HTML.BodyContext> = .span(.class("count"), .text("共 \(page.count) 条" + position))
        return .div(.class("pager"), .escaped("id", id), count, .if(page.pages > 1, links(page, query: query, base: base)))
    }

    private static func links(_ page: ListRows.Page, query: ListQuery, base: SiteURL) -> Node<HTML.BodyContext> {
        let nearby = Array(max(1, page.number - 2)...min(page.pages, page.number + 2))
        let numbers: [Int] = Array(Set([1, page.pages] + nearby)).sorted()
        var items: [Node<HTML.BodyContext>] = []
        if page.number > 1 {
            items.append(.a(.href(SiteURL.listed(base, query.on(page: page.number - 1))), .class("prev"), .text("上一页")))
        }
        for (offset, number) in numbers.enumerated() {
            if offset > 0 && number - numbers[offset - 1] > 1 { items.append(.span(.class("gap"), .text("…"))) }
            if number == page.number {
                items.append(.span(.class("current"), .escaped("aria-current", "page"), .text(String(number))))
            } else {
                items.append(.a(.href(SiteURL.listed(base, query.on(page: number))), .escaped("data-page", String(number)), .text(String(number))))
            }
        }
        if page.number < page.pages {
            items.append(.a(.href(SiteURL.listed(base, query.on(page: page.number + 1))), .class("next"), .text("下一页")))
        }
        return .nav(.class("noprint"), .escaped("aria-label", "分页"), .group(items))
    }

    /// A cell with its column's name, shown before the value when the table becomes cards on a phone.
    /// `unit`: the cell that names the row (the card's heading on a phone).
    static func cell(_ label: String, numeric: Bool = false, unit: Bool = false, _ content: Node<HTML.BodyContext>) -> Node<HTML.TableRowContext> {
        .td(.escaped("data-label", label), .if(numeric, .class("num")), .if(unit, .class("unit")), content)
    }
}

extension Page {
    // MARK: Lists (issue 11: long lists, phones, print) — one block, owned with Lists/.
    /// Long lists: the filter form in a row that wraps; on a phone (≤ 640 px) each row of a `table.list` is a card
    /// (its cells one per line, each with its column's name), the heading row hidden (the form sorts); in print
    /// no form, button, pager or link to act on (export, print, data), and other links print as plain text.
    static let listStylesheet = """
        .list-filter{display:flex;flex-wrap:wrap;gap:.4em .8em;align-items:center;margin:.6em 0;padding:.5em;background:#faf8f4;border:1px solid #e4ddd0}
        .list-filter input.search{width:12em}.list-filter .clear{font-size:.9em}
        .pager{margin:.4em 0;display:flex;flex-wrap:wrap;gap:.3em .6em;align-items:center}.pager nav{display:flex;flex-wrap:wrap;gap:.3em}
        .pager nav a,.pager nav span{padding:.1em .5em;border:1px solid #ccc;border-radius:3px;text-decoration:none}
        .pager nav span.current{background:#8b1a1a;color:#fff;border-color:#8b1a1a}.pager nav span.gap{border:none}
        table.list th a{color:inherit;text-decoration:none}table.list th a:hover{text-decoration:underline}
        .chart-box{overflow-x:auto;max-width:100%}
        @media (max-width:640px){
        table.list,table.list tbody{display:block;width:auto}table.list{border:none}table.list tr.head{display:none}
        table.list tr{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:0 .8em;border:1px solid #ccc;border-radius:4px;margin:0 0 .5em;padding:.3em .6em;background:#fff}
        table.list td{display:block;border:none;padding:.1em 0;text-align:left;overflow-wrap:anywhere}table.list td.num{text-align:left}
        table.list td[data-label]::before{content:attr(data-label) "：";color:#777}
        table.list td.unit{grid-column:1/-1;order:-1;font-weight:bold;font-size:1.05em}table.list td.unit::before{content:none}
        .list-filter label{display:flex;gap:.3em;align-items:center;white-space:nowrap}
        .list-filter label:first-of-type{width:100%}.list-filter input.search{flex:1;width:auto;min-width:0}
        }
        @media print{.list-filter,.pager nav,nav,form,button,select,input,.noprint,[data-action],a[href*=".xlsx"],a[href*="/api/"]{display:none!important}
        a{color:inherit;text-decoration:none}table.list{width:100%}table.list tr{page-break-inside:avoid}th,td{font-size:10pt}}
        """

    /// The lists' filter form submits itself when one of its choices changes (the 筛选 button does without script).
    static let listScript = """
        document.addEventListener('change', (event) => {
          const form = event.target.closest('form[data-autosubmit]');
          if (form && event.target.tagName === 'SELECT') form.submit();
        });
        """
}
