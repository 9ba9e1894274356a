import Foundation
import JixiaoCore
import JixiaoXLSX
import Plot

/// 绩效评价报告 as seed 001 prints it: basic facts and goals (stored text), the conclusion with the composite and
/// grade, table 2-1 (groups × subjects, composite, 得分率), the indicator analysis per group with the findings'
/// drafted lines, problems and suggestions, and the 附件 打分表. The same page is printed to PDF by the server.
struct EvaluationReport {
    let loaded: EvaluationStore.Loaded
    /// Shown on the page (not in the PDF): whether the server can make a PDF.
    let pdfNote: String?

    var result: EvaluationResult { loaded.result }
    var title: String {
        let title = loaded.evaluation.title
        if title.hasSuffix("报告") { return title }
        return title.hasSuffix("绩效评价") ? title + "报告" : title + "绩效评价报告"
    }
    /// What the conclusion names: the evaluation's title without "绩效评价" (…项目综合评价得分为 74.87 分).
    var subject: String {
        let title = loaded.evaluation.title
        return title.hasSuffix("绩效评价") ? String(title.dropLast(4)) : title
    }

    static let stylesheet = """
        .report{max-width:60em;margin:0 auto;line-height:1.7}.report h1{text-align:center;font-size:1.5em}.report h2{font-size:1.2em;margin-top:1.4em}
        .report p.text{text-indent:2em;white-space:pre-wrap;margin:.3em 0}.report table{font-size:.9em}.report .caption{text-align:center;font-weight:bold}
        .report td.group{font-weight:bold}.report .differs{color:#b00}
        @media print{.report{max-width:none}.report table{page-break-inside:auto}.report tr{page-break-inside:avoid}}
        """

