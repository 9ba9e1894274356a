import JixiaoCore
import Yams

/// A scheme or data file that could not be read: one line, with file and line.
public struct FileError: Error, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }
    public var description: String { "\(location): 错误: \(message)" }
}

/// Reads YAML nodes with their positions, so every error can say file and line.
struct YAMLReader {
    let file: String

    func root(_ text: String) throws(FileError) -> Node {
        try YAMLBounds.check(text, file: file)
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw FileError(SourceLocation(file: file, line: 1), "文件为空")
            }
            return node
        } catch let error as FileError {
            throw error
        } catch let error as YamlError {
            throw yamlError(error)
        } catch {
            throw FileError(SourceLocation(file: file, line: 1), "无法读取 YAML 文件（原文：\(error)）")
        }
    }

    /// Yams' errors as Chinese sentences with line and column (see YAMLProblemWording).
    private func yamlError(_ error: YamlError) -> FileError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            // libyaml's scanner looks ahead, so its own nesting limit can trip before our event scan sees depth 64.
            if problem.contains("nesting level") {
                return FileError(SourceLocation(file: file, line: mark.line, column: mark.column), "YAML 嵌套过深")
            }
            let message = YAMLProblemWording.sentence(
                problem: problem, at: .init(line: mark.line, column: mark.column),
                context: context?.text, contextPlace: context.map { .init(line: $0.mark.line, column: $0.mark.column) })
            return FileError(SourceLocation(file: file, line: mark.line, column: mark.column), message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return FileError(SourceLocation(file: file, line: context.mark.line), "YAML 键重复：\(duplicates.joined(separator: "、"))")
        case .reader(let problem, let offset, _, let yaml):
            let line = offset.map { offset in 1 + yaml.prefix(offset).reduce(0) { $0 + ($1 == "\n" ? 1 : 0) } } ?? 1
            return FileError(SourceLocation(file: file, line: line), YAMLProblemWording.readerSentence(problem: problem, offset: offset))
        case .memory:
            return FileError(SourceLocation(file: file, line: 1), "YAML 文件过大，内存不足，无法读取")
        default:
            return FileError(SourceLocation(file: file, line: 1), "无法读取 YAML 文件（原文：\(error)）")
        }
    }

    func location(_ node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    func fail(_ node: Node, _ message: String) -> FileError { FileError(location(node), message) }

    func mapping(_ node: Node, _ what: String) throws(FileError) -> Fields {
        guard case .mapping(let mapping) = node else { throw fail(node, "\(what)应为键值对（mapping）") }
        return Fields(reader: self, node: node, mapping: mapping, what: what)
    }

    func sequence(_ node: Node, _ what: String) throws(FileError) -> [Node] {
        guard case .sequence(let sequence) = node else { throw fail(node, "\(what)应为列表") }
        return Array(sequence)
    }

    func string(_ node: Node, _ what: String) throws(FileError) -> String {
        guard case .scalar(let scalar) = node else { throw fail(node, "\(what)应为文字") }
        return scalar.string
    }

    func fixed(_ node: Node, _ what: String) throws(FileError) -> Fixed {
        guard case .scalar(let scalar) = node, let number = Fixed(scalar.string) else {
            throw fail(node, "\(what)应为数字，实际是 “\(describe(node))”")
        }
        return number
    }

    func int(_ node: Node, _ what: String) throws(FileError) -> Int {
        guard case .scalar(let scalar) = node, let number = Int(scalar.string.split(separator: " ").joined()) else {
            throw fail(node, "\(what)应为整数，实际是 “\(describe(node))”")
        }
        return number
    }

    func bool(_ node: Node, _ what: String) throws(FileError) -> Bool {
        guard case .scalar(let scalar) = node else { throw fail(node, "\(what)应为 true/false") }
        switch scalar.string.lowercased() {
        case "true", "yes", "是": return true
        case "false", "no", "否": return false
        default: throw fail(node, "\(what)应为 true/false，实际是 “\(scalar.string)”")
        }
    }

    /// A figure as data files write it: number, percentage, text, yes/no, n/a, or a list.
    /// Maps inside lists become `[level, group]` pairs (bonus items); a map of id → yes/no
    /// becomes the list of ids that hold (checklists).
    func value(_ node: Node, _ what: String) throws(FileError) -> Value {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain, ["true", "false"].contains(scalar.string.lowercased()) {
                return .bool(scalar.string.lowercased() == "true")
            }
            return Value.parse(scalar.string)
        case .sequence(let sequence):
            var items: [Value] = []
            for item in sequence {
                if case .mapping = item {
                    var fields = try mapping(item, "\(what)的条目")
                    let level = try fields.required("level") { (n) throws(FileError) in try string(n, "level") }
                    let group = try fields.optional("group") { (n) throws(FileError) in try string(n, "group") }
                    try fields.finish()
                    items.append(.list([.text(level)] + (group.map { [.text($0)] } ?? [])))
                } else {
                    items.append(try value(item, what))
                }
            }
            return .list(items)
        case .mapping(let mapping):
            var held: [Value] = []
            for (key, flag) in mapping {
                if try bool(flag, "\(what)的 \(describe(key))") { held.append(.text(try string(key, what))) }
            }
            return .list(held)
        case .alias:
            throw fail(node, "\(what)不支持 YAML 别名")
        }
    }

    /// A rule parameter: a number is a constant, text is a formula.
    func operand(_ node: Node, _ what: String) throws(FileError) -> Expression {
        guard case .scalar(let scalar) = node else { throw fail(node, "\(what)应为数字或公式") }
        let text = scalar.string
        if let number = Fixed(text) { return .constant(.number(number)) }
        if scalar.style == .plain, ["true", "false"].contains(text.lowercased()) { return .constant(.bool(text.lowercased() == "true")) }
        do {
            return try Expression(parsing: text)
        } catch {
            throw fail(node, "\(what)的公式有误：\(error.message)\n  \(text)\n  \(caret(error.range, text))")
        }
    }

    private func caret(_ range: SourceRange, _ text: String) -> String {
        let characters = Array(text)
        let lower = min(range.lower, characters.count)
        let padding = characters[0..<lower].reduce(0) { $0 + $1.displayWidth }
        return String(repeating: " ", count: padding) + "^"
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return scalar.string
        case .mapping: return "键值对"
        case .sequence: return "列表"
        case .alias: return "别名"
        }
    }
}

