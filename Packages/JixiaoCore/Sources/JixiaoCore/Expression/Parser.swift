/// Lexer and precedence-climbing parser for scheme formulas.
///
/// Accepts the ASCII operators and the ones Chinese users type: ≥ ≤ ≠ × ÷, full-width
/// parentheses and commas, and `且`/`或`/`非` for and/or/not.
struct Parser {
    enum Token: Equatable {
        case number(Value)
        case text(String)
        case name(String)
        case symbol(String)  // operators, parentheses, comma
        case end
    }

    let source: String
    private let characters: [Character]
    private var tokens: [(token: Token, range: SourceRange)] = []
    private var position = 0
    private var depth = 0
    private static let maximumDepth = 200

    init(source: String) {
        self.source = source
        self.characters = Array(source)
    }

    mutating func parseAll() throws(ExpressionError) -> ExpressionNode {
        tokens = try tokenize()
        let node = try parseExpression(minimumPrecedence: 0)
        if case let (token, range) = tokens[position], token != .end {
            throw error(.unexpectedToken(found: describe(token), expected: "运算符或结尾"), range)
        }
        return node
    }

    // MARK: Lexer

    private func tokenize() throws(ExpressionError) -> [(token: Token, range: SourceRange)] {
        var result: [(token: Token, range: SourceRange)] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let start = index
            if character.isWhitespace {
                index += 1
                continue
            }
            if character.isASCII && (character.isNumber || character == ".") {
                while index < characters.count,
                    characters[index].isASCII && (characters[index].isNumber || characters[index] == ".")
                {
                    index += 1
                }
                if index < characters.count, characters[index] == "%" || characters[index] == "％" { index += 1 }
                let text = String(characters[start..<index])
                guard let number = Fixed(text) else {
                    throw error(.badNumber(text), SourceRange(start, index))
                }
                result.append((.number(.number(number)), SourceRange(start, index)))
                continue
            }
            if character == "'" || character == "\"" || character == "“" || character == "‘" {
                let closing: Character = character == "“" ? "”" : character == "‘" ? "’" : character
                index += 1
                while index < characters.count, characters[index] != closing { index += 1 }
                guard index < characters.count else {
                    throw error(.unterminatedText, SourceRange(start, characters.count))
                }
                index += 1
                result.append((.text(String(characters[(start + 1)..<(index - 1)])), SourceRange(start, index)))
                continue
            }
            if character.isLetter || character == "_" {
                while index < characters.count,
                    characters[index].isLetter || characters[index].isNumber || characters[index] == "_"
                        || characters[index] == "."
                {
                    index += 1
                }
                let word = String(characters[start..<index])
                let range = SourceRange(start, index)
                switch word {
                case "and", "且": result.append((.symbol("and"), range))
                case "or", "或": result.append((.symbol("or"), range))
                case "not", "非": result.append((.symbol("not"), range))
                case "true": result.append((.number(.bool(true)), range))
                case "false": result.append((.number(.bool(false)), range))
                default: result.append((.name(word), range))
                }
                continue
            }
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            let symbol: String
            var length = 1
            switch character {
            case "<", ">", "=", "!":
                if next == "=" {
                    symbol = String(character) + "="
                    length = 2
                } else if character == "=" {
                    symbol = "=="  // a lone = reads as equality, as users write it
                } else if character == "!" {
                    symbol = "not"
                } else {
                    symbol = String(character)
                }
            case "&" where next == "&":
                symbol = "and"
                length = 2
            case "|" where next == "|":
                symbol = "or"
                length = 2
            case "≥": symbol = ">="
            case "≤": symbol = "<="
            case "≠": symbol = "!="
            case "×": symbol = "*"
            case "÷": symbol = "/"
            case "−": symbol = "-"
            case "（": symbol = "("
            case "）": symbol = ")"
            case "，": symbol = ","
            case "+", "-", "*", "/", "(", ")", ",": symbol = String(character)
            default:
                throw error(.unexpectedCharacter(character), SourceRange(start, start + 1))
            }
            index += length
            result.append((.symbol(symbol), SourceRange(start, index)))
        }
        result.append((.end, SourceRange(characters.count, characters.count)))
        return result
    }

    // MARK: Parser

    private mutating func parseExpression(minimumPrecedence: Int) throws(ExpressionError) -> ExpressionNode {
        depth += 1
        defer { depth -= 1 }
        if depth > Parser.maximumDepth { throw error(.tooDeep, tokens[position].range) }
        var lhs = try parseUnary()
        while case .symbol(let symbol) = tokens[position].token,
            let op = BinaryOperator(rawValue: symbol), op.precedence > minimumPrecedence
        {
            position += 1
            // Comparisons do not chain: `a < b < c` is an error, not a surprise.
            let rhs = try parseExpression(minimumPrecedence: op.precedence)
            lhs = .binary(op, lhs, rhs, lhs.range.joined(rhs.range))
        }
        return lhs
    }

    private mutating func parseUnary() throws(ExpressionError) -> ExpressionNode {
        let (token, range) = tokens[position]
        if token == .symbol("-") {
            position += 1
            depth += 1
            defer { depth -= 1 }
            if depth > Parser.maximumDepth { throw error(.tooDeep, range) }
            let operand = try parseUnary()
            return .unary(.negate, operand, range.joined(operand.range))
        }
        if token == .symbol("not") {
            position += 1
            // `not` binds looser than comparisons: not a > b means not (a > b).
            let operand = try parseExpression(minimumPrecedence: BinaryOperator.and.precedence)
            return .unary(.not, operand, range.joined(operand.range))
        }
        if token == .symbol("+") {
            position += 1
            return try parseUnary()
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(ExpressionError) -> ExpressionNode {
        let (token, range) = tokens[position]
        switch token {
        case .number(let value):
            position += 1
            return .literal(value, range)
        case .text(let text):
            position += 1
            return .literal(.text(text), range)
        case .name(let name):
            position += 1
            guard tokens[position].token == .symbol("(") else { return .name(name, range) }
            guard let function = Function(rawValue: name) else {
                throw error(.unknownFunction(name), range)
            }
            position += 1
            var arguments: [ExpressionNode] = []
            if tokens[position].token != .symbol(")") {
                while true {
                    arguments.append(try parseExpression(minimumPrecedence: 0))
                    if tokens[position].token == .symbol(",") {
                        position += 1
                        continue
                    }
                    break
                }
            }
            let closing = tokens[position]
            guard closing.token == .symbol(")") else {
                throw unexpected(closing, expected: "“)”或“,”")
            }
            position += 1
            guard function.arity.contains(arguments.count) else {
                throw error(
                    .wrongArgumentCount(function: name, expected: function.arityText, found: arguments.count),
                    range.joined(closing.range))
            }
            return .call(name, arguments, range.joined(closing.range))
        case .symbol("("):
            position += 1
            let inner = try parseExpression(minimumPrecedence: 0)
            let closing = tokens[position]
            guard closing.token == .symbol(")") else { throw unexpected(closing, expected: "“)”") }
            position += 1
            return inner
        default:
            throw unexpected((token, range), expected: "数字、名称或“(”")
        }
    }

    private func unexpected(_ token: (token: Token, range: SourceRange), expected: String) -> ExpressionError {
        if token.token == .end { return error(.unexpectedEnd(expected: expected), token.range) }
        return error(.unexpectedToken(found: describe(token.token), expected: expected), token.range)
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .number(let value): return value.description
        case .text(let text): return "'\(text)'"
        case .name(let name): return name
        case .symbol(let symbol): return symbol
        case .end: return "结尾"
        }
    }

    private func error(_ kind: ExpressionError.Kind, _ range: SourceRange) -> ExpressionError {
        ExpressionError(kind: kind, range: range, source: source)
    }
}

