import Foundation
import JixiaoCore
import Plot

/// The self-evaluation form as seed 002 prints it (一、项目概况; 二、资金安排和使用情况 with 项目支出内容;
/// 三、项目自评价评分表 with 权重, 目标值, 业绩值, 评分结果, 评分标准, total and 评价等级), beside each row what the
/// rule gives and whether the owner's claimed 评分结果 agrees. Editable (inside the entry form, fields `v<i>`
/// in the order of `formFields`) while the owner fills it at the self-assessment; read-only otherwise.
struct SelfEvaluationSection {
    let view: SheetView
    let editable: Bool

    private var fields: [EntryField] { view.loaded.scheme.formFields }
    private var index: [String: Int] { Dictionary(fields.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { a, _ in a }) }

    private func value(_ key: String) -> String { view.typed?.figures[key] ?? view.inForce[key] ?? "" }

    func body<C: HTML.BodyContext>() -> Node<C> {
        let index = self.index
        return .div(.id("self-evaluation"),
            .h2("一、项目概况"),
            .div(.class("scroll"), .table(.id("project-info"), .forEach(SelfEvaluation.infoNames) { name in
                let key = SelfEvaluation.infoKey(name)
                return .tr(.th(.text(name)), .td(editable
                    ? .textarea(.escaped("name", "v\(index[key] ?? 0)"), .escaped("id", "info-\(name)"), .attribute(named: "rows", value: "2"),
                                .attribute(named: "cols", value: "80"), .text(value(key)))
                    : .text(value(key))))
            })),
            .h2("二、资金安排和使用情况"),
            fundTable(index),
            .h3("项目支出内容"),
            items(index),
            .h2("三、项目自评价评分表"),
            indicators(index))
    }

    // MARK: Fund table

    private func fundTable<C: HTML.BodyContext>(_ index: [String: Int]) -> Node<C> {
        let table = view.fundTable
        let columns = SelfEvaluation.columns
        func out(_ row: String, _ column: (name: String, sources: [String])) -> Node<HTML.TableRowContext> {
            let derived = table.map { SelfEvaluation.derived(SelfEvaluation.column($0, column.sources)) }
            let text: String
            switch row {
            case "预算安排": text = derived?.budget ?? ""
            case "项目实际投入": text = derived?.invested ?? ""
            case "资金到位": text = derived?.arrived ?? ""
            case "实际支出": text = derived?.spent ?? ""
            case "结余": text = derived?.balance ?? ""
            case "预算执行率": text = derived.map { $0.executionRate ?? "—" } ?? ""
            case "资金到位率": text = derived.map { $0.arrivalRate ?? "—" } ?? ""
            default: text = derived.map { $0.spendingRate ?? "—" } ?? ""
            }
            return .td(.class("num"), .escaped("data-fund-out", "\(row)|\(column.name)"), .text(text))
        }
        let derivedRows: [(label: String, key: String, line: String)] = [
            ("资金结余", "结余", "(5)=(3)-(4)"), ("预算执行率(%)", "预算执行率", "(6)=(4)/(1)"),
            ("资金到位率(%)", "资金到位率", "(7)=(3)/(1)"), ("资金实际支出率(%)", "资金实际支出率", "(8)=(4)/(3)")]
        return .div(.class("scroll"), .table(.id("fund-table"),
            .tr(.th(.attribute(named: "rowspan", value: "2"), "项目"), .th(.attribute(named: "rowspan", value: "2"), "行次"),
                .th(.attribute(named: "rowspan", value: "2"), "合计"), .th(.attribute(named: "colspan", value: "5"), "财政资金"),
                .th(.attribute(named: "colspan", value: "4"), "其他资金")),
            .tr(.th("小计"), .forEach(SelfEvaluation.financialSources) { .th(.text($0)) }, .th("小计"), .forEach(SelfEvaluation.otherSources) { .th(.text($0)) }),
            .forEach(SelfEvaluation.fundRows) { row in
                .tr(.th(.text(row.label)), .td(.text(row.line)),
                    .forEach(columns) { column in
                        guard column.sources.count == 1, let source = column.sources.first else { return out(row.label, column) }
                        let key = SelfEvaluation.fundKey(row.label, source)
                        guard editable, let position = index[key] else {
                            return .td(.class("num"), .text(Fixed(value(key)).map { $0.formatted() } ?? value(key)))
                        }
                        return .td(.input(.type(.text), .class("amount"), .escaped("name", "v\(position)"), .escaped("id", "fund-\(row.label)-\(source)"),
                                          .escaped("value", value(key)), .escaped("data-fund", row.label), .escaped("data-source", source),
                                          .attribute(named: "inputmode", value: "decimal")))
                    })
            },
            .forEach(derivedRows) { row in
                .tr(.th(.text(row.label)), .td(.text(row.line)), .forEach(columns) { out(row.key, $0) })
            }))
    }

