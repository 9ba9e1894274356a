import Foundation
import JixiaoCore
import Plot

/// The year-end table: each person's three parts, composite, grade and what follows.
struct YearPage {
    let scope: AppraisalScope
    let table: YearTable
    let flash: String?

    static let gradeRule = "等次：因违反党纪国法被处分或失职渎职的定为四等；综合得分 80 分及以下的定为三等；其余按综合得分从高到低，一等为全部考核对象（含三等、四等）的 20%，向下取整，至少 1 人（方案未规定一等比例，20% 为假设）；其余为二等。连续两年三等的，提请岗位调整。"

    func document(_ context: PageContext) -> HTML {
        let year = table.year
        return Page.document(
            title: "\(year) 年度全员绩效考核", context: context,
            .h1(.text("\(scope.org.name) · \(year) 年度全员绩效考核")),
            .unwrap(flash) { .p(.class("flash"), .id("flash"), .text($0)) },
            .p(.class("noprint"),
               .a(.href(SiteURL.appraisals), .text("人员与年度")), .text(" · "),
               .a(.href(SiteURL.appraisalPolls(year)), .id("polls-link"), .text("民主测评")), .text(" · "),
               .a(.href(SiteURL.appraisalNotice(year)), .id("notice-link"), .text("半年情况通报")), .text(" · "),
               .a(.href(SiteURL.appraisalJSON(year)), .text("JSON"))),
            .if(!table.problems.isEmpty, .ul(.class("problems"), .forEach(table.problems) { .li(.text($0)) })),
            .p(.class("rule"), .text("综合得分 = 日常管理（40分，含加分）× 40% ＋ 指标考核（40分）× 40% ＋ 民主测评（20分）× 20%，各部分已按分值计，即 A ＋ B ＋ C。" + Self.gradeRule)),
            .p(.class("rule"), .text(GradeConsequence.coefficientNote)),
            .div(.class("scroll"),
                 .table(.id("year-table"),
                        .tr(.th("工号"), .th("姓名"), .th("部室"), .th("日常管理"), .th("指标考核"), .th("领导评价"), .th("述职测评"), .th("服务对象评价"),
                            .th("民主测评"), .th("综合得分"), .th("等次"), .th("年度考核"), .th("奖金系数"), .th("说明")),
                        .forEach(table.rows) { row in
                            .tr(.escaped("data-person", row.member.person.staffNo),
                                .td(.text(row.member.person.staffNo)),
                                .td(.a(.href(SiteURL.appraisalPerson(row.member.id, year: year)), .text(row.member.person.name))),
                                .td(.text(row.member.person.department)),
                                .td(.class("num"), .text(row.parts["A"] ?? "")), .td(.class("num"), .text(row.parts["B"] ?? "")),
                                .td(.class("num"), .text(row.parts["C1"] ?? "")), .td(.class("num"), .text(row.parts["C2"] ?? "")),
                                .td(.class("num"), .text(row.parts["C3"] ?? "")), .td(.class("num"), .text(row.parts["C"] ?? "")),
                                .td(.class("num composite"), .text(row.composite)), .td(.class("grade"), .text(row.grade ?? "—")),
                                .td(.text(row.gradeNote)), .td(.class("num"), .text(GradeConsequence.bonusCoefficient(row.grade))),
                                .td(.if(row.adjustPost, .span(.class("bad adjust"), .text("连续两年三等：提请岗位调整 "))),
                                    .text(row.notes.joined(separator: "；"))))
                        }))
        )
    }
}

/// 半年情况通报: the standing of 日常管理 to 30 June, with every entry, printable.
struct NoticePage {
    let scope: AppraisalScope
    let year: Int
    let through: String
    let table: YearTable
    let entries: [AppraisalEntry]

    func document(_ context: PageContext) -> HTML {
        Page.document(
            title: "\(year) 年上半年情况通报", context: context,
            .h1(.text("\(scope.org.name)关于 \(year) 年上半年全员绩效考核日常管理情况的通报")),
            .p(.class("noprint"), .a(.href(SiteURL.appraisalYear(year)), .text("返回年度考核")), .text(" · "),
               .a(.href(SiteURL.appraisalNotice(year)), .escaped("data-action", "print"), .text("打印通报"))),
            .p(.text("截至 \(through)，日常管理（附件1，40分，含加分）记录情况如下。对记录有异议的，请在通报后向绩效办提出申诉。已撤销的记录不计分。")),
            .table(.id("notice-table"),
                   .tr(.th("姓名"), .th("部室"), .th("日常管理得分"), .th("记录")),
                   .forEach(table.rows) { row in
                       let mine = entries.filter { $0.personID == row.member.id }
                       return .tr(.td(.text(row.member.person.name)), .td(.text(row.member.person.department)),
                                  .td(.class("num"), .text(row.parts["A"] ?? "")),
                                  .td(.text(mine.isEmpty ? "无" : mine.map { entry in
                                      "\(entry.date) \(EntryKind(rawValue: entry.kind)?.label ?? entry.kind)\(entry.level.map { "（\($0)）" } ?? "")\(entry.status == "withdrawn" ? "（已撤销）" : entry.status == "contested" ? "（申诉中）" : "")"
                                  }.joined(separator: "；"))))
                   }),
            .p(.text("\(scope.org.name)绩效考核领导小组办公室"))
        )
    }
}