    func document(context: PageContext?, forPrint: Bool) -> HTML {
        let id = loaded.id
        let sections = loaded.sections
        let names = loaded.names
        let drafted = Dictionary(loaded.drafted.map { ($0.code, $0.text) }, uniquingKeysWith: { a, _ in a })
        let groups = result.groups
        let chinese = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
        return Page.document(title: title, context: context,
            .element(named: "style", text: Self.stylesheet),
            .div(.class("report"), .id("report"),
                .if(!forPrint, .p(.class("noprint"),
                    .a(.href(SiteURL.evaluation(id)), .text("返回打分表")), .text(" · "),
                    .a(.href(SiteURL.evaluationReport(id)), .escaped("data-action", "print"), .text("打印")), .text(" · "),
                    .a(.href(SiteURL.evaluationReportPDF(id)), .id("pdf-link"), .text("下载 PDF")), .text(" · "),
                    .a(.href(SiteURL.evaluationWorkbook(id)), .text("打分表 xlsx")))),
                .unwrap(forPrint ? nil : pdfNote) { .p(.class("warn noprint"), .id("pdf-note"), .text($0)) },
                .h1(.text(title)),
                .h2(.text("一、基本情况")),
                .h3(.text("（一）项目概况")), text(sections["basic"]),
                .h3(.text("（二）项目绩效目标")), text(sections["goals"]),
                .h2(.text("二、综合评价结论")),
                text(sections["conclusion"]),
                .p(.class("text"), .id("conclusion"),
                   .text("\(subject)综合评价得分为\(result.totalText)分，评价等级为“\(result.grade ?? "—")”。"),
                   .unwrap(result.printed?.total) { printed in
                       .span(.escaped("class", result.totalDiffers || result.gradeDiffers ? "differs" : "muted"),
                             .text("（报告印 \(printed) 分" + (result.printed?.grade.map { "、“\($0)”" } ?? "") + "）"))
                   }),
                .p(.class("caption"), .text("表 2-1 指标评分表")),
                .table(.id("table-2-1"),
                    .tr(.th(.text("一级指标")), .th(.text("分值")), .forEach(result.columns) { .th(.text("\($0.unitName)得分")) },
                        .th(.text("项目加权综合得分")), .th(.text("得分率"))),
                    .forEach(groups) { line in
                        .tr(.td(.text(line.indicator.name)), .td(.class("num"), .text(line.indicator.max.formatted())),
                            .forEach(Array(result.columns.indices)) { column in .td(.class("num"), .text(EvaluationText.score(line.cells[column]))) },
                            .td(.class("num"), .text(EvaluationText.score(line.composite)),
                                .unwrap(line.printedComposite) { .span(.escaped("class", line.compositeDiffers ? "differs" : "muted"), .text("（印 \($0)）")) }),
                            .td(.class("num"), .text(EvaluationText.rate(line.rate))))
                    },
                    .tr(.td(.text("总分")), .td(.class("num"), .text(result.totalMax.formatted())),
                        .forEach(Array(result.columns.indices)) { column in .td(.class("num"), .text(EvaluationText.score(result.subjects[column].total))) },
                        .td(.class("num"), .id("table-total"), .text(result.totalText),
                            .unwrap(result.printed?.total) { .span(.escaped("class", result.totalDiffers ? "differs" : "muted"), .text("（印 \($0)）")) }),
                        .td(.class("num"), .text(EvaluationText.rate(result.totalRate))))),
                .h2(.text("三、绩效评价指标分析")),
                .forEach(Array(groups.enumerated())) { number, group in
                    .div(.class("analysis"),
                        .h3(.text("（\(chinese[min(number, chinese.count - 1)])）\(group.indicator.name)情况")),
                        .p(.class("text"), .text("\(group.indicator.name)指标分值 \(group.indicator.max.formatted()) 分，评价得分 \(EvaluationText.score(group.composite)) 分。")),
                        .ol(.forEach(children(of: group)) { line in
                            .li(.text("\(line.indicator.name)指标分值 \(line.indicator.max.formatted()) 分，评价得分 \(EvaluationText.score(line.composite)) 分。"),
                                .forEach(([line] + descendants(of: line)).compactMap { drafted[$0.indicator.code] }) { .div(.class("finding"), .text($0)) })
                        }))
                },
                .h2(.text("四、存在的问题及建议")),
                .h3(.text("（一）存在的问题")), text(sections["problems"]),
                .h3(.text("（二）有关建议")), text(sections["suggestions"]),
                .h2(.text("附件：绩效评价指标体系打分表")),
                .table(.id("score-table"),
                    .tr(.th(.text("指标")), .th(.text("分值")), .forEach(result.columns) { .th(.text($0.unitName)) },
                        .th(.text("综合得分")), .th(.text("扣分"))),
                    .forEach(result.lines) { line in
                        .tr(.td(.escaped("class", line.isLeaf ? "" : "group"), .escaped("style", "padding-left:\(0.4 + Double(line.depth) * 1.2)em"),
                                .text("\(line.indicator.code) \(line.indicator.name)"),
                                .unwrap(EvaluationText.renormalised(line, names)) { .div(.class("muted"), .text($0)) }),
                            .td(.class("num"), .text(line.indicator.max.formatted())),
                            .forEach(Array(result.columns.indices)) { column in
                                .td(.class("num"), .text(line.cells[column] == .notApplicable ? "" : EvaluationText.score(line.cells[column])))
                            },
                            .td(.class("num"), .text(EvaluationText.score(line.composite))),
                            .td(.class("num"), .text(EvaluationText.exact(line.deduction))))
                    },
                    .tr(.td(.text("合计")), .td(.class("num"), .text(result.totalMax.formatted())),
                        .forEach(Array(result.columns.indices)) { column in .td(.class("num"), .text(EvaluationText.score(result.subjects[column].total))) },
                        .td(.class("num"), .text(result.totalText)), .td(.class("num"), .text(EvaluationText.exact(result.totalDeduction))))),
                .p(.class("muted"), .text("权重：" + result.columns.map { "\($0.unitName) \(EvaluationText.share($0.share))" }.joined(separator: "、")
                                          + "；综合得分按指标逐项加权后汇总，不适用的考核对象不计并重新归一权重。"))
            )
        )
    }

    private func text(_ section: String?) -> Node<HTML.BodyContext> {
        guard let section, !section.isEmpty else { return .p(.class("muted"), .text("（尚未填写）")) }
        return .group(section.split(separator: "\n", omittingEmptySubsequences: true).map { .p(.class("text"), .text(String($0))) })
    }

    private func children(of group: EvaluationResult.Line) -> [EvaluationResult.Line] {
        result.lines.filter { line in group.indicator.children.contains { $0.code == line.indicator.code } }
    }

    private func descendants(of line: EvaluationResult.Line) -> [EvaluationResult.Line] {
        let codes = Set(line.indicator.flattened.dropFirst().map(\.code))
        return result.lines.filter { codes.contains($0.indicator.code) }
    }

