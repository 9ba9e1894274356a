/// libyaml's problems in Chinese. libyaml (inside Yams) reports a syntax error as an English "context"
/// ("while parsing a flow mapping", with where that construct began) and an English "problem" ("did not find
/// expected ',' or '}'", with where it went wrong). A scheme admin reads neither: each known pair becomes one
/// Chinese sentence that says where, what is wrong and the usual cause. An unknown problem still gets a Chinese
/// sentence with its place, and keeps libyaml's own words in parentheses so nothing is lost.
enum YAMLProblemWording {
    /// A place in the file, 1-based (libyaml's marks as Yams gives them).
    struct Place: Sendable, Hashable {
        var line: Int
        var column: Int
        var text: String { "第 \(line) 行第 \(column) 列" }
    }

    /// "YAML 格式错误（第 3 行第 12 列）：…" for a scanner, parser or composer error.
    static func sentence(problem: String, at place: Place, context: String?, contextPlace: Place?) -> String {
        let head = "YAML 格式错误（\(place.text)）："
        let what = context.flatMap(construct)
        // Where the construct that failed began (a flow mapping's "{", a quote), when libyaml says so.
        let started = contextPlace.map { "（该\(what ?? "结构")始于\($0.text)）" } ?? ""
        if let known = known(problem: problem, started: started) { return head + known }
        let original = [context, problem].compactMap { $0 }.joined(separator: "，")
        let within = what.map { "（在\($0)中）" } ?? ""
        return head + "此处的写法无法识别\(within)，请检查这一行及上一行的缩进、冒号和引号\(started)（原文：\(original)）"
    }

    /// libyaml's reader problems (the bytes, before any syntax): encodings and control characters.
    static func readerSentence(problem: String, offset: Int?) -> String {
        let whereText = offset.map { "（第 \($0 + 1) 个字符处）" } ?? ""
        switch problem {
        case "control characters are not allowed":
            return "文件含有不允许的控制字符\(whereText)，请删除（常见于从别处复制的文字）"
        case "invalid leading UTF-8 octet", "invalid trailing UTF-8 octet", "incomplete UTF-8 octet sequence",
            "invalid length of a UTF-8 sequence", "invalid Unicode character", "incomplete UTF-16 character",
            "incomplete UTF-16 surrogate pair", "unexpected low surrogate area", "expected low surrogate area":
            return "文件不是有效的 UTF-8 文本\(whereText)，请以 UTF-8 编码保存后再上传"
        case "input is too long":
            return "文件过长，无法读取"
        default:
            return "无法读取文件\(whereText)（原文：\(problem)）"
        }
    }

    /// The construct a context names, in Chinese ("while parsing a flow mapping" → "花括号 {…} 写成的键值对").
    static func construct(_ context: String) -> String? {
        switch context {
        case "while parsing a block mapping": return "键值对"
        case "while parsing a flow mapping": return "花括号 {…} 写成的键值对"
        case "while parsing a flow sequence": return "方括号 […] 写成的列表"
        case "while parsing a block collection": return "以 “-” 开头的列表"
        case "while parsing a block node", "while parsing a flow node", "while parsing a node": return "值"
        case "while scanning a simple key": return "键"
        case "while scanning a quoted scalar", "while parsing a quoted scalar": return "引号内的文字"
        case "while scanning a plain scalar": return "文字"
        case "while scanning a block scalar": return "多行文字（| 或 >）"
        case "while scanning an anchor": return "锚点（&）"
        case "while scanning an alias": return "别名（*）"
        case "while scanning a tag", "while parsing a tag": return "标签（!）"
        case "while scanning a directive", "while scanning a %YAML directive", "while scanning a %TAG directive",
            "while parsing a %TAG directive", "while parsing a tag directive", "while scanning a tag directive":
            return "指令（%）"
        default: return nil
        }
    }

