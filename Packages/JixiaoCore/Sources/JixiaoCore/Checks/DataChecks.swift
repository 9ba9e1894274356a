/// Thrown when a data file does not fit its scheme: every problem, each with its place.
public struct DataErrors: Error, Sendable, CustomStringConvertible {
    public var problems: [Problem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// What must hold before a data set is scored: it names this scheme, subject ids are unique,
/// parents exist and form no cycle, every indicator code and stage exists.
enum DataChecks {
    static func check(_ data: DataSet, against compiled: CompiledScheme) throws(DataErrors) {
        var problems: [Problem] = []
        let scheme = compiled.scheme
        if data.schemeID != scheme.id {
            problems.append(Problem(.error, location: data.location, "数据文件属于方案 “\(data.schemeID)”，不是 “\(scheme.id)”"))
        }
        var seen: [String: SourceLocation?] = [:]
        seen.reserveCapacity(data.subjects.count)
        for subject in data.subjects {
            if seen[subject.id] != nil {
                problems.append(Problem(.error, location: subject.location, "考核对象 “\(subject.id)” 重复"))
            }
            seen[subject.id] = subject.location
        }
        // Only read where some subject has a parent.
        let parents = data.subjects.contains(where: { $0.parent != nil })
            ? Dictionary(data.subjects.map { ($0.id, $0.parent) }, uniquingKeysWith: { a, _ in a }) : [:]
        for subject in data.subjects {
            if let parent = subject.parent, seen[parent] == nil {
                problems.append(Problem(.error, location: subject.location, "考核对象 “\(subject.id)” 的上级 “\(parent)” 不在本文件中"))
            }
            var visited: Set<String> = subject.parent == nil ? [] : [subject.id]
            var cursor = subject.parent
            while let next = cursor {
                if visited.contains(next) {
                    problems.append(Problem(.error, location: subject.location, "考核对象 “\(subject.id)” 的上级关系成环"))
                    break
                }
                visited.insert(next)
                cursor = parents[next] ?? nil
            }
            problems += subjectProblems(subject, against: compiled)
        }
        for (codes, what) in data.compositePrinted.codeLists {
            for code in codes where compiled.codeIndex[code] == nil {
                problems.append(Problem(.error, code: code, location: data.location, "composite_printed 的\(what)引用了方案中不存在的指标 “\(code)”"))
            }
        }
        if !problems.isEmpty { throw DataErrors(problems: problems) }
    }

    /// The checks that concern one subject alone: the indicator codes and stages its figures name. With its id
    /// and parent unchanged, this is all a changed subject needs before a partial re-score (see `Engine.rescore`).
    static func subjectProblems(_ subject: SubjectData, against compiled: CompiledScheme) -> [Problem] {
        var problems: [Problem] = []
        let scheme = compiled.scheme
        func checkCodes(_ codes: some Sequence<String>, _ what: String) {
            for code in codes where compiled.codeIndex[code] == nil {
                problems.append(Problem(.error, code: code, location: subject.location, "考核对象 “\(subject.id)” 的\(what)引用了方案中不存在的指标 “\(code)”"))
            }
        }
        if !subject.values.isEmpty { checkCodes(subject.values.keys.sorted(), "填报值") }
        let printed = subject.printed
        if !(printed.scores.isEmpty && printed.deductions.isEmpty && printed.rates.isEmpty && printed.formulas.isEmpty
            && printed.notCheckable.isEmpty)
        {
            for (codes, what) in subject.printed.codeLists { checkCodes(codes, what) }
        }
        guard !subject.stages.isEmpty else { return problems }
        for (stage, change) in subject.stages.sorted(by: { $0.key < $1.key }) {
            for (codes, what) in change.printed.codeLists { checkCodes(codes, "\(stage)\(what)") }
        }
        for (stage, change) in subject.stages.sorted(by: { $0.key < $1.key }) {
            if !scheme.stages.dropFirst().contains(stage) {
                let allowed = scheme.stages.dropFirst().joined(separator: "、")
                problems.append(Problem(.error, location: subject.location, "考核对象 “\(subject.id)” 的阶段 “\(stage)” 不在方案的复核阶段（\(allowed.isEmpty ? "无" : allowed)）之中"))
            }
            checkCodes(change.values.keys.sorted(), "\(stage)修改")
            for code in change.values.keys.sorted() where change.reasons[code] == nil && compiled.codeIndex[code] != nil {
                problems.append(Problem(.error, code: code, location: subject.location, "考核对象 “\(subject.id)” 在 \(stage) 修改了指标 \(code)，但没有填写理由"))
            }
        }
        return problems
    }
}