/// A person's own page: attributes, the year's entries (with 申诉), the 附件2 sheet, the veto, and the years.
struct PersonPage {
    let scope: AppraisalScope
    let member: StaffMember
    let year: Int
    let entries: [AppraisalEntry]
    let sheets: [AppraisalSheet]
    let personYear: AppraisalPersonYear
    let history: [(Int, YearRow)]
    let problems: [String]
    let flash: String?

    static func status(_ entry: AppraisalEntry) -> String {
        switch entry.status {
        case "contested": return "申诉中"
        case "kept": return "申诉不成立，维持"
        case "withdrawn": return "申诉成立，已撤销"
        default: return "有效"
        }
    }

    func document(_ context: PageContext) -> HTML {
        let p = member.person
        let manages = scope.manages(member.path)
        let isSelf = scope.isSelf(member.path)
        let approved = sheets.last(where: { $0.approvedBy != nil })
        let latest = sheets.last
        let values = AppraisalStore.taskValues(personYear)
        let row = history.first(where: { $0.0 == year })?.1
        return Page.document(
            title: "\(p.name) · \(year) 年度考核", context: context,
            .h1(.id("person-name"), .text("\(p.name) · \(year) 年度")),
            .unwrap(flash) { .p(.class("flash"), .id("flash"), .text($0)) },
            .if(!problems.isEmpty, .ul(.class("problems"), .id("problems"), .forEach(problems) { .li(.text($0)) })),
            .p(.text("工号 \(p.staffNo) · \(p.department) · \(p.post.isEmpty ? "—" : p.post) · \(p.partyMember ? "党员" : "非党员")\(p.cadre ? " · 州管干部（不参加本考核）" : "")")),
            .p(.class("noprint"), .if(!isSelf, .group(.a(.href(SiteURL.appraisalYear(year)), .text("年度考核表")), .text(" · "))),
               .a(.href(SiteURL.appraisalPerson(member.id, year: year - 1)), .text("上一年")), .text(" · "),
               .a(.href(SiteURL.appraisalPerson(member.id, year: year + 1)), .text("下一年"))),
            .unwrap(row) { row in
                .p(.class("total"), .id("my-standing"),
                   .text("日常管理 \(row.parts["A"] ?? "") · 指标考核 \(row.parts["B"] ?? "") · 民主测评 \(row.parts["C"] ?? "") · 综合 \(row.composite) · 等次 \(row.grade ?? "—")"))
            },
            .h2("日常管理记录"),
            .table(.id("entries"),
                   .tr(.th("日期"), .th("类别"), .th("级别/事项"), .th("说明"), .th("依据"), .th("记录人"), .th("状态"), .th("申诉与处理")),
                   .forEach(entries) { entry in
                       let id = entry.id ?? UUID()
                       return .tr(
                        .td(.text(entry.date)), .td(.text(EntryKind(rawValue: entry.kind)?.label ?? entry.kind)),
                        .td(.text([entry.level, entry.groupName, entry.amount.map { "为单位加 \($0) 分" }].compactMap { $0 }.joined(separator: " "))),
                        .td(.text(entry.note)), .td(.text(entry.evidence)), .td(.text(entry.recordedBy)), .td(.class("status"), .text(Self.status(entry))),
                        .td(.unwrap(entry.appealReason) { .p(.text("申诉理由：\($0)")) },
                            .unwrap(entry.decision) { .p(.text("处理意见：\($0)（\(entry.decidedBy ?? "")）")) },
                            .if(isSelf && entry.status == "recorded",
                                .form(.method(.post), .action(SiteURL.appraisalEntryAction(id, "appeal")), context.csrfField,
                                      .input(.type(.text), .name("reason"), .class("reason"), .placeholder("申诉理由")),
                                      .button(.type(.submit), .class("appeal"), .text("申诉")))),
                            .if(scope.isOffice && entry.status == "contested",
                                .form(.method(.post), .action(SiteURL.appraisalEntryAction(id, "decide")), context.csrfField,
                                      .input(.type(.text), .name("note"), .class("reason"), .placeholder("处理意见")),
                                      .select(.attribute(named: "name", value: "decision"), .option(.value("keep"), .escaped("label", "申诉不成立，维持")), .option(.value("withdraw"), .escaped("label", "申诉成立，撤销"))),
                                      .button(.type(.submit), .class("decide"), .text("处理")))))
                       )
                   }),
            .if(manages,
                .form(.method(.post), .action(SiteURL.appraisalPersonAction(member.id, year: year, "entries")), .id("record-form"), context.csrfField,
                      .h3("记录一条"),
                      .label(.text("日期 "), .input(.type(.text), .name("date"), .id("entry-date"), .placeholder("yyyy-mm-dd"))),
                      .label(.text(" 类别 "), .select(.attribute(named: "name", value: "kind"), .id("entry-kind"), .forEach(EntryKind.allCases) { kind in
                          .option(.escaped("value", kind.rawValue), .escaped("label", kind.label))
                      })),
                      .label(.text(" 级别 "), .select(.attribute(named: "name", value: "level"), .id("entry-level"), .option(.value(""), .escaped("label", "（加分项选择）")),
                                                      .forEach(EntryKind.article.levels + EntryKind.commendation.levels) { .option(.escaped("value", $0), .escaped("label", $0)) })),
                      .label(.text(" 文章/工作 "), .input(.type(.text), .name("group"), .id("entry-group"))),
                      .label(.text(" 为单位加分 "), .input(.type(.text), .name("amount"), .id("entry-amount"))),
                      .br(),
                      .label(.text("说明 "), .input(.type(.text), .name("note"), .id("entry-note"), .class("reason"))),
                      .label(.text(" 依据（文件、通报） "), .input(.type(.text), .name("evidence"), .id("entry-evidence"), .class("reason"))),
                      .button(.type(.submit), .id("record"), .text("记录")))),
            .h2("附件2 考核指标"),
            .if(sheets.isEmpty, .p(.class("muted"), .text("尚未填写"))),
            .forEach(sheets.reversed()) { sheet in
                .div(.class("sheet"),
                     .h3(.text("第 \(sheet.version) 版 · \(sheet.approvedBy.map { "已审定（\($0)）" } ?? "待审定") · \(sheet.reason) · 填写：\(sheet.writtenBy)")),
                     .table(.tr(.th("序号"), .th("考核指标及工作要求"), .th("分值"), .th("评分标准")),
                            .forEach(Array(AppraisalStore.tasks(sheet).enumerated()), { pair in
                                .tr(.td(.text(String(pair.offset + 1))), .td(.text(pair.element.name)), .td(.class("num"), .text(pair.element.points)),
                                    .td(.class("rule"), .text(pair.element.ruleText)))
                            })))
            },
            .if(scope.isOffice && latest != nil && latest?.approvedBy == nil,
                .form(.method(.post), .action(SiteURL.appraisalPersonAction(member.id, year: year, "approve")), context.csrfField,
                      .button(.type(.submit), .id("approve-sheet"), .text("审定附件2")))),
            .if(manages,
                .form(.method(.post), .action(SiteURL.appraisalPersonAction(member.id, year: year, "sheet")), .id("sheet-form"), context.csrfField,
                      .p(.class("rule"), .text("一行一项：名称 | 分值 | 规则。规则为“每次扣 5”“目标 100 每少 1 扣 0.25”“完成”或“折算”（按百分制检查得分折算）；分值合计 40。已审定后修改生成新版本，须填写理由。")),
                      .textarea(.name("tasks"), .id("sheet-tasks"), .attribute(named: "rows", value: "5"), .attribute(named: "cols", value: "80"),
                                .text(latest.map { SheetText.text(AppraisalStore.tasks($0)) } ?? "")),
                      .br(), .label(.text("修改理由 "), .input(.type(.text), .name("reason"), .id("sheet-reason"), .class("reason"))),
                      .button(.type(.submit), .id("save-sheet"), .text("保存附件2")))),
            .unwrap(approved) { sheet in
                .if(manages,
                    .form(.method(.post), .action(SiteURL.appraisalPersonAction(member.id, year: year, "values")), .id("values-form"), context.csrfField,
                          .h3(.text("完成情况（第 \(sheet.version) 版）")),
                          .forEach(Array(AppraisalStore.tasks(sheet).enumerated()), { pair in
                              .label(.text("\(pair.offset + 1). \(pair.element.name)（\(pair.element.valueHint)） "),
                                     .input(.type(.text), .escaped("name", "t\(pair.offset + 1)"), .escaped("id", "task-\(pair.offset + 1)"),
                                            .escaped("value", values[String(pair.offset + 1)] ?? "")))
                          }),
                          .button(.type(.submit), .id("save-values"), .text("保存完成情况"))),
                    else: .p(.text("完成情况：" + AppraisalStore.tasks(sheet).enumerated().map { "\($0.offset + 1). \(values[String($0.offset + 1)] ?? "未填")" }.joined(separator: "；"))))
            },
            .h2("四等认定"),
            .p(.id("veto"), .text(personYear.veto.map { "\($0)（\(personYear.vetoDocument ?? "")）" } ?? "无")),
            .if(scope.isOffice,
                .form(.method(.post), .action(SiteURL.appraisalPersonAction(member.id, year: year, "veto")), context.csrfField,
                      .select(.attribute(named: "name", value: "veto"), .option(.value(""), .escaped("label", "无")), .option(.value("受处分"), .escaped("label", "因违反党纪国法被处分")),
                              .option(.value("失职渎职"), .escaped("label", "工作失职渎职造成重大损失和恶劣影响"))),
                      .input(.type(.text), .name("document"), .class("reason"), .placeholder("处分决定或认定文件")),
                      .button(.type(.submit), .text("保存")))),
            .h2("历年考核"),
            .table(.id("history"),
                   .tr(.th("年度"), .th("日常管理"), .th("指标考核"), .th("民主测评"), .th("综合得分"), .th("等次"), .th("年度考核")),
                   .forEach(history) { item in
                       .tr(.td(.a(.href(SiteURL.appraisalPerson(member.id, year: item.0)), .text(String(item.0)))),
                           .td(.class("num"), .text(item.1.parts["A"] ?? "")), .td(.class("num"), .text(item.1.parts["B"] ?? "")),
                           .td(.class("num"), .text(item.1.parts["C"] ?? "")), .td(.class("num"), .text(item.1.composite)),
                           .td(.text(item.1.grade ?? "—")),
                           .td(.text(item.1.gradeNote + (item.1.adjustPost ? "；连续两年三等，提请岗位调整" : ""))))
                   })
        )
    }
}

