import Foundation
import JixiaoCore
import Plot

/// `/assessments/:id`: the entry form (when it is the user's turn), the workflow's buttons, the score sheet
/// with a column per stage, the trend, and the audit log.
struct SheetPage {
    let context: PageContext
    let view: SheetView
    let flash: String?
    let problems: [String]

    var document: HTML {
        let compiled = view.scores.scheme.compiled
        let assessment = view.loaded.assessment
        let final = view.stageResults[view.stageResults.count - 1]
        let title = "\(view.loaded.unit.name) · \(compiled.scheme.name) · \(assessment.period)"
        return Page.document(
            title: title, context: context,
            .h1(.text(title)),
            .p(.text("阶段："), .span(.class("status"), .id("stage"), .text(AssessmentStore.describe(assessment.state, view.workflow.stages))),
               .text(" · 第 \(assessment.revision) 版 · \(view.workflow.stages[assessment.stage])得分 "),
               .span(.class("total"), .id("total"), .text(view.current.total.statusText)),
               .if(view.provisional != nil, .span(.class("provisional"), .text("（暂定）"))),
               .text(" / \(view.current.totalMax.formatted()) · 等级 \(view.current.grade ?? "—") · 名次 \(view.current.rank.map(String.init) ?? "—")"),
               .text(" · "), .a(.href(SiteURL.whatIf(view.row.assessmentID)), .id("whatif-link"), .class("noprint"), .text("试算 · 离下一等级")),
               .text(" · "), .a(.href(SiteURL.assessmentSheetWorkbook(view.row.assessmentID)), .text("导出得分表 xlsx")),
               .text(" · "), .a(.href(SiteURL.assessment(view.row.assessmentID)), .escaped("data-action", "print"), .class("noprint"), .text("打印"))),
            .unwrap(assessment.comment) { .p(.class("bad"), .text("退回意见：\($0)")) },
.if(!view.returned.isEmpty, .div(.class("warn"), .id("returned-items"),
                .p(.text("退回修改的指标（再次提交后清除）：")),
                .ul(.forEach(view.returned) { item in
                    let name = compiled.index(of: item.code).map { compiled.indicator(at: $0).name } ?? ""
                    return .li(.text("\(item.code) \(name)：\(item.message)（\(item.displayName)，\(Self.time(item.at))）"))
                }))),
                        .unwrap(view.snapshot) { snapshot in
                .p(.escaped("class", assessment.status == .approved ? "muted" : "warn"), .id("snapshot"),
                   .text("\(Self.time(snapshot.at)) 审定通过（\(snapshot.displayName)），当时总分 \(snapshot.total)，等级 \(snapshot.grade ?? "—")"),
                   .text(assessment.status == .approved ? "。" : "；现已重新打开，得分表“审定时”一列为当时的得分，变化处标出。"))
            },
            .unwrap(flash) { .p(.class("flash"), .id("flash"), .text($0)) },
            .if(!problems.isEmpty, .group(.p(.class("bad"), .text("未保存，请改正：")), .ul(.class("problems"), .id("problems"), .forEach(problems) { .li(.text($0)) }))),
            .unwrap(view.provisional) { .p(.class("warn"), .id("provisional"), .text("得分为暂定：\($0)。全部填报后得分可能变化，届时才能审定。")) },
            .if(!view.failures.isEmpty, .div(.class("bad"), .id("failures"),
                .p(.text("以下指标无法计算，改正数据后才能提交：")), .ul(.forEach(view.failures) { .li(.text($0)) }))),
            actions,
            .if(view.canSave, entryForm),
            .if(view.loaded.scheme.isSelfEvaluation && !selfEvaluationEditable, SelfEvaluationSection(view: view, editable: false).body()),
            .h2("得分表"),
            scoreTable,
            .if(view.trend.count > 1, .svg(Chart.trend(view.trend, maximum: final.totalMax, title: "逐月得分"))),
            .h2("佐证材料"),
            evidenceList,
            .h2("修改记录"),
            auditTable
        )
    }

