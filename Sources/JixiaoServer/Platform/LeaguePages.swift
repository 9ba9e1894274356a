import Foundation
import JixiaoPlatform
import Plot
import Vapor

/// Column labels of the records listed behind a finding.
enum RecordLabels {
    static let columns: [String: String] = [
        "person_id": "人员", "county_code": "县（市、区）", "project": "项目", "service_date": "服务日期", "funds": "资金（元）",
        "direct": "直接实施", "income": "发展增收", "funds_support": "资金扶持", "goods_support": "物资扶持", "training": "实用技术培训",
        "need_kind": "对应需求", "changed_at": "变更时间", "deleted": "已撤销", "supervisor_code": "督查单位", "town": "乡镇",
        "visit_date": "督查日期", "checked": "核查数", "accurate": "准确数", "year": "年度", "task_count": "本地任务数",
        "unit_code": "单位", "month": "月份", "uploaded_on": "上传日期",
        "birth_year": "出生年份", "hukou": "户口", "category": "残疾类别", "grade": "等级", "kind": "需求类别",
    ]
    /// The columns shown, in order, per record kind (the rest are in the JSON).
    static let shown: [String: [String]] = [
        "services": ["person_id", "project", "service_date", "funds", "funds_support", "goods_support", "training", "need_kind", "deleted", "changed_at"],
        "tasks": ["county_code", "project", "year", "task_count", "changed_at"],
        "supervisions": ["supervisor_code", "county_code", "town", "visit_date", "checked", "accurate"],
        "persons": ["county_code", "birth_year", "hukou", "category", "grade", "deleted", "changed_at"],
        "needs": ["person_id", "county_code", "kind", "deleted", "changed_at"],
    ]
    static func label(_ kind: String) -> String { Records.kind(named: kind)?.label ?? kind }
}

/// `/platform`: the months whose league table was frozen, and (for the province) the action per month.
struct LeagueMonthsPage {
    let context: PageContext
    let snapshots: [(month: String, cut: String, takenAt: Date, takenBy: String)]
    let periods: [String]
    let canCompute: Bool

    /// The years with a frozen month, newest first.
    var years: [String] {
        Array(Set(snapshots.map { String($0.month.prefix(4)) })).sorted(by: >)
    }

    var document: HTML {
        Page.document(
            title: "平台数据 月度排名", context: context,
            .h1(.text("“量服”平台数据 · 月度排名（方案 000）")),
            .p(.class("muted"), .text("每月排名按平台记录以每月25日（截至 23:59:59）平台显示的数据为准计算并冻结；之后的记录变更计入下月。")),
            .if(snapshots.isEmpty, .p(.id("platform-none"), .text("还没有按平台数据计算的月份。"))),
            .if(!snapshots.isEmpty,
                .table(.id("platform-months"),
                    .tr(.th("月份"), .th("截至"), .th("计算时间"), .th("计算人")),
                    .forEach(snapshots) { s in
                        .tr(.escaped("data-month", s.month),
                            .td(.a(.href(SiteURL.platformMonth(scheme: LeagueStore.schemeCode, month: s.month)), .text(s.month))),
                            .td(.text(s.cut)), .td(.text(LeaguePageFormat.time(s.takenAt))), .td(.text(s.takenBy)))
                    })),
            .if(!years.isEmpty,
                .p(.id("platform-years"), .text("年度排名："),
                   .forEach(years) { year in
                       .group(.a(.href(SiteURL.platformYear(scheme: LeagueStore.schemeCode, year: year)), .escaped("data-year", year),
                                 .text("\(year) 年")), .text(" "))
                   })),
            .if(canCompute,
                .group(
                    .h2(.text("按平台数据计算")),
                    .p(.class("muted"), .text("以截止日的平台记录计算各县（市、区）和市（州）的平台指标，写入该月考核（人工填报项不变），计分并冻结月度排名。重复计算只在数据变化时写入。")),
                    .div(.class("actions"),
                        .forEach(periods) { period in
                            .form(.method(.post), .action(SiteURL.platformCompute(scheme: LeagueStore.schemeCode, month: period)),
                                  context.csrfField,
                                  .button(.type(.submit), .escaped("data-month", period), .text("\(period)：按平台数据计算本月（截至25日）")))
                        }))))
    }
}