    /// The 打分表 as xlsx: every score a number cell, not applicable cells empty, 得分率 a number (a fraction).
    var workbook: Workbook {
        var rows: [[Cell]] = [[.text(title + " · 附件 打分表")]]
        rows.append([.text("代码"), .text("指标"), .text("分值")] + result.columns.map { .text($0.unitName) }
                    + [.text("综合得分"), .text("扣分"), .text("得分率")])
        func number(_ outcome: Outcome) -> Cell {
            switch outcome {
            case .scored(let score): return .number(score.formatted())
            case .notApplicable: return .empty
            default: return .text(outcome.statusText)
            }
        }
        for line in result.lines {
            rows.append([.text(line.indicator.code), .text(line.indicator.name), .number(line.indicator.max.formatted())]
                        + line.cells.map(number)
                        + [number(line.composite), line.deduction.map { .number($0.formatted()) } ?? .empty,
                           line.rate.map { .number($0.formatted(places: 4)) } ?? .empty])
        }
        rows.append([.text(""), .text("合计"), .number(result.totalMax.formatted())] + result.subjects.map { number($0.total) }
                    + [number(result.total), result.totalDeduction.map { .number($0.formatted()) } ?? .empty,
                       result.totalRate.map { .number($0.formatted(places: 4)) } ?? .empty])
        rows.append([.text(""), .text("等级"), .empty] + result.columns.map { _ in Cell.empty } + [.text(result.grade ?? "")])
        rows.append([.text(""), .text("权重"), .empty] + result.columns.map { column in column.share.map { .number($0.formatted(places: 4)) } ?? .empty })
        return Workbook(sheets: [Sheet(name: "打分表", rows: rows)])
    }
}

/// Prints a report page to PDF with headless Chromium (Debian's `chromium`), run as a subprocess with a timeout
/// on a file the server rendered (Chromium never calls back into the app, so no session is involved).
enum ReportPrinter {
    static let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/lib/chromium/chromium"]
    static let timeout: TimeInterval = 60

    static var executable: String? {
        if let configured = ProcessInfo.processInfo.environment["JIXIAO_CHROMIUM"], !configured.isEmpty {
            return FileManager.default.isExecutableFile(atPath: configured) ? configured : nil
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let absentNote = "服务器未安装 Chromium（Debian 软件包 chromium），无法在服务器上生成 PDF；可用浏览器的“打印”另存为 PDF，本页即为打印版式。"

    /// Lets the timeout reach the subprocess (Foundation's Process is not declared Sendable).
    final class RunningProcess: @unchecked Sendable {
        let process: Process
        init(process: Process) { self.process = process }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// At most this many Chromium processes print at once on one app server (each takes a few hundred MiB):
    /// a burst of PDF requests is refused, saying so, rather than exhausting the machine.
    static let concurrentLimit = 2
    static let printing = PrintSlots(limit: concurrentLimit)

    actor PrintSlots {
        let limit: Int
        private var busy = 0
        init(limit: Int) { self.limit = limit }
        func take() -> Bool {
            guard busy < limit else { return false }
            busy += 1
            return true
        }
        func give() { busy -= 1 }
    }

    /// The PDF of `html`, or why not.
    static func pdf(html: String) async throws -> Data {
        guard let chromium = executable else { throw Failure(description: absentNote) }
        guard await printing.take() else {
            throw Failure(description: "服务器正在生成其他 PDF（同时最多 \(concurrentLimit) 份），请稍后再试，或用浏览器的“打印”另存为 PDF")
        }
        do {
            let data = try await printPDF(html, with: chromium)
            await printing.give()
            return data
        } catch {
            await printing.give()
            throw error
        }
    }

    private static func printPDF(_ html: String, with chromium: String) async throws -> Data {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jixiao-pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = directory.appendingPathComponent("report.html")
        let output = directory.appendingPathComponent("report.pdf")
        try Data(html.utf8).write(to: page)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--user-data-dir=\(directory.appendingPathComponent("profile").path)",
                             "--no-pdf-header-footer", "--print-to-pdf=\(output.path)", page.absoluteString]
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory.path
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: Failure(description: "无法启动 Chromium：\(error)"))
                return
            }
            let running = RunningProcess(process: process)
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                if running.process.isRunning { running.process.terminate() }
            }
        }
        guard status == 0, let data = try? Data(contentsOf: output), data.starts(with: Array("%PDF".utf8)) else {
            throw Failure(description: "Chromium 未能生成 PDF（退出码 \(status)）；可用浏览器的“打印”另存为 PDF")
        }
        return data
    }
}
