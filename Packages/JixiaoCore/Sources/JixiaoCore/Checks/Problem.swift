/// A finding of the scheme checks or of loading a file: where, how bad, what.
public struct Problem: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error, warning
    }
    public var severity: Severity
    /// The indicator it concerns, if any.
    public var code: String?
    public var location: SourceLocation?
    public var message: String

    public init(_ severity: Severity, code: String? = nil, location: SourceLocation? = nil, _ message: String) {
        self.severity = severity
        self.code = code
        self.location = location
        self.message = message
    }

    /// `file:line: 错误: [1.2] message`: one line, as the CLI prints it.
    public var description: String {
        let place = location.map { "\($0): " } ?? ""
        let label = severity == .error ? "错误" : "警告"
        let indicator = code.map { "[\($0)] " } ?? ""
        return "\(place)\(label): \(indicator)\(message)"
    }
}

/// Thrown when a scheme cannot be compiled: every error found, not just the first.
public struct SchemeErrors: Error, Sendable, CustomStringConvertible {
    public var problems: [Problem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
