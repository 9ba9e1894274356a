import Fluent
import Foundation
import SQLKit
import JixiaoCore
import JixiaoSchemeFile
import Vapor

/// A scheme version as the app runs it: compiled, with its workflow's stages as the engine's stages.
struct RunnableScheme: Sendable {
    let versionID: UUID
    let compiled: CompiledScheme
    let workflow: Workflow
    /// A project self-evaluation (seed 002): the form also holds the fund table, 项目概况 and the claimed scores.
    let isSelfEvaluation: Bool

    /// Parses a stored scheme file. A one-stage scheme is given the default workflow's three stages,
    /// so the engine scores every stage's column (自评 / 初评 / 审定) from the figures each stage changed.
    init(versionID: UUID, yaml: String, file: String) throws {
        var scheme = try ParsedContent.scheme(yaml, file: file)
        let workflow = Workflow(schemeStages: scheme.stages)
        scheme.stages = workflow.stages
        self.versionID = versionID
        self.compiled = try CompiledScheme(scheme)
        self.workflow = workflow
        self.isSelfEvaluation = SelfEvaluation.applies(to: compiled, yaml: yaml)
    }

    /// Every field the assessment form stores: the entry fields, then (self-evaluations) those of `SelfEvaluation`.
    var formFields: [EntryField] {
        isSelfEvaluation ? entryFields + SelfEvaluation.fields(compiled) : entryFields
    }

    /// The fields a data-entry form asks for: the rules' named inputs, then the indicators whose figure is entered.
    var entryFields: [EntryField] {
        let declared = Dictionary(compiled.scheme.inputs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let inputs = compiled.entryInputNames.map { name in
            EntryField(key: name, label: name, unit: declared[name]?.unit, text: declared[name]?.text, code: nil)
        }
        let figures = compiled.enteredIndicators.map { index in
            let indicator = compiled.indicator(at: index)
            return EntryField(key: "#" + indicator.code, label: "\(indicator.code) \(indicator.name)", unit: indicator.unit,
                              text: indicator.text, code: indicator.code, widget: EntryWidget(indicator.rule))
        }
        return inputs + figures
    }
}

/// One field of the data-entry form and of the xlsx template.
struct EntryField: Sendable, Hashable {
    /// An input's name, or "#" + an indicator's code.
    let key: String
    let label: String
    let unit: String?
    let text: String?
    let code: String?
    /// How the form asks for it (a choice of the rule's words, a checklist's boxes …); the stored text is the same.
    var widget: EntryWidget = .text
}

/// Every assessment of one scheme version and period, scored together (rankings and peer targets need all peers).
struct PeriodScores: Sendable {
    struct Row: Sendable, Equatable {
        let assessmentID: UUID
        let unitCode: String
        let unitName: String
        let unitPath: String
        let unitKind: String
        let state: WorkflowState
        let revision: Int
        /// Index of the subject in the report's stages.
        let subject: Int
    }

    let scheme: RunnableScheme
    let period: String
    /// Every stage of every subject, scored without derivations, kept so that a change re-scores only what it can
    /// change (`Engine.rescore`) and one subject's derivation is computed when its sheet asks (`explained`).
    let scored: ScoredPeriod
    let rows: [Row]

    var report: ScoreReport { scored.report }

    /// One subject's results at every stage with each indicator's derivation and facts, exactly as a full scoring
    /// with explanations gives them; computed for this subject only.
    func explained(_ row: Row) -> [SubjectResult] { Engine(scheme.compiled).explain(scored, subject: row.subject) }

    func row(_ assessmentID: UUID) -> Row? { rows.first { $0.assessmentID == assessmentID } }