/// The functions formulas may call.
public enum Function: String, Sendable, CaseIterable {
    case min, max, clamp, round, abs, floor, ceil
    case `if`
    case score, value
    case peerAvg = "peer_avg", peerMin = "peer_min", peerMax = "peer_max", peerSum = "peer_sum"
    case peerCount = "peer_count"
    case childrenCount = "children_count"

    var arity: ClosedRange<Int> {
        switch self {
        case .min, .max: return 1...64
        case .clamp, .if: return 3...3
        case .round: return 1...2
        case .abs, .floor, .ceil, .score, .value, .peerAvg, .peerMin, .peerMax, .peerSum, .childrenCount:
            return 1...1
        case .peerCount: return 0...0
        }
    }

    var arityText: String {
        arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound)–\(arity.upperBound)"
    }

    var isPeerAggregate: Bool {
        switch self {
        case .peerAvg, .peerMin, .peerMax, .peerSum, .peerCount, .childrenCount: return true
        default: return false
        }
    }
}

extension ExpressionNode {
    /// Canonical text that parses back to the same tree: `parse(printed) == self` up to ranges.
    public var printed: String {
        switch self {
        case .literal(let value, _):
            switch value {
            case .text(let text): return "'\(text)'"
            case .bool(let bool): return bool ? "true" : "false"
            default: return value.description
            }
        case .name(let name, _): return name
        case .unary(let op, let operand, _):
            return op == .negate ? "-(\(operand.printed))" : "not (\(operand.printed))"
        case .binary(let op, let lhs, let rhs, _):
            return "(\(lhs.printed) \(op.rawValue) \(rhs.printed))"
        case .call(let name, let arguments, _):
            return "\(name)(" + arguments.map(\.printed).joined(separator: ", ") + ")"
        }
    }

    /// The tree without source positions, for structural comparison.
    public var shape: String {
        switch self {
        case .literal(let value, _): return "lit(\(value))"
        case .name(let name, _): return "name(\(name))"
        case .unary(let op, let operand, _): return "\(op.rawValue)(\(operand.shape))"
        case .binary(let op, let lhs, let rhs, _): return "\(op.rawValue)(\(lhs.shape),\(rhs.shape))"
        case .call(let name, let arguments, _):
            return "\(name)(" + arguments.map(\.shape).joined(separator: ",") + ")"
        }
    }
}
