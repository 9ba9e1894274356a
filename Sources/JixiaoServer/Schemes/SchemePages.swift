import JixiaoCore
import Plot

/// `/schemes`: the scheme versions in the database (with upload, copy and opening assessments for the
/// scheme admin) and the shipped seed documents as read-only examples.
struct SchemeListPage {
    let context: PageContext
    let versions: [SchemeController.VersionLine]
    let examples: [Catalog.Entry]
    let canManage: Bool
    /// The one-time message of the action that led here (a discarded upload).
    var notice: String? = nil
    /// Why an upload was refused (file and line each), and the warnings found beside the errors.
    var problems: [String] = []
    var warnings: [String] = []

    var document: HTML {
        Page.document(
            title: "考核方案", context: context,
            .h1("考核方案"),
            .unwrap(notice) { .p(.class("flash"), .id("notice"), .text($0)) },
            .if(!problems.isEmpty, .group(
                .p(.class("bad"), .text("方案文件有误，未保存：")),
                .ul(.class("problems"), .id("problems"), .forEach(problems) { .li(.text($0)) }),
                .if(!warnings.isEmpty, .group(
                    .p(.text("另有 \(warnings.count) 条警告（改正错误后再上传时，须确认这些警告才能保存）：")),
                    .ul(.class("warnings"), .forEach(warnings) { .li(.text($0)) }))))),
            .div(.class("scroll"), .table(.id("versions"),
                .tr(.th("编号"), .th("方案"), .th("年度"), .th("版本"), .th("状态"), .th("考核份数"), .if(canManage, .th("管理"))),
                .forEach(versions) { line in
                    .tr(.td(.text(line.code)), .td(.a(.href(SiteURL.version(line.id)), .text(line.name))),
                        .td(.text(line.year.map(String.init) ?? "")), .td(.class("num"), .text("\(line.version)")),
                        .td(.text(line.frozen ? "已冻结" : "可修改")), .td(.class("num"), .text("\(line.assessments)")),
                        // Copying is on the version's page, where its result is shown.
                        .if(canManage, .td(.a(.href(SiteURL.versionAction(line.id, "open")), .text("开启考核")))))
                })),
            .if(canManage,
                .form(.method(.post), .action(SiteURL.schemeUpload), .attribute(named: "enctype", value: "multipart/form-data"), context.csrfField,
                      .p(.text("上传方案文件（YAML 文本，写法可参照下方的种子方案示例）。先校验内容，再核对版本号；"
                          + "校验有警告时，会先列出警告，经您确认后才保存。")),
                      .input(.type(.file), .name("file"), .id("scheme-file"), .attribute(named: "accept", value: ".yaml,.yml")),
                      .button(.type(.submit), .id("upload-scheme"), .text("校验并上传")))),
            .h2("种子文件示例（印刷数字核对）"),
            .div(.class("scroll"), .table(
                .tr(.th("编号"), .th("方案"), .th("年度"), .th("指标数"), .th("考核对象"), .th("")),
                .forEach(examples) { entry in
                    let scheme = entry.scheme.scheme
                    return .tr(
                        .td(.text(scheme.id)),
                        .td(.a(.href(SiteURL.example(scheme.id)), .text(scheme.name))),
                        .td(.text(scheme.year.map(String.init) ?? "")),
                        .td(.class("num"), .text("\(entry.scheme.indicatorCount)")),
                        .td(.class("num"), .text("\(entry.report?.data.subjects.count ?? 0)")),
                        .td(.if(entry.report != nil, .a(.href(SiteURL.exampleResults(scheme.id)), .text("得分与核对"))))
                    )
                }
            ))
        )
    }
}

/// The indicator tree with max scores and the printed rules, of a stored version or a shipped example;
/// for a stored version also the periods opened with it and (for the scheme admin) copy and open.
struct SchemePage {
    /// A period opened with this version, with its number of assessments.
    struct OpenedPeriod: Decodable, Sendable {
        let period: String
        let assessments: Int
    }

    let context: PageContext
    let compiled: CompiledScheme
    /// The shipped example whose results page to link, if it has one.
    let resultsOf: String?
    let version: SchemeVersion?
    let canManage: Bool
    /// The one-time message of the action that led here (uploaded, copied, opened).
    var notice: String? = nil
    var periods: [OpenedPeriod] = []

