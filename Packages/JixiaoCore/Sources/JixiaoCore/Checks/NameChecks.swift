/// Names in formulas that nothing declares. The compiler binds every name it does not know to a subject
/// input slot (falling back to an attribute of the same name), so a typo such as `maxx` compiles and the
/// indicator then stays 未评分 for every subject. A name is declared when it is `value`, `max`, `target`, a
/// `fund.` figure (the compiler checks those), a metric, or listed under `inputs:` or `attributes:`;
/// `subject.X` must be listed under `attributes:`.
enum NameChecks {
    static func check(_ scheme: Scheme, _ report: (Indicator?, SourceLocation?, String) -> Void) {
        let inputs = Set(scheme.inputs.map(\.name))
        let attributes = Set(scheme.attributes.map(\.name))
        let metrics = Set(scheme.metrics.map(\.name))
        let codes = Set(scheme.allIndicators.map(\.code))
        let known = ["value", "max", "target"] + scheme.metrics.map(\.name) + scheme.inputs.map(\.name)
            + scheme.attributes.map(\.name)

        /// `place`: where the formula is; `effect`: what happens when a data file does not give the name.
        func undeclared(_ expression: Expression, _ place: String, _ effect: String) -> [String] {
            var found: [String] = []
            func message(_ name: String) -> String {
                if name.hasPrefix("subject.") {
                    return "\(place)中的属性 “\(name)” 未在 attributes 中声明（\(expression.source)）：数据文件不给出它时\(effect)"
                }
                var text = "\(place)中的名称 “\(name)” 未在 inputs、attributes 或 metrics 中声明（\(expression.source)）：数据文件不给出它时\(effect)"
                if codes.contains(name) {
                    text += "；它是指标代码：引用得分请写 score(\"\(name)\")，引用填报值请写 value(\"\(name)\")"
                } else if let guess = nearest(name, in: known) {
                    text += "。是否应为 “\(guess)”？"
                }
                return text
            }
            func visit(_ node: ExpressionNode) {
                switch node {
                case .literal: break
                case .name(let name, _):
                    if ["value", "max", "target"].contains(name) || name.hasPrefix("fund.") { return }
                    if name.hasPrefix("subject.") {
                        if !attributes.contains(String(name.dropFirst(8))) { found.append(message(name)) }
                        return
                    }
                    if !metrics.contains(name) && !inputs.contains(name) && !attributes.contains(name) {
                        found.append(message(name))
                    }
                case .unary(_, let operand, _): visit(operand)
                case .binary(_, let lhs, let rhs, _):
                    visit(lhs)
                    visit(rhs)
                case .call(let function, let arguments, _):
                    // score("1.2") and value("1.2") name indicators; the compiler checks those codes.
                    if function == "score" || function == "value" { return }
                    arguments.forEach(visit)
                }
            }
            visit(expression.root)
            var unique: [String] = []
            for item in found where !unique.contains(item) { unique.append(item) }
            return unique
        }

        for (name, formula) in scheme.metrics {
            for text in undeclared(formula, "公式指标 \(name) ", "用到它的指标一直“未评分”") {
                report(nil, scheme.locations["metrics.\(name)"] ?? scheme.location, text)
            }
        }
        for indicator in scheme.allIndicators {
            // What the engine does without the figure: a rule fails (未评分); a veto or variant condition counts as
            // not met; a cross effect is skipped with a warning.
            let unscored = "本指标一直“未评分”"
            var places: [(Expression, String, String)] = []
            if let rule = indicator.rule {
                places += rule.operands.map { ($0, "规则", unscored) }
                if case .incidents(let incidents) = rule, let base = incidents.base { places.append((base, "规则", unscored)) }
            }
            if let veto = indicator.veto { places.append((veto, "veto ", "否决条件按不成立处理")) }
            places += indicator.variants.map { ($0.when, "variants ", "分值变体按不适用处理") }
            places += indicator.effects.map { ($0.when, "effects ", "交叉影响无法判断") }
            var seen: [String] = []
            for (expression, place, effect) in places {
                for text in undeclared(expression, place, effect) where !seen.contains(text) {
                    seen.append(text)
                    report(indicator, indicator.location, text)
                }
            }
        }
        for (when, grade) in scheme.grades.veto {
            for text in undeclared(when, "等级 “\(grade)” 的否决条件", "否决条件按不成立处理") {
                report(nil, scheme.locations["grades"] ?? scheme.location, text)
            }
        }
    }

    /// The declared name one edit away (a letter added, dropped or changed), if exactly one is.
    static func nearest(_ name: String, in known: [String]) -> String? {
        let candidates = Set(known.filter { $0 != name && editDistance(Array(name), Array($0), limit: 1) <= 1 })
        return candidates.count == 1 ? candidates.first : nil
    }

    private static func editDistance(_ a: [Character], _ b: [Character], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
