/// 资金安排和使用情况 (seed 002): amounts per source, itemised spending, derived rates.
public struct FundTable: Sendable, Hashable {
    public static let sourceNames = ["中央级", "省级", "市级", "区县转移", "单位自有", "银行贷款等", "社会资本"]

    public struct Item: Sendable, Hashable {
        public var name: String
        public var spent: Fixed
        public init(name: String, spent: Fixed) {
            self.name = name
            self.spent = spent
        }
    }

    public var sources: [String]
    public var budget: [String: Fixed]
    public var invested: [String: Fixed]
    public var arrived: [String: Fixed]
    public var spent: [String: Fixed]
    public var items: [Item]

    public init(
        sources: [String], budget: [String: Fixed], invested: [String: Fixed], arrived: [String: Fixed],
        spent: [String: Fixed], items: [Item] = []
    ) {
        self.sources = sources
        self.budget = budget
        self.invested = invested
        self.arrived = arrived
        self.spent = spent
        self.items = items
    }

    private func sum(_ row: [String: Fixed]) -> Fixed { row.values.reduce(Fixed.zero, +) }
    public var totalBudget: Fixed { sum(budget) }
    public var totalInvested: Fixed { sum(invested) }
    public var totalArrived: Fixed { sum(arrived) }
    public var totalSpent: Fixed { sum(spent) }
    /// 结余 (5) = (3) − (4).
    public var balance: Fixed { totalArrived - totalSpent }
    /// 预算执行率 (6) = (4) / (1); nil when there is no budget.
    public var executionRate: Fixed? { totalSpent.divided(by: totalBudget) }
    /// 资金到位率 (7) = (3) / (1).
    public var arrivalRate: Fixed? { totalArrived.divided(by: totalBudget) }
    /// 资金实际支出率 (8) = (4) / (3).
    public var spendingRate: Fixed? { totalSpent.divided(by: totalArrived) }
    public var itemsSpent: Fixed { items.map(\.spent).reduce(Fixed.zero, +) }

    /// The figures formulas read as `fund.<name>`, or `fund.<source>.<name>` for one source column,
    /// exactly: a rate is the quotient itself, not cut at a decimal place. nil for an unknown
    /// name or a zero denominator.
    public func exactFigure(_ name: String) -> Exact? {
        if let dot = name.firstIndex(of: ".") {
            let source = String(name[..<dot])
            let column = FundTable(
                sources: [source], budget: budget.filter { $0.key == source }, invested: invested.filter { $0.key == source },
                arrived: arrived.filter { $0.key == source }, spent: spent.filter { $0.key == source })
            return column.exactFigure(String(name[name.index(after: dot)...]))
        }
        guard let figure = FundTable.figures[name] else { return nil }
        switch figure {
        case .budget: return Exact(totalBudget)
        case .invested: return Exact(totalInvested)
        case .arrived: return Exact(totalArrived)
        case .spent: return Exact(totalSpent)
        case .balance: return Exact(balance)
        case .executionRate: return Exact(totalSpent).divided(by: Exact(totalBudget))
        case .arrivalRate: return Exact(totalArrived).divided(by: Exact(totalBudget))
        case .spendingRate: return Exact(totalSpent).divided(by: Exact(totalArrived))
        }
    }

    /// The figures formulas read as `fund.<name>`, or `fund.<source>.<name>` for one source column.
    public func figure(_ name: String) -> Fixed? {
        if let dot = name.firstIndex(of: ".") {
            let source = String(name[..<dot])
            let column = FundTable(
                sources: [source], budget: budget.filter { $0.key == source }, invested: invested.filter { $0.key == source },
                arrived: arrived.filter { $0.key == source }, spent: spent.filter { $0.key == source })
            return column.figure(String(name[name.index(after: dot)...]))
        }
        guard let figure = FundTable.figures[name] else { return nil }
        switch figure {
        case .budget: return totalBudget
        case .invested: return totalInvested
        case .arrived: return totalArrived
        case .spent: return totalSpent
        case .balance: return balance
        case .executionRate: return executionRate
        case .arrivalRate: return arrivalRate
        case .spendingRate: return spendingRate
        }
    }

    enum Figure { case budget, invested, arrived, spent, balance, executionRate, arrivalRate, spendingRate }

    /// Every name a formula may use after `fund.` (Chinese as printed, short forms, English).
    static let figures: [String: Figure] = [
        "预算": .budget, "预算安排": .budget, "budget": .budget,
        "投入": .invested, "项目实际投入": .invested, "invested": .invested,
        "到位": .arrived, "资金到位": .arrived, "arrived": .arrived,
        "支出": .spent, "实际支出": .spent, "spent": .spent,
        "结余": .balance, "资金结余": .balance, "balance": .balance,
        "预算执行率": .executionRate, "execution_rate": .executionRate,
        "资金到位率": .arrivalRate, "arrival_rate": .arrivalRate,
        "资金实际支出率": .spendingRate, "spending_rate": .spendingRate,
    ]

