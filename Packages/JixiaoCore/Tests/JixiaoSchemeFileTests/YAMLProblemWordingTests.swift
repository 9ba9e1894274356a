import Foundation
import JixiaoCore
import Testing
@testable import JixiaoSchemeFile

/// libyaml's English problems reach the admin as Chinese sentences with line and column (issue 11).
@Suite struct YAMLProblemWordingTests {
    /// The error a broken file gives, read through the real loader (Yams and libyaml).
    private func error(_ text: String) -> FileError? {
        do {
            _ = try SchemeFile.parse(text, file: "t.yaml")
            return nil
        } catch {
            return error
        }
    }

    /// No English of libyaml's left in the message (its own words appear only inside “原文：…”).
    private func isChinese(_ message: String) -> Bool {
        let english = ["while parsing", "while scanning", "did not find", "could not find", "found ", "not allowed"]
        return !english.contains { message.contains($0) }
    }

    @Test(arguments: [
        // (file, line, column, a phrase the sentence must hold)
        ("scheme: {id: T, name: 测试 total: 10}\nindicators: []\n", 1, 31, "花括号 {…} 没有正确结束（该花括号 {…} 写成的键值对始于第 1 行第 9 列）"),
        ("scheme:\n  a: [1, 2\n  b: 3\n", 3, 4, "方括号 […] 没有正确结束"),
        ("scheme:\n  id: T\n name: x\n", 3, 2, "缩进与同一层的其他键不一致"),
        ("scheme:\n  id: a: b\n", 2, 8, "这里不能出现冒号“:”"),
        ("scheme:\n  id: @x\n", 2, 7, "这个字符不能出现在值的开头"),
        ("scheme:\n  id: !x!y 1\n", 2, 7, "使用了未定义的标签"),
        ("scheme:\n  id: \"a\\qb\"\n", 2, 9, "无法识别的转义"),
        ("scheme:\n  id: 1\n  b\n  c: 2\n", 4, 3, "缺少冒号“:”"),
        ("scheme:\n  a: \"abc\n", 3, 1, "文件在引号或括号闭合之前就结束了"),
        ("list:\n  - a\n  b: 1\n", 3, 3, "列表中这一行应以“- ”开头"),
    ])
    func libyamlProblem_becomesAChineseSentenceWithLineAndColumn(text: String, line: Int, column: Int, phrase: String) throws {
        let found = try #require(error(text))
        #expect(found.location.line == line)
        #expect(found.location.column == column)
        #expect(found.message.hasPrefix("YAML 格式错误（第 \(line) 行第 \(column) 列）："), "\(found.message)")
        #expect(found.message.contains(phrase), "\(found.message)")
        #expect(isChinese(found.message), "\(found.message)")
        #expect(found.description.hasPrefix("t.yaml:\(line): 错误: YAML 格式错误"))
    }

    @Test func unknownProblem_fallsBackToAChineseSentence_keepingTheOriginalInParentheses() {
        let message = YAMLProblemWording.sentence(
            problem: "found something new", at: .init(line: 7, column: 3),
            context: "while parsing a flow sequence", contextPlace: .init(line: 6, column: 10))
        #expect(message == "YAML 格式错误（第 7 行第 3 列）：此处的写法无法识别（在方括号 […] 写成的列表中），请检查这一行及上一行的缩进、冒号和引号"
            + "（该方括号 […] 写成的列表始于第 6 行第 10 列）（原文：while parsing a flow sequence，found something new）")
        let bare = YAMLProblemWording.sentence(problem: "odd", at: .init(line: 1, column: 1), context: nil, contextPlace: nil)
        #expect(bare == "YAML 格式错误（第 1 行第 1 列）：此处的写法无法识别，请检查这一行及上一行的缩进、冒号和引号（原文：odd）")
    }

    @Test func everyContextLibyamlNames_hasAChineseConstruct() {
        let contexts = [
            "while parsing a block mapping", "while parsing a flow mapping", "while parsing a flow sequence",
            "while parsing a block collection", "while parsing a block node", "while parsing a flow node", "while parsing a node",
            "while scanning a simple key", "while scanning a quoted scalar", "while parsing a quoted scalar",
            "while scanning a plain scalar", "while scanning a block scalar", "while scanning an anchor", "while scanning an alias",
            "while scanning a tag", "while parsing a tag", "while scanning a directive",
        ]
        for context in contexts { #expect(YAMLProblemWording.construct(context) != nil, "\(context)") }
        #expect(YAMLProblemWording.construct("while doing something else") == nil)
    }

    @Test func readerProblems_sayWhatToDoInChinese() {
        #expect(YAMLProblemWording.readerSentence(problem: "control characters are not allowed", offset: 4)
            == "文件含有不允许的控制字符（第 5 个字符处），请删除（常见于从别处复制的文字）")
        #expect(YAMLProblemWording.readerSentence(problem: "invalid leading UTF-8 octet", offset: nil).contains("UTF-8"))
        #expect(YAMLProblemWording.readerSentence(problem: "strange", offset: nil) == "无法读取文件（原文：strange）")
        // Through the loader: a control character in the text.
        let found = error("scheme:\n  id: a\u{07}b\n")
        #expect(found?.message.contains("控制字符") == true, "\(String(describing: found?.message))")
        #expect(found?.location.line == 2)
    }
}