enum LeaguePageFormat {
    static func time(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: date)
    }
}

/// A month's league table as frozen at its cut-off: 市州 ranked among 市州, 县市区 among 县市区.
struct LeagueMonthPage {
    let context: PageContext
    let snapshot: LeagueSnapshot
    let visible: Set<String>
    let canCompute: Bool

    func rows(_ level: String) -> [LeagueSnapshot.UnitLine] { snapshot.ranked(level).filter { visible.contains($0.code) } }

    var document: HTML {
        let scheme = snapshot.scheme, month = snapshot.month
        return Page.document(
            title: "\(month) 平台月度排名", context: context,
            .h1(.text("\(snapshot.schemeName) · \(month) 月度排名")),
            .p(.class("total"), .id("platform-cut"), .text("截至 \(snapshot.cut)")),
            .p(.class("muted"), .text("按平台记录计算，\(LeaguePageFormat.time(snapshot.takenAt)) 由 \(snapshot.takenBy) 冻结；之后记录的变更不改变本表。名次为在全部同类单位中的名次。")),
            .p(.class("noprint"),
               .a(.href(SiteURL.platformMonths), .text("全部月份")), .text(" · "),
               .a(.href(SiteURL.platformYear(scheme: scheme, year: String(month.prefix(4)))), .id("platform-year-link"),
                  .text("\(month.prefix(4)) 年度排名")), .text(" · "),
               .a(.href(SiteURL.platformJSON(scheme: scheme, month: month)), .text("接口数据"))),
            .if(canCompute,
                .form(.method(.post), .action(SiteURL.platformCompute(scheme: scheme, month: month)), context.csrfField,
                      .button(.type(.submit), .id("platform-compute"), .text("按平台数据计算本月（截至25日）")))),
            .forEach([("city", "市州"), ("county", "县市区")]) { level, title in
                let rows = rows(level)
                return .if(!rows.isEmpty, .section(
                    .h2(.text("\(title)（\(rows.count)）")),
                    .div(.class("scroll"),
                        .table(.escaped("id", "league-\(level)"),
                            .tr(.th("名次"), .th("代码"), .th("单位"), .th("总分"),
                                .forEach(snapshot.mainMetrics) { .th(.text($0)) }, .th("自动检查发现")),
                            .forEach(rows) { row in
                                .tr(.escaped("data-code", row.code),
                                    .td(.class("num"), .text(row.rank.map { "\($0)/\(row.rankOf)" } ?? "—")),
                                    .td(.text(row.code)),
                                    .td(.a(.href(SiteURL.platformUnit(scheme: scheme, month: month, unit: row.code)), .text(row.name))),
                                    .td(.class("num"), .text(row.total ?? "未评分")),
                                    .forEach(snapshot.mainMetrics) { .td(.class("num"), .text(row.metrics[$0] ?? "—")) },
                                    .td(.escaped("class", row.findings.isEmpty ? "muted" : "bad"),
                                        .text(row.findings.isEmpty ? "无" : row.findings.map { "\($0.indicator) \($0.check)" }.joined(separator: "；"))))
                            }))))
            })
    }
}

/// One unit's month: the 30-point sheet from the platform figures, every automatic finding with the records behind
/// it, and the change of the total against last month's snapshot.
struct LeagueUnitPage {
    let context: PageContext
    let snapshot: LeagueSnapshot
    let unit: LeagueSnapshot.UnitLine
    let change: LeagueChange?
    /// The records behind the metrics that moved (nil without a previous month or when no metric moved).
    var moved: MovedRecords? = nil