    private var revisionField: Node<HTML.FormContext> {
        .input(.type(.hidden), .name("revision"), .escaped("value", String(view.loaded.assessment.revision)))
    }

    /// The leaf indicators a return may name.
    private var returnable: [(code: String, name: String)] {
        let compiled = view.scores.scheme.compiled
        return (0..<compiled.indicatorCount).compactMap { index in
            let indicator = compiled.indicator(at: index)
            return indicator.isGroup ? nil : (indicator.code, indicator.name)
        }
    }

    private var actions: Node<HTML.BodyContext> {
        let id = view.row.assessmentID
        let stages = view.workflow.stages
        let stage = view.loaded.assessment.stage
        return .div(.class("actions"),
            .if(view.actions.contains(.submit),
                .form(.method(.post), .action(SiteURL.assessmentAction(id, "submit")), context.csrfField, revisionField,
                      .button(.type(.submit), .id("submit"), .text(stage + 1 < stages.count ? "提交至“\(stages[stage + 1])”" : "提交")))),
            .if(view.actions.contains(.approve),
                .form(.method(.post), .action(SiteURL.assessmentAction(id, "approve")),
                      .escaped("data-confirm", "审定通过后本考核即锁定，不能再修改。确定审定通过？"), context.csrfField, revisionField,
                      .button(.type(.submit), .id("approve"), .text("审定通过（锁定）")))),
            .if(view.actions.contains(.sendBack),
                .form(.method(.post), .action(SiteURL.assessmentAction(id, "return")), context.csrfField, revisionField,
                      .textarea(.name("comment"), .id("return-comment"), .attribute(named: "placeholder", value: "退回意见（必填）"), .attribute(named: "rows", value: "2")),
                      .select(.escaped("name", "indicators[]"), .escaped("id", "return-indicators"), .attribute(named: "multiple", value: "multiple"),
                              .attribute(named: "size", value: "4"), .attribute(named: "title", value: "退回的指标（可多选，可不选）"),
                              .forEach(returnable) { code, name in .option(.escaped("value", code), .escaped("label", "\(code) \(name)")) }),
                      .button(.type(.submit), .id("return"), .text("退回")))),
            .if(view.actions.contains(.reopen),
                .form(.method(.post), .action(SiteURL.assessmentAction(id, "reopen")),
                      .escaped("data-confirm", "重新打开后可再修改“\(stages[stages.count - 1])”的数据，审定时的得分将保留作对照。确定重新打开？"),
                      context.csrfField, revisionField,
                      .textarea(.name("comment"), .id("reopen-comment"), .attribute(named: "placeholder", value: "重新打开的理由（必填）"), .attribute(named: "rows", value: "2")),
                      .button(.type(.submit), .id("reopen"), .text("重新打开")))))
    }

    /// A self-evaluation's fund table, texts and claims are filled by the owner at the self-assessment.
    private var selfEvaluationEditable: Bool {
        view.loaded.scheme.isSelfEvaluation && view.canSave && view.loaded.assessment.stage == 0
    }