    var document: HTML {
        let scheme = compiled.scheme
        let rows = scheme.indicators.flatMap { Self.rows($0, depth: 0) }
        let declared = Dictionary(scheme.inputs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let fields = compiled.entryInputNames
        let versionID = version?.id
        return Page.document(
            title: scheme.name, context: context,
            .h1(.text(scheme.name)),
            .unwrap(notice) { .p(.class("flash"), .id("notice"), .text($0)) },
            .p(.text("编号 \(scheme.id) · 第 \(scheme.version) 版 · 总分 \(scheme.total.formatted()) · 考核对象：\(SchemeWording.subjectKind(scheme.subjectKind))"
                     + " · 评分阶段：\(Workflow(schemeStages: scheme.stages).stages.joined(separator: " → "))"),
               .unwrap(version) { .text($0.frozen ? " · 已冻结（已有考核使用）" : " · 可修改") }),
            .unwrap(resultsOf) { .p(.a(.href(SiteURL.exampleResults($0)), .text("查看得分与印刷数字核对"))) },
            .unwrap(versionID) { id in
                .group(
                    .if(canManage, .div(.class("actions"), .id("manage"),
                        .p(.a(.href(SiteURL.versionAction(id, "open")), .id("open-period-link"), .text("开启考核（勾选单位）"))),
                        .form(.method(.post), .action(SiteURL.versionAction(id, "copy")), context.csrfField,
                              .button(.type(.submit), .id("copy-version"), .text("复制到下一年度"))))),
                    .h2("已开启的考核期"),
                    .if(periods.isEmpty, .p(.class("muted"), .id("periods"), .text("尚未开启考核。")),
                        else: .table(.id("periods"),
                            .tr(.th("考核期"), .th("考核份数")),
                            .forEach(periods) { line in
                                .tr(.td(.a(.href(SiteURL.homeFor(scheme: id, period: line.period)), .text(line.period))),
                                    .td(.class("num"), .text("\(line.assessments)")))
                            })))
            },
            .h2("指标"),
            .div(.class("scroll"), .table(
                .tr(.th("代码"), .th("指标"), .th("分值"), .th("评分标准"), .th("计分方式")),
                .forEach(rows) { row in row }
            )),
            .h2(.text("填报项（\(fields.count)）")),
            .if(fields.isEmpty, .p(.class("muted"), .text("本方案的得分都由评审直接打分，没有其他填报项。")),
                else: .div(.class("scroll"), .table(.id("inputs"),
                    .tr(.th("填报项"), .th("单位"), .th("说明")),
                    .forEach(fields) { name in
                        .tr(.td(.text(name)), .td(.text(declared[name]?.unit ?? "")),
                            .td(.class("rule"), .text(SchemeWording.hint(declared[name]?.text ?? ""))))
                    })))
        )
    }

    static func rows(_ indicator: Indicator, depth: Int) -> [Node<HTML.TableContext>] {
        let name = String(repeating: "\u{3000}", count: depth) + indicator.name
        let row: Node<HTML.TableContext> = .tr(
            .td(.text(indicator.code)), .td(.text(name)), .td(.class("num"), .text(indicator.max.formatted())),
            .td(.class("rule"), .text(indicator.text ?? "")), .td(.text(SchemeWording.ruleKind(indicator.rule, isGroup: indicator.isGroup)))
        )
        return [row] + indicator.children.flatMap { rows($0, depth: depth + 1) }
    }
}

/// `/schemes/:id/results`: a shipped example's ranking, totals per stage, grades, and where printed figures disagree.
struct ResultsPage {
    let context: PageContext
    let report: ScoreReport

    var document: HTML {
        let scheme = report.scheme.scheme
        let ranking = RankingDTO(report)
        let disagreements = Audit.run(report).filter { !$0.agrees }
        let final = report.finalStage
        let byID = Dictionary(uniqueKeysWithValues: final.subjects.enumerated().map { ($1.subject.id, $0) })
        return Page.document(
            title: "\(scheme.name) 得分", context: context,
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