    var document: HTML {
        let findingsBy = Dictionary(grouping: unit.findings, by: \.indicator)
        return Page.document(
            title: "\(unit.name) \(snapshot.month) 平台数据", context: context,
            .h1(.text("\(unit.name) · \(snapshot.month) 平台数据与得分")),
            .p(.class("total"), .id("platform-cut"), .text("截至 \(snapshot.cut)")),
            .p(.id("unit-total"), .text("总分 \(unit.total ?? "未评分")，\(unit.level == "city" ? "市州" : "县市区")第 \(unit.rank.map(String.init) ?? "—") 名（共 \(unit.rankOf) 个）")),
            .p(.class("noprint"),
               .a(.href(SiteURL.platformMonth(scheme: snapshot.scheme, month: snapshot.month)), .text("返回月度排名")),
               .unwrap(unit.assessmentID) { id in .group(.text(" · "), .a(.href(SiteURL.assessment(id)), .id("unit-sheet-link"), .text("考核表（当前数据）"))) }),
            .h2(.text("自动检查发现（\(unit.findings.count)）")),
            .if(unit.findings.isEmpty, .p(.class("muted"), .id("no-findings"), .text("本月平台自动检查没有发现问题。"))),
            .forEach(unit.findings.enumerated().map { $0 }) { index, finding in
                .section(.class("finding"), .escaped("id", "finding-\(index)"), .escaped("data-indicator", finding.indicator),
                    .h3(.text("\(finding.indicator) \(indicatorName(finding.indicator)) · \(finding.check)")),
                    .p(.class("bad"), .text(finding.message)),
                    .if(finding.recordCount == 0, .p(.class("muted"), .text("（此项由缺少的记录判定，没有具体记录）"))),
                    .if(finding.recordCount > 0, .group(
                        .p(.class("finding-count"), .text("相关记录 共 \(finding.recordCount) 条" + (finding.recordCount > finding.records.count ? "，列出前 \(finding.records.count) 条" : ""))),
                        .div(.class("scroll"), .table(.class("finding-records"),
                            .tr(.th("类别"), .th("记录编号"), .forEach(columns(finding)) { .th(.text(RecordLabels.columns[$0] ?? $0)) }),
                            .forEach(finding.records) { record in
                                .tr(.escaped("data-record", record.id),
                                    .td(.text(RecordLabels.label(record.kind))), .td(.text(record.id)),
                                    .forEach(columns(finding)) { .td(.text(record.fields[$0] ?? "")) })
                            })))))
            },
            .h2(.text("与上月相比")),
            .unwrap(change, { change in
                .section(.id("month-change"),
                    .p(.text("总分 \(change.totalBefore ?? "—")（\(change.previousMonth)）→ \(change.totalAfter ?? "—")" +
                             (change.totalDelta.map { "，\($0)" } ?? "") +
                             "；名次 \(change.rankBefore.map(String.init) ?? "—") → \(change.rankAfter.map(String.init) ?? "—")")),
                    .if(change.indicators.isEmpty, .p(.class("muted"), .text("各指标得分与上月相同。"))),
                    .if(!change.indicators.isEmpty, .table(.id("change-indicators"),
                        .tr(.th("指标"), .th(.text(change.previousMonth)), .th(.text(snapshot.month)), .th("变化")),
                        .forEach(change.indicators) { m in .tr(.td(.text(m.name)), .td(.class("num"), .text(m.before)), .td(.class("num"), .text(m.after)), .td(.class("num"), .text(m.delta ?? ""))) })),
                    .if(!change.metrics.isEmpty, .table(.id("change-metrics"),
                        .tr(.th("平台指标"), .th(.text(change.previousMonth)), .th(.text(snapshot.month)), .th("变化"), .th("变更或新增的记录")),
                        .forEach(change.metrics) { m in
                            .tr(.escaped("data-metric", m.name), .td(.text(m.name)), .td(.class("num"), .text(m.before)), .td(.class("num"), .text(m.after)),
                                .td(.class("num"), .text(m.delta ?? "")), .td(movedCell(m.name)))
                        })),
                    .unwrap(moved) { moved in movedRecords(moved) })
            }, else: .p(.class("muted"), .id("month-change-none"), .text("上月没有按平台数据冻结的排名，无法比较。"))),
            .h2(.text("考核表（按平台数据计分）")),
            .div(.class("scroll"), .table(.id("sheet"),
                .tr(.th("代码"), .th("指标"), .th("分值"), .th("得分"), .th("自动检查")),
                .forEach(snapshot.indicators) { indicator in
                    let found = findingsBy[indicator.code] ?? []
                    return .tr(.escaped("data-code", indicator.code), .escaped("class", found.isEmpty ? "" : "returned"),
                        .td(.text(indicator.code)),
                        .td(.text(String(repeating: "　", count: indicator.depth) + indicator.name)),
                        .td(.class("num"), .text(indicator.max)),
                        .td(.class("num"), .text(unit.scores[indicator.code] ?? "—")),
                        .td(.class("bad"), .text(found.map(\.check).joined(separator: "；"))))
                })),
            .h2(.text("平台数据（截至 \(snapshot.cut)）")),
            .p(.class("muted"), .text("以下数据由平台记录计算，在考核表中标注“平台数据 截至 \(String(snapshot.cut.prefix(10)))”，填报人不能修改；如有出入，应在平台更正记录，下月截止日计入。")),
            .div(.class("scroll"), .table(.id("platform-metrics"),
                .tr(.th("平台指标"), .th("数值")),
                .forEach(snapshot.metricNames.filter { unit.metrics[$0] != nil } + unit.metrics.keys.filter { !snapshot.metricNames.contains($0) }.sorted()) { name in
                    .tr(.td(.text(name)), .td(.class("num"), .text(unit.metrics[name] ?? "")))
                })))
    }

