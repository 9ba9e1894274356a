import JixiaoCore

/// What `jixiao explain` prints: per indicator its max and score, the printed rule, the figure entered at that
/// stage, the derivation lines, the drafted deduction note; then the total, the composite and why the grade.
enum ExplainText {
    /// Names under which `explain` shows the subject-weighted composite (seed 001) instead of a subject.
    static let compositeNames = ["综合", "综合得分", "composite"]

    static func subject(_ report: ScoreReport, stage stageIndex: Int, subject subjectIndex: Int, indicator: Int?) -> [String] {
        let stage = report.stages[stageIndex]
        let result = stage.subjects[subjectIndex]
        let depths = report.depths
        var lines: [String] = []
        for index in indicator.map({ [$0] }) ?? Array(report.indicators.indices) {
            // In the full listing, a group that does not apply stands for its whole subtree.
            if indicator == nil, let parent = report.scheme.parent(of: index), result.outcomes[parent] == .notApplicable { continue }
            let item = report.indicators[index]
            let pad = String(repeating: "  ", count: indicator == nil ? depths[index] : 0)
            lines.append("\(pad)\(item.code) \(item.name)（分值 \(result.maxima[index])）：\(result.outcomes[index].statusText)")
            if let text = item.text, indicator != nil || !item.isGroup { lines.append("\(pad)  评分标准：\(text)") }
            if let entered = entered(report, result.subject, code: item.code, stage: stageIndex) { lines.append("\(pad)  填报值：\(entered)") }
            for line in result.explanations[index] { lines.append("\(pad)  · \(line)") }
            if let deduction = DeductionText.draft(result, index: index, indicator: item) { lines.append("\(pad)  → \(deduction)") }
        }
        guard indicator == nil else { return lines }
        lines.append("总分 \(result.total.statusText) / \(result.totalMax)，等级 \(result.grade ?? "—")，名次 \(result.rank.map(String.init) ?? "—")")
        if let line = CompositeExplanation.componentLine(report, result) { lines.append("  · \(line)") }
        if let basis = result.gradeBasis { lines.append("  · 定等：\(basis.text)") }
        for warning in result.warnings { lines.append("提醒：\(warning)") }
        return lines
    }

    static func composite(_ report: ScoreReport, stage stageIndex: Int, indicator: Int?) -> [String] {
        let stage = report.stages[stageIndex]
        guard let composite = stage.composite else { return [] }
        let depths = report.depths
        var lines: [String] = []
        if indicator == nil { lines += CompositeExplanation.header(report, stage: stage).map { "· \($0)" } }
        for index in indicator.map({ [$0] }) ?? Array(report.indicators.indices) {
            let item = report.indicators[index]
            let pad = String(repeating: "  ", count: indicator == nil ? depths[index] : 0)
            lines.append("\(pad)\(item.code) \(item.name)（分值 \(item.max)）：\(composite.outcomes[index].statusText)")
            for line in CompositeExplanation.lines(report, stage: stage, index: index) { lines.append("\(pad)  · \(line)") }
            if let score = composite.outcomes[index].score, item.max - score > .zero,
                let finding = report.data.findings.first(where: { $0.code == item.code })
            {
                lines.append("\(pad)  → 扣减\((item.max - score).formatted())分：\(item.name)，\(finding.text)")
            }
        }
        guard indicator == nil else { return lines }
        lines += CompositeExplanation.totalLines(report, stage: stage)
        return lines
    }

    /// The figure in force at a stage: the subject's own, overlaid by each review stage up to this one.
    static func entered(_ report: ScoreReport, _ subject: SubjectData, code: String, stage: Int) -> String? {
        let original = subject.values[code]
        var value = original
        var changedAt: String?
        for name in report.scheme.scheme.stages.prefix(stage + 1).dropFirst() {
            if let changed = subject.stages[name]?.values[code] {
                value = changed
                changedAt = name
            }
        }
        guard let value else { return nil }
        guard let changedAt, value != original else { return value.description }
        return "\(value)（\(changedAt)修改，原填报 \(original?.description ?? "无")）"
    }
}