    private static func known(problem: String, started: String) -> String? {
        switch problem {
        case "did not find expected key":
            return "这里应是“键: 值”，但缩进与同一层的其他键不一致\(started)；常见原因：缩进没有对齐，或上一行的引号、括号没有闭合"
        case "mapping values are not allowed in this context", "mapping values are not allowed here":
            return "这里不能出现冒号“:”：若冒号是文字的一部分，请把整段文字用引号括起来；否则请检查这一行的缩进"
        case "found character that cannot start any token":
            return "这个字符不能出现在值的开头（例如制表符、@ 或 `）；请改用空格缩进，或把文字用引号括起来"
        case "found undefined tag handle":
            return "使用了未定义的标签（以 ! 开头）；如果 ! 是文字的一部分，请把文字用引号括起来"
        case "found unknown escape character":
            return "双引号内有无法识别的转义（反斜杠 \\ 后的字符）；请改用单引号，或把 \\ 写成 \\\\"
        case "found invalid Unicode character escape code", "did not find expected hexdecimal number":
            return "双引号内的 \\u 或 \\x 转义写错了；请改用单引号，或把 \\ 写成 \\\\"
        case "could not find expected ':'":
            return "缺少冒号“:”\(started)：键后应写“: ”再写值；若这是多行文字的续行，请缩进或用引号括起来"
        case "did not find expected ',' or '}'":
            return "花括号 {…} 没有正确结束\(started)：两项之间应以逗号“,”分隔，末尾应有“}”；若值里有逗号或冒号，请用引号括起来"
        case "did not find expected ',' or ']'":
            return "方括号 […] 没有正确结束\(started)：两项之间应以逗号“,”分隔，末尾应有“]”；若值里有逗号，请用引号括起来"
        case "did not find expected '-' indicator":
            return "列表中这一行应以“- ”开头，或缩进与列表的其他条目不一致\(started)"
        case "did not find expected node content":
            return "这里缺少值\(started)（例如键后直接跟了逗号或括号）"
        case "block sequence entries are not allowed in this context":
            return "这里不能以“- ”开始列表；列表应另起一行，并比上一级的键多缩进"
        case "mapping keys are not allowed in this context":
            return "这里不能出现“? ”开头的键"
        case "found unexpected end of stream":
            return "文件在引号或括号闭合之前就结束了\(started)；请补上缺少的引号或括号"
        case "found unexpected document indicator":
            return "引号内的文字中出现了单独一行的 --- 或 ...\(started)；请检查引号是否闭合"
        case "found a tab character that violates indentation", "found a tab character where an indentation space is expected":
            return "缩进中有制表符（Tab）；YAML 只能用空格缩进"
        case "did not find expected comment or line break", "did not find expected whitespace or line break":
            return "这里之后应换行或写注释（#）\(started)；常见原因：引号闭合后又跟了文字"
        case "did not find expected alphabetic or numeric character":
            return "& 或 * 后应是字母或数字\(started)；如果 & 或 * 是文字的一部分，请把文字用引号括起来"
        case "found unexpected ':'":
            return "这里的冒号“:”无法识别；请把含冒号的文字用引号括起来"
        case "did not find expected <document start>", "but found another document", "found incompatible YAML document":
            return "文件中有多于一份文档（--- 分隔）或文档开头写错了；方案文件只能有一份文档"
        case "found undefined alias":
            return "使用了未定义的别名（*）"
        default:
            if problem.hasPrefix("did not find expected tag URI") || problem.hasPrefix("did not find expected '!'")
                || problem.hasPrefix("did not find the expected '>'") || problem.hasPrefix("did not find URI escaped octet")
            {
                return "标签（!）写错了\(started)；如果 ! 是文字的一部分，请把文字用引号括起来"
            }
            if problem.hasPrefix("found an indentation indicator equal to 0") {
                return "多行文字（| 或 >）的缩进指示不能为 0"
            }
            return nil
        }
    }
}