    private var entryForm: Node<HTML.BodyContext> {
        let stage = view.loaded.assessment.stage
        let needsReason = view.workflow.needsReason(at: stage)
        // In a self-evaluation being filled, the indicators' figures are asked in its own table (三、项目自评价评分表).
        let fields = view.loaded.scheme.entryFields.filter { !selfEvaluationEditable || $0.code == nil }
        return .group(
            .h2(.text(needsReason ? "\(view.workflow.stages[stage])：调整数据（须写理由）" : "填报数据")),
            .p(.class("muted live"), .text("数字、百分数（如 92.5%）、是/否、不适用，或 [2, 1] 这样的多项分值。边输入边计分：当前得分 "),
               .span(.class("total"), .id("live-total"), .text(view.current.total.statusText))),
            .form(.method(.post), .action(SiteURL.assessmentAction(view.row.assessmentID, "save")), .id("entry"),
                  .escaped("data-preview", SiteURL.assessmentAction(view.row.assessmentID, "preview").path),
                  context.csrfField, revisionField,
                  .if(selfEvaluationEditable, SelfEvaluationSection(view: view, editable: true).body()),
                  .if(!fields.isEmpty, .div(.class("scroll"), .table(
                    .tr(.th("填报项"), .th("单位"), .th("填报值"), .if(needsReason, .th("调整理由")), .th("说明")),
                    .forEach(Array(fields.enumerated())) { index, field in
                        let value = view.typed?.figures[field.key] ?? view.inForce[field.key] ?? ""
                        let reason = view.typed?.reasons[field.key]
                            ?? (view.changedAt[field.key].flatMap { $0.stage == stage ? $0.reason : nil } ?? "")
                        return .tr(
                            .td(.text(field.label)), .td(.text(field.unit ?? "")),
                            .td(EntryWidgetView.control(field, index: index, value: value)),
                            .if(needsReason, .td(.input(.type(.text), .class("reason"), .escaped("name", "r\(index)"), .escaped("value", reason)))),
                            .td(.class("rule"),
                                // A platform figure (Platform/LeagueStore) says so: "平台数据 截至 2018-06-25".
                                .unwrap(view.changedAt[field.key].flatMap { $0.stage == 0 && $0.reason?.hasPrefix("平台数据") == true ? $0.reason : nil }) {
                                    .span(.class("platform-source ok"), .text("【\($0)，不能手工修改】"))
                                },
                                .text(field.text ?? "")))
                    }))),
                  .button(.type(.submit), .id("save"), .text("保存"))),
            .form(.method(.post), .action(SiteURL.assessmentAction(view.row.assessmentID, "upload")), .attribute(named: "enctype", value: "multipart/form-data"),
                  context.csrfField, revisionField,
                  .a(.href(SiteURL.assessmentTemplate(view.row.assessmentID)), .text("下载 xlsx 填报模板")), .text(" · 填好后上传："),
                  .input(.type(.file), .name("file"), .attribute(named: "accept", value: ".xlsx")),
                  .button(.type(.submit), .text("上传导入"))))
    }

    /// One column per stage (a stage not reached yet shows —), 扣分 and the notes of the stage reached.
    private var scoreTable: Node<HTML.BodyContext> {
        let compiled = view.scores.scheme.compiled
        let depths = view.scores.report.depths
        // The stage reached: its scores are the sheet's 扣分, notes, derivations and grade.
        let reached = view.current
        let liveStage = min(view.loaded.assessment.stage, view.stageResults.count - 1)
        let snapshot = view.snapshot?.scores
        let returnedCodes = Set(view.returned.map(\.code))
        return .div(.class("scroll"), .table(.id("sheet"),
            .tr(.th("代码"), .th("指标"), .th("分值"), .forEach(view.workflow.stages) { .th(.text($0)) },
                .if(snapshot != nil, .th("审定时")), .th("扣分"), .th("评分标准 / 说明")),
            .forEach(Array(0..<compiled.indicatorCount)) { index in
                let indicator = compiled.indicator(at: index)
                let lost = reached.pointsLost(at: index, kind: indicator.kind)
                return .tr(.if(returnedCodes.contains(indicator.code), .class("returned")),
                    .td(.text(indicator.code)),
                    .td(.span(.class("phone-code"), .text(indicator.code)), .text(String(repeating: "\u{3000}", count: depths[index]) + indicator.name)),
                    .td(.class("num"), .text(indicator.max.formatted())),
                    .forEach(Array(view.stageResults.enumerated())) { stage, result in
                        .td(.class("num"), .if(stage == liveStage, .escaped("data-live", indicator.code)),
                            .text(view.hasReached(stage) ? result.outcomes[index].statusText : "—"))
                    },
                    .unwrap(snapshot) { then in
                        let was = then[indicator.code] ?? "—"
                        return .td(.escaped("class", was == reached.outcomes[index].statusText ? "num" : "num moved"), .text(was))
                    },
                    .td(.class("num"), .text(lost?.formatted() ?? "")),
                    .td(.class("rule"),
                        .unwrap(indicator.isGroup ? nil : view.scores.provisionalNote(reached, index: index)) { .span(.class("provisional"), .text("暂定：\($0)。")) },
                        .text(Self.note(reached, index: index, indicator: indicator)),
                        Self.derivation(reached.explanations.indices.contains(index) ? reached.explanations[index] : [], code: indicator.code)))
            },
            .tr(.th(""), .th("合计"), .th(.class("num"), .text(reached.totalMax.formatted())),
                .forEach(Array(view.stageResults.enumerated())) { stage, result in
                    .th(.class("num"), .text(view.hasReached(stage) ? result.total.statusText : "—"))
                },
                .unwrap(view.snapshot) { then in
                    .th(.escaped("class", then.total == reached.total.statusText ? "num" : "num moved"), .id("snapshot-total"), .text(then.total))
                },
                .th(.class("num"), .text(reached.total.score.map { (reached.totalMax - $0).formatted() } ?? "")),
                .th(.text(reached.grade.map { "等级 \($0)" } ?? ""),
                    .if(reached.gradeBasis != nil, .div(.class("rule grade-basis"), .text("定等：" + (reached.gradeBasis?.text ?? ""))))))))
    }

