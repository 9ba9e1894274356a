import JixiaoCore
// Yams' C target. Its `Parser` hands out only finished nodes, and building them is where an
// alias bomb costs (duplicate-key checks hash aliased keys in full), so the bounds are
// checked on libyaml's events, before Yams builds anything.
import CYaml

/// Limits on what a scheme or data file may make the loader build. The largest shipped scheme
/// expands to about 5,000 nodes and the largest data file to about 3,000 (measured by
/// `YAMLBounds.expandedNodes`), so the limits leave a margin of hundreds.
public enum YAMLLimits {
    public static let bytes = 8 << 20
    /// Nodes after every alias is expanded, counting each scalar, list and map as one.
    public static let expandedNodes = 1_000_000
    public static let depth = 64
}

enum YAMLBounds {
    /// Refuses text whose alias expansion, nesting or size is past `YAMLLimits`, at the line
    /// where the limit is crossed. Syntax errors are left to Yams, which reports them better.
    static func check(_ text: String, file: String) throws(FileError) {
        if text.utf8.count > YAMLLimits.bytes {
            throw FileError(SourceLocation(file: file, line: 1), "文件过大（超过 \(YAMLLimits.bytes >> 20) MiB）")
        }
        if let (line, message) = scan(text) {
            throw FileError(SourceLocation(file: file, line: line), message)
        }
    }

    /// The expanded node count of `text` (for measuring shipped files), or nil past a limit or on a syntax error.
    static func expandedNodes(_ text: String) -> Int? {
        var total = 0
        return scan(text, total: &total) == nil ? total : nil
    }

    static func scan(_ text: String) -> (line: Int, message: String)? {
        var total = 0
        return scan(text, total: &total)
    }

    /// One pass over the events with a memoised size per anchor: an alias adds the size its
    /// anchor had when defined, so "billion laughs" is measured in linear time.
    private static func scan(_ text: String, total: inout Int) -> (line: Int, message: String)? {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return nil }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeMutableBufferPointer { buffer -> (line: Int, message: String)? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            // Sizes of the collections still open, innermost last, with their anchors.
            var open: [(size: Int, anchor: String?)] = []
            var anchors: [String: Int] = [:]
            total = 0
            func add(_ size: Int, line: Int, alias: String? = nil) -> (line: Int, message: String)? {
                if open.isEmpty { total += size } else { open[open.count - 1].size += size }
                // Everything built so far: closed top-level nodes plus the open collections.
                guard open.reduce(total, { $0 + $1.size }) <= YAMLLimits.expandedNodes else {
                    let which = alias.map { "（别名 *\($0)）" } ?? ""
                    return (line, "YAML 别名展开过大\(which)：展开后超过 \(YAMLLimits.expandedNodes) 个节点，请不要用别名层层复制内容")
                }
                return nil
            }
            func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
                pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            }
            while true {
                var event = yaml_event_t()
                // A syntax error: Yams parses the same text next and reports it with its position.
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_SCALAR_EVENT:
                    if let anchor = name(event.data.scalar.anchor) { anchors[anchor] = 1 }
                    if let failure = add(1, line: line) { return failure }
                case YAML_ALIAS_EVENT:
                    let alias = name(event.data.alias.anchor)
                    if let failure = add(alias.flatMap { anchors[$0] } ?? 1, line: line, alias: alias) { return failure }
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let anchor = event.type == YAML_SEQUENCE_START_EVENT
                        ? name(event.data.sequence_start.anchor) : name(event.data.mapping_start.anchor)
                    open.append((1, anchor))
                    if open.count > YAMLLimits.depth {
                        return (line, "YAML 嵌套过深（超过 \(YAMLLimits.depth) 层）")
                    }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let closed = open.popLast() else { return nil }
                    if let anchor = closed.anchor { anchors[anchor] = closed.size }
                    if let failure = add(closed.size, line: line) { return failure }
                default:
                    break
                }
            }
        }
    }
}