    func indicatorName(_ code: String) -> String { snapshot.indicators.first { $0.code == code }?.name ?? "" }

    /// Per moved metric: the kinds of records it reads with how many of the unit's changed, linked to their list below.
    func movedCell(_ metric: String) -> Node<HTML.BodyContext> {
        guard let moved, let kinds = moved.byMetric[metric] else { return .text("") }
        let parts = kinds.compactMap { moved.kind($0) }
        if parts.isEmpty { return .span(.class("muted"), .text("按截止日计算（无记录表）")) }
        if parts.allSatisfy({ $0.count == 0 }) {
            return .span(.class("muted"), .text("没有记录变更（" + parts.map { RecordLabels.label($0.kind) }.joined(separator: "、") + "）；按期间计算的指标随截止日变化"))
        }
        return .group(.forEach(parts.enumerated().map { $0 }) { index, part in
            .group(.if(index > 0, .text("、")),
                   part.count > 0
                       ? .a(.escaped("href", "#moved-\(part.kind)"), .text("\(RecordLabels.label(part.kind)) \(part.count) 条"))
                       : .text("\(RecordLabels.label(part.kind)) 0 条"))
        })
    }

    /// The unit's records changed or added between the two cut-offs, per kind: the count and the first ones.
    func movedRecords(_ moved: MovedRecords) -> Node<HTML.BodyContext> {
        .section(.id("moved-records"),
            .h3(.text("变更或新增的记录（\(moved.from) 之后至 \(moved.to)）")),
            .p(.class("muted"), .text("按记录的变更时间：上月截止日之后、本月截止日及之前有新版本的记录（列出其截至本月截止日的最新版本），每类最多列出 \(LeagueStore.listedRecords) 条。平台记录没有单独的记录页面，完整数据请用接口或导出。")),
            .forEach(moved.kinds.filter { $0.count > 0 }) { part in
                let columns = RecordLabels.shown[part.kind]
                    ?? Array(Set(part.lines.flatMap { $0.fields.keys })).sorted()
                return .div(.class("moved-kind"), .escaped("id", "moved-\(part.kind)"), .escaped("data-kind", part.kind),
                    .h4(.text("\(RecordLabels.label(part.kind))：共 \(part.count) 条" + (part.count > part.lines.count ? "，列出最近变更的 \(part.lines.count) 条" : ""))),
                    .div(.class("scroll"), .table(.class("moved-records"),
                        .tr(.th("记录编号"), .th("新增/变更"), .forEach(columns) { .th(.text(RecordLabels.columns[$0] ?? $0)) }),
                        .forEach(part.lines) { line in
                            .tr(.escaped("data-record", line.id), .td(.text(line.id)), .td(.text(line.added ? "新增" : "变更")),
                                .forEach(columns) { .td(.text(line.fields[$0] ?? "")) })
                        })))
            })
    }

    func columns(_ finding: LeagueSnapshot.FindingLine) -> [String] {
        let kinds = Set(finding.records.map(\.kind))
        var out: [String] = []
        for kind in kinds.sorted() {
            for c in RecordLabels.shown[kind] ?? finding.records.first(where: { $0.kind == kind }).map({ $0.fields.keys.sorted() }) ?? [] where !out.contains(c) {
                out.append(c)
            }
        }
        return out
    }
}

/// The year's league table: every unit with each frozen month's 总分 and rank, and the year's result by the rule
/// stated on the page (`LeagueYear.rule`).
struct LeagueYearPage {
    let context: PageContext
    let table: LeagueYear
    let visible: Set<String>