    /// The sheet's note: why a score failed, else the drafted deduction text, else the printed rule.
    static func note(_ result: SubjectResult, index: Int, indicator: Indicator) -> String {
        if case .failed(let why) = result.outcomes[index] { return "错误：\(why)" }
        return DeductionText.draft(result, index: index, indicator: indicator) ?? indicator.text ?? ""
    }

    /// How the engine arrived at a score, step by step, folded away until asked for.
    static func derivation(_ lines: [String], code: String) -> Node<HTML.BodyContext> {
        .if(!lines.isEmpty, .details(.class("why"), .escaped("data-code", code), .summary("计算过程"), .ol(.forEach(lines) { .li(.text($0)) })))
    }

    private var evidenceList: Node<HTML.BodyContext> {
        let id = view.row.assessmentID
        return .group(
            .if(view.evidence.isEmpty, .p(.class("muted"), .text("尚无佐证材料。")),
                else: .ul(.id("evidence"), .forEach(view.evidence) { file in
                    .li(.a(.href(SiteURL.evidence(id, file.id)), .text(file.filename)),
                        .text("（\(view.person(file.username))，\(Self.time(file.at))）\(file.note.isEmpty ? "" : "：" + file.note)"))
                })),
            .if(view.actions.contains(.save),
                .form(.method(.post), .action(SiteURL.evidenceList(id)), .attribute(named: "enctype", value: "multipart/form-data"), context.csrfField,
                      .input(.type(.file), .name("file")),
                      .input(.type(.text), .name("note"), .class("reason"), .placeholder("说明（如：对应指标 2.7 的活动通知）")),
                      .button(.type(.submit), .text("上传佐证（不超过 5 MB）")))))
    }

    private var auditTable: Node<HTML.BodyContext> {
        let labels = Dictionary(view.loaded.scheme.entryFields.map { ($0.key, $0.label) }, uniquingKeysWith: { a, _ in a })
        return .if(view.audit.isEmpty, .p(.class("muted"), .text("尚无修改记录。")),
            else: .div(.class("scroll"), .table(.id("audit"),
                .tr(.th("时间"), .th("操作人"), .th("操作"), .th("项目"), .th("原值"), .th("新值"), .th("理由 / 意见")),
                .forEach(view.audit) { entry in
                    .tr(.td(.text(Self.time(entry.at))), .td(.text(view.person(entry.username))), .td(.text(entry.action)),
                        .td(.text(entry.field.map { labels[$0] ?? $0 } ?? "")), .td(.text(entry.oldValue ?? "")),
                        .td(.text(entry.newValue ?? "")), .td(.text(entry.reason ?? "")))
                })))
    }

    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        return formatter.string(from: date)
    }
}
