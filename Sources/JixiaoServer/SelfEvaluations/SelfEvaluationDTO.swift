import Foundation
import JixiaoCore
import Vapor

/// The self-evaluation part of `GET /api/assessments/:id`: 项目概况, the fund table as entered (amounts by row and
/// source) with every column's 结余 and rates derived by the server, the 项目支出内容 rows, and the owner's claimed
/// 评分结果, total and grade each beside what the rules give.
struct SelfEvaluationDTO: Content {
    struct Item: Content {
        let name: String
        let spent: String
    }
    struct Column: Content {
        let column: String
        let figures: SelfEvaluation.Derived
    }
    struct Claim: Content {
        let code: String?
        let name: String
        let claimed: String
        let computed: String
        let agrees: Bool
    }
    let info: [String: String]
    /// Row (预算安排, 项目实际投入, 资金到位, 实际支出) → source → amount, as entered.
    let fund: [String: [String: String]]
    /// 合计, 财政资金小计, each source, 其他资金小计: budget … balance and the three rates (nil without a denominator).
    let derived: [Column]
    /// The 合计 column's 预算执行率, 资金到位率 and 资金实际支出率 (e.g. "91.90%").
    let rates: [String: String]
    let items: [Item]
    let itemsTotal: String?
    let claims: [Claim]

    init(_ view: SheetView) {
        var info: [String: String] = [:]
        for name in SelfEvaluation.infoNames { if let text = view.inForce[SelfEvaluation.infoKey(name)] { info[name] = text } }
        self.info = info
        let table = view.fundTable
        var fund: [String: [String: String]] = [:]
        if let table {
            for (position, row) in SelfEvaluation.fundRows.enumerated() {
                let cells = [table.budget, table.invested, table.arrived, table.spent][position]
                fund[row.label] = cells.mapValues { $0.formatted() }
            }
        }
        self.fund = fund
        derived = table.map { table in SelfEvaluation.columns.map { Column(column: $0.name, figures: SelfEvaluation.derived(SelfEvaluation.column(table, $0.sources))) } } ?? []
        var rates: [String: String] = [:]
        if let total = table.map(SelfEvaluation.derived) {
            rates["预算执行率"] = total.executionRate
            rates["资金到位率"] = total.arrivalRate
            rates["资金实际支出率"] = total.spendingRate
            rates["结余"] = total.balance
        }
        self.rates = rates
        items = table?.items.map { Item(name: $0.name, spent: $0.spent.formatted()) } ?? []
        itemsTotal = table?.itemsSpent.formatted()
        claims = view.claims.filter { [.score, .total, .grade].contains($0.kind) }
            .map { Claim(code: $0.code, name: $0.name, claimed: $0.printed, computed: $0.computed, agrees: $0.agrees) }
    }
}
