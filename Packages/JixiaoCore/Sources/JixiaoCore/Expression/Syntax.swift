/// A span of a formula's text, in characters from its start.
public struct SourceRange: Sendable, Hashable {
    public var lower: Int
    public var upper: Int
    public init(_ lower: Int, _ upper: Int) {
        self.lower = lower
        self.upper = upper
    }
    func joined(_ other: SourceRange) -> SourceRange {
        SourceRange(Swift.min(lower, other.lower), Swift.max(upper, other.upper))
    }
}

public enum UnaryOperator: String, Sendable, Hashable {
    case negate = "-"
    case not = "not"
}

public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "==", notEqual = "!="
    case and = "and", or = "or"

    var isComparison: Bool { precedence == 4 && self != .equal && self != .notEqual }

    /// Binding strength: higher binds tighter.
    var precedence: Int {
        switch self {
        case .or: return 1
        case .and: return 2
        case .less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual: return 4
        case .add, .subtract: return 5
        case .multiply, .divide: return 6
        }
    }
}

/// A parsed formula: every node knows where it stands in the source text.
public indirect enum ExpressionNode: Sendable, Hashable {
    case literal(Value, SourceRange)
    case name(String, SourceRange)
    case unary(UnaryOperator, ExpressionNode, SourceRange)
    case binary(BinaryOperator, ExpressionNode, ExpressionNode, SourceRange)
    case call(String, [ExpressionNode], SourceRange)

    public var range: SourceRange {
        switch self {
        case .literal(_, let range), .name(_, let range), .unary(_, _, let range),
            .binary(_, _, _, let range), .call(_, _, let range):
            return range
        }
    }

    /// Every name and `score("…")`/`value("…")` reference, for dependency order and checks.
    public func visit(_ body: (ExpressionNode) -> Void) {
        body(self)
        switch self {
        case .literal, .name: break
        case .unary(_, let operand, _): operand.visit(body)
        case .binary(_, let lhs, let rhs, _):
            lhs.visit(body)
            rhs.visit(body)
        case .call(_, let arguments, _): arguments.forEach { $0.visit(body) }
        }
    }
}

/// A formula as written in a scheme, parsed once.
public struct Expression: Sendable, Hashable, CustomStringConvertible {
    public let source: String
    public let root: ExpressionNode

    public init(parsing source: String) throws(ExpressionError) {
        self.source = source
        var parser = Parser(source: source)
        self.root = try parser.parseAll()
    }

    init(source: String, root: ExpressionNode) {
        self.source = source
        self.root = root
    }

    /// A formula that is just a constant (used for numbers written directly in YAML).
    public static func constant(_ value: Value) -> Expression {
        Expression(source: value.description, root: .literal(value, SourceRange(0, 0)))
    }

    public var description: String { source }

    /// The constant this formula is, if it is one.
    public var constantValue: Value? {
        if case .literal(let value, _) = root { return value }
        return nil
    }
}

/// What went wrong in a formula, and where.
public struct ExpressionError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// A character that starts no token.
        case unexpectedCharacter(Character)
        /// A quoted text without its closing quote.
        case unterminatedText
        /// A number that is malformed or out of range.
        case badNumber(String)
        /// A token where another was needed.
        case unexpectedToken(found: String, expected: String)
        /// The formula ended too early.
        case unexpectedEnd(expected: String)
        /// A function name that the language does not have.
        case unknownFunction(String)
        /// A known function called with the wrong number of arguments.
        case wrongArgumentCount(function: String, expected: String, found: Int)
        /// A formula nested deeper than the parser allows.
        case tooDeep
    }

    public let kind: Kind
    public let range: SourceRange
    public let source: String

    public var message: String {
        switch kind {
        case .unexpectedCharacter(let character): return "无法识别的字符 “\(character)”"
        case .unterminatedText: return "文字缺少结束引号"
        case .badNumber(let text): return "数字格式错误或超出范围：\(text)"
        case .unexpectedToken(let found, let expected): return "此处应为\(expected)，却是 “\(found)”"
        case .unexpectedEnd(let expected): return "公式不完整，此处应为\(expected)"
        case .unknownFunction(let name): return "未知函数 \(name)()"
        case .wrongArgumentCount(let function, let expected, let found):
            return "\(function)() 需要 \(expected) 个参数，实际 \(found) 个"
        case .tooDeep: return "公式嵌套过深"
        }
    }

    /// The message, the formula, and a caret under the offending span.
    public var description: String {
        "\(message)\n  \(source)\n  \(caretLine(for: range, in: source))"
    }
}

/// Spaces up to `range` and carets under it, counting CJK characters as two columns.
func caretLine(for range: SourceRange, in source: String) -> String {
    let characters = Array(source)
    let lower = min(range.lower, characters.count)
    let upper = max(lower + 1, min(range.upper, characters.count))
    let padding = characters[0..<lower].reduce(0) { $0 + $1.displayWidth }
    let width = lower < characters.count ? characters[lower..<upper].reduce(0) { $0 + $1.displayWidth } : 1
    return String(repeating: " ", count: padding) + String(repeating: "^", count: max(1, width))
}

extension Character {
    /// Terminal columns: East Asian wide characters take two.
    public var displayWidth: Int {
        guard let scalar = unicodeScalars.first else { return 0 }
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}

extension String {
    public var displayWidth: Int { reduce(0) { $0 + $1.displayWidth } }
}
