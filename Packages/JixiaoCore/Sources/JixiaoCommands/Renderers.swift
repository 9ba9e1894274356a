import JixiaoCore
import JixiaoXLSX

/// Text, CSV and JSON renderings. The JSON shape is a stable contract for scripts.
enum Render {
    /// Columns aligned by terminal width (CJK = 2 columns); numbers right-aligned.
    static func text(_ sheet: Sheet, title: String? = nil) -> String {
        let columnCount = sheet.rows.map(\.count).max() ?? 0
        var widths = Array(repeating: 0, count: columnCount)
        // The last column (说明) is free text: not padded, not counted.
        // Rows of one cell are notes (weights, remarks): printed as they are, not counted.
        for row in sheet.rows where row.count > 1 {
            for (column, cell) in row.enumerated() where column < columnCount - 1 {
                widths[column] = max(widths[column], cell.text.displayWidth)
            }
        }
        var lines: [String] = []
        if let title { lines.append(title) }
        for (rowIndex, row) in sheet.rows.enumerated() {
            if row.count == 1 {
                lines.append(row[0].text)
                continue
            }
            var line = ""
            for (column, cell) in row.enumerated() {
                let text = cell.text
                let pad = String(repeating: " ", count: max(0, widths[column] - text.displayWidth))
                if column == columnCount - 1 {
                    line += text
                } else if case .number = cell {
                    line += pad + text + "  "
                } else {
                    line += text + pad + "  "
                }
            }
            lines.append(line.trimmingTrailingSpaces())
            if rowIndex == 0 {
                lines.append(String(repeating: "─", count: min(160, widths.reduce(0, +) + 2 * columnCount)))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func csv(_ sheets: [Sheet]) -> String {
        var out = ""
        for (index, sheet) in sheets.enumerated() {
            if sheets.count > 1 {
                if index > 0 { out += "\n" }
                out += csvField("# \(sheet.name)") + "\n"
            }
            for row in sheet.rows { out += row.map { csvField($0.text) }.joined(separator: ",") + "\n" }
        }
        return out
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingAll("\"", with: "\"\"") + "\""
    }

    // MARK: JSON

    static func json(_ report: ScoreReport, audit: AuditResult) -> String {
        let scheme = report.scheme.scheme
        let indicators = report.indicators
        let depths = report.depths
        let final = report.finalStage
        var subjects: [JSON] = []
        for (subjectIndex, result) in final.subjects.enumerated() {
            var rows: [JSON] = []
            for (index, indicator) in indicators.enumerated() {
                var fields: [(String, JSON)] = [
                    ("code", .string(indicator.code)), ("name", .string(indicator.name)), ("level", .int(depths[index] + 1)),
                    ("kind", .string(indicator.kind.rawValue)),
                    ("max", .number(result.maxima[index])), ("score", outcomeJSON(result.outcomes[index])),
                    ("status", .string(status(result.outcomes[index]))),
                ]
                if case .missing(let why) = result.outcomes[index] { fields.append(("reason", .string(why))) }
                if case .failed(let why) = result.outcomes[index] { fields.append(("error", .string(why))) }
                if let score = result.outcomes[index].score, indicator.kind == .regular {
                    fields.append(("deduction", .number((result.maxima[index] - score).fixed)))
                }
                if let printed = result.subject.printed.scores[indicator.code] {
                    fields.append(("printed", .number(printed.value)))
                    fields.append(("agrees", .bool(Audit.agrees(printed, result.outcomes[index], in: scheme))))
                }
                if report.stages.count > 1 {
                    fields.append(("stages", .object(report.stages.map { ($0.stage, outcomeJSON($0.subjects[subjectIndex].outcomes[index])) })))
                }
                if let ranking = result.rankings[index] {
                    fields.append(("rank", .int(ranking.rank)))
                    fields.append(("rank_of", .int(ranking.count)))
                    fields.append(("coefficient", .number(ranking.coefficient.fixed)))
                }
                if let text = DeductionText.draft(result, index: index, indicator: indicator) { fields.append(("deduction_text", .string(text))) }
                rows.append(.object(fields))
            }
            var fields: [(String, JSON)] = [
                ("subject", .string(result.subject.id)), ("name", .string(result.subject.name)),
                ("total", outcomeJSON(result.total)), ("max", .number(result.totalMax)),
                ("grade", result.grade.map(JSON.string) ?? .null), ("rank", result.rank.map(JSON.int) ?? .null),
            ]
            if let parent = result.subject.parent { fields.append(("parent", .string(parent))) }
            if let composite = result.composite { fields.append(("composite", .number(composite))) }
            if let printed = result.subject.printed.total {
                fields.append(("printed_total", .number(printed.value)))
                fields.append(("total_agrees", .bool(Audit.agrees(printed, result.total, in: scheme))))
            }
            if report.stages.count > 1 {
                fields.append(("stages", .object(report.stages.map { stage in
                    let r = stage.subjects[subjectIndex]
                    return (stage.stage, .object([("total", outcomeJSON(r.total)), ("grade", r.grade.map(JSON.string) ?? .null), ("rank", r.rank.map(JSON.int) ?? .null)]))
                })))
            }
            if !result.warnings.isEmpty { fields.append(("warnings", .array(result.warnings.map(JSON.string)))) }
            fields.append(("indicators", .array(rows)))
            subjects.append(.object(fields))
        }
        var top: [(String, JSON)] = [
            ("scheme", .object([("id", .string(report.scheme.scheme.id)), ("name", .string(report.scheme.scheme.name)),
                                ("version", .int(report.scheme.scheme.version))])),
            ("period", .string(report.data.period)),
            ("stages", .array(report.stages.map { .string($0.stage) })),
            ("subjects", .array(subjects)),
        ]
        if let composite = final.composite {
            let printed = report.data.compositePrinted
            let rows: [JSON] = indicators.enumerated().map { index, indicator in
                var fields: [(String, JSON)] = [("code", .string(indicator.code)), ("name", .string(indicator.name)),
                                                ("max", .number(indicator.max)), ("score", outcomeJSON(composite.outcomes[index]))]
                if let value = printed.scores[indicator.code] {
                    fields.append(("printed", .number(value.value)))
                    fields.append(("agrees", .bool(Audit.agrees(value, composite.outcomes[index], in: scheme))))
                }
                return .object(fields)
            }
            var fields: [(String, JSON)] = [
                ("total", outcomeJSON(composite.total)), ("grade", composite.grade.map(JSON.string) ?? .null),
                ("weights", .object(composite.weights.map { ($0.subject, .number($0.weight)) })),
            ]
            if let value = printed.total {
                fields.append(("printed_total", .number(value.value)))
                fields.append(("total_agrees", .bool(Audit.agrees(value, composite.total, in: scheme))))
            }
            if let grade = printed.grade { fields.append(("printed_grade", .string(grade))) }
            fields.append(("indicators", .array(rows)))
            top.append(("composite", .object(fields)))
        }
        top.append(("audit", summaryJSON(audit)))
        return JSON.object(top).serialized
    }

    static func summaryJSON(_ audit: AuditResult) -> JSON {
        .object([
            ("printed", .int(audit.printedCells)), ("checked", .int(audit.items.count)), ("agreeing", .int(audit.agreeing)),
            ("disagreements", .int(audit.disagreeing)), ("not_checkable", .int(audit.uncheckedCells)),
        ])
    }

    /// `jixiao audit --format json`: the checked cells (all, or the disagreeing ones), the cells that could not be
    /// checked with why, and the counts.
    static func auditJSON(_ audit: AuditResult, all: Bool) -> String {
        let items = all ? audit.items : audit.items.filter { !$0.agrees }
        return JSON.object([
            ("items", .array(items.map { item in
                .object([
                    ("kind", .string(item.kind.rawValue)), ("subject", .string(item.subject)), ("stage", .string(item.stage)),
                    ("code", item.code.map(JSON.string) ?? .null), ("name", .string(item.name)), ("printed", .string(item.printed)),
                    ("computed", .string(item.computed)), ("agrees", .bool(item.agrees)), ("note", .string(item.note)),
                ])
            })),
            ("not_checkable", .array(audit.unchecked.map { cell in
                .object([
                    ("subject", .string(cell.subject)), ("stage", .string(cell.stage)), ("code", cell.code.map(JSON.string) ?? .null),
                    ("name", .string(cell.name)), ("printed", .string(cell.printed)), ("cells", .int(cell.cells)), ("why", .string(cell.why)),
                ])
            })),
            ("summary", summaryJSON(audit)),
        ]).serialized
    }

    static func outcomeJSON(_ outcome: Outcome) -> JSON {
        outcome.score.map { JSON.number($0.rounded(places: 2).fixed) } ?? .null
    }

    static func status(_ outcome: Outcome) -> String {
        switch outcome {
        case .scored: return "scored"
        case .notApplicable: return "not_applicable"
        case .missing: return "missing"
        case .failed: return "error"
        }
    }
}

/// A tiny JSON writer that prints decimals exactly as `Fixed` holds them.
indirect enum JSON {
    case string(String)
    case number(Fixed)
    case int(Int)
    case bool(Bool)
    case null
    case array([JSON])
    case object([(String, JSON)])

    var serialized: String {
        var out = ""
        write(into: &out, indent: 0)
        return out
    }

    func write(into out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1)
        let close = String(repeating: "  ", count: indent)
        switch self {
        case .string(let text): out += JSON.quote(text)
        // 溢出 is not a JSON number; it is written as a string so the document still parses.
        case .number(let value): out += value.isOverflow ? JSON.quote(value.description) : value.description
        case .int(let value): out += String(value)
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += pad
                item.write(into: &out, indent: indent + 1)
                out += index < items.count - 1 ? ",\n" : "\n"
            }
            out += close + "]"
        case .object(let fields):
            if fields.isEmpty { out += "{}"; return }
            out += "{\n"
            for (index, (key, value)) in fields.enumerated() {
                out += pad + JSON.quote(key) + ": "
                value.write(into: &out, indent: indent + 1)
                out += index < fields.count - 1 ? ",\n" : "\n"
            }
            out += close + "}"
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }

    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }
}
