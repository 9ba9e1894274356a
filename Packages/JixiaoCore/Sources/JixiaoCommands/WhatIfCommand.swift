import ArgumentParser
import Foundation
import JixiaoCore
import JixiaoXLSX

/// `jixiao whatif`: how far each grade above is, where the cheapest points are, and the fewest changes that reach
/// the target grade; every gain measured by re-scoring.
struct WhatIfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whatif",
        abstract: "差多少到更高等级、哪里的分最容易拿：逐项列出规则的断点、所需的数字和加分（均按改动后的数据重新计分），并给出达到目标等级的最少改动。",
        discussion: """
            考核对象写 id；方案按考核对象加权合成综合得分时（如 001），写“综合”分析综合得分。
            --target 省略时以高一级的等级为目标。--stage 写评分阶段的名称或序号（1 起），省略时为最后一个阶段。
            排名类指标假定其他考核对象的数值不变；不写入任何数据。
            """)

    @Argument(help: "方案文件（YAML）") var scheme: String
    @Argument(help: "数据文件（YAML）") var data: String
    @Argument(help: "考核对象 id，或“综合”") var subject: String
    @Option(help: "目标等级（如 良、一等）") var target: String?
    @Option(help: "评分阶段：名称或序号（1 起）；默认最后一个阶段") var stage: String?
    @Option(help: "输出格式：table | json") var format: WhatIfFormat = .table

    func run() throws {
        let report = try Load.report(scheme: scheme, data: data, explain: false)
        let subjectIndex: Int
        if let index = report.data.subjects.firstIndex(where: { $0.id == subject }) {
            subjectIndex = index
        } else if ExplainText.compositeNames.contains(subject), report.finalStage.composite != nil {
            subjectIndex = WhatIf.composite
        } else {
            let known = report.data.subjects.prefix(10).map(\.id) + (report.finalStage.composite != nil ? ["综合"] : [])
            throw Load.fail("数据文件中没有考核对象 “\(subject)”（有：\(known.joined(separator: "、"))\(report.data.subjects.count > 10 ? "…" : "")）")
        }
        var stageIndex = report.stages.count - 1
        if let stage {
            if let named = report.stages.firstIndex(where: { $0.stage == stage }) {
                stageIndex = named
            } else if let number = Int(stage), report.stages.indices.contains(number - 1) {
                stageIndex = number - 1
            } else {
                throw Load.fail("没有评分阶段 “\(stage)”（有：\(report.stages.map(\.stage).joined(separator: "、"))）")
            }
        }
        let analysis = WhatIf.analyse(report, stage: stageIndex, subject: subjectIndex, target: target)
        if !analysis.problems.isEmpty { throw Load.fail(analysis.problems.joined(separator: "\n")) }
        switch format {
        case .table: print(WhatIfText.table(analysis, report: report))
        case .json: print(WhatIfText.json(analysis).serialized)
        }
    }
}

enum WhatIfFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// The readable table and the JSON of a what-if analysis.
enum WhatIfText {
    static func table(_ analysis: WhatIfAnalysis, report: ScoreReport) -> String {
        let scheme = report.scheme.scheme
        let places = scheme.rounding.places
        var lines = ["\(scheme.name)（\(scheme.id)）· \(report.data.period) · \(analysis.subjectName) · \(analysis.stage)"]
        lines.append("现状：\(analysis.standing.text)")
        lines.append("")
        lines.append("【距离更高等级】")
        if analysis.distances.isEmpty { lines.append("已是最高等级") }
        for distance in analysis.distances { lines.append("  \(distance.text)") }

        let changeable = analysis.opportunities.filter { $0.cheapest != nil }
        let stuck = analysis.opportunities.filter { $0.cheapest == nil && $0.changeable }
        let fixed = analysis.opportunities.filter { !$0.changeable }
        let composite = analysis.subject == "综合"
        lines.append("")
        lines.append("【可得分之处】（性价比从高到低；加分为总分的实际变化" + (composite ? "，按综合得分计" : "") + "）")
        var header: [Cell] = [.text("代码"), .text("指标")]
        if composite { header.append(.text("考核对象")) }
        header += [.text("得分"), .text("分值"), .text("可得"), .text("最省的一步")]
        var rows: [[Cell]] = [header]
        for item in changeable {
            var row: [Cell] = [.text(item.code), .text(item.name)]
            if composite { row.append(.text(item.subjectName)) }
            row.append(.number(item.score.formatted(places: places)))
            row.append(.number(item.max.description))
            row.append(.number(item.open?.formatted(places: places) ?? "不封顶"))
            row.append(.text(item.cheapest?.text ?? ""))
            rows.append(row)
        }
        if changeable.isEmpty { lines.append("  没有能由填报数字加分的指标") } else { lines.append(Render.text(Sheet(name: "whatif", rows: rows))) }
        lines.append("")
        lines.append("【各指标的断点】")
        for item in changeable {
            let more = item.breakpoints > item.steps.count ? "（共 \(item.breakpoints) 个断点，列出 \(item.steps.count) 个）" : ""
            lines.append("  \(item.code) \(item.name)" + (composite ? "（\(item.subjectName)）" : "") + "：\(item.score.formatted(places: places)) / \(item.max)\(more)")
            for step in item.steps { lines.append("    · \(step.text)") }
        }
        if !stuck.isEmpty {
            lines.append("")
            lines.append("【有空间但找不到加分改动】")
            for item in stuck {
                lines.append("  \(item.code) \(item.name)" + (composite ? "（\(item.subjectName)）" : "") + "：\(item.why ?? "")")
            }
        }
        if !fixed.isEmpty {
            lines.append("")
            let open = fixed.compactMap(\.open).reduce(Exact.zero, +)
            lines.append("【不由填报数字决定】\(fixed.count) 项，尚有 \(open.formatted(places: places)) 分未得")
            for item in fixed {
                lines.append("  \(item.code) \(item.name)" + (composite ? "（\(item.subjectName)）" : "")
                    + " \(item.score.formatted(places: places)) / \(item.max)：\(item.why ?? "")")
            }
        }
        if let plan = analysis.plan {
            lines.append("")
            lines.append("【计划】")
            lines += plan.text.map { "  " + $0 }
        }
        lines.append("")
        lines.append("【假定】")
        lines += analysis.assumptions.map { "  · " + $0 }
        return lines.joined(separator: "\n")
    }