    func rows(_ level: String) -> [LeagueYear.UnitLine] { table.ranked(level).filter { visible.contains($0.code) } }
    var roots: [LeagueSnapshot.IndicatorLine] { table.indicators.filter { $0.depth == 0 } }

    var document: HTML {
        let scheme = table.scheme
        return Page.document(
            title: "\(table.year) 平台年度排名", context: context,
            .h1(.text("\(table.schemeName) · \(table.year) 年度排名")),
            .p(.class("total"), .id("year-months"),
               .text("已冻结月份：\(table.months.map(\.month).joined(separator: "、"))（共 \(table.months.count) 个月；最后截至 \(table.months.last?.cut ?? "—")）")),
            .p(.id("year-rule"), .text(table.rule)),
            .p(.class("muted"), .text("本表由各月冻结的排名（每月最新一次）计算，重新打开结果相同；某月重新计算后，本表随之采用该月的新排名。未冻结的月份不计入。")),
            .p(.class("noprint"),
               .a(.href(SiteURL.platformMonths), .text("全部月份")), .text(" · "),
               .a(.href(SiteURL.platformYearJSON(scheme: scheme, year: table.year)), .text("接口数据"))),
            .forEach([("city", "市州"), ("county", "县市区")]) { level, title in
                let rows = rows(level)
                return .if(!rows.isEmpty, .section(
                    .h2(.text("\(title)（\(rows.count)）")),
                    .div(.class("scroll"),
                        .table(.escaped("id", "year-\(level)"),
                            .tr(.th("名次"), .th("代码"), .th("单位"), .th("年度总分"),
                                .forEach(roots) { .th(.text("\($0.code) \($0.name)")) },
                                .forEach(table.months) { m in
                                    .th(.a(.href(SiteURL.platformMonth(scheme: scheme, month: m.month)), .text("\(m.month) 总分（名次）")))
                                }),
                            .forEach(rows) { row in
                                .tr(.escaped("data-code", row.code),
                                    .td(.class("num"), .text(row.rank.map { "\($0)/\(row.rankOf)" } ?? "—")),
                                    .td(.text(row.code)),
                                    .td(.text(row.name)),
                                    .td(.class("num year-total"), .text(row.total ?? "未评分（\(row.missing ?? "")）")),
                                    .forEach(roots) { .td(.class("num"), .text(row.scores[$0.code] ?? "—")) },
                                    .forEach(table.months) { m in
                                        let cell = row.months[m.month]
                                        return .td(.class("num"), .escaped("data-month", m.month),
                                            .a(.href(SiteURL.platformUnit(scheme: scheme, month: m.month, unit: row.code)),
                                               .text(cell.map { "\($0.total ?? "未评分")（\($0.rank.map(String.init) ?? "—")）" } ?? "—")))
                                    })
                            }))))
            },
            .h2(.text("各指标的计分方式")),
            .div(.class("scroll"), .table(.id("year-indicators"),
                .tr(.th("代码"), .th("指标"), .th("分值"), .th("频次"), .th("年度取值")),
                .forEach(table.indicators) { i in
                    .tr(.escaped("data-code", i.code),
                        .td(.text(i.code)), .td(.text(String(repeating: "　", count: i.depth) + i.name)), .td(.class("num"), .text(i.max)),
                        .td(.text(Self.frequencyText(i.frequency))), .td(.text(Self.howText(table, i))))
                })))
    }

    static func frequencyText(_ frequency: String?) -> String {
        switch frequency {
        case "monthly": return "月度计分指标"
        case "annual": return "年度计分指标"
        case "quarterly": return "季度"
        case "half": return "半年"
        default: return "—"
        }
    }

    /// How the row's year score is made, from its leaves' frequencies.
    static func howText(_ table: LeagueYear, _ line: LeagueSnapshot.IndicatorLine) -> String {
        let leaves = table.indicators.filter { $0.code == line.code || $0.code.hasPrefix(line.code + ".") }
            .filter { leaf in !table.indicators.contains { $0.code.hasPrefix(leaf.code + ".") } }
        let set = Set(leaves.map { $0.frequency ?? "annual" })
        if set == ["monthly"] { return "各月平均" }
        if set.count == 1 { return "最后一个月" }
        return "下级指标相加"
    }
}
