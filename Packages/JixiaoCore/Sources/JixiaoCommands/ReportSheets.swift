import JixiaoCore
import JixiaoXLSX

/// Lays a score report out as the tables the documents print. One layout for every output:
/// the text table, CSV and xlsx all render these sheets (first row = header).
enum ReportSheets {
    static func build(_ report: ScoreReport, subjectFilter: String? = nil) -> [Sheet] {
        var sheets: [Sheet] = []
        let final = report.finalStage
        if final.composite != nil {
            sheets.append(compositeSheet(report))
        }
        if final.subjects.count > 1 && subjectFilter == nil {
            sheets.append(summarySheet(report))
        }
        for (index, result) in final.subjects.enumerated() where subjectFilter == nil || result.subject.id == subjectFilter {
            sheets.append(subjectSheet(report, subjectIndex: index))
        }
        return sheets
    }

    static func number(_ outcome: Outcome) -> Cell {
        switch outcome {
        case .scored(let score): return figure(score)
        default: return .text(outcome.statusText)
        }
    }

    /// A number cell, or the text 溢出 when the value (or its rounding) is out of range: a
    /// number cell holding text makes Excel call the whole file damaged.
    static func figure(_ value: Fixed) -> Cell { figure(Exact(value)) }

    static func figure(_ value: Exact) -> Cell {
        let text = value.formatted()
        return text == Fixed.overflow.description ? .text(text) : .number(text)
    }

    /// A printed figure as it was printed, at most to the two places the sheets show (an 8-place figure that
    /// cannot be rounded to two places is 溢出, as any figure is).
    static func printed(_ figure: PrintedFigure) -> Cell {
        let text = PrintedFigure(figure.value, places: min(figure.places, 2), isPercent: figure.isPercent).description
        return text == Fixed.overflow.description || figure.isPercent ? .text(text) : .number(text)
    }

    static func mark(_ agrees: Bool) -> Cell { .text(agrees ? "✓" : "✗") }

    static func indented(_ indicator: Indicator, depth: Int) -> String {
        String(repeating: "  ", count: depth) + indicator.name
    }

    static func summarySheet(_ report: ScoreReport) -> Sheet {
        let final = report.finalStage
        let roots = report.scheme.scheme.indicators
        let multiStage = report.stages.count > 1
        var header = ["排名", "考核对象"]
        header += multiStage ? report.stages.map(\.stage) : ["总分"]
        header += ["等级"] + roots.map { "\($0.name)(\($0.max))" }
        var rows: [[Cell]] = [header.map(Cell.text)]
        let order = final.subjects.indices.sorted {
            (final.subjects[$0].rank ?? Int.max, $0) < (final.subjects[$1].rank ?? Int.max, $1)
        }
        for index in order {
            let result = final.subjects[index]
            var row: [Cell] = [result.rank.map { .number(String($0)) } ?? .text("—"), .text(result.subject.name)]
            row += report.stages.map { number($0.subjects[index].total) }
            row.append(.text(result.grade ?? "—"))
            for root in roots {
                guard let rootIndex = report.scheme.index(of: root.code) else { continue }
                row.append(number(result.outcomes[rootIndex]))
            }
            rows.append(row)
        }
        return Sheet(name: "汇总", rows: rows)
    }

    static func subjectSheet(_ report: ScoreReport, subjectIndex: Int) -> Sheet {
        let depths = report.depths
        let final = report.finalStage
        let result = final.subjects[subjectIndex]
        let multiStage = report.stages.count > 1
        let scheme = report.scheme.scheme
        let hasPrinted = report.stages.contains { stage in
            let subject = stage.subjects[subjectIndex].subject
            return !subject.printed.isEmpty || !(subject.stages[stage.stage]?.printed.isEmpty ?? true)
        }
        var header = ["代码", "指标", "分值"]
        header += multiStage ? report.stages.map(\.stage) : ["得分"]
        header += ["扣分", "得分率"]
        if hasPrinted { header += ["印刷得分", "核对"] }
        header.append("说明")
        var rows: [[Cell]] = [header.map(Cell.text)]
        for (index, indicator) in report.indicators.enumerated() {
            var row: [Cell] = [.text(indicator.code), .text(indented(indicator, depth: depths[index])),
                               figure(result.maxima[index])]
            row += report.stages.map { number($0.subjects[subjectIndex].outcomes[index]) }
            // 扣分 by the item's kind (a deduction item's is what it took away); 得分率 for regular items only.
            row.append(result.pointsLost(at: index, kind: indicator.kind).map { figure($0) } ?? .empty)
            if let score = result.outcomes[index].score, indicator.kind == .regular, !result.maxima[index].isZero {
                row.append(.text((score.divided(by: Exact(result.maxima[index])) ?? .zero).formattedPercent()))
            } else {
                row.append(.empty)
            }
            if hasPrinted {
                if let value = result.subject.printed.scores[indicator.code] {
                    row += [printed(value), mark(Audit.agrees(value, result.outcomes[index], in: scheme))]
                } else {
                    row += [.empty, .empty]
                }
            }
            switch result.outcomes[index] {
            case .missing(let why), .failed(let why): row.append(.text(why))
            default:
                row.append(.text(indicator.isGroup ? "" : DeductionText.draft(result, index: index, indicator: indicator) ?? ""))
            }
            rows.append(row)
        }
        var totalRow: [Cell] = [.text(""), .text("总分"), figure(result.totalMax)]
        totalRow += report.stages.map { number($0.subjects[subjectIndex].total) }
        if let total = result.total.score {
            totalRow += [figure(result.totalMax - total),
                         .text((total.divided(by: Exact(result.totalMax)) ?? .zero).formattedPercent())]
        } else {
            totalRow += [.empty, .empty]
        }
        if hasPrinted {
            if let value = result.subject.printed.total {
                totalRow += [printed(value), mark(Audit.agrees(value, result.total, in: scheme))]
            } else {
                totalRow += [.empty, .empty]
            }
        }
        rows.append(totalRow)
        if let composite = result.composite {
            rows.append([.text(""), .text("综合得分"), .empty, figure(composite)])
        }
        var gradeRow: [Cell] = [.text(""), .text("等级"), .empty]
        gradeRow += report.stages.map { .text($0.subjects[subjectIndex].grade ?? "—") }
        if hasPrinted {
            gradeRow += [.empty, .empty, .text(result.subject.printed.grade ?? ""),
                         .text(result.subject.printed.grade.map { $0 == result.grade ? "✓" : "✗" } ?? "")]
        }
        rows.append(gradeRow)
        if let rank = result.rank {
            rows.append([.text(""), .text("名次"), .empty, .number(String(rank))])
        }
        return Sheet(name: result.subject.name, rows: rows)
    }