/// The keys of one mapping; `finish()` rejects keys nobody read, so typos do not pass silently.
struct Fields {
    let reader: YAMLReader
    let node: Node
    let mapping: Node.Mapping
    let what: String
    private var used: Set<String> = []

    init(reader: YAMLReader, node: Node, mapping: Node.Mapping, what: String) {
        self.reader = reader
        self.node = node
        self.mapping = mapping
        self.what = what
    }

    var location: SourceLocation { reader.location(node) }

    mutating func node(_ key: String) -> Node? {
        used.insert(key)
        guard let value = mapping[key] else { return nil }
        if case .scalar(let scalar) = value, scalar.style == .plain, ["", "~", "null"].contains(scalar.string) { return nil }
        return value
    }

    mutating func has(_ key: String) -> Bool { node(key) != nil }

    mutating func optional<T>(_ key: String, _ read: (Node) throws(FileError) -> T) throws(FileError) -> T? {
        guard let value = node(key) else { return nil }
        return try read(value)
    }

    mutating func required<T>(_ key: String, _ read: (Node) throws(FileError) -> T) throws(FileError) -> T {
        guard let value = node(key) else { throw reader.fail(node, "\(what)缺少 “\(key)”") }
        return try read(value)
    }

    mutating func string(_ key: String) throws(FileError) -> String? {
        let reader = self.reader
        return try optional(key) { (n) throws(FileError) in try reader.string(n, key) }
    }

    mutating func fixed(_ key: String) throws(FileError) -> Fixed? {
        let reader = self.reader
        return try optional(key) { (n) throws(FileError) in try reader.fixed(n, key) }
    }

    mutating func operand(_ key: String) throws(FileError) -> Expression? {
        let reader = self.reader
        return try optional(key) { (n) throws(FileError) in try reader.operand(n, key) }
    }

    /// Every key/value pair in file order, for free-form maps (values, inputs, weights …).
    func pairs() throws(FileError) -> [(key: String, keyNode: Node, value: Node)] {
        var result: [(String, Node, Node)] = []
        for (key, value) in mapping { result.append((try reader.string(key, "\(what)的键"), key, value)) }
        return result
    }

    func finish() throws(FileError) {
        for (key, _) in mapping {
            guard case .scalar(let scalar) = key else { continue }
            if !used.contains(scalar.string) {
                let known = used.sorted().joined(separator: "、")
                throw reader.fail(key, "\(what)中有未知的键 “\(scalar.string)”（可用：\(known)）")
            }
        }
    }
}
