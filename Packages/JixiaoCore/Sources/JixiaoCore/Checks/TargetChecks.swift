/// A rule whose threshold is not the indicator's printed 目标值 (002-01 2.2.3: 目标值 98, rule ≥90%;
/// 002-02 3.2.1: 目标值 70%, rule 达到75%). Compared only where the printed target is a plain figure
/// (`98`, `95%`, `≥90%`, `1次`, `71.5万份`) and the rule states its own constant threshold; a rule that reads
/// the indicator's `target` agrees with it by construction.
enum TargetChecks {
    /// A printed 目标值 read as a number: the values it may stand for. The 002 tables print percentages
    /// without the sign in the 目标值 column (`95` beside a rule ≥95%), so `95` stands for 95 or 95%;
    /// `71.5万份` stands for 71.5 or 715000.
    struct Printed {
        var text: String
        var readings: [Fixed]
        var isPercent: Bool
    }

    static func printed(_ text: String) -> Printed? {
        var characters = Substring(text.trimmingSpaces())
        // An optional comparison sign: ≥90%, ≥ 80%, >5.
        for sign in ["≥", "≤", ">=", "<=", ">", "<", "＞", "＜", "="] where characters.hasPrefix(sign) {
            characters = characters.dropFirst(sign.count)
            break
        }
        characters = Substring(String(characters).trimmingSpaces())
        let number = characters.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard !number.isEmpty, let value = Fixed(String(number)) else { return nil }
        var rest = Substring(String(characters.dropFirst(number.count)).trimmingSpaces())
        let percent = rest.hasPrefix("%") || rest.hasPrefix("％")
        if percent { rest = rest.dropFirst() }
        // What follows may be a unit (次, 人次, 万元, 个工作日) but no other figure: 2019年12月, 2万(其中深户1.25万)
        // and 上下半年各1次 are not one number.
        guard !rest.contains(where: { $0.isNumber }), !rest.hasPrefix("年") else { return nil }
        if percent { return Printed(text: text, readings: [value * Fixed("0.01")!], isPercent: true) }
        var readings = [value, value * Fixed("0.01")!]
        if rest.hasPrefix("万") { readings.append(value * Fixed(10000)) }
        return Printed(text: text, readings: readings, isPercent: false)
    }

    /// The figures at which the rule's full marks begin or end (either may be the rule's target), and the
    /// rule's words for them, given a way to show a figure.
    static func thresholds(_ rule: Rule, _ indicator: Indicator) -> (figures: [Fixed], words: ((Fixed) -> String) -> String)? {
        func constant(_ expression: Expression?) -> Fixed? {
            guard case .number(let number)? = expression?.constantValue else { return nil }
            return number
        }
        switch rule {
        case .threshold(let threshold):
            guard threshold.accept.isEmpty, let value = constant(threshold.value) else { return nil }
            // 设置预算项目 (> 0), 发生与否 (≠ 0): a presence check, not a target.
            if value == .zero && (threshold.op == .greater || threshold.op == .notEqual) { return nil }
            return ([value], { "达标线 \(threshold.op.symbol) \($0(value))" })
        case .shortfall(let shortfall):
            return constant(shortfall.target).map { value in ([value], { "扣分起点（目标）\($0(value))" }) }
        case .proportional(_, let target), .deviation(_, let target):
            return constant(target).map { value in ([value], { "计分目标 \($0(value))" }) }
        case .tiers(_, let tiers):
            // The bands that pay full marks (a band paying more than max is capped to it); the target should be
            // one of their ends (≥90% beside 90%; 90% ≤ x ≤ 100% beside 100%).
            guard let best = tiers.map({ Fixed.min($0.points, indicator.max) }).max(), best > .zero else { return nil }
            let full = tiers.filter { Fixed.min($0.points, indicator.max) == best }
            let figures = full.flatMap { [$0.from, $0.to].compactMap { $0 } }
            guard !figures.isEmpty else { return nil }
            return (figures, { show in "满分档 " + full.map { band($0, show) }.joined(separator: "、") })
        case .rate, .lateness, .checklist, .incidents, .bonus, .judged, .ranking, .growth, .rescale, .formula:
            return nil
        }
    }

    static func band(_ tier: Tier, _ show: (Fixed) -> String) -> String {
        switch (tier.from, tier.to) {
        case (nil, nil): return "任意值"
        case (let from?, nil): return (tier.fromExclusive ? "> " : "≥ ") + show(from)
        case (nil, let to?): return (tier.toInclusive ? "≤ " : "< ") + show(to)
        case (let from?, let to?): return (tier.fromExclusive ? "(" : "[") + "\(show(from)), \(show(to))" + (tier.toInclusive ? "]" : ")")
        }
    }

    static func check(_ indicator: Indicator, _ report: (Problem.Severity, Indicator?, String) -> Void) {
        guard let text = indicator.targetText, let rule = indicator.rule, let printed = printed(text),
            let (figures, words) = thresholds(rule, indicator)
        else { return }
        guard !figures.contains(where: printed.readings.contains) else { return }
        // Show the rule's figures as percentages when the target is one (`95` beside ≥90% means 95%).
        let asPercent = printed.isPercent
            || (printed.readings[1] <= .one && figures.allSatisfy { $0 <= .one } && figures.contains { $0.floored != $0 })
        let show: (Fixed) -> String = { asPercent && $0 <= .one ? percent($0) : $0.description }
        report(.warning, indicator, "评分标准的\(words(show)) 与印刷的目标值 “\(text)” 不一致")
    }

    static func percent(_ value: Fixed) -> String { (value * Fixed.hundred).description + "%" }
}
