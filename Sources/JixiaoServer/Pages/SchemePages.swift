import JixiaoCore
import Plot

/// `/`: every scheme with its size and a link to its indicators and results.
struct SchemeListPage {
    let entries: [Catalog.Entry]

    var document: HTML {
        Page.document(
            title: "考核方案",
            .h1("考核方案"),
            .table(
                .tr(.th("编号"), .th("方案"), .th("年度"), .th("版本"), .th("指标数"), .th("考核对象"), .th("")),
                .forEach(entries) { entry in
                    let scheme = entry.scheme.scheme
                    return .tr(
                        .td(.text(scheme.id)),
                        .td(.a(.href("/schemes/\(scheme.id)"), .text(scheme.name))),
                        .td(.text(scheme.year.map(String.init) ?? "")),
                        .td(.class("num"), .text("\(scheme.version)")),
                        .td(.class("num"), .text("\(entry.scheme.indicatorCount)")),
                        .td(.class("num"), .text("\(entry.report?.data.subjects.count ?? 0)")),
                        .td(.if(entry.report != nil, .a(.href("/schemes/\(scheme.id)/results"), .text("得分与排名"))))
                    )
                }
            )
        )
    }
}

/// `/schemes/:id`: the indicator tree with max scores and the printed rules.
struct SchemePage {
    let entry: Catalog.Entry

    var document: HTML {
        let scheme = entry.scheme.scheme
        let rows = scheme.indicators.flatMap { Self.rows($0, depth: 0) }
        return Page.document(
            title: scheme.name,
            .h1(.text(scheme.name)),
            .p(.text("编号 \(scheme.id) · 第 \(scheme.version) 版 · 总分 \(scheme.total.formatted()) · 评分阶段：\(scheme.stages.joined(separator: " → "))")),
            .if(entry.report != nil, .p(.a(.href("/schemes/\(scheme.id)/results"), .text("查看得分与排名")))),
            .table(
                .tr(.th("代码"), .th("指标"), .th("分值"), .th("评分标准"), .th("规则")),
                .forEach(rows) { row in row }
            )
        )
    }

    static func rows(_ indicator: Indicator, depth: Int) -> [Node<HTML.TableContext>] {
        let name = String(repeating: "\u{3000}", count: depth) + indicator.name
        let row: Node<HTML.TableContext> = .tr(
            .td(.text(indicator.code)), .td(.text(name)), .td(.class("num"), .text(indicator.max.formatted())),
            .td(.class("rule"), .text(indicator.text ?? "")), .td(.text(indicator.rule?.kindName ?? (indicator.isGroup ? "合计" : "judged")))
        )
        return [row] + indicator.children.flatMap { rows($0, depth: depth + 1) }
    }
}

/// `/schemes/:id/results`: ranking, totals per stage, grades, and where printed figures disagree.
struct ResultsPage {
    let report: ScoreReport

    var document: HTML {
        let scheme = report.scheme.scheme
        let ranking = RankingDTO(report)
        let disagreements = Audit.run(report).filter { !$0.agrees }
        let final = report.finalStage
        let byID = Dictionary(uniqueKeysWithValues: final.subjects.enumerated().map { ($1.subject.id, $0) })
        return Page.document(
            title: "\(scheme.name) 得分",
            .h1(.text("\(scheme.name) · \(report.data.period)")),
            .h2("排名"),
            .table(
                .tr(.th("名次"), .th("考核对象"), .forEach(report.stages) { .th(.text($0.stage)) }, .th("等级")),
                .forEach(ranking.rows) { row in
                    let index = byID[row.subject] ?? 0
                    return .tr(
                        .td(.class("num"), .text(row.rank.map(String.init) ?? "—")), .td(.text(row.name)),
                        .forEach(report.stages) { .td(.class("num"), .text($0.subjects[index].total.statusText)) },
                        .td(.text(row.grade ?? "—"))
                    )
                }
            ),
            .if(final.composite != nil,
                .p(.text("综合得分 \(final.composite?.total.statusText ?? "")，等级 \(final.composite?.grade ?? "—")"))),
            .h2("印刷数字核对"),
            .if(disagreements.isEmpty, .p(.class("ok"), .text("数据文件中印刷的得分与重算一致。")),
                else: .table(
                    .tr(.th("考核对象"), .th("代码"), .th("项目"), .th("印刷"), .th("重算"), .th("说明")),
                    .forEach(disagreements) { item in
                        .tr(.td(.text(item.subject)), .td(.text(item.code ?? "")), .td(.text(item.name)),
                            .td(.class("num"), .text(item.printed)), .td(.class("num bad"), .text(item.computed)), .td(.class("rule"), .text(item.note)))
                    }
                ))
        )
    }
}
