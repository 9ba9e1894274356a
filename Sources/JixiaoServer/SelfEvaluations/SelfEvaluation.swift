import Foundation
import JixiaoCore

/// Seed 002's 项目支出绩效自评表 beside the scheme's own entry fields: 项目概况 texts, the fund table
/// (资金安排和使用情况) by source, the 项目支出内容 rows, and the owner's claimed 评分结果 per indicator with the
/// claimed total and grade. All are stored as entry values of stage 0 under the keys below, so saving, the
/// optimistic lock, the audit log and the xlsx round trip are the assessment form's own. The engine reads
/// the fund table (`fund.预算执行率` …) and the audit compares the claims with what the rules give.
enum SelfEvaluation {
    static let infoNames = ["项目背景", "项目内容", "项目范围", "组织框架", "资金安排情况", "资金使用情况"]
    /// Rows (1)–(4) of the fund table: label, line number as printed.
    static let fundRows: [(label: String, line: String)] = [("预算安排", "(1)"), ("项目实际投入", "(2)"), ("资金到位", "(3)"), ("实际支出", "(4)")]
    static let financialSources = ["中央级", "省级", "市级", "区县转移"]
    static let otherSources = ["单位自有", "银行贷款等", "社会资本"]
    static var sources: [String] { financialSources + otherSources }
    /// How many 项目支出内容 rows a form may hold (seed 002's longest has 36).
    static let maxItems = 60
    /// 项目概况 texts may be long (seed 002's 项目背景 is ~500 characters); other values keep the form's 200.
    static let longestText = 4000
    static let claimTotalKey = "claim.总分"
    static let claimGradeKey = "claim.等级"

    static func fundKey(_ row: String, _ source: String) -> String { "fund.\(row).\(source)" }
    static func itemNameKey(_ index: Int) -> String { "item.\(index + 1).名称" }
    static func itemSpentKey(_ index: Int) -> String { "item.\(index + 1).支出" }
    static func infoKey(_ name: String) -> String { "info.\(name)" }
    static func claimKey(_ code: String) -> String { "claim.\(code)" }

    enum Kind: Equatable { case amount, itemName, info, claim, claimGrade }

    /// What a key of this form is; nil for the scheme's own fields (inputs and `#code` figures).
    static func kind(of key: String) -> Kind? {
        if key.hasPrefix("fund.") { return .amount }
        if key.hasPrefix("item.") { return key.hasSuffix(".名称") ? .itemName : .amount }
        if key.hasPrefix("info.") { return .info }
        if key == claimGradeKey { return .claimGrade }
        if key.hasPrefix("claim.") { return .claim }
        return nil
    }

    /// Whether a scheme is a project self-evaluation: its subjects are projects, or a rule reads the fund table.
    static func applies(to compiled: CompiledScheme, yaml: String) -> Bool {
        compiled.scheme.subjectKind == .project || yaml.contains("fund.")
    }

    /// The form's fields besides the scheme's: texts, fund cells, item rows, claims (leaves, then total and grade).
    static func fields(_ compiled: CompiledScheme) -> [EntryField] {
        var fields: [EntryField] = infoNames.map { EntryField(key: infoKey($0), label: "项目概况 \($0)", unit: nil, text: nil, code: nil) }
        for row in fundRows {
            for source in sources {
                fields.append(EntryField(key: fundKey(row.label, source), label: "资金表 \(row.label) \(source)", unit: "元", text: nil, code: nil))
            }
        }
        for index in 0..<maxItems {
            fields.append(EntryField(key: itemNameKey(index), label: "项目支出内容 第\(index + 1)行 名称", unit: nil, text: nil, code: nil))
            fields.append(EntryField(key: itemSpentKey(index), label: "项目支出内容 第\(index + 1)行 实际支出", unit: "元", text: nil, code: nil))
        }
        for index in 0..<compiled.indicatorCount {
            let indicator = compiled.indicator(at: index)
            fields.append(EntryField(key: claimKey(indicator.code), label: "评分结果 \(indicator.code) \(indicator.name)", unit: "分", text: nil,
                                     code: indicator.code))
        }
        fields.append(EntryField(key: claimTotalKey, label: "评分结果 总分", unit: "分", text: nil, code: nil))
        fields.append(EntryField(key: claimGradeKey, label: "评价等级（自评）", unit: nil, text: nil, code: nil))
        return fields
    }

    /// How many 项目支出内容 rows the form and the template show: the rows in use and a few empty ones.
    static func itemRows(_ inForce: [String: String]) -> Int {
        let used = (0..<maxItems).last { inForce[itemNameKey($0)] != nil || inForce[itemSpentKey($0)] != nil }.map { $0 + 1 } ?? 0
        return min(maxItems, max(used + 3, 10))
    }

    /// Whether the xlsx template lists this field (not the unused 项目支出内容 rows beyond `itemRows`).
    static func showsInTemplate(_ key: String, inForce: [String: String]) -> Bool {
        guard key.hasPrefix("item."), let number = Int(key.dropFirst(5).prefix { $0.isNumber }) else { return true }
        return number <= itemRows(inForce)
    }

