import JixiaoCore

/// Whether a score may move on to the next stage (submit) or be locked (approve), stated once: the action
/// refuses with these problems, and the inbox shows the first of them beside each item it lists.
enum WorkflowChecks {
    /// Every reason `result` cannot be `action`ed, in the sheet's words (empty when it can): indicators the engine
    /// cannot score; an unscored total, naming the first indicators still without figures; and, at approval, a
    /// provisional score (approval locks a final score; a provisional one still moves when the missing peers enter).
    static func problems(_ result: SubjectResult, _ scores: PeriodScores, _ action: WorkflowAction) -> [String] {
        let compiled = scores.scheme.compiled
        var problems = SheetView.failures(result, compiled).map { "计算错误：\($0)" }
        if problems.isEmpty, result.total.score == nil {
            let unscored = (0..<compiled.indicatorCount).filter { index in
                if case .missing = result.outcomes[index], !compiled.indicator(at: index).isGroup { return true }
                return false
            }.map { "\(compiled.indicator(at: $0).code) \(compiled.indicator(at: $0).name)" }
            let listed = unscored.prefix(10).joined(separator: "、") + (unscored.count > 10 ? " 等 \(unscored.count) 项" : "")
            problems.append("总分尚未评出，未评分的指标：\(unscored.isEmpty ? result.total.statusText : listed)")
        }
        if action == .approve, problems.isEmpty, let provisional = scores.provisionalNote(result) {
            problems.append("得分为暂定（\(provisional)），全部填报后才能审定")
        }
        return problems
    }
}