    /// The latest figures' result (all stages' changes applied): what rankings show.
    func latest(_ row: Row) -> SubjectResult { report.finalStage.subjects[row.subject] }
    /// The result at the stage the assessment has reached (what its sheet headlines): a unit still at 自评 is
    /// shown with its 自评 score, ranked among its peers' 自评 figures, not the final stage's.
    func current(_ row: Row) -> SubjectResult {
        report.stages[Swift.min(row.state.stage, report.stages.count - 1)].subjects[row.subject]
    }
}

/// Compiled schemes and scored periods. A scored period is kept with the stamp it was computed at (see
/// `Stamp`) and served only while the database still shows that stamp: a save on any app server changes
/// it, so no server ever answers from a stale period, and checking costs one small query. While a period
/// is being scored, every reader of it waits for that one computation (single flight) instead of starting
/// its own. At most `capacity` periods are kept, the least recently used dropped first.
actor ScoreBoard {
    /// What a period's scores depend on, read from the database in one query: the sum and count of its
    /// assessments' revisions (every write to an assessment bumps its revision in the same transaction)
    /// and the org tree's change counter (unit names appear in rankings).
    struct Stamp: Hashable, Sendable, Decodable {
        let revisions: Int
        let assessments: Int
        let org: Int?
    }

    private struct Cached {
        let stamp: Stamp
        let scores: PeriodScores
        /// Encoded answers derived from the period (rankings as JSON per scope).
        var derived: [String: Data] = [:]
        var used: UInt64
    }

    let capacity: Int
    private var schemes: [UUID: RunnableScheme] = [:]
    private var versions: [UUID: SchemeVersion] = [:]
    private var periods: [String: Cached] = [:]
    private var inflight: [String: (stamp: Stamp, task: Task<PeriodScores, any Error>)] = [:]
    /// A save's own re-score, checked against the rules before the save was written (`PeriodScores.trial`): the
    /// next read of the period takes it instead of scoring again when that read finds exactly this subject
    /// changed, with exactly these data, over exactly this base (same assessments at the same revisions). The
    /// engine is deterministic, so that is the result scoring again would give. A few per period, newest last.
    struct Trial: Sendable {
        let base: [PeriodScores.Row]
        let subject: Int
        let data: SubjectData
        let scored: ScoredPeriod
    }
    private var trials: [String: [Trial]] = [:]
    static let trialsPerPeriod = 4
    /// How many reads took a save's trial instead of scoring again (for tests).
    private(set) var trialsTaken = 0
    private var clock: UInt64 = 0
    /// How many times a period was scored (for tests and the load benchmark's reasoning), and how many of those
    /// kept the subjects whose assessments had not changed, re-reading only `rereadAssessments` of them in all.
    private(set) var computations = 0
    private(set) var partialComputations = 0
    private(set) var rereadAssessments = 0

    private func countPartial(_ reread: Int) {
        partialComputations += 1
        rereadAssessments += reread
    }

    init(capacity: Int = 32) { self.capacity = capacity }

    /// Keeps a save's trial for the period's next read (see `Trial`); called once the rules accepted it.
    func remember(_ versionID: UUID, period: String, base: PeriodScores, subject: Int, data: SubjectData, scored: ScoredPeriod) {
        let key = "\(versionID)|\(period)"
        var kept = trials[key, default: []].filter { $0.base == base.rows }
        kept.append(Trial(base: base.rows, subject: subject, data: data, scored: scored))
        trials[key] = Array(kept.suffix(Self.trialsPerPeriod))
    }

    private func countTrialTaken() { trialsTaken += 1 }

    /// A scheme version by id, read once (its file never changes; `frozen` is read from the database where it matters).
    func version(_ id: UUID, on database: any Database) async throws -> SchemeVersion {
        if let cached = versions[id] { return cached }
        guard let version = try await SchemeVersion.find(id, on: database) else { throw Abort(.notFound, reason: "没有这个方案版本") }
        versions[id] = version
        return version
    }

    func scheme(_ version: SchemeVersion) throws -> RunnableScheme {
        let id = try version.requireID()
        if let cached = schemes[id] { return cached }
        let runnable = try RunnableScheme(versionID: id, yaml: version.yaml, file: "\(version.code) 第\(version.version)版")
        schemes[id] = runnable
        return runnable
    }

    static func stamp(_ versionID: UUID, period: String, on database: any Database) async throws -> Stamp {
        guard let sql = database as? any SQLDatabase else { throw Abort(.internalServerError) }
        let stamp = try await sql.raw("""
            SELECT CAST(COALESCE(SUM(revision), 0) AS BIGINT) AS revisions, COUNT(*) AS assessments,
                   (SELECT MAX(value) FROM change_counters WHERE name = 'org') AS org
            FROM assessments WHERE scheme_id = \(bind: versionID) AND period = \(bind: period)
            """).first(decoding: Stamp.self)
        guard let stamp else { throw Abort(.internalServerError) }
        return stamp
    }

    /// An answer computed once from a period's scores (e.g. one scope's ranking as JSON) until the period changes.
    func derived(_ versionID: UUID, period: String, key: String, on database: any Database,
                 make: @Sendable (PeriodScores) throws -> Data) async throws -> Data {
        let periodKey = "\(versionID)|\(period)"
        let stamp = try await Self.stamp(versionID, period: period, on: database)
        if let cached = periods[periodKey], cached.stamp == stamp, let data = cached.derived[key] {
            touch(periodKey)
            return data
        }
        let scores = try await scores(try await version(versionID, on: database), period: period, stamp: stamp, on: database)
        // Readers that waited for the same computation arrive here one after another: the first encodes.
        if let cached = periods[periodKey], cached.stamp == stamp, let data = cached.derived[key] { return data }
        let data = try make(scores)
        if periods[periodKey]?.stamp == stamp { periods[periodKey]?.derived[key] = data }
        return data
    }

    func scores(_ version: SchemeVersion, period: String, on database: any Database) async throws -> PeriodScores {
        let stamp = try await Self.stamp(try version.requireID(), period: period, on: database)
        return try await scores(version, period: period, stamp: stamp, on: database)
    }

    private func scores(_ version: SchemeVersion, period: String, stamp: Stamp, on database: any Database) async throws -> PeriodScores {
        let key = "\(try version.requireID())|\(period)"
        if let cached = periods[key], cached.stamp == stamp {
            touch(key)
            return cached.scores
        }
        if let running = inflight[key], running.stamp == stamp { return try await running.task.value }
        let scheme = try scheme(version)
        computations += 1
        // The stamp was read before the figures: if a save lands in between, the scores are newer than
        // their stamp, and the next read merely scores again; never the other way round. Scores of an older
        // stamp under the same org tree are the base: only the assessments changed since are read again.
        let previous = periods[key].flatMap { $0.stamp.org == stamp.org ? $0.scores : nil }
        let offered = previous.map { previous in trials[key, default: []].filter { $0.base == previous.rows } } ?? []
        trials[key] = nil
        let task = Task {
            let (scores, reread, tookTrial) = try await Self.load(scheme, period: period, previous: previous, trials: offered, on: database)
            if let reread { self.countPartial(reread) }
            if tookTrial { self.countTrialTaken() }
            return scores
        }
        inflight[key] = (stamp, task)
        let result: PeriodScores
        do {
            result = try await task.value
        } catch {
            if inflight[key]?.stamp == stamp { inflight[key] = nil }
            throw error
        }
        if inflight[key]?.stamp == stamp { inflight[key] = nil }
        if stamp.assessments > 0, periods[key].map({ $0.stamp != stamp }) ?? true {
            clock += 1
            periods[key] = Cached(stamp: stamp, scores: result, used: clock)
            evict()
        }
        return result
    }

    private func touch(_ key: String) {
        clock += 1
        periods[key]?.used = clock
    }

    private func evict() {
        while periods.count > capacity, let oldest = periods.min(by: { $0.value.used < $1.value.used })?.key {
            periods[oldest] = nil
            trials[oldest] = nil
        }
    }

    var cachedPeriods: Int { periods.count }

    /// An assessment as the period's scoring reads it (one row per assessment, with its unit).
    private struct AssessmentRow: Equatable {
        let id: UUID
        let stage: Int
        let status: WorkflowState.Status
        let revision: Int
        let code: String, name: String, path: String, kind: String
        var state: WorkflowState { WorkflowState(stage: stage, status: status) }
        /// Same subject in the same place of the report: only then may a re-read keep its other subjects.
        func sameUnit(as row: PeriodScores.Row) -> Bool {
            id == row.assessmentID && code == row.unitCode && name == row.unitName && path == row.unitPath && kind == row.unitKind
        }
    }

    private struct FigureRow {
        let stage: Int
        let field: String
        let value: String
        let reason: String?
    }

    /// At most this many changed assessments are re-read one by one; more than that, the period is read whole.
    static let deltaLimit = 500
    /// Up to this many changed subjects are re-scored one after another (each re-scores the peer-dependent
    /// indicators of every subject); more than that, scoring the whole period once is cheaper.
    static let partialLimit = 16

    /// Scores a period from the database. With `previous` (the same period scored at an older stamp, same org
    /// tree), only the assessments whose revision moved have their figures read again; the other subjects' data
    /// are kept from `previous` and the whole period is scored again in memory (rankings and peer targets need
    /// every peer). Plain SQL rows read column by column: decoding ~9,000 figures through Fluent models took most
    /// of a re-score. The assessments are read before their figures, never at once: figures at least as new as
    /// the revisions read, so a kept subject is never older than the revision it is kept under.
    private static func load(_ scheme: RunnableScheme, period: String, previous: PeriodScores?, trials: [Trial] = [],
                             on database: any Database) async throws -> (scores: PeriodScores, reread: Int?, tookTrial: Bool) {
        guard let sql = database as? any SQLDatabase else { throw Abort(.internalServerError) }
        let assessments = try await sql.raw("""
            SELECT a.id, a.stage, a.status, a.revision, u.code, u.name, u.path, u.kind
            FROM assessments a JOIN org_units u ON u.id = a.unit_id
            WHERE a.scheme_id = \(bind: scheme.versionID) AND a.period = \(bind: period) ORDER BY u.path
            """).all().map { row in
            AssessmentRow(
                id: try row.decode(column: "id", as: UUID.self), stage: try row.decode(column: "stage", as: Int.self),
                status: WorkflowState.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .editing,
                revision: try row.decode(column: "revision", as: Int.self),
                code: try row.decode(column: "code", as: String.self), name: try row.decode(column: "name", as: String.self),
                path: try row.decode(column: "path", as: String.self), kind: try row.decode(column: "kind", as: String.self))
        }
        // Which subjects must be read again: all, unless the previous scores hold the same assessments of the
        // same units in the same order and only a few revisions moved.
        var reread: [Int]? = nil
        if let previous, previous.rows.count == assessments.count,
            zip(assessments, previous.rows).allSatisfy({ $0.sameUnit(as: $1) }) {
            let moved = assessments.indices.filter { assessments[$0].revision != previous.rows[$0].revision }
            if moved.count <= deltaLimit { reread = moved }
        }
        let only = reread.map { $0.map { assessments[$0].id } }
        if let only, only.isEmpty, let previous { return (previous, 0, false) }
        let figureRows = try await sql.raw(only.map { ids in
            """
            SELECT e.assessment_id, e.stage, e.field, e.value, e.reason FROM entry_values e
            WHERE e.assessment_id IN (\(binds: ids))
            """
        } ?? """
            SELECT e.assessment_id, e.stage, e.field, e.value, e.reason FROM entry_values e JOIN assessments a ON a.id = e.assessment_id
            WHERE a.scheme_id = \(bind: scheme.versionID) AND a.period = \(bind: period)
            """).all()
        var byAssessment: [UUID: [FigureRow]] = [:]
        for row in figureRows {
            byAssessment[try row.decode(column: "assessment_id", as: UUID.self), default: []].append(
                FigureRow(stage: try row.decode(column: "stage", as: Int.self), field: try row.decode(column: "field", as: String.self),
                          value: try row.decode(column: "value", as: String.self), reason: try row.decode(column: "reason", as: String?.self)))
        }
        let codes = Set(assessments.map(\.code))
        let stages = scheme.workflow.stages
        var subjects: [SubjectData]
        if let reread, let previous {
            subjects = previous.report.data.subjects
            for index in reread {
                subjects[index] = subject(assessments[index], byAssessment[assessments[index].id] ?? [], codes: codes, stages: stages)
            }
        } else {
            subjects = assessments.map { subject($0, byAssessment[$0.id] ?? [], codes: codes, stages: stages) }
        }
        let rows = assessments.enumerated().map { index, assessment in
            PeriodScores.Row(assessmentID: assessment.id, unitCode: assessment.code, unitName: assessment.name, unitPath: assessment.path,
                             unitKind: assessment.kind, state: assessment.state, revision: assessment.revision, subject: index)
        }
        let engine = Engine(scheme.compiled)
        let scored: ScoredPeriod
        var tookTrial = false
        if let reread, reread.count == 1, let trial = trials.last(where: { $0.subject == reread[0] && $0.data == subjects[reread[0]] }) {
            // The save that moved this subject already scored exactly this (see `Trial`).
            scored = trial.scored
            tookTrial = true
        } else if let reread, let previous, reread.count <= partialLimit {
            // Each changed subject re-scored in turn, and of its peers only what reads peers: a full scoring's result.
            var period = previous.scored
            for index in reread { period = try engine.rescore(period, subject: index, to: subjects[index]) }
            scored = period
        } else {
            scored = try engine.scorePeriod(DataSet(schemeID: scheme.compiled.scheme.id, period: period, subjects: subjects))
        }
        return (PeriodScores(scheme: scheme, period: period, scored: scored, rows: rows), reread?.count, tookTrial)
    }

    /// One assessment's stored figures as the engine's subject: stage 0's figures, then each later stage's changes.
    private static func subject(_ assessment: AssessmentRow, _ figures: [FigureRow], codes: Set<String>, stages: [String]) -> SubjectData {
        let path = assessment.path.split(separator: "/").map(String.init)
        let parent = path.count >= 2 ? path[path.count - 2] : nil
        var subject = SubjectData(id: assessment.code, name: assessment.name, parent: parent.flatMap { codes.contains($0) ? $0 : nil })
        // A project self-evaluation's fund table, texts and claims (stage 0 only): see SelfEvaluation.
        var selfEvaluation: [String: String] = [:]
        for entry in figures {
            if SelfEvaluation.kind(of: entry.field) != nil {
                if entry.stage == 0 { selfEvaluation[entry.field] = entry.value }
                continue
            }
            let value = Value.parse(entry.value)
            let isFigure = entry.field.hasPrefix("#")
            let name = isFigure ? String(entry.field.dropFirst()) : entry.field
            if entry.stage == 0 {
                if isFigure { subject.values[name] = value } else { subject.inputs[name] = value }
                if let reason = entry.reason, isFigure { subject.reasons[name] = reason }
            } else if entry.stage < stages.count {
                var change = subject.stages[stages[entry.stage]] ?? StageChanges()
                if isFigure { change.values[name] = value } else { change.inputs[name] = value }
                if let reason = entry.reason { change.reasons[name] = reason }
                subject.stages[stages[entry.stage]] = change
            }
        }
        if !selfEvaluation.isEmpty { SelfEvaluation.apply(selfEvaluation, to: &subject) }
        return subject
    }
}

extension PeriodScores {
    /// For a score taken over the peers that have entered (a peer average, a ranking): "暂按已填报的 1 个市州计算，
    /// 尚未填报 1 个：成都市". nil when the score is final. `index` names an indicator; without it, the total.
    func provisionalNote(_ result: SubjectResult, index: Int? = nil) -> String? {
        let missing = index.map { result.provisional[$0] ?? [] } ?? result.missingPeers
        guard !missing.isEmpty else { return nil }
        let names = Dictionary(rows.map { ($0.unitCode, $0.unitName) }, uniquingKeysWith: { a, _ in a })
        let kind = rows.first { $0.unitCode == result.subject.id }?.unitKind ?? ""
        let peers = rows.filter { $0.unitKind == kind }.count
        let shown = missing.prefix(30).map { names[$0] ?? $0 }.joined(separator: "、") + (missing.count > 30 ? " 等" : "")
        let label = kind.isEmpty ? "考核对象" : kind
        return "暂按已填报的 \(max(peers - missing.count, 0)) 个\(label)计算，尚未填报 \(missing.count) 个：\(shown)"
    }