    static func exact(_ value: Exact?) -> JSON {
        guard let value else { return .null }
        return value.isDecimal ? .number(value.fixed) : .string(value.description)
    }

    static func value(_ value: Value?) -> JSON {
        guard let value else { return .null }
        switch value {
        case .number(let number): return .number(number)
        case .text(let text): return .string(text)
        case .bool(let bool): return .bool(bool)
        case .list(let items): return .array(items.map { Self.value($0) })
        case .notApplicable: return .string("n/a")
        }
    }

    static func standing(_ standing: WhatIfStanding) -> JSON {
        .object([("total", exact(standing.total)), ("score", exact(standing.score)), ("grade", standing.grade.map(JSON.string) ?? .null),
                 ("rank", standing.rank.map(JSON.int) ?? .null), ("ranked", .int(standing.ranked)), ("text", .string(standing.text))])
    }

    static func change(_ change: WhatIfChange) -> JSON {
        .object([("subject", .string(change.subject)), ("key", .string(change.key)), ("name", .string(change.name)),
                 ("from", value(change.from)), ("to", value(change.to)), ("text", .string(change.text))])
    }

    static func json(_ analysis: WhatIfAnalysis) -> JSON {
        let distances: [JSON] = analysis.distances.map { distance in
            var fields: [(String, JSON)] = [("grade", .string(distance.grade)), ("points_needed", exact(distance.pointsNeeded))]
            switch distance.basis {
            case .band(let min): fields.append(("band_min", .number(min)))
            case .threshold(let score, let inclusive): fields += [("threshold", .number(score)), ("inclusive", .bool(inclusive))]
            case .rankShare(let share, let line):
                fields.append(("share", .number(share)))
                fields.append(("line", line.map { line in
                    .object([("subject", .string(line.subject)), ("name", .string(line.name)), ("score", exact(line.score)),
                             ("place", .int(line.place)), ("quota", .int(line.quota)), ("base", .int(line.baseCount))])
                } ?? .null))
            }
            fields.append(("blocked_by", distance.blockedBy.map(JSON.string) ?? .null))
            fields.append(("text", .string(distance.text)))
            return .object(fields)
        }
        let opportunities: [JSON] = analysis.opportunities.map { item in
            .object([
                ("subject", .string(item.subject)), ("code", .string(item.code)), ("name", .string(item.name)),
                ("kind", .string(item.kind.rawValue)), ("rule", .string(item.rule)), ("score", exact(item.score)),
                ("max", .number(item.max)), ("open", exact(item.open)), ("changeable", .bool(item.changeable)),
                ("why", item.why.map(JSON.string) ?? .null), ("breakpoints", .int(item.breakpoints)),
                ("steps", .array(item.steps.map { step in
                    .object([
                        ("changes", .array(step.changes.map(change))), ("indicator_before", exact(step.indicatorBefore)),
                        ("indicator_after", exact(step.indicatorAfter)), ("rank_before", step.rankBefore.map(JSON.int) ?? .null),
                        ("rank_after", step.rankAfter.map(JSON.int) ?? .null), ("gain", exact(step.gain)),
                        ("indicator_gain", exact(step.indicatorGain)), ("relative_change", exact(step.relativeChange)),
                        ("grade_after", step.gradeAfter.map(JSON.string) ?? .null), ("text", .string(step.text)),
                    ])
                })),
            ])
        }
        var plan: JSON = .null
        if let p = analysis.plan {
            plan = .object([
                ("target", .string(p.target)), ("reachable", .bool(p.reachable)), ("method", .string(p.method.rawValue)),
                ("changes", .array(p.changes.map(change))), ("before", standing(p.before)), ("after", standing(p.after)),
                ("why", p.why.map(JSON.string) ?? .null), ("text", .array(p.text.map(JSON.string))),
            ])
        }
        return .object([
            ("subject", .string(analysis.subject)), ("name", .string(analysis.subjectName)), ("stage", .string(analysis.stage)),
            ("standing", standing(analysis.standing)), ("distances", .array(distances)), ("opportunities", .array(opportunities)),
            ("plan", plan), ("assumptions", .array(analysis.assumptions.map(JSON.string))),
        ])
    }
}