    /// Seed 001's layout: one column per subject, then the weighted composite, 扣分 and 得分率.
    static func compositeSheet(_ report: ScoreReport) -> Sheet {
        let depths = report.depths
        let final = report.finalStage
        guard let composite = final.composite else { return Sheet(name: "综合", rows: []) }
        let scheme = report.scheme.scheme
        let printedFigures = report.data.compositePrinted
        var header = ["代码", "指标", "分值"] + final.subjects.map(\.subject.name)
        header += ["综合得分", "扣分", "得分率"]
        if !printedFigures.isEmpty { header += ["印刷综合得分", "核对"] }
        var rows: [[Cell]] = [header.map(Cell.text)]
        for (index, indicator) in report.indicators.enumerated() {
            var row: [Cell] = [.text(indicator.code), .text(indented(indicator, depth: depths[index])), figure(indicator.max)]
            row += final.subjects.map { number($0.outcomes[index]) }
            row.append(number(composite.outcomes[index]))
            if let score = composite.outcomes[index].score {
                row += [figure(indicator.max - score),
                        .text((score.divided(by: Exact(indicator.max)) ?? .zero).formattedPercent())]
            } else {
                row += [.empty, .empty]
            }
            if !printedFigures.isEmpty {
                if let value = printedFigures.scores[indicator.code] {
                    row += [printed(value), mark(Audit.agrees(value, composite.outcomes[index], in: scheme))]
                } else {
                    row += [.empty, .empty]
                }
            }
            rows.append(row)
        }
        let total = report.scheme.scheme.total
        var totalRow: [Cell] = [.text(""), .text("总分"), figure(total)]
        totalRow += final.subjects.map { number($0.total) }
        totalRow.append(number(composite.total))
        if let score = composite.total.score {
            totalRow += [figure(total - score), .text((score.divided(by: Exact(total)) ?? .zero).formattedPercent())]
        } else {
            totalRow += [.empty, .empty]
        }
        if !printedFigures.isEmpty, let value = printedFigures.total {
            totalRow += [printed(value), mark(Audit.agrees(value, composite.total, in: scheme))]
        }
        rows.append(totalRow)
        var gradeRow: [Cell] = [.text(""), .text("等级"), .empty]
        gradeRow += final.subjects.map { .text($0.grade ?? "—") }
        gradeRow.append(.text(composite.grade ?? "—"))
        rows.append(gradeRow)
        let weights = composite.weights.map { "\($0.subject) \($0.weight)" }.joined(separator: "，")
        rows.append([.text("综合得分权重：\(weights)")])
        return Sheet(name: "综合", rows: rows)
    }

    static func auditSheet(_ items: [AuditItem], multiStage: Bool) -> Sheet {
        var header = ["核对", "考核对象"]
        if multiStage { header.append("阶段") }
        header += ["代码", "项目", "印刷", "重算", "说明"]
        var rows: [[Cell]] = [header.map(Cell.text)]
        for item in items {
            var row: [Cell] = [.text(item.agrees ? "✓" : "✗"), .text(item.subject)]
            if multiStage { row.append(.text(item.stage)) }
            row += [.text(item.code ?? ""), .text(item.name), .text(item.printed), .text(item.computed), .text(item.note)]
            rows.append(row)
        }
        return Sheet(name: "核对", rows: rows)
    }

    /// The printed cells the audit could not check, and why.
    static func uncheckedSheet(_ cells: [UncheckedCell], multiStage: Bool) -> Sheet {
        var header = ["无法核对", "考核对象"]
        if multiStage { header.append("阶段") }
        header += ["代码", "项目", "印刷", "格数", "原因"]
        var rows: [[Cell]] = [header.map(Cell.text)]
        for cell in cells {
            var row: [Cell] = [.text("—"), .text(cell.subject)]
            if multiStage { row.append(.text(cell.stage)) }
            row += [.text(cell.code ?? ""), .text(cell.name), .text(cell.printed), .number(String(cell.cells)), .text(cell.why)]
            rows.append(row)
        }
        return Sheet(name: "无法核对", rows: rows)
    }
}
