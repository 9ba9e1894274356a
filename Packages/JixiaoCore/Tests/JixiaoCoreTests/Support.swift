import JixiaoCore

/// Builds one-indicator schemes and data sets, so rule tests read as "this rule, this figure, this score".
func n(_ text: String) -> Fixed { Fixed(text)! }

func expr(_ text: String) -> Expression { try! Expression(parsing: text) }

let valueExpr = expr("value")

func scheme(_ indicators: [Indicator], total: Fixed? = nil, grades: GradeRules = .fiscalDefault,
            composite: Composite? = nil, stages: [String] = ["自评分"], rounding: Rounding = Rounding(),
            metrics: [(name: String, formula: Expression)] = []) -> CompiledScheme {
    let total = total ?? indicators.filter { $0.kind == .regular }.map(\.max).reduce(Fixed.zero, +)
    return try! CompiledScheme(Scheme(id: "t", name: "测试", total: total, rounding: rounding, stages: stages,
                                      metrics: metrics, grades: grades, composite: composite, indicators: indicators))
}

func leaf(_ code: String = "a", max: Fixed = 10, kind: IndicatorKind = .regular, target: Value? = nil,
          rule: Rule?, floor: Fixed? = nil, cap: Fixed? = nil) -> Indicator {
    Indicator(code: code, name: "指标\(code)", max: max, kind: kind, target: target, rule: rule, floor: floor, cap: cap)
}

func score(_ compiled: CompiledScheme, _ subjects: [SubjectData], stage: Int = 0) -> StageResult {
    try! Engine(compiled).score(DataSet(schemeID: "t", period: "2020", subjects: subjects), explain: true).stages[stage]
}

/// The outcome of one rule for one entered value.
func outcome(_ rule: Rule?, max: Fixed = 10, kind: IndicatorKind = .regular, target: Value? = nil, value: Value?,
             inputs: [String: Value] = [:], floor: Fixed? = nil) -> Outcome {
    let compiled = scheme([leaf(max: max, kind: kind, target: target, rule: rule, floor: floor)], total: max)
    var values: [String: Value] = [:]
    if let value { values["a"] = value }
    return score(compiled, [SubjectData(id: "s", inputs: inputs, values: values)]).subjects[0].outcomes[0]
}

func scoreOf(_ rule: Rule?, max: Fixed = 10, kind: IndicatorKind = .regular, target: Value? = nil, value: Value?,
             inputs: [String: Value] = [:], floor: Fixed? = nil) -> Fixed? {
    outcome(rule, max: max, kind: kind, target: target, value: value, inputs: inputs, floor: floor).score?.fixed
}
