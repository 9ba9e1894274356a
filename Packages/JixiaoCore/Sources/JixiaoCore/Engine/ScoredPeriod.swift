/// A period scored and kept for re-scoring: the report (every stage, every subject, without derivations) and
/// the engine's finished state behind it, so that
/// - a change to one subject's figures re-scores only what it can change (`Engine.rescore`): that subject
///   fully, and for every other subject only the indicators that read peers (rankings, peer aggregates, cross
///   effects, and whatever depends on them up to the total; see `CompiledScheme.peerDependent`), with the very
///   result a full `Engine.score` gives;
/// - one subject's derivation is computed when it is asked for (`Engine.explain`), not for every subject up front.
///
/// A value: a re-score returns a new period and leaves this one as it was.
public struct ScoredPeriod: @unchecked Sendable {
    /// As `Engine.score(data)` (no explanations) reports it.
    public let report: ScoreReport
    /// One finished run per stage. Never changed once the period is built (a re-score or an explanation copies
    /// from them into runs of its own), which is what makes sharing the period between tasks safe.
    let runs: [Run]

    public var data: DataSet { report.data }
}

extension Engine {
    /// Scores every stage of `data`, as `score(data)` does, keeping what a partial re-score needs.
    public func scorePeriod(_ data: DataSet) throws(DataErrors) -> ScoredPeriod {
        try DataChecks.check(data, against: compiled)
        let runs = compiled.scheme.stages.map { stage in
            let run = Run(compiled: compiled, data: data, stage: stage, explain: false)
            run.execute()
            return run
        }
        return ScoredPeriod(report: ScoreReport(scheme: compiled, data: data, stages: runs.map { $0.result() }), runs: runs)
    }

    /// The period with subject `index`'s figures replaced by `changed`: identical to `scorePeriod` of the changed
    /// data, computed by re-scoring that subject and, for the other subjects, only the peer-dependent indicators.
    /// A change of the subject's id or parent (or a period scored under another scheme) is scored in full.
    public func rescore(_ period: ScoredPeriod, subject index: Int, to changed: SubjectData) throws(DataErrors) -> ScoredPeriod {
        var data = period.data
        guard data.subjects.indices.contains(index) else {
            throw DataErrors(problems: [Problem(.error, location: data.location, "没有第 \(index + 1) 个考核对象")])
        }
        let previous = data.subjects[index]
        data.subjects[index] = changed
        guard changed.id == previous.id, changed.parent == previous.parent, period.runs.count == compiled.scheme.stages.count,
            period.report.scheme.scheme.id == compiled.scheme.id, period.runs.allSatisfy({ $0.compiled.nodes.count == compiled.nodes.count })
        else { return try scorePeriod(data) }
        let problems = DataChecks.subjectProblems(changed, against: compiled)
        if !problems.isEmpty { throw DataErrors(problems: problems) }
        var runs: [Run] = []
        var stages: [StageResult] = []
        let unchanged = Self.stagesUnchanged(previous, changed, names: compiled.scheme.stages)
        for (position, (previous, stage)) in zip(period.runs, period.report.stages).enumerated() {
            // A stage sees the subject's own figures overlaid by the review stages up to it: a change at a later
            // stage (a reviewer's adjustment) leaves the earlier stages' runs and results as they were.
            if position < unchanged {
                runs.append(previous)
                stages.append(stage)
                continue
            }
            let run = Run(continuing: previous, data: data, subjects: [index], nodes: compiled.peerDependent, explain: false)
            run.executeRedo()
            runs.append(run)
            stages.append(run.result(patching: stage))
        }
        return ScoredPeriod(report: ScoreReport(scheme: compiled, data: data, stages: stages), runs: runs)
    }

    /// How many leading stages see `previous` and `changed` alike: stage 0 reads the subject's own figures
    /// (everything but `stages`), stage k ≥ 1 also the review changes of stages 1…k (as `Run.loadFigures`).
    static func stagesUnchanged(_ previous: SubjectData, _ changed: SubjectData, names: [String]) -> Int {
        var base = previous, other = changed
        base.stages = [:]
        other.stages = [:]
        guard base == other else { return 0 }
        for (position, name) in names.enumerated() where position > 0 && previous.stages[name] != changed.stages[name] {
            return position
        }
        return names.count
    }

    /// One subject's results at every stage, with derivations and facts: exactly what `score(data, explain: true)`
    /// reports for it. Computes that subject again with tracing (and, where cross effects may reach it from its
    /// children, those children), reading its peers' finished cells from the period.
    public func explain(_ period: ScoredPeriod, subject index: Int) -> [SubjectResult] {
        guard period.data.subjects.indices.contains(index) else { return [] }
        var redo = [index]
        if compiled.hasEffects, let run = period.runs.first {
            redo += (0..<run.subjectCount).filter { run.parents[$0] == index }
        }
        let none = Array(repeating: false, count: compiled.nodes.count)
        return zip(period.runs, period.report.stages).map { previous, stage in
            let run = Run(continuing: previous, data: period.data, subjects: redo, nodes: none, explain: true)
            run.executeRedo()
            var result = stage.subjects[index]
            result.explanations = run.explanations[index]
            result.facts = run.facts[index] ?? [:]
            return result
        }
    }
}