/// The year's polls, and the form that opens one.
struct PollsPage {
    let scope: AppraisalScope
    let year: Int
    let polls: [AppraisalPoll]
    let cadres: Int
    let staff: Int
    let problems: [String]

    func document(_ context: PageContext) -> HTML {
        Page.document(
            title: "\(year) 年度民主测评", context: context,
            .h1(.text("\(year) 年度民主测评")),
            .p(.a(.href(SiteURL.appraisalYear(year)), .text("返回年度考核"))),
            .if(!problems.isEmpty, .ul(.class("problems"), .id("problems"), .forEach(problems) { .li(.text($0)) })),
            .p(.class("rule"), .text(BallotConversion.text)),
            .table(.id("polls"),
                   .tr(.th("测评"), .th("截止"), .th("已投/投票码"), .th("状态")),
                   .forEach(polls) { poll in
                       .tr(.td(.a(.href(SiteURL.appraisalPoll(poll.id ?? UUID())), .text(PollPart(rawValue: poll.part)?.label ?? poll.part))),
                           .td(.text(BallotPage.day(poll.deadline))), .td(.class("num"), .text("\(poll.ballotsCast)/\(poll.codeCount)")),
                           .td(.text(poll.closed ? "已结束" : "进行中")))
                   }),
            .if(scope.isOffice,
                .form(.method(.post), .action(SiteURL.appraisalPolls(year)), .id("poll-form"), .class("stacked"), context.csrfField,
                      .h2("开启测评"),
                      .p(.label(.text("测评部分 "), .select(.attribute(named: "name", value: "part"), .id("poll-part"), .forEach(PollPart.allCases) { .option(.escaped("value", $0.rawValue), .escaped("label", $0.label)) }))),
                      .p(.label(.text("投票码数量（州管干部 \(cadres) 人，在职 \(staff) 人；服务对象评价按抽取人数） "), .input(.type(.text), .name("codes"), .id("poll-codes")))),
                      .p(.label(.text("截止日期 "), .input(.type(.text), .name("deadline"), .id("poll-deadline"), .placeholder("yyyy-mm-dd")))),
                      .p(.label(.text("服务对象名单（一行一人，仅服务对象评价） "), .textarea(.name("recipients"), .id("poll-recipients"), .attribute(named: "rows", value: "4")))),
                      .p(.label(.text("抽取人数 "), .input(.type(.text), .name("draw"), .id("poll-draw"), .value("10")))),
                      .p(.label(.text("随机种子（留空由系统生成，记录在案，可复核） "), .input(.type(.text), .name("seed")))),
                      .button(.type(.submit), .id("open-poll"), .text("开启并打印投票码"))))
        )
    }
}