    /// What the period would score with `figures` typed into one assessment at `stage` (nothing saved):
    /// the live score of the entry form. Peers keep their saved figures, so ranking rules stay exact.
    func preview(_ row: Row, figures: [String: String], stage: Int) throws -> SubjectResult {
        let trial = try trial(row, figures: figures, stage: stage).scored
        return trial.report.stages[min(stage, trial.report.stages.count - 1)].subjects[row.subject]
    }

    /// The period with `figures` typed into one assessment at `stage`, and that subject's data. With `reasons`
    /// (a save's: each changed field's reason as it will be stored, nil for none), the data are what the period's
    /// next read gives once the save is written, so the board can keep the result for that read (`ScoreBoard.remember`).
    func trial(_ row: Row, figures: [String: String], stage: Int,
               reasons: [String: String?]? = nil) throws -> (subject: SubjectData, scored: ScoredPeriod) {
        var subject = report.data.subjects[row.subject]
        let stageName = scheme.workflow.stages[min(stage, scheme.workflow.stages.count - 1)]
        let typedSelf = figures.filter { SelfEvaluation.kind(of: $0.key) != nil }
        if scheme.isSelfEvaluation, stage == 0, !typedSelf.isEmpty {
            var merged = SelfEvaluation.figures(of: subject)
            for (key, text) in typedSelf {
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty { merged[key] = nil; continue }
                if case .success(let stored) = SelfEvaluation.normalize(key, trimmed) { merged[key] = stored }
            }
            SelfEvaluation.apply(merged, to: &subject)
        }
        for (key, text) in figures where SelfEvaluation.kind(of: key) == nil {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            let value: Value? = trimmed.isEmpty ? nil : Value.parse(trimmed)
            let isFigure = key.hasPrefix("#")
            let name = isFigure ? String(key.dropFirst()) : key
            if stage == 0 {
                if isFigure { subject.values[name] = value } else { subject.inputs[name] = value }
                // As stored: a figure's row carries the save's reason, and a cleared figure has no row.
                if let reasons, isFigure { subject.reasons[name] = value == nil ? nil : reasons[key] ?? nil }
            } else if let value {
                var change = subject.stages[stageName] ?? StageChanges()
                if isFigure { change.values[name] = value } else { change.inputs[name] = value }
                if let reasons {
                    change.reasons[name] = reasons[key] ?? nil
                } else if change.reasons[name] == nil {
                    // A review stage's change needs a reason; saving asks for it, a preview need not.
                    change.reasons[name] = "（预览）"
                }
                subject.stages[stageName] = change
            }
        }
        // Only this subject and what its peers read of it are scored again: a full scoring's result.
        let trial: ScoredPeriod
        do { trial = try Engine(scheme.compiled).rescore(scored, subject: row.subject, to: subject) } catch {
            throw InputProblems(problems: error.problems.map(\.message))
        }
        return (subject, trial)
    }
}
