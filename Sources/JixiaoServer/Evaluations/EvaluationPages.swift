import Foundation
import JixiaoCore
import Plot
import Vapor

/// How the evaluation pages print a score: two places, or the outcome's word (不适用, 未评分, 错误).
enum EvaluationText {
    static func score(_ outcome: Outcome) -> String { outcome.score.map { $0.formatted() } ?? outcome.statusText }
    static func exact(_ value: Exact?) -> String { value.map { $0.formatted() } ?? "" }
    static func rate(_ value: Exact?) -> String { value.map { $0.formattedPercent(places: 2) } ?? "" }
    static func share(_ value: Exact?) -> String { value.map { $0.formatted(places: 4) } ?? "" }
    static func renormalised(_ line: EvaluationResult.Line, _ names: [String: String]) -> String? {
        guard let weights = line.renormalised else { return nil }
        return "有不适用的考核对象，权重重新归一：" + weights.map { "\(names[$0.unitCode] ?? $0.unitCode) \($0.share.formatted(places: 4))" }.joined(separator: "、")
    }
    static func state(_ column: EvaluationColumn, _ stages: [String]) -> String { AssessmentStore.describe(column.state, stages) }
}

/// `/evaluations`: the evaluations the user may see, each with its composite.
struct EvaluationListPage {
    struct Item {
        let id: UUID
        let title: String
        let period: String
        let subjects: String
        let total: String
        let grade: String
    }
    let context: PageContext
    let items: [Item]
    let mayOpen: Bool

    var document: HTML {
        Page.document(title: "跨地区绩效评价", context: context,
            .h1(.text("跨地区绩效评价")),
            .p(.class("muted"), .text("按方案的“综合得分”对多个地区（单位、项目）加权汇总的重点评价：逐项打分、记录问题、生成绩效评价报告。")),
            .if(mayOpen, .p(.a(.href(SiteURL.evaluationNew), .id("open-evaluation"), .text("开启新的评价")))),
            .if(items.isEmpty, .p(.text("暂无您可查看的评价。"))),
            .if(!items.isEmpty,
                .table(.id("evaluations"),
                    .tr(.th(.text("评价")), .th(.text("考核期")), .th(.text("考核对象")), .th(.text("综合得分")), .th(.text("等级"))),
                    .forEach(items) { item in
                        .tr(.td(.a(.href(SiteURL.evaluation(item.id)), .text(item.title))), .td(.text(item.period)), .td(.text(item.subjects)),
                            .td(.class("num"), .text(item.total)), .td(.text(item.grade)))
                    }))
        )
    }
}

/// `/evaluations/new`: a version with a composite over subjects, a period, a title, and the subjects from the tree.
struct EvaluationOpenPage {
    struct Version {
        let id: UUID
        let label: String
    }
    struct Unit {
        let code: String
        let label: String
        let depth: Int
    }
    let context: PageContext
    let versions: [Version]
    let units: [Unit]
    let problems: [String]

    var document: HTML {
        Page.document(title: "开启评价", context: context,
            .h1(.text("开启跨地区评价")),
            .if(!problems.isEmpty, .ul(.class("problems"), .forEach(problems) { .li(.text($0)) })),
            .if(versions.isEmpty, .p(.text("没有按考核对象加权综合的考核方案（composite: over: subjects）。"))),
            .form(.class("stacked"), .method(.post), .action(SiteURL.evaluationNew), context.csrfField,
                .p(.label(.text("考核方案 ")), .select(.attribute(named: "name", value: "version"), .forEach(versions) { .option(.escaped("value", $0.id.uuidString), .escaped("label", $0.label)) })),
                .p(.label(.text("考核期（如 2020） ")), .input(.type(.text), .name("period"))),
                .p(.label(.text("评价名称 ")), .input(.type(.text), .name("title"), .class("reason"))),
                .div(.id("unit-list"), .forEach(units) { unit in
                    .div(.escaped("style", "margin-left:\(Double(unit.depth) * 1.5)em"),
                         .label(.input(.type(.checkbox), .name("units[]"), .escaped("value", unit.code)), .text(" " + unit.label)))
                }),
                .button(.type(.submit), .text("开启评价")))
        )
    }
}

