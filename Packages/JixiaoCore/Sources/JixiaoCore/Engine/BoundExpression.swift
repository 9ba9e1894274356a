/// Why a figure could not be computed. Not-applicable and missing are outcomes, not zeros.
public enum EvaluationError: Error, Sendable, Hashable {
    /// A figure the rule needs has not been entered.
    case missing(String)
    /// The figure is marked 不适用, so the indicator drops out.
    case notApplicable
    /// A division by zero, with the formula text.
    case divisionByZero(String)
    /// A value of the wrong type (text where a number was needed …).
    case type(String)
    /// A result beyond the number range.
    case overflow
    /// Input that breaks the rule (a judged score out of range, a bad month …).
    case invalid(String)

    public var message: String {
        switch self {
        case .missing(let what): return "缺少数据：\(what)"
        case .notApplicable: return "不适用"
        case .divisionByZero(let formula): return "除数为零：\(formula)"
        case .type(let message): return message
        case .overflow: return "数值超出范围"
        case .invalid(let message): return message
        }
    }
}

/// A formula with every name resolved to where its value lives, ready to evaluate fast.
indirect enum BoundExpression: Sendable {
    case constant(Value)
    /// A named input of the subject, or (when it has none of that name) its attribute.
    case slot(Int)
    case metric(Int)
    case indicatorValue(Int)
    case indicatorScore(Int)
    case indicatorMax(Int)
    case fund(String)
    case attribute(String)
    case unary(UnaryOperator, BoundExpression)
    case binary(BinaryOperator, BoundExpression, BoundExpression, source: String)
    case call(Function, [BoundExpression])
    /// peer_* and children_count: `id` keys the engine's cache.
    case aggregate(Function, id: Int, BoundExpression?)
}

/// What a formula computes with: a `Value` whose number is exact (`Exact`), so that a
/// quotient is never cut short before it is used again.
enum Term: Sendable, Hashable {
    case number(Exact)
    case text(String)
    case bool(Bool)
    case list([Value])
    case notApplicable

    init(_ value: Value) {
        switch value {
        case .number(let number): self = .number(Exact(number))
        case .text(let text): self = .text(text)
        case .bool(let bool): self = .bool(bool)
        case .list(let items): self = .list(items)
        case .notApplicable: self = .notApplicable
        }
    }
}

extension Term: CustomStringConvertible {
    var description: String {
        switch self {
        case .number(let number): return number.description
        case .text(let text): return text
        case .bool(let bool): return bool ? "是" : "否"
        case .list(let items): return Value.list(items).description
        case .notApplicable: return "不适用"
        }
    }
}

/// Where a bound expression reads its values: one subject at one stage.
protocol EvaluationContext {
    func slot(_ index: Int) throws(EvaluationError) -> Term
    func metric(_ index: Int) throws(EvaluationError) -> Term
    func indicatorValue(_ index: Int) throws(EvaluationError) -> Term
    func indicatorScore(_ index: Int) throws(EvaluationError) -> Exact
    func indicatorMax(_ index: Int) -> Fixed
    func fund(_ name: String) throws(EvaluationError) -> Exact
    func attribute(_ name: String) throws(EvaluationError) -> Term
    func aggregate(_ function: Function, id: Int, _ operand: BoundExpression?) throws(EvaluationError) -> Term
}

extension BoundExpression {
    func evaluate<C: EvaluationContext>(_ context: C) throws(EvaluationError) -> Term {
        switch self {
        case .constant(let value): return Term(value)
        case .slot(let index): return try context.slot(index)
        case .metric(let index): return try context.metric(index)
        case .indicatorValue(let index): return try context.indicatorValue(index)
        case .indicatorScore(let index): return .number(try context.indicatorScore(index))
        case .indicatorMax(let index): return .number(Exact(context.indicatorMax(index)))
        case .fund(let name): return .number(try context.fund(name))
        case .attribute(let name): return try context.attribute(name)
        case .unary(let op, let operand):
            let value = try operand.evaluate(context)
            switch op {
            case .negate: return .number(-(try value.requireNumber("取负")))
            case .not: return .bool(!(try value.requireBool("not")))
            }
        case .binary(let op, let lhs, let rhs, let source):
            return try Self.binary(op, lhs, rhs, source: source, context)
        case .call(let function, let arguments):
            return try Self.call(function, arguments, context)
        case .aggregate(let function, let id, let operand):
            return try context.aggregate(function, id: id, operand)
        }
    }

    func number<C: EvaluationContext>(_ context: C, what: String) throws(EvaluationError) -> Exact {
        let value = try evaluate(context)
        let number = try value.requireNumber(what)
        if number.isOverflow { throw .overflow }
        return number
    }