/// The printable sheet of one-time codes and links, shown once when the poll opens.
struct CodeSheetPage {
    let scope: AppraisalScope
    let poll: AppraisalPoll
    let codes: [String]
    let host: String
    let drawn: [String]

    func document(_ context: PageContext) -> HTML {
        Page.document(
            title: "投票码", context: context,
            .h1(.text("\(poll.year) 年度 · \(PollPart(rawValue: poll.part)?.label ?? poll.part) · 投票码")),
            .p(.class("warn noprint"), .text("投票码只在此页显示一次（系统只保存其摘要），请立即打印或保存。每张投票码只能投一次，截止 \(BallotPage.day(poll.deadline))。")),
            .p(.class("noprint"), .a(.href(SiteURL.appraisalPoll(poll.id ?? UUID())), .escaped("data-action", "print"), .text("打印")), .text(" · "),
               .a(.href(SiteURL.appraisalPoll(poll.id ?? UUID())), .id("poll-link"), .text("查看计票"))),
            .if(!drawn.isEmpty, .p(.text("本次抽取的服务对象（随机种子 \(poll.drawSeed ?? "")）：\(drawn.joined(separator: "、"))"))),
            .table(.id("codes"),
                   .tr(.th("序号"), .th("投票码"), .th("投票地址")),
                   .forEach(Array(codes.enumerated()), { pair in
                       .tr(.td(.text(String(pair.offset + 1))), .td(.code(.class("secret ballot-code"), .text(pair.element))),
                           .td(.a(.href(SiteURL.ballot(code: pair.element)), .class("ballot-link"), .text("http://\(host)\(SiteURL.ballot(code: pair.element).path)"))))
                   }))
        )
    }
}