/// `/evaluations/:id`: the seed's grid (indicators × subjects, then 综合得分, 扣分, 得分率), the weights, the findings
/// with their drafted lines, and the evaluation's log.
struct EvaluationPage {
    let context: PageContext
    let loaded: EvaluationStore.Loaded
    let problems: [String]
    let notice: String?

    var result: EvaluationResult { loaded.result }
    var id: UUID { loaded.id }
    var stages: [String] { loaded.scheme.workflow.stages }

    var document: HTML {
        Page.document(title: loaded.evaluation.title, context: context,
            .element(named: "style", text: Self.stylesheet),
            .h1(.text(loaded.evaluation.title)),
            .p(.class("muted"), .text("\(result.schemeName) · 第 \(loaded.version.version) 版 · \(loaded.evaluation.period) · \(loaded.unit.name)")),
            .unwrap(notice) { .p(.class("flash"), .text($0)) },
            .if(!problems.isEmpty, .ul(.class("problems"), .id("problems"), .forEach(problems) { .li(.text($0)) })),
            .if(!result.problems.isEmpty, .ul(.class("problems"), .forEach(result.problems) { .li(.text($0)) })),
            .if(loaded.locked, .p(.class("warn"), .text("全部考核对象已审定：评价已锁定。"))),
            summary,
            .p(.class("noprint"),
               .a(.href(SiteURL.evaluationReport(id)), .id("report-link"), .text("绩效评价报告")), .text(" · "),
               .a(.href(SiteURL.evaluationReportPDF(id)), .text("报告 PDF")), .text(" · "),
               .a(.href(SiteURL.evaluationWorkbook(id)), .text("打分表 xlsx")), .text(" · "),
               .a(.href(SiteURL.evaluationJSON(id)), .text("JSON")), .text(" · "),
               .a(.href(SiteURL.inbox), .text("待我办理（提交、审定）"))),
            .h2(.text("打分表")),
            grid,
            .h2(.text("综合得分的权重")),
            weights,
            .h2(.text("问题（扣分原因）")),
            findings,
            .h2(.text("评价日志")),
            .if(loaded.audit.isEmpty, .p(.class("muted"), .text("暂无。各考核对象的数据修改记在其考核的日志中。"))),
            .ul(.forEach(loaded.audit.prefix(100)) { entry in
                .li(.text("\(Self.time(entry.at)) \(entry.displayName)（\(entry.username)）\(entry.action)：\(entry.detail)"))
            })
        )
    }