    /// Whether `fund.<name>` or `fund.<source>.<name>` names a figure.
    public static func isFigure(_ name: String) -> Bool {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2 { return sourceNames.contains(parts[0]) && figures[parts[1]] != nil }
        return figures[name] != nil
    }

    public static let figureNames = ["预算", "投入", "到位", "支出", "结余", "预算执行率", "资金到位率", "资金实际支出率"]
}

/// One figure as a document printed it: its value and the decimal places it was written with.
/// "4.26" has 2 places, "1.8" has 1, "91.9%" has 1 place of percent (the fraction 0.919 to 3 places).
/// The audit compares a recomputed figure with it at those places (`Audit.agrees`).
public struct PrintedFigure: Sendable, Hashable, CustomStringConvertible {
    public var value: Fixed
    /// Decimal places as written; of the percentage when `isPercent`.
    public var places: Int
    /// Written as a percentage: `value` is the fraction (91.9% is 0.919).
    public var isPercent: Bool

    public init(_ value: Fixed, places: Int, isPercent: Bool = false) {
        self.value = value
        self.places = Swift.max(0, places)
        self.isPercent = isPercent
    }

    /// Reads a figure as written: `4.26`, `1,027,850.54`, `91.9%`, `-0.5`. nil when it is no number.
    public init?(_ text: String) {
        guard let value = Fixed(text) else { return nil }
        var digits = Substring(text.trimmingSpaces())
        let percent = digits.hasSuffix("%") || digits.hasSuffix("％")
        if percent { digits = digits.dropLast() }
        var places = 0
        if let point = digits.firstIndex(of: ".") {
            places = digits[digits.index(after: point)...].filter { $0.isASCII && $0.isNumber }.count
        }
        self.init(value, places: places, isPercent: percent)
    }

    /// The places of `value` itself: one place of percent is three places of the fraction (at most eight).
    public var fractionPlaces: Int { Swift.min(Fixed.fractionDigits, isPercent ? places + 2 : places) }

    /// As printed: `1.8`, `0.00`, `91.9%`.
    public var description: String { text(value) }

    /// Another figure shown the way this one was printed (same places, percent or not).
    public func text(_ other: Fixed) -> String {
        isPercent ? other.formattedPercent(places: Swift.min(places, Fixed.fractionDigits - 2)) : other.formatted(places: places)
    }

    /// An exact figure shown the way this one was printed, rounded once from its true value.
    public func text(_ other: Exact) -> String {
        isPercent ? other.formattedPercent(places: Swift.min(places, Fixed.fractionDigits - 2)) : other.formatted(places: places)
    }
}

/// A figure the document derives by arithmetic from figures it gives (seed 001's text: 未到位 42.27 万元 =
/// 1,250.25 − 1,207.98), with the formula that recomputes it.
public struct PrintedArithmetic: Sendable, Hashable {
    public var name: String
    public var formula: Expression
    public var printed: PrintedFigure
    public init(name: String, formula: Expression, printed: PrintedFigure) {
        self.name = name
        self.formula = formula
        self.printed = printed
    }
}

/// Printed cells the data file does not check, each with why: indicator codes (their printed scores), or a
/// class of cells described in words with how many there are.
public struct NotCheckable: Sendable, Hashable {
    /// Indicator codes whose printed score is not checked (they may still be listed in `scores`).
    public var codes: [String]
    /// What the cells are, when they are not indicator scores (项目支出内容 各行的合计列 …).
    public var what: String?
    /// How many cells `what` stands for; for codes, one each.
    public var cells: Int
    public var why: String
    public init(codes: [String] = [], what: String? = nil, cells: Int? = nil, why: String) {
        self.codes = codes
        self.what = what
        self.cells = cells ?? codes.count
        self.why = why
    }
}

/// What a paper document printed for one subject (or one stage of it, or the composite): the audit compares.
public struct Printed: Sendable, Hashable {
    /// 得分 per indicator code, leaf or group.
    public var scores: [String: PrintedFigure]
    public var total: PrintedFigure?
    public var grade: String?
    /// Fund-table figures: `结余`, `预算执行率` … of the 合计 column, or `<column>.<figure>` for one column
    /// (`市级.结余`, `财政资金小计.支出`, `其他资金小计.…`), and `支出明细合计` (the 项目支出内容 table's 合计 row).
    public var fund: [String: PrintedFigure]
    /// 扣分 per indicator code (max − score), and of the total.
    public var deductions: [String: PrintedFigure]
    public var totalDeduction: PrintedFigure?
    /// 得分率 per indicator code (score ÷ max), and of the total.
    public var rates: [String: PrintedFigure]
    public var totalRate: PrintedFigure?
    /// A second recomputation of a printed score by a rule over figures the document's text gives
    /// (seed 001: 综合 2.1.3 = 5,624.79 ÷ 7,881.06 × 4); the score agrees only when both do. `max` is the indicator's.
    public var formulas: [String: Expression]
    /// Figures the text derives by arithmetic.
    public var arithmetic: [PrintedArithmetic]
    public var notCheckable: [NotCheckable]