    /// The stored text of a typed value, or why it cannot be stored. Amounts may be written 12,686,743.25.
    static func normalize(_ key: String, _ text: String) -> Result<String, InputProblemText> {
        guard let kind = kind(of: key) else { return .success(text) }
        switch kind {
        case .info:
            if text.count > longestText { return .failure(.init("内容过长（\(text.count) 字，不超过 \(longestText) 字）")) }
            if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !["\n", "\r", "\t"].contains($0) }) {
                return .failure(.init("内容含有控制字符"))
            }
            return .success(text.replacingOccurrences(of: "\r\n", with: "\n"))
        case .itemName, .claimGrade:
            if let problem = AssessmentStore.problem(with: text) { return .failure(InputProblemText(problem)) }
            return .success(text)
        case .amount, .claim:
            let plain = text.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "，", with: "").replacingOccurrences(of: " ", with: "")
            guard plain.count <= 24, !plain.hasSuffix("%"), !plain.hasSuffix("％"), let number = Fixed(plain), !number.isOverflow else {
                return .failure(.init("“\(text.prefix(30))”不是\(kind == .claim ? "分数" : "金额")（应为数字，如 \(kind == .claim ? "2.27" : "12686743.25")）"))
            }
            if kind == .amount && number < .zero { return .failure(.init("金额不能为负数")) }
            return .success(number.description)
        }
    }

    struct InputProblemText: Error { let text: String; init(_ text: String) { self.text = text } }

    /// Builds the subject's fund table and claims (its `printed` for the audit) from the stored values of this form.
    static func apply(_ figures: [String: String], to subject: inout SubjectData) {
        var budget: [String: Fixed] = [:], invested: [String: Fixed] = [:], arrived: [String: Fixed] = [:], spent: [String: Fixed] = [:]
        var used: Set<String> = []
        for (rowIndex, row) in fundRows.enumerated() {
            for source in sources {
                guard let text = figures[fundKey(row.label, source)], let amount = Fixed(text) else { continue }
                used.insert(source)
                switch rowIndex {
                case 0: budget[source] = amount
                case 1: invested[source] = amount
                case 2: arrived[source] = amount
                default: spent[source] = amount
                }
            }
        }
        var items: [FundTable.Item] = []
        for index in 0..<maxItems {
            let name = figures[itemNameKey(index)] ?? ""
            guard let amount = figures[itemSpentKey(index)].flatMap({ Fixed($0) }) else { continue }
            items.append(FundTable.Item(name: name.isEmpty ? "第\(index + 1)行" : name, spent: amount))
        }
        subject.fundTable = used.isEmpty ? nil
            : FundTable(sources: sources.filter(used.contains), budget: budget, invested: invested, arrived: arrived, spent: spent, items: items)
        var printed = Printed()
        for (key, text) in figures where kind(of: key) == .claim && key != claimTotalKey {
            if let figure = PrintedFigure(text) { printed.scores[String(key.dropFirst("claim.".count))] = figure }
        }
        printed.total = figures[claimTotalKey].flatMap { PrintedFigure($0) }
        printed.grade = figures[claimGradeKey].flatMap { $0.isEmpty ? nil : $0 }
        subject.printed = printed
    }

    /// The values of this form that `apply` would have built `subject` from (for a preview over the stored figures).
    static func figures(of subject: SubjectData) -> [String: String] {
        var figures: [String: String] = [:]
        if let table = subject.fundTable {
            for (rowIndex, row) in fundRows.enumerated() {
                let cells = [table.budget, table.invested, table.arrived, table.spent][rowIndex]
                for (source, amount) in cells { figures[fundKey(row.label, source)] = amount.description }
            }
            for (index, item) in table.items.enumerated() {
                figures[itemNameKey(index)] = item.name
                figures[itemSpentKey(index)] = item.spent.description
            }
        }
        for (code, figure) in subject.printed.scores { figures[claimKey(code)] = figure.description }
        if let total = subject.printed.total { figures[claimTotalKey] = total.description }
        if let grade = subject.printed.grade { figures[claimGradeKey] = grade }
        return figures
    }

    /// The fund table's derived rows for one column: 结余 and the three rates (nil where the denominator is 0).
    struct Derived: Sendable, Codable, Equatable {
        let budget: String
        let invested: String
        let arrived: String
        let spent: String
        let balance: String
        let executionRate: String?
        let arrivalRate: String?
        let spendingRate: String?
    }

    static func derived(_ table: FundTable) -> Derived {
        func rate(_ value: Fixed?) -> String? { value.map { $0.formattedPercent(places: 2) } }
        return Derived(budget: table.totalBudget.formatted(), invested: table.totalInvested.formatted(), arrived: table.totalArrived.formatted(),
                       spent: table.totalSpent.formatted(), balance: table.balance.formatted(), executionRate: rate(table.executionRate),
                       arrivalRate: rate(table.arrivalRate), spendingRate: rate(table.spendingRate))
    }

    /// One column of the table: 合计, 财政资金小计, 其他资金小计 or a source.
    static func column(_ table: FundTable, _ sources: [String]) -> FundTable {
        func keep(_ row: [String: Fixed]) -> [String: Fixed] { row.filter { sources.contains($0.key) } }
        return FundTable(sources: table.sources.filter(sources.contains), budget: keep(table.budget), invested: keep(table.invested),
                         arrived: keep(table.arrived), spent: keep(table.spent))
    }

    static var columns: [(name: String, sources: [String])] {
        [("合计", sources), ("财政资金小计", financialSources)] + financialSources.map { ($0, [$0]) }
            + [("其他资金小计", otherSources)] + otherSources.map { ($0, [$0]) }
    }
}
