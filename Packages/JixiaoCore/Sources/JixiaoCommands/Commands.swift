import ArgumentParser
import Foundation
import JixiaoCore
import JixiaoSchemeFile
import JixiaoXLSX

/// The batch verbs of `jixiao`. The root package's executable mounts these next to `serve`.
public enum JixiaoCommands {
    public static let all: [ParsableCommand.Type] = [Validate.self, Score.self, AuditCommand.self, Explain.self, WhatIfCommand.self]
}

/// Loading with the CLI's error contract: one line per problem on stderr, exit status 2.
enum Load {
    static func scheme(_ path: String) throws -> CompiledScheme {
        let scheme: Scheme
        do {
            scheme = try SchemeFile.load(path: path)
        } catch {
            throw fail(error.description)
        }
        do {
            return try CompiledScheme(scheme)
        } catch {
            throw fail(error.description)
        }
    }

    /// Figures that break their rules (text where a number is needed, a judged score out of range …)
    /// are bad input: one located line each, exit status 2. `explain` passes them through to show why.
    static func report(scheme path: String, data dataPath: String, explain: Bool, rejectBadFigures: Bool = true) throws -> ScoreReport {
        let report = try scored(scheme: path, data: dataPath, explain: explain)
        guard rejectBadFigures else { return report }
        var lines: [String] = []
        for stage in report.stages {
            for result in stage.subjects {
                for (index, outcome) in result.outcomes.enumerated() {
                    guard case .failed(let why) = outcome, !report.indicators[index].isGroup else { continue }
                    let code = report.indicators[index].code
                    let location = result.subject.valueLocations[code] ?? result.subject.location ?? SourceLocation(file: dataPath, line: 1)
                    let line = "\(location): 错误: [\(code)] 考核对象 “\(result.subject.id)”（\(stage.stage)）：\(why)"
                    if !lines.contains(line) { lines.append(line) }
                }
            }
        }
        if !lines.isEmpty { throw fail(lines.joined(separator: "\n")) }
        return report
    }

    private static func scored(scheme path: String, data dataPath: String, explain: Bool) throws -> ScoreReport {
        let compiled = try scheme(path)
        let data: DataSet
        do {
            data = try DataFile.load(path: dataPath)
        } catch {
            throw fail(error.description)
        }
        do {
            return try Engine(compiled).score(data, explain: explain)
        } catch {
            throw fail(error.description)
        }
    }

    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        return ExitCode(2)
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "校验方案文件：结构、引用、循环、档位、封顶、分值合计。")

    @Argument(help: "方案文件（YAML）") var scheme: String

    func run() throws {
        let scheme: Scheme
        do {
            scheme = try SchemeFile.load(path: self.scheme)
        } catch {
            throw Load.fail(error.description)
        }
        let problems = SchemeChecks.check(scheme)
        let errors = problems.filter { $0.severity == .error }
        for problem in problems { print(problem.description) }
        if !errors.isEmpty { throw Load.fail("方案 \(scheme.id) 未通过校验：\(errors.count) 个错误，\(problems.count - errors.count) 条警告") }
        let leaves = scheme.allIndicators.filter { !$0.isGroup }.count
        print("方案 \(scheme.id)「\(scheme.name)」通过校验：\(scheme.allIndicators.count) 个指标（\(leaves) 个末级），\(problems.count) 条警告")
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json, xlsx
}

struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "按方案为数据文件中的每个考核对象计分，输出得分表。")

    @Argument(help: "方案文件（YAML）") var scheme: String
    @Argument(help: "数据文件（YAML）") var data: String
    @Option(help: "输出格式：table | csv | json | xlsx") var format: OutputFormat = .table
    @Option(name: .shortAndLong, help: "输出文件（xlsx 必填；其他格式默认输出到屏幕）") var output: String?
    @Option(help: "只输出这个考核对象（id）") var subject: String?

    func run() throws {
        let report = try Load.report(scheme: scheme, data: data, explain: true)
        if let subject, !report.data.subjects.contains(where: { $0.id == subject }) {
            throw Load.fail("数据文件中没有考核对象 “\(subject)”")
        }
        let sheets = ReportSheets.build(report, subjectFilter: subject)
        let text: String
        switch format {
        case .table:
            let scheme = report.scheme.scheme
            let title = "\(scheme.name)（\(scheme.id) 第 \(scheme.version) 版）· \(report.data.period)"
            text = ([title] + sheets.map { Render.text($0, title: "\n【\($0.name)】") }).joined(separator: "\n") + "\n"
        case .csv: text = Render.csv(sheets)
        case .json: text = Render.json(report, audit: Audit.examine(report)) + "\n"
        case .xlsx:
            guard let output else { throw Load.fail("xlsx 格式需要 --output 文件名") }
            let audit = Audit.examine(report)
            var all = sheets
            if !audit.items.isEmpty { all.append(ReportSheets.auditSheet(audit.items, multiStage: report.stages.count > 1)) }
            if !audit.unchecked.isEmpty { all.append(ReportSheets.uncheckedSheet(audit.unchecked, multiStage: report.stages.count > 1)) }
            do {
                try Workbook(sheets: all).write(to: output)
            } catch {
                throw Load.fail("无法写入 \(output)：\(error)")
            }
            print("已写入 \(output)（\(all.count) 个工作表）")
            return
        }
        if let output {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output))
            } catch {
                throw Load.fail("无法写入 \(output)：\(error.localizedDescription)")
            }
        } else {
            print(text, terminator: "")
        }
    }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "重算数据文件中印刷的每个得分、合计、扣分、得分率、等级和资金数字，列出不一致之处。",
        discussion: """
            印刷数字与重算结果按印刷的小数位数比较：先按方案的舍入方式把重算结果舍入到印刷的位数，相等才算一致
            （印刷 4.26、重算 4.265 → 4.27，不一致；印刷 1.8、重算 1.83，一致）。方案可用 audit: {tolerance: 0.01} 放宽。
            最后一行统计印刷数字的格数：核对、一致、不一致，以及无法核对的格数和原因。
            """)

    @Argument(help: "方案文件（YAML）") var scheme: String
    @Argument(help: "数据文件（YAML）") var data: String
    @Option(help: "输出格式：table | csv | json") var format: OutputFormat = .table
    @Flag(help: "列出全部核对项和无法核对的印刷数字（默认只列不一致的）") var all = false

    func run() throws {
        let report = try Load.report(scheme: scheme, data: data, explain: true)
        let audit = Audit.examine(report)
        switch format {
        case .json: print(Render.auditJSON(audit, all: all))
        case .table, .csv, .xlsx:
            let multiStage = report.stages.count > 1
            let shown = all ? audit.items : audit.items.filter { !$0.agrees }
            var sheets: [Sheet] = []
            if !shown.isEmpty { sheets.append(ReportSheets.auditSheet(shown, multiStage: multiStage)) }
            if all, !audit.unchecked.isEmpty { sheets.append(ReportSheets.uncheckedSheet(audit.unchecked, multiStage: multiStage)) }
            for sheet in sheets { print(format == .csv ? Render.csv([sheet]) : Render.text(sheet) + "\n") }
            print(audit.summary)
        }
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "说明一个考核对象的得分由来：输入、适用的规则分支、算式、上下限、舍入和等级。",
        discussion: "方案按考核对象加权合成综合得分时（如 001），考核对象写“综合”可说明综合得分的由来。")

    @Argument(help: "方案文件（YAML）") var scheme: String
    @Argument(help: "数据文件（YAML）") var data: String
    @Argument(help: "考核对象 id，或“综合”") var subject: String
    @Argument(help: "指标代码（省略则说明全部指标）") var indicator: String?

    func run() throws {
        let report = try Load.report(scheme: scheme, data: data, explain: true, rejectBadFigures: false)
        let subjectIndex = report.data.subjects.firstIndex(where: { $0.id == subject })
        let isComposite = subjectIndex == nil && ExplainText.compositeNames.contains(subject) && report.finalStage.composite != nil
        guard subjectIndex != nil || isComposite else {
            let known = report.data.subjects.prefix(10).map(\.id) + (report.finalStage.composite != nil ? ["综合"] : [])
            throw Load.fail("数据文件中没有考核对象 “\(subject)”（有：\(known.joined(separator: "、"))\(report.data.subjects.count > 10 ? "…" : "")）")
        }
        var only: Int?
        if let indicator {
            guard let index = report.scheme.index(of: indicator) else { throw Load.fail("方案中没有指标 “\(indicator)”") }
            only = index
        }
        for stage in report.stages.indices {
            if report.stages.count > 1 { print("══ \(report.stages[stage].stage) ══") }
            let lines = subjectIndex.map { ExplainText.subject(report, stage: stage, subject: $0, indicator: only) }
                ?? ExplainText.composite(report, stage: stage, indicator: only)
            for line in lines { print(line) }
        }
    }
}
