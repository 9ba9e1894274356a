/// One entered or computed figure. Missing is not a value: it is the absence of one
/// (`Value?` = nil), so that "not yet entered" can never be mistaken for 0.
public enum Value: Sendable, Hashable {
    case number(Fixed)
    case text(String)
    case bool(Bool)
    case list([Value])
    /// 不适用: the indicator does not apply to this subject and drops out.
    case notApplicable

    public var number: Fixed? {
        if case .number(let number) = self { return number }
        return nil
    }

    /// Reads the way data files write figures: numbers, percentages, n/a, yes/no, a list as `[2, 1]`
    /// (what `description` writes, so a figure survives being stored as text), else text.
    public static func parse(_ text: String) -> Value {
        let trimmed = text.trimmingSpaces()
        if let number = Fixed(trimmed) { return .number(number) }
        if trimmed.hasPrefix("["), trimmed.hasSuffix("]") {
            let items = trimmed.dropFirst().dropLast().split(whereSeparator: { $0 == "," || $0 == "，" || $0 == "、" })
            return .list(items.map { parse(String($0)) })
        }
        switch trimmed.lowercased() {
        case "n/a", "na", "不适用", "—", "－": return .notApplicable
        case "true", "yes", "是": return .bool(true)
        case "false", "no", "否": return .bool(false)
        default: return .text(trimmed)
        }
    }
}

extension Value: CustomStringConvertible {
    public var description: String {
        switch self {
        case .number(let number): return number.description
        case .text(let text): return text
        case .bool(let bool): return bool ? "是" : "否"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .notApplicable: return "不适用"
        }
    }
}