    public init(
        scores: [String: PrintedFigure] = [:], total: PrintedFigure? = nil, grade: String? = nil,
        fund: [String: PrintedFigure] = [:], deductions: [String: PrintedFigure] = [:], totalDeduction: PrintedFigure? = nil,
        rates: [String: PrintedFigure] = [:], totalRate: PrintedFigure? = nil, formulas: [String: Expression] = [:],
        arithmetic: [PrintedArithmetic] = [], notCheckable: [NotCheckable] = []
    ) {
        self.scores = scores
        self.total = total
        self.grade = grade
        self.fund = fund
        self.deductions = deductions
        self.totalDeduction = totalDeduction
        self.rates = rates
        self.totalRate = totalRate
        self.formulas = formulas
        self.arithmetic = arithmetic
        self.notCheckable = notCheckable
    }

    /// The fund-table columns besides the sources: 合计 (all), and the 财政资金 / 其他资金 小计.
    public static let fundColumns = ["合计", "财政资金小计", "其他资金小计"]
    /// The 项目支出内容 table's 合计 row: the sum of the items' spending.
    public static let itemsTotalKey = "支出明细合计"

    /// Whether `printed.fund` may hold this key: a figure, `<source or column>.<figure>`, or the items' total.
    public static func isFundKey(_ key: String) -> Bool {
        if key == itemsTotalKey || FundTable.isFigure(key) { return true }
        guard let dot = key.firstIndex(of: ".") else { return false }
        return fundColumns.contains(String(key[..<dot])) && FundTable.isFigure(String(key[key.index(after: dot)...]))
    }

    /// Every indicator code this refers to, by what refers to it (for the data checks).
    public var codeLists: [(codes: [String], what: String)] {
        [(scores.keys.sorted(), "印刷得分"), (deductions.keys.sorted(), "印刷扣分"), (rates.keys.sorted(), "印刷得分率"),
         (formulas.keys.sorted(), "印刷得分的公式"), (notCheckable.flatMap(\.codes), "无法核对的指标")]
    }

    public var isEmpty: Bool {
        scores.isEmpty && total == nil && grade == nil && fund.isEmpty && deductions.isEmpty && totalDeduction == nil
            && rates.isEmpty && totalRate == nil && arithmetic.isEmpty && notCheckable.isEmpty
    }
}

/// A reviewer's changes at a later stage (初评 / 审定): only what changed, each with a reason.
public struct StageChanges: Sendable, Hashable {
    public var values: [String: Value]
    public var inputs: [String: Value]
    public var reasons: [String: String]
    public var printed: Printed
    public init(
        values: [String: Value] = [:], inputs: [String: Value] = [:], reasons: [String: String] = [:],
        printed: Printed = Printed()
    ) {
        self.values = values
        self.inputs = inputs
        self.reasons = reasons
        self.printed = printed
    }
}

/// 问题: a deduction's cause, tied to the indicator it cost (seed 001).
public struct Finding: Sendable, Hashable {
    public var code: String
    public var deduct: Fixed?
    public var text: String
    public init(code: String, deduct: Fixed?, text: String) {
        self.code = code
        self.deduct = deduct
        self.text = text
    }
}

/// 考核对象 with its figures for one period.
public struct SubjectData: Sendable, Hashable {
    public var id: String
    public var name: String
    public var parent: String?
    public var attributes: [String: Value]
    public var inputs: [String: Value]
    /// Per indicator code: the entered figure (or the score of a judged indicator).
    public var values: [String: Value]
    public var reasons: [String: String]
    public var fundTable: FundTable?
    public var stages: [String: StageChanges]
    public var printed: Printed
    public var findings: [Finding]
    public var location: SourceLocation?
    /// Where each entered figure stands in the file, by indicator code, for located errors.
    public var valueLocations: [String: SourceLocation] = [:]

    public init(
        id: String, name: String? = nil, parent: String? = nil, attributes: [String: Value] = [:],
        inputs: [String: Value] = [:], values: [String: Value] = [:], reasons: [String: String] = [:],
        fundTable: FundTable? = nil, stages: [String: StageChanges] = [:], printed: Printed = Printed(),
        findings: [Finding] = [], location: SourceLocation? = nil
    ) {
        self.id = id
        self.name = name ?? id
        self.parent = parent
        self.attributes = attributes
        self.inputs = inputs
        self.values = values
        self.reasons = reasons
        self.fundTable = fundTable
        self.stages = stages
        self.printed = printed
        self.findings = findings
        self.location = location
    }
}

/// One data file: the figures of a period for a set of subjects under one scheme.
public struct DataSet: Sendable, Hashable {
    public var schemeID: String
    public var period: String
    public var subjects: [SubjectData]
    public var compositePrinted: Printed
    public var findings: [Finding]
    public var notes: String?
    public var location: SourceLocation?

    public init(
        schemeID: String, period: String, subjects: [SubjectData], compositePrinted: Printed = Printed(),
        findings: [Finding] = [], notes: String? = nil, location: SourceLocation? = nil
    ) {
        self.schemeID = schemeID
        self.period = period
        self.subjects = subjects
        self.compositePrinted = compositePrinted
        self.findings = findings
        self.notes = notes
        self.location = location
    }
}