/// One poll: the live tally (counts only) and the draw record.
struct PollPage {
    let scope: AppraisalScope
    let poll: AppraisalPoll
    let members: [StaffMember]
    let counts: [UUID: [String: Int]]

    func document(_ context: PageContext) -> HTML {
        let part = PollPart(rawValue: poll.part)
        let list = poll.drawList.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
        let drawn = poll.drawn.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
        let again = poll.drawSeed.flatMap(UInt64.init).map { RecipientDraw.draw(list, count: drawn.count, seed: $0) }
        return Page.document(
            title: "民主测评计票", context: context,
            .h1(.text("\(poll.year) 年度 · \(part?.label ?? poll.part)")),
            .p(.a(.href(SiteURL.appraisalPolls(poll.year)), .text("返回民主测评"))),
            .p(.id("poll-state"), .text("\(poll.closed ? "已结束" : "进行中") · 已投 \(poll.ballotsCast) / \(poll.codeCount) 票 · 截止 \(BallotPage.day(poll.deadline))")),
            .if(!drawn.isEmpty,
                .p(.id("draw"), .text("服务对象名单 \(list.count) 人，随机种子 \(poll.drawSeed ?? "")，抽取：\(drawn.joined(separator: "、"))。按同一名单和种子重新抽取：\(again == drawn ? "结果一致" : "结果不一致")"))),
            .table(.id("tally"),
                   .tr(.th("姓名"), .th("部室"), .forEach(BallotConversion.options) { .th(.text($0.name)) }, .th("得分")),
                   .forEach(members) { m in
                       let mine = counts[m.id] ?? [:]
                       return .tr(.td(.text(m.person.name)), .td(.text(m.person.department)),
                                  .forEach(BallotConversion.options) { .td(.class("num"), .text(String(mine[$0.name] ?? 0))) },
                                  .td(.class("num"), .text(part.flatMap { BallotConversion.points(counts: mine, max: $0.max).map { Exact($0).formatted() } } ?? "—")))
                   }),
            .p(.class("rule"), .text(BallotConversion.text)),
            .if(scope.isOffice && !poll.closed,
                .form(.method(.post), .action(SiteURL.appraisalPollClose(poll.id ?? UUID())), context.csrfField, .escaped("data-confirm", "结束后不能再投票，确定结束？"),
                      .button(.type(.submit), .id("close-poll"), .text("结束测评"))))
        )
    }
}