    private func items<C: HTML.BodyContext>(_ index: [String: Int]) -> Node<C> {
        let rows = editable ? SelfEvaluation.itemRows(view.typed?.figures ?? view.inForce) : SelfEvaluation.itemRows(view.inForce) - 3
        let total = view.fundTable?.itemsSpent.formatted() ?? ""
        return .div(.class("scroll"), .table(.id("fund-items"),
            .tr(.th("项目支出内容"), .th("实际支出数")),
            .tr(.th("合计"), .td(.class("num"), .id("items-total"), .text(total))),
            .forEach(Array(0..<max(rows, 0))) { row in
                let nameKey = SelfEvaluation.itemNameKey(row), spentKey = SelfEvaluation.itemSpentKey(row)
                guard editable, let name = index[nameKey], let spent = index[spentKey] else {
                    return .if(!value(nameKey).isEmpty || !value(spentKey).isEmpty,
                               .tr(.td(.text(value(nameKey))), .td(.class("num"), .text(Fixed(value(spentKey)).map { $0.formatted() } ?? value(spentKey)))))
                }
                return .tr(.td(.input(.type(.text), .class("item-name"), .escaped("name", "v\(name)"), .escaped("id", "item-name-\(row + 1)"), .escaped("value", value(nameKey)))),
                           .td(.input(.type(.text), .class("amount"), .escaped("name", "v\(spent)"), .escaped("id", "item-spent-\(row + 1)"),
                                      .escaped("value", value(spentKey)), .escaped("data-item", String(row + 1)), .attribute(named: "inputmode", value: "decimal"))))
            }),
            .if(editable, .p(.class("muted"), .text("需要更多行时先保存，保存后会再多出空行（至多 \(SelfEvaluation.maxItems) 行）。"))))
    }

    // MARK: Indicator table

    private func indicators<C: HTML.BodyContext>(_ index: [String: Int]) -> Node<C> {
        let compiled = view.scores.scheme.compiled
        let depths = view.scores.report.depths
        let result = view.stageResults[0]
        let claims = view.claimByCode
        let entered = Set(compiled.enteredIndicators)
        let totalItem = view.claims.first { $0.kind == .total }
        let gradeItem = view.claims.first { $0.kind == .grade }
        return .div(.class("scroll"), .table(.id("self-sheet"),
            .tr(.th("代码"), .th("指标"), .th("权重"), .th("目标值"), .th("业绩值"), .th("评分结果（自评）"), .th("按评分标准计算"), .th("核对"), .th("评分标准")),
            .forEach(Array(0..<compiled.indicatorCount)) { position in
                let indicator = compiled.indicator(at: position)
                let figureKey = "#" + indicator.code, claimKey = SelfEvaluation.claimKey(indicator.code)
                let claim = claims[indicator.code]
                return .tr(.escaped("class", claim.map { $0.agrees ? "claim-agrees" : "claim-differs" } ?? ""), .escaped("data-code", indicator.code),
                    .td(.text(indicator.code)),
                    .td(.text(String(repeating: "\u{3000}", count: depths[position]) + indicator.name)),
                    .td(.class("num"), .text(indicator.max.formatted())),
                    .td(.text(indicator.targetText ?? indicator.target?.description ?? "")),
                    .td(entered.contains(position)
                        ? (editable ? index[figureKey].map { EntryWidgetView.control(fields[$0], index: $0, value: value(figureKey)) } : nil)
                            ?? .text(value(figureKey))
                        : .text(value(figureKey))),
                    .td(indicator.isGroup ? .text(value(claimKey))
                        : (editable ? index[claimKey].map { position in
                            .input(.type(.text), .class("claim"), .escaped("name", "v\(position)"), .escaped("id", "claim-\(indicator.code)"),
                                   .escaped("value", value(claimKey)), .attribute(named: "inputmode", value: "decimal"))
                        } : nil) ?? .text(value(claimKey))),
                    .td(.class("num"), .escaped("data-live", indicator.code), .text(result.outcomes[position].statusText)),
                    .td(.unwrap(claim) { item in
                        item.agrees ? .span(.class("ok"), .text("一致"))
                            : .span(.class("bad flag"), .text("不一致：自评 \(item.printed)，按规则 \(item.computed)"))
                    }),
                    .td(.class("rule"), .text(indicator.text ?? "")))
            },
            .tr(.th(""), .th("合计"), .th(.class("num"), .text(result.totalMax.formatted())), .th(""), .th(""),
                .th((editable ? index[SelfEvaluation.claimTotalKey].map { position in
                    .input(.type(.text), .class("claim"), .escaped("name", "v\(position)"), .id("claim-total"),
                           .escaped("value", value(SelfEvaluation.claimTotalKey)))
                } : nil) ?? .text(value(SelfEvaluation.claimTotalKey))),
                .th(.class("num"), .id("rule-total"), .text(result.total.statusText)),
                .th(.unwrap(totalItem) { item in
                    item.agrees ? .span(.class("ok"), .text("一致")) : .span(.class("bad flag"), .text("不一致：自评 \(item.printed)，按规则 \(item.computed)"))
                }),
                .th("")),
            .tr(.th(""), .th("评价等级"), .th(""), .th(""), .th(""),
                .th((editable ? index[SelfEvaluation.claimGradeKey].map { position in
                    .input(.type(.text), .class("claim"), .escaped("name", "v\(position)"), .id("claim-grade"),
                           .escaped("value", value(SelfEvaluation.claimGradeKey)))
                } : nil) ?? .text(value(SelfEvaluation.claimGradeKey))),
                .th(.id("rule-grade"), .text(result.grade ?? "—")),
                .th(.unwrap(gradeItem) { item in
                    item.agrees ? .span(.class("ok"), .text("一致")) : .span(.class("bad flag"), .text("不一致：自评 \(item.printed)，按规则 \(item.computed)"))
                }),
                .th(""))))
    }
}