    private static func binary<C: EvaluationContext>(
        _ op: BinaryOperator, _ lhs: BoundExpression, _ rhs: BoundExpression, source: String, _ context: C
    ) throws(EvaluationError) -> Term {
        switch op {
        case .and:
            // Short-circuit, so `has_x and x > 3` works when x is missing.
            guard try lhs.evaluate(context).requireBool("and") else { return .bool(false) }
            return .bool(try rhs.evaluate(context).requireBool("and"))
        case .or:
            if try lhs.evaluate(context).requireBool("or") { return .bool(true) }
            return .bool(try rhs.evaluate(context).requireBool("or"))
        case .equal, .notEqual:
            let equal = try lhs.evaluate(context).matches(try rhs.evaluate(context))
            return .bool(op == .equal ? equal : !equal)
        default:
            let a = try lhs.evaluate(context).requireNumber(op.rawValue)
            let b = try rhs.evaluate(context).requireNumber(op.rawValue)
            // The poison sorts below every number: comparing it would answer, wrongly, instead of failing.
            if op.isComparison, a.isOverflow || b.isOverflow { throw .overflow }
            switch op {
            case .add: return .number(a + b)
            case .subtract: return .number(a - b)
            case .multiply: return .number(a * b)
            case .divide:
                guard let quotient = a.divided(by: b) else { throw .divisionByZero(source) }
                return .number(quotient)
            case .less: return .bool(a < b)
            case .lessOrEqual: return .bool(a <= b)
            case .greater: return .bool(a > b)
            case .greaterOrEqual: return .bool(a >= b)
            case .and, .or, .equal, .notEqual: fatalError("handled above")
            }
        }
    }

    private static func call<C: EvaluationContext>(
        _ function: Function, _ arguments: [BoundExpression], _ context: C
    ) throws(EvaluationError) -> Term {
        switch function {
        case .if:
            let condition = try arguments[0].evaluate(context).requireBool("if")
            return try arguments[condition ? 1 : 2].evaluate(context)
        case .min, .max:
            var best = try arguments[0].number(context, what: function.rawValue)
            for argument in arguments.dropFirst() {
                let next = try argument.number(context, what: function.rawValue)
                best = function == .min ? Exact.min(best, next) : Exact.max(best, next)
            }
            return .number(best)
        case .clamp:
            let x = try arguments[0].number(context, what: "clamp")
            let lower = try arguments[1].number(context, what: "clamp")
            let upper = try arguments[2].number(context, what: "clamp")
            return .number(x < lower ? lower : (upper < x ? upper : x))
        case .round:
            let x = try arguments[0].number(context, what: "round")
            let places = arguments.count > 1 ? try arguments[1].number(context, what: "round") : .zero
            guard places.floored == places, let whole = places.wholePart, (0...8).contains(whole) else {
                throw .invalid("round() 的小数位数应为 0–8 的整数")
            }
            return .number(x.rounded(places: whole))
        case .abs: return .number(try arguments[0].number(context, what: "abs").magnitude)
        case .floor: return .number(try arguments[0].number(context, what: "floor").floored)
        case .ceil: return .number(try arguments[0].number(context, what: "ceil").ceiled)
        case .score, .value, .peerAvg, .peerMin, .peerMax, .peerSum, .peerCount, .childrenCount:
            fatalError("bound to references and aggregates at compile time")
        }
    }
}

extension Term {
    func requireNumber(_ what: String) throws(EvaluationError) -> Exact {
        switch self {
        case .number(let number): return number
        case .bool(let bool): return bool ? .one : .zero
        case .notApplicable: throw .notApplicable
        case .text(let text):
            throw .type("“\(what)”需要数字，实际是文字 “\(text)”")
        case .list: throw .type("“\(what)”需要数字，实际是列表")
        }
    }

    func requireBool(_ what: String) throws(EvaluationError) -> Bool {
        switch self {
        case .bool(let bool): return bool
        case .number(let number): return !number.isZero
        case .notApplicable: throw .notApplicable
        case .text(let text):
            switch text {
            case "是", "有", "已", "true", "yes": return true
            case "否", "无", "未", "false", "no": return false
            default: throw .type("“\(what)”需要是/否，实际是文字 “\(text)”")
            }
        case .list(let items): return !items.isEmpty
        }
    }

    /// Equality across types the way users mean it: 1 == true, "健全" == "健全".
    func matches(_ other: Term) -> Bool {
        switch (self, other) {
        case let (.number(a), .number(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .bool(b)), let (.bool(b), .number(a)): return (a == .one) == b && (a.isZero || a == .one)
        case let (.text(a), .text(b)): return a == b
        default: return self == other
        }
    }
}