    static let stylesheet = """
        #grid input[type=text]{width:4.5em}#grid input.reason{width:9em;font-size:.85em}#grid td.num{white-space:nowrap}
        #grid td.group{font-weight:bold}#grid .differs{background:#fdecea}#inputs input[type=text]{width:7em}
        """

    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "zh_CN")
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    /// The composite and grade, with the printed document's beside them, and table 2-1.
    var summary: Node<HTML.BodyContext> {
        .div(.class("live"), .id("composite"),
            .span(.class("total"), .text("综合得分 "), .span(.id("composite-total"), .text(result.totalText)), .text(" 分，等级 "),
                  .span(.id("composite-grade"), .text(result.grade ?? "—"))),
            .unwrap(result.printed?.total) { printed in
                .span(.id("printed-total"), .escaped("class", result.totalDiffers || result.gradeDiffers ? "bad" : "ok"),
                      .text("　文件印 \(printed) 分" + (result.printed?.grade.map { " / \($0)" } ?? "")
                            + (result.totalDiffers ? "（按规则重算不同）" : "（一致）")))
            })
    }

    var grid: Node<HTML.BodyContext> {
        let names = loaded.names
        return .form(.method(.post), .action(SiteURL.evaluationAction(id, "grid")), .id("grid-form"), context.csrfField,
            .forEach(result.columns) { column in
                .input(.type(.hidden), .escaped("name", "rev|\(column.unitCode)"), .escaped("value", "\(column.revision)"))
            },
            .div(.class("scroll"), .table(.id("grid"),
                .tr(.th(.text("指标")), .th(.text("分值")),
                    .forEach(Array(result.columns.enumerated())) { index, column in
                        .th(.a(.href(SiteURL.assessment(column.assessmentID)), .text(column.unitName)),
                            .br(), .span(.class("muted"), .text("权重 \(EvaluationText.share(column.share)) · \(EvaluationText.state(column, stages))")))
                    },
                    .th(.text("综合得分")), .th(.text("扣分")), .th(.text("得分率"))),
                .forEach(result.lines) { line in row(line, names: names) },
                .tr(.th(.text("合计")), .td(.class("num"), .text(result.totalMax.formatted())),
                    .forEach(Array(result.columns.indices)) { column in
                        .td(.class("num"), .escaped("data-total", result.columns[column].unitCode),
                            .text(EvaluationText.score(result.subjects[column].total)),
                            .unwrap(result.printedTotal(column)) { printed in
                                .span(.escaped("class", result.subjectTotalDiffers(column) ? "bad" : "muted"), .text(" 印 \(printed)"))
                            })
                    },
                    .td(.class("num total"), .text(result.totalText),
                        .unwrap(result.printed?.total) { printed in .span(.escaped("class", result.totalDiffers ? "bad" : "muted"), .text(" 印 \(printed)")) }),
                    .td(.class("num"), .text(EvaluationText.exact(result.totalDeduction))),
                    .td(.class("num"), .text(EvaluationText.rate(result.totalRate))))
            )),
            .h3(.text("计分所需数据")),
            .div(.class("scroll"), .table(.id("inputs"),
                .tr(.th(.text("数据")), .forEach(result.columns) { .th(.text($0.unitName)) }),
                .forEach(loaded.scheme.entryFields.filter { $0.code == nil }) { field in
                    .tr(.td(.text(field.label + (field.unit.map { "（\($0)）" } ?? "")), .unwrap(field.text) { .div(.class("rule"), .text($0)) }),
                        .forEach(Array(result.columns.enumerated())) { index, column in
                            .td(cellInput(index, column, key: field.key))
                        })
                })),
            .if(loaded.editable.contains(true), .p(.button(.type(.submit), .id("save-grid"), .text("保存打分表"))))
        )
    }

    private func cellInput(_ column: Int, _ spec: EvaluationColumn, key: String) -> Node<HTML.BodyContext> {
        let value = loaded.inForce[column][key] ?? ""
        guard loaded.editable[column] else { return .span(.text(value)) }
        return .input(.type(.text), .escaped("name", "c|\(spec.unitCode)|\(key)"), .escaped("value", value))
    }

    private func row(_ line: EvaluationResult.Line, names: [String: String]) -> Node<HTML.TableContext> {
        let code = line.indicator.code
        return .tr(.escaped("data-code", code),
            .td(.escaped("style", "padding-left:\(0.5 + Double(line.depth) * 1.2)em"),
                .escaped("class", line.isLeaf ? "" : "group"),
                .text("\(code) \(line.indicator.name)"),
                .unwrap(EvaluationText.renormalised(line, names)) { .div(.class("muted renormalised"), .text($0)) }),
            .td(.class("num"), .text(line.indicator.max.formatted())),
            .forEach(Array(result.columns.enumerated())) { index, column in
                .td(.class("num"), .escaped("data-cell", "\(column.unitCode)|\(code)"),
                    .if(line.isEntered, cellInput(index, column, key: "#" + code)),
                    .span(.class("score"), .text((line.isEntered ? " = " : "") + EvaluationText.score(line.cells[index]))),
                    .unwrap(line.printedCells[index]) { printed in
                        .span(.escaped("class", line.cellDiffers[index] ? "bad differs" : "muted"), .text(" 印 \(printed)"))
                    },
                    .if(line.isJudged && loaded.editable[index],
                        .div(.input(.type(.text), .class("reason"), .placeholder("理由"), .escaped("name", "r|\(column.unitCode)|#\(code)"),
                                    .escaped("value", loaded.reasons[index]["#" + code] ?? "")))),
                    .if(line.isJudged && !loaded.editable[index] && loaded.reasons[index]["#" + code] != nil,
                        .div(.class("muted"), .text("理由：" + (loaded.reasons[index]["#" + code] ?? "")))))
            },
            .td(.class("num"), .escaped("data-composite", code), .text(EvaluationText.score(line.composite)),
                .unwrap(line.printedComposite) { printed in
                    .span(.escaped("class", line.compositeDiffers ? "bad differs" : "muted"), .text(" 印 \(printed)"))
                }),
            .td(.class("num"), .text(EvaluationText.exact(line.deduction))),
            .td(.class("num"), .text(EvaluationText.rate(line.rate))))
    }

    var weights: Node<HTML.BodyContext> {
        let figure = loaded.evaluation.weightBasis == "figure"
        return .form(.method(.post), .action(SiteURL.evaluationAction(id, "weights")), .id("weights-form"), context.csrfField,
            .input(.type(.hidden), .name("revision"), .escaped("value", "\(loaded.evaluation.revision)")),
            .p(.label(.input(.type(.radio), .name("basis"), .value("entered"), .checked(!figure)), .text(" 录入权重　")),
               .label(.input(.type(.radio), .name("basis"), .value("figure"), .checked(figure)), .text(" 按各对象的数额折算：")),
               .input(.type(.text), .name("label"), .escaped("value", loaded.evaluation.figureLabel))),
            .table(.id("weights"),
                .tr(.th(.text("考核对象")), .th(.text("录入权重")), .th(.text(loaded.evaluation.figureLabel)), .th(.text("所用权重（归一）"))),
                .forEach(Array(loaded.subjects.enumerated())) { index, pair in
                    .tr(.td(.text(pair.unit.name)),
                        .td(.input(.type(.text), .escaped("name", "w|\(pair.unit.code)"), .escaped("value", pair.subject.weight))),
                        .td(.input(.type(.text), .escaped("name", "f|\(pair.unit.code)"), .escaped("value", pair.subject.figure))),
                        .td(.class("num"), .text(EvaluationText.share(result.columns.first { $0.unitCode == pair.unit.code }?.share))))
                }),
            .if(loaded.mayEdit, .button(.type(.submit), .text("保存权重")))
        )
    }

    var findings: Node<HTML.BodyContext> {
        let names = loaded.names
        let codes = result.lines.map { "\($0.indicator.code) \($0.indicator.name)" }
        return .div(
            .h3(.text("扣分说明（按问题起草）")),
            .if(loaded.drafted.isEmpty, .p(.class("muted"), .text("尚未记录问题。"))),
            .ol(.id("drafted"), .forEach(loaded.drafted) { line in .li(.escaped("data-code", line.code), .text("\(line.code) \(line.text)")) }),
            .div(.class("scroll"), .table(.id("findings"),
                .tr(.th(.text("指标")), .th(.text("考核对象")), .th(.text("扣分")), .th(.text("问题")), .th(.text("佐证")), .th(.text("记录人")), .th(.text(""))),
                .forEach(loaded.findings) { finding in
                    .tr(.td(.text(finding.code)), .td(.text(finding.unitCode.isEmpty ? "综合" : names[finding.unitCode] ?? finding.unitCode)),
                        .td(.class("num"), .text(finding.points)), .td(.text(finding.text)), .td(.text(finding.evidence)), .td(.text(finding.username)),
                        .td(.if(loaded.mayEdit, .unwrap(finding.id) { findingID in
                            .form(.method(.post), .action(SiteURL.evaluationFindingDelete(id, findingID)), context.csrfField,
                                  .button(.type(.submit), .class("danger"), .text("删除")))
                        })))
                })),
            .if(loaded.mayEdit,
                .form(.method(.post), .action(SiteURL.evaluationAction(id, "findings")), .id("finding-form"), .class("stacked"), context.csrfField,
                    .h3(.text("记录问题")),
                    .p(.label(.text("指标 ")), .select(.attribute(named: "name", value: "code"), .forEach(Array(zip(result.lines, codes))) { line, label in
                        .option(.escaped("value", line.indicator.code), .escaped("label", label))
                    })),
                    .p(.label(.text("考核对象 ")), .select(.attribute(named: "name", value: "unit"), .option(.value(""), .label("综合（全部考核对象）")),
                        .forEach(result.columns) { .option(.escaped("value", $0.unitCode), .escaped("label", $0.unitName)) })),
                    .p(.label(.text("扣分 ")), .input(.type(.text), .name("points"))),
                    .p(.label(.text("问题 ")), .textarea(.name("text"), .attribute(named: "rows", value: "3"), .attribute(named: "cols", value: "60"))),
                    .p(.label(.text("佐证（文件、页码、抽查记录） ")), .input(.type(.text), .name("evidence"), .class("reason"))),
                    .button(.type(.submit), .text("记录问题"))))
        )
    }
}
