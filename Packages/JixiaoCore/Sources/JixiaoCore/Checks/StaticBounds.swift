/// What the scheme checks can tell about a formula without any data: its value when it is a constant,
/// and its largest value when only constants can come out of it (`if` branches, `min`, `max`, `clamp`).
/// `max` stands for the indicator's max (or a variant's). Exact: Fixed arithmetic, no floats.
enum StaticBounds {
    /// The formula's value when it needs no data: numbers, `max`, and + − × ÷ of those.
    static func constant(_ node: ExpressionNode, max: Fixed) -> Fixed? {
        let result: Fixed?
        switch node {
        case .literal(.number(let number), _): result = number
        case .name("max", _): result = max
        case .unary(.negate, let operand, _): result = constant(operand, max: max).map { -$0 }
        case .binary(let op, let lhs, let rhs, _):
            guard let a = constant(lhs, max: max), let b = constant(rhs, max: max) else { return nil }
            switch op {
            case .add: result = a + b
            case .subtract: result = a - b
            case .multiply: result = a * b
            case .divide: result = a.divided(by: b)
            default: result = nil
            }
        default: result = nil
        }
        guard let result, !result.isOverflow else { return nil }
        return result
    }

    /// The largest value the formula can take, when that follows from its constants alone.
    static func upper(_ node: ExpressionNode, max: Fixed) -> Fixed? {
        if let value = constant(node, max: max) { return value }
        guard case .call(let name, let arguments, _) = node else { return nil }
        switch name {
        case "if" where arguments.count == 3:
            guard let a = upper(arguments[1], max: max), let b = upper(arguments[2], max: max) else { return nil }
            return Fixed.max(a, b)
        case "min":
            // min(x, 3) is at most 3 whatever x is.
            return arguments.compactMap { upper($0, max: max) }.min()
        case "max":
            let bounds = arguments.map { upper($0, max: max) }
            guard !bounds.contains(where: { $0 == nil }) else { return nil }
            return bounds.compactMap { $0 }.max()
        case "clamp" where arguments.count == 3:
            guard let high = upper(arguments[2], max: max) else { return nil }
            return upper(arguments[0], max: max).map { Fixed.min($0, high) } ?? high
        default:
            return nil
        }
    }

    static func upper(_ expression: Expression, max: Fixed) -> Fixed? { upper(expression.root, max: max) }
    static func constant(_ expression: Expression, max: Fixed) -> Fixed? { constant(expression.root, max: max) }
}
