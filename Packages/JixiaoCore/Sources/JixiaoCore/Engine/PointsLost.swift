extension SubjectResult {
    /// 扣分 as the documents print it: what a regular item fell short of its max, what a deduction item took
    /// away; a bonus item loses nothing. nil when nothing was lost or the item is not scored. The score sheet
    /// on the web, its xlsx and the CLI's workbook all read this one definition.
    public func pointsLost(at index: Int, kind: IndicatorKind) -> Exact? {
        guard let score = outcomes[index].score else { return nil }
        let lost: Exact
        switch kind {
        case .regular: lost = maxima[index] - score
        case .deduction: lost = -score
        case .bonus: return nil
        }
        return lost > .zero ? lost : nil
    }
}
