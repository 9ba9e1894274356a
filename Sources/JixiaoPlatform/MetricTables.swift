/// Which record tables a metric reads (for explaining a month's change by the records that moved it; the server's
/// unit page lists a unit's records of these tables changed between two cut-offs). Added by h-year beside the
/// metrics code, without touching it.
extension MetricsFile {
    /// The record kinds (`Records.kind(named:)` names) metric `name` reads, its own table first, then those its
    /// conditions read (the person's record, a matched need) and, for ratios and `previous`, those of its operands.
    public func recordKinds(of name: String) -> [String] {
        var out: [String] = []
        var seen: Set<String> = []
        func add(_ kind: String) { if !out.contains(kind) { out.append(kind) } }
        func visit(_ name: String) {
            guard seen.insert(name).inserted, let metric = metrics.first(where: { $0.name == name }) else { return }
            switch metric.aggregation {
            case .count(let t), .exists(let t): add(t)
            case .sum(let t, _): add(t)
            case .persons(let t, _): add(t)
            case .ratio(let a, let b): visit(a); visit(b)
            case .previous(let a): visit(a)
            case .schedule: break
            }
            func condition(_ c: Condition) {
                switch c {
                case .anyOf(let list): list.forEach(condition)
                case .compare(let operand, _, _), .isNull(let operand):
                    switch operand {
                    case .person, .age(ofPerson: true): add(Records.persons.name)
                    default: break
                    }
                case .matches(_, let table, _): add(table)
                }
            }
            metric.conditions.forEach(condition)
        }
        visit(name)
        return out
    }
}
