/// Scores a data set under a compiled scheme: every stage, every subject, every indicator.
///
/// Indicator-major: each indicator is computed for all subjects before the next one, in the
/// compiled order. That makes cross-subject rules simple and exact: rankings (R14) and peer
/// targets (R16) see all peers' finished figures, and effects on a parent region (R21) land
/// before the parent's own indicator is computed, because subjects run deepest first.
public struct Engine: Sendable {
    public let compiled: CompiledScheme

    public init(_ compiled: CompiledScheme) { self.compiled = compiled }

    /// - Parameter explain: record each score's derivation (slower; for `explain` and reports).
    public func score(_ data: DataSet, explain: Bool = false) throws(DataErrors) -> ScoreReport {
        try DataChecks.check(data, against: compiled)
        let stages = compiled.scheme.stages.map { stage in
            let run = Run(compiled: compiled, data: data, stage: stage, explain: explain)
            run.execute()
            return run.result()
        }
        return ScoreReport(scheme: compiled, data: data, stages: stages)
    }
}

/// Scores data set after data set (a period's months, a what-if's trials) under one compiled
/// scheme, reusing its buffers, and answers per subject without building a `ScoreReport`:
/// the same computation as `Engine.score`, for callers that need totals or single figures.
/// Not thread-safe: one scorer per task.
public final class Scorer {
    public let compiled: CompiledScheme
    private var run: Run?

    public init(_ compiled: CompiledScheme) { self.compiled = compiled }

    /// Scores `stage` of `data` (the final stage by default); read the figures until the next call.
    public func score(_ data: DataSet, stage: String? = nil) throws(DataErrors) {
        try DataChecks.check(data, against: compiled)
        let stage = stage ?? compiled.scheme.stages[compiled.scheme.stages.count - 1]
        if let run {
            run.load(data, stage: stage, explain: false)
        } else {
            run = Run(compiled: compiled, data: data, stage: stage, explain: false)
        }
        run?.execute()
        dataReleased = false
    }

    public var subjectCount: Int { run?.subjectCount ?? 0 }

    /// One indicator's outcome for one subject (indices as in `SubjectResult.outcomes`).
    public func outcome(subject: Int, indicator: Int) -> Outcome {
        guard let run, subject >= 0, subject < run.subjectCount, indicator >= 0, indicator < run.nodeCount else {
            return .missing("尚未计算")
        }
        return run.outcome(run.cell(subject, indicator))
    }

    /// A subject's total, as `SubjectResult.total`.
    public func total(subject: Int) -> Outcome {
        guard let run, subject >= 0, subject < run.subjectCount else { return .missing("尚未计算") }
        return run.total(of: subject).total
    }

    /// The whole stage, graded, as `Engine.score` reports it; nil after `releaseData()`.
    public func result() -> StageResult? {
        guard let run, !dataReleased else { return nil }
        return run.result()
    }

    /// Lets go of the scored data set (the figures stay readable, `result()` does not), so that the next
    /// one can be built without two periods' figures in memory at once.
    public func releaseData() {
        guard let run else { return }
        run.releaseData()
        dataReleased = true
    }
    private var dataReleased = false
}

/// One stage's computation. A class so that formula evaluation can memoise into it.
///
/// Storage is flat and compact, so that a country's period fits in a few bytes a cell and the
/// buffers are reused from one data set to the next (`load`): per subject × indicator one state
/// byte and one 64-bit payload (see `CellState`); scores that are not 64-bit decimals, reasons
/// and lowered maxima live in side tables, since they are rare.
final class Run {
    let compiled: CompiledScheme
    private(set) var data: DataSet
    private(set) var stage: String
    private(set) var explain: Bool
    private(set) var subjectCount = 0
    private(set) var parents: [Int?] = []
    private(set) var depths: [Int] = []
    /// Subjects deepest first, so children's effects reach parents in time.
    private(set) var subjectOrder: [Int] = []
    /// Inputs by subject × slot (flattened, `slotCount` a row).
    var slots: [Value?] = []
    let slotCount: Int
    /// The same inputs as raw decimals where they are numbers (`slotIsNumber`), for the fast path.
    @exclusivity(unchecked) var slotRaw: [Int64] = []
    @exclusivity(unchecked) var slotIsNumber: [Bool] = []
    /// Entered figures by indicator; an empty row for a subject that entered none.
    var values: [[Value?]] = []
    /// Whether the subject entered any figure (so `values[subject]` need not be looked at).
    @exclusivity(unchecked) var enteredAny: [Bool] = []
    var reasons: [[String: String]] = []
    var metricCache: [[Result<Term, EvaluationError>?]] = []
    // Per subject × indicator, flattened (see `cell`): no nested-array uniqueness checks in the hot loop.
    let nodeCount: Int
    // The compiled scheme's flat tables, held here so the hot loop reads them with no indirection.
    let shapes: [CompiledScheme.Shape]
    let childList: [Int]
    let fastLeaves: [FastPlan.Leaf?]
    let fastOps: [FastPlan.Op]
    let fastOps64: [Op64]
    let fastTiers: [Tier]
    let fastRungs: [LadderRung]
    let rankingColumns: Int
    /// `CellState` in the low nibble, `maxLowered` flag above.
    @exclusivity(unchecked) var cellState: [UInt8] = []
    /// A decimal score's raw value (× 10⁸), or the index of its score in `spill` or its reason in `messages`.
    @exclusivity(unchecked) var cellRaw: [Int64] = []
    var spill: [Exact] = []
    var messages: [String] = []
    /// Maxima that differ from the declared one (variants, not-applicable), by cell.
    var loweredMaxima: [Int: Fixed] = [:]
    /// R21: cells zeroed by another indicator's effect, and points a child's effect takes off.
    var zeroed: Set<Int> = []
    var parentDeductions: [Int: Fixed] = [:]
    var explanations: [[[String]]] = []
    /// Per subject × ranking column (`Shape.rankingColumn`): the rank (0 = not ranked) and which of
    /// `rankTables` holds its coefficient; 8 bytes, as a country's period has many.
    struct RankEntry {
        var rank: Int32
        var table: Int32
    }
    @exclusivity(unchecked) var rankEntries: [RankEntry] = []
    /// Per peer group ranked in this load: coefficient and declared max × coefficient, by rank.
    var rankTables: [[(coefficient: Exact, scaled: Exact)?]] = []
    var warnings: [[String]] = []
    /// Per subject, the indicator each of `warnings` came from (a partial re-score replaces those of the cells it redoes).
    var warningSources: [[Int]] = []
    var aggregateCache: [Int: [Int: Term]] = [:]
    /// Ranking coefficients by column and peer count, then rank (a pure function of the curve; kept across `load`s).
    struct CoefficientKey: Hashable {
        let curve: Ranking.Coefficient
        let max: Fixed
        let count: Int
    }
    var coefficientCache: [CoefficientKey: [(coefficient: Exact, scaled: Exact)?]] = [:]
    /// Whether this run keeps each ranking column's order (`rankOrders`), for the runs a partial re-score continues.
    let keepsRankOrder: Bool
    /// Per ranking column, where every subject's metric was a 64-bit decimal from its fast program: the peer groups
    /// in ranking order, so that a run continuing this one moves only the redone subjects (`rerank`); else nil.
    var rankOrders: [[RankedGroup]?] = []
    /// Peer aggregates computed without some peers, whose figures are missing: aggregate id → depth → those
    /// peers. Their readers' scores are provisional (see `provisional`).
    var peerGaps: [Int: [Int: [Int]]] = [:]
    /// Per subject, per indicator: the peers whose missing figures make the score provisional (an aggregate
    /// or a ranking computed from the peers that have entered).
    var provisional: [Int: [Int: Set<Int>]] = [:]
    private var aggregateReads: [Int: [(id: Int, operandless: Bool)]] = [:]
    /// Per subject, per indicator: vetoes, effects and bounds that overrode a rule's result (see `ScoreFact`).
    var facts: [Int: [Int: [ScoreFact]]] = [:]

    enum CellState {
        static let pending: UInt8 = 0
        static let decimal: UInt8 = 1
        static let spilled: UInt8 = 2
        static let notApplicable: UInt8 = 3
        static let missing: UInt8 = 4
        static let failed: UInt8 = 5
        static let kindMask: UInt8 = 0x0F
        static let maxLowered: UInt8 = 0x10
    }

    init(compiled: CompiledScheme, data: DataSet, stage: String, explain: Bool, keepsRankOrder: Bool = false) {
        self.compiled = compiled
        self.keepsRankOrder = keepsRankOrder
        self.data = data
        self.stage = stage
        self.explain = explain
        self.nodeCount = compiled.nodes.count
        self.shapes = compiled.shapes
        self.childList = compiled.childList
        self.fastLeaves = compiled.fastPlan.leaves
        self.fastOps = compiled.fastPlan.ops
        self.fastOps64 = compiled.fastPlan.ops64
        self.fastTiers = compiled.fastPlan.tiers
        self.fastRungs = compiled.fastPlan.rungs
        self.rankingColumns = compiled.rankingNodes.count
        self.slotCount = compiled.slotNames.count
        load(data, stage: stage, explain: explain)
    }

    /// Prepares for scoring `data` at `stage`, reusing every buffer's storage.
    func load(_ data: DataSet, stage: String, explain: Bool) {
        self.data = data
        self.stage = stage
        self.explain = explain
        let subjects = data.subjects
        subjectCount = subjects.count
        var indexByID: [String: Int] = [:]
        if subjects.contains(where: { $0.parent != nil }) {
            indexByID.reserveCapacity(subjects.count)
            for (index, subject) in subjects.enumerated() where indexByID[subject.id] == nil { indexByID[subject.id] = index }
        }
        parents.removeAll(keepingCapacity: true)
        var anyParent = false
        for subject in subjects {
            let parent = subject.parent.flatMap { indexByID[$0] }
            if parent != nil { anyParent = true }
            parents.append(parent)
        }
        depths.removeAll(keepingCapacity: true)
        depths.append(contentsOf: repeatElement(0, count: subjects.count))
        subjectOrder.removeAll(keepingCapacity: true)
        if anyParent {
            for index in subjects.indices {
                var depth = 0
                var cursor = parents[index]
                while let next = cursor, depth <= subjects.count {  // DataChecks rejects cycles; bound anyway
                    depth += 1
                    cursor = parents[next]
                }
                depths[index] = depth
            }
            let depths = self.depths
            subjectOrder.append(contentsOf: subjects.indices.sorted { depths[$0] > depths[$1] || (depths[$0] == depths[$1] && $0 < $1) })
        } else {
            subjectOrder.append(contentsOf: subjects.indices)
        }

        // The stage's figures: the subject's own, overlaid by each review stage up to this one.
        let stageNames = compiled.scheme.stages
        let upTo = (stageNames.firstIndex(of: stage) ?? 0)
        slots.removeAll(keepingCapacity: true)
        slots.reserveCapacity(subjects.count * slotCount)
        slotRaw.removeAll(keepingCapacity: true)
        slotRaw.reserveCapacity(subjects.count * slotCount)
        slotIsNumber.removeAll(keepingCapacity: true)
        slotIsNumber.reserveCapacity(subjects.count * slotCount)
        values.removeAll(keepingCapacity: true)
        enteredAny.removeAll(keepingCapacity: true)
        reasons.removeAll(keepingCapacity: true)
        for subject in subjects {
            let row = loadFigures(of: subject, upTo: upTo, slotsAt: slots.count)
            enteredAny.append(!row.values.isEmpty)
            values.append(row.values)
            reasons.append(row.reasons)
        }
        metricCache.removeAll(keepingCapacity: true)
        metricCache.append(contentsOf: repeatElement(compiled.metrics.isEmpty ? [] : Array(repeating: nil, count: compiled.metrics.count),
                                                     count: subjects.count))
        let cells = subjects.count * nodeCount
        cellState.removeAll(keepingCapacity: true)
        cellState.append(contentsOf: repeatElement(CellState.pending, count: cells))
        if cellRaw.count != cells {
            cellRaw.removeAll(keepingCapacity: true)
            cellRaw.append(contentsOf: repeatElement(0, count: cells))
        }
        spill.removeAll(keepingCapacity: true)
        messages.removeAll(keepingCapacity: true)
        loweredMaxima.removeAll(keepingCapacity: true)
        zeroed.removeAll(keepingCapacity: true)
        parentDeductions.removeAll(keepingCapacity: true)
        explanations.removeAll(keepingCapacity: true)
        explanations.append(contentsOf: repeatElement(explain ? Array(repeating: [], count: nodeCount) : [], count: subjects.count))
        rankEntries.removeAll(keepingCapacity: true)
        rankEntries.append(contentsOf: repeatElement(RankEntry(rank: 0, table: 0), count: subjects.count * compiled.rankingNodes.count))
        rankTables.removeAll(keepingCapacity: true)
        rankOrders = keepsRankOrder ? Array(repeating: nil, count: rankingColumns) : []
        warnings.removeAll(keepingCapacity: true)
        warnings.append(contentsOf: repeatElement([], count: subjects.count))
        warningSources.removeAll(keepingCapacity: true)
        warningSources.append(contentsOf: repeatElement([], count: subjects.count))
        aggregateCache.removeAll(keepingCapacity: true)
        peerGaps.removeAll(keepingCapacity: true)
        provisional.removeAll(keepingCapacity: true)
        facts.removeAll(keepingCapacity: true)
    }

    /// Writes one subject's figures at the stage `upTo` (its own, overlaid by each review stage up to it) into its
    /// slots from `start` (appending when `start` is the end), and returns its entered figures by indicator and reasons.
    private func loadFigures(of subject: SubjectData, upTo: Int, slotsAt start: Int) -> (values: [Value?], reasons: [String: String]) {
        let stageNames = compiled.scheme.stages
        var inputs = subject.inputs
        var entered = subject.values
        var why = subject.reasons
        if upTo > 0 {
            for later in stageNames[1...upTo] {
                guard let change = subject.stages[later] else { continue }
                inputs.merge(change.inputs) { $1 }
                entered.merge(change.values) { $1 }
                why.merge(change.reasons) { $1 }
            }
        }
        var position = start
        for name in compiled.slotNames {
            let value = inputs[name] ?? subject.attributes[name]
            var raw: Int64 = 0
            var isNumber = false
            if case .number(let number)? = value, !number.isOverflow {
                raw = number.raw
                isNumber = true
            }
            if position < slots.count {
                slots[position] = value
                slotRaw[position] = raw
                slotIsNumber[position] = isNumber
            } else {
                slots.append(value)
                slotRaw.append(raw)
                slotIsNumber.append(isNumber)
            }
            position += 1
        }
        var row: [Value?] = []
        if !entered.isEmpty {
            row = [Value?](repeating: nil, count: nodeCount)
            for (code, value) in entered { if let index = compiled.codeIndex[code] { row[index] = value } }
        }
        return (row, why)
    }

    /// Column-major (indicator × subjects): an indicator's pass over every subject walks its cells in order.
    @inline(__always) func cell(_ subject: Int, _ index: Int) -> Int { index * subjectCount + subject }

    func warn(_ subject: Int, _ index: Int, _ text: String) {
        warnings[subject].append(text)
        warningSources[subject].append(index)
    }

    /// A run that continues `previous` (same scheme, stage and subjects, in the same order, with the same ids and
    /// parents) on `data`, where only the subjects in `subjects` may have changed figures: their rows are reloaded
    /// and every cell of theirs, and every subject's cells of the nodes in `nodes`, is made pending again, with
    /// whatever it had recorded (maxima, marks, facts, warnings, zeroings, deductions); everything else is
    /// taken over as it is. `executeRedo()` then computes exactly the pending cells. Rankings are always redone.
    init(continuing previous: Run, data: DataSet, subjects redo: [Int], nodes: [Bool], explain: Bool) {
        compiled = previous.compiled
        self.data = data
        stage = previous.stage
        self.explain = explain
        subjectCount = previous.subjectCount
        parents = previous.parents
        depths = previous.depths
        subjectOrder = previous.subjectOrder
        slotCount = previous.slotCount
        slots = previous.slots
        slotRaw = previous.slotRaw
        slotIsNumber = previous.slotIsNumber
        values = previous.values
        enteredAny = previous.enteredAny
        reasons = previous.reasons
        nodeCount = previous.nodeCount
        shapes = previous.shapes
        childList = previous.childList
        fastLeaves = previous.fastLeaves
        fastOps = previous.fastOps
        fastOps64 = previous.fastOps64
        fastTiers = previous.fastTiers
        fastRungs = previous.fastRungs
        rankingColumns = previous.rankingColumns
        metricCache = Array(repeating: compiled.metrics.isEmpty ? [] : Array(repeating: nil, count: compiled.metrics.count),
                            count: previous.subjectCount)
        cellState = previous.cellState
        cellRaw = previous.cellRaw
        spill = previous.spill
        messages = previous.messages
        loweredMaxima = previous.loweredMaxima
        zeroed = previous.zeroed
        parentDeductions = previous.parentDeductions
        facts = previous.facts
        provisional = previous.provisional
        warnings = previous.warnings
        warningSources = previous.warningSources
        rankEntries = Array(repeating: RankEntry(rank: 0, table: 0), count: previous.rankEntries.count)
        coefficientCache = previous.coefficientCache
        keepsRankOrder = previous.keepsRankOrder
        rankOrders = previous.rankOrders
        aggregateReads = previous.aggregateReads
        // When explaining, only the subjects redone get rows (every subject does if whole nodes are redone).
        let explainAll = explain && nodes.contains(true)
        explanations = explain ? Array(repeating: explainAll ? Array(repeating: [], count: previous.nodeCount) : [], count: previous.subjectCount)
            : previous.explanations
        redoSubject = Array(repeating: false, count: previous.subjectCount)
        redoNodes = nodes
        let upTo = compiled.scheme.stages.firstIndex(of: stage) ?? 0
        for subject in redo {
            redoSubject[subject] = true
            let row = loadFigures(of: data.subjects[subject], upTo: upTo, slotsAt: subject * slotCount)
            enteredAny[subject] = !row.values.isEmpty
            values[subject] = row.values
            reasons[subject] = row.reasons
            if explain { explanations[subject] = Array(repeating: [], count: nodeCount) }
        }
        let redoIndices = nodes.indices.filter { nodes[$0] }
        func reset(_ subject: Int, _ index: Int) {
            let cell = cell(subject, index)
            cellState[cell] = CellState.pending
            if !loweredMaxima.isEmpty { loweredMaxima.removeValue(forKey: cell) }
            if !zeroed.isEmpty { zeroed.remove(cell) }
            if !parentDeductions.isEmpty { parentDeductions.removeValue(forKey: cell) }
            if !explanations[subject].isEmpty { explanations[subject][index] = [] }
        }
        for subject in 0..<subjectCount {
            if redoSubject[subject] {
                for index in 0..<nodeCount { reset(subject, index) }
                facts[subject] = nil
                provisional[subject] = nil
                warnings[subject] = []
                warningSources[subject] = []
                continue
            }
            guard !redoIndices.isEmpty else { continue }
            for index in redoIndices { reset(subject, index) }
            if facts[subject] != nil { for index in redoIndices { facts[subject]?[index] = nil } }
            if facts[subject]?.isEmpty == true { facts[subject] = nil }
            if provisional[subject] != nil { for index in redoIndices { provisional[subject]?[index] = nil } }
            if provisional[subject]?.isEmpty == true { provisional[subject] = nil }
            if !warningSources[subject].isEmpty {
                let kept = warningSources[subject].indices.filter { !nodes[warningSources[subject][$0]] }
                warnings[subject] = kept.map { warnings[subject][$0] }
                warningSources[subject] = kept.map { warningSources[subject][$0] }
            }
        }
    }

    /// Set by `init(continuing:)`: the subjects and nodes whose cells `executeRedo` computes again.
    private var redoSubject: [Bool] = []
    private var redoNodes: [Bool] = []

    /// Computes the cells `init(continuing:)` made pending, in the order a full run computes them, so that every
    /// cell, mark and warning comes out as a full run's would; then puts each subject's warnings back in order.
    func executeRedo() {
        let position = Dictionary(uniqueKeysWithValues: compiled.order.enumerated().map { ($1, $0) })
        let redoSubjects = subjectOrder.filter { redoSubject[$0] }
        for index in compiled.order {
            if case .ranking(let ranking, let metric)? = compiled.rules[index]?.rule, !rerank(index, ranking, redoSubjects) {
                rank(index, ranking, metric)
            }
            if redoNodes[index] {
                // As `execute` does it for every subject (the fast paths compute the same scores as `compute`).
                let shape = shapes[index]
                if shape.isLeaf, !explain, !shape.hasAppliesTo, !shape.hasVariants, !shape.hasVeto, !compiled.hasEffects,
                    let leaf = fastLeaves[index]
                {
                    computeFast(index, shape, leaf)
                } else if !shape.isLeaf, !explain, !shape.hasAppliesTo, !shape.hasVariants, !shape.hasVeto, !compiled.hasEffects {
                    computeFastGroup(index, shape)
                } else {
                    for subject in subjectOrder { compute(index, subject) }
                }
            } else {
                for subject in redoSubjects { compute(index, subject) }
            }
        }
        for subject in 0..<subjectCount where warningSources[subject].count > 1 {
            let order = warningSources[subject].indices.sorted {
                let (a, b) = (position[warningSources[subject][$0]] ?? 0, position[warningSources[subject][$1]] ?? 0)
                return a != b ? a < b : $0 < $1
            }
            warnings[subject] = order.map { warnings[subject][$0] }
            warningSources[subject] = order.map { warningSources[subject][$0] }
        }
    }

    /// Drops the data set and what was copied from it, keeping the computed cells (see `Scorer.releaseData`).
    func releaseData() {
        data = DataSet(schemeID: data.schemeID, period: data.period, subjects: [])
        slots.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        reasons.removeAll(keepingCapacity: true)
    }

    // MARK: Cells

    /// A subject's rank on a ranking column: of how many, the coefficient, and the declared max × it.
    @inline(__always) func ranking(_ subject: Int, column: Int) -> (rank: Int, count: Int, coefficient: Exact, scaled: Exact)? {
        let entry = rankEntries[subject * rankingColumns + column]
        guard entry.rank > 0 else { return nil }
        let table = rankTables[Int(entry.table)]
        guard let value = table[Int(entry.rank) - 1] else { return nil }
        return (Int(entry.rank), table.count, value.coefficient, value.scaled)
    }

    /// A subject's input in `slot`.
    @inline(__always) func slot(_ subject: Int, _ slot: Int) -> Value? { slots[subject * slotCount + slot] }

    /// A subject's input in `slot` when it is a number in range, else nil.
    @inline(__always) func slotNumber(_ subject: Int, _ slot: Int) -> Exact? {
        let position = subject * slotCount + slot
        guard slotIsNumber[position] else { return nil }
        return Exact(numerator: Int128(slotRaw[position]), denominator: Exact.decimalScale)
    }

    /// The figure entered for an indicator, if any.
    @inline(__always) func enteredValue(_ subject: Int, _ index: Int) -> Value? {
        let row = values[subject]
        return row.isEmpty ? nil : row[index]
    }

    @inline(__always) func isComputed(_ cell: Int) -> Bool { cellState[cell] & CellState.kindMask != CellState.pending }

    func outcome(_ cell: Int) -> Outcome {
        switch cellState[cell] & CellState.kindMask {
        case CellState.decimal: return .scored(Exact(numerator: Int128(cellRaw[cell]), denominator: Exact.decimalScale))
        case CellState.spilled: return .scored(spill[Int(cellRaw[cell])])
        case CellState.notApplicable: return .notApplicable
        case CellState.missing: return .missing(messages[Int(cellRaw[cell])])
        case CellState.failed: return .failed(messages[Int(cellRaw[cell])])
        default: return .missing("尚未计算")
        }
    }

    /// The score of a scored cell, else nil.
    @inline(__always) func score(_ cell: Int) -> Exact? {
        switch cellState[cell] & CellState.kindMask {
        case CellState.decimal: return Exact(numerator: Int128(cellRaw[cell]), denominator: Exact.decimalScale)
        case CellState.spilled: return spill[Int(cellRaw[cell])]
        default: return nil
        }
    }

    @inline(__always) func setScore(_ cell: Int, _ score: Exact) {
        let flags = cellState[cell] & ~CellState.kindMask
        if let raw = score.smallDecimal {
            cellRaw[cell] = raw
            cellState[cell] = flags | CellState.decimal
        } else {
            cellRaw[cell] = Int64(spill.count)
            spill.append(score)
            cellState[cell] = flags | CellState.spilled
        }
    }

    func setOutcome(_ cell: Int, _ outcome: Outcome) {
        let flags = cellState[cell] & ~CellState.kindMask
        switch outcome {
        case .scored(let score): setScore(cell, score)
        case .notApplicable: cellState[cell] = flags | CellState.notApplicable
        case .missing(let why):
            cellRaw[cell] = Int64(messages.count)
            messages.append(why)
            cellState[cell] = flags | CellState.missing
        case .failed(let why):
            cellRaw[cell] = Int64(messages.count)
            messages.append(why)
            cellState[cell] = flags | CellState.failed
        }
    }

    /// The max that applies to this subject.
    @inline(__always) func maximum(_ subject: Int, _ index: Int) -> Fixed {
        let cell = cell(subject, index)
        guard cellState[cell] & CellState.maxLowered != 0 else { return shapes[index].max }
        return loweredMaxima[cell] ?? shapes[index].max
    }

    func setMaximum(_ subject: Int, _ index: Int, _ max: Fixed) {
        let cell = cell(subject, index)
        if cellState[cell] & CellState.maxLowered == 0 && max == shapes[index].max { return }
        cellState[cell] |= CellState.maxLowered
        loweredMaxima[cell] = max
    }

    /// A subject's per-indicator outcomes and maxima, as `SubjectResult` holds them.
    func outcomesOf(_ subject: Int) -> [Outcome] { (0..<nodeCount).map { outcome(cell(subject, $0)) } }
    func maximaOf(_ subject: Int) -> [Fixed] { (0..<nodeCount).map { maximum(subject, $0) } }

    func execute() {
        for index in compiled.order {
            if case .ranking(let ranking, let metric)? = compiled.rules[index]?.rule {
                rank(index, ranking, metric)
            }
            let shape = shapes[index]
            if shape.isLeaf, !explain, !shape.hasAppliesTo, !shape.hasVariants, !shape.hasVeto, !compiled.hasEffects,
                let leaf = fastLeaves[index]
            {
                computeFast(index, shape, leaf)
            } else if !shape.isLeaf, !explain, !shape.hasAppliesTo, !shape.hasVariants, !shape.hasVeto, !compiled.hasEffects {
                computeFastGroup(index, shape)
            } else {
                for subject in subjectOrder { compute(index, subject) }
            }
        }
    }

    /// A plain leaf for every subject, by its fast plan: nothing to explain or override, so each subject's
    /// score is the rule's, bounded and rounded (what `compute` and `leafOutcome` do with it). A subject with
    /// entered figures, or one the plan gives up on, goes through `compute`. A fast plan reads no peer
    /// aggregate or metric, so none of its scores is provisional (`notePeerGaps` would find nothing to mark).
    private func computeFast(_ index: Int, _ shape: CompiledScheme.Shape, _ leaf: FastPlan.Leaf) {
        let max = shape.max
        let (lower, upper) = bounds(shape, max: max)
        let rounding = compiled.scheme.rounding
        let roundLeaves = rounding.point == .indicator
        // Raw 64-bit decimals first (see `FastPath64`), where the rule's constants are such decimals.
        let raw64 = !max.isOverflow && !lower.isOverflow && !upper.isOverflow
            && (!roundLeaves || (rounding.places >= 0 && rounding.places < Fixed.fractionDigits))
        let placeUnit: Int64 = raw64 && roundLeaves ? Exact.placeUnit(rounding.places) : 1
        let (maxRaw, lowerRaw, upperRaw) = (max.raw, lower.raw, upper.raw)
        // A ranking leaf's score, for a subject with no entered figure, is a function of its rank and peer count
        // alone (its rank table's entry, bounded and rounded): computed once per rank of a table, then copied.
        let column = leaf.kind == .ranking ? shape.rankingColumn : -1
        var memoTable: Int32 = -1
        var memo: [Int64] = []
        var memoKnown: [Bool] = []
        for subject in subjectOrder {
            if !enteredAny[subject] {
                var memoSlot = -1
                if column >= 0 {
                    let entry = rankEntries[subject * rankingColumns + column]
                    if entry.rank > 0 {
                        if entry.table != memoTable {
                            memoTable = entry.table
                            let count = rankTables[Int(entry.table)].count
                            memo = Array(repeating: 0, count: count)
                            memoKnown = Array(repeating: false, count: count)
                        }
                        memoSlot = Int(entry.rank) - 1
                        if memoKnown[memoSlot] {
                            let cell = cell(subject, index)
                            cellRaw[cell] = memo[memoSlot]
                            cellState[cell] = (cellState[cell] & ~CellState.kindMask) | CellState.decimal
                            continue
                        }
                    }
                }
                defer {
                    // What the paths below wrote for this rank, when it is a plain decimal score, serves its peers.
                    if memoSlot >= 0 {
                        let cell = cell(subject, index)
                        if cellState[cell] == CellState.decimal {
                            memo[memoSlot] = cellRaw[cell]
                            memoKnown[memoSlot] = true
                        }
                    }
                }
                if raw64, let raw = fastRaw64(leaf, subject, index, max: maxRaw, kind: shape.kind) {
                    // `Exact.clamped` and `Exact.rounded` on a decimal, as below.
                    let bounded = raw < lowerRaw ? lowerRaw : (upperRaw < raw ? upperRaw : raw)
                    if let score = roundLeaves ? Raw.rounded(bounded, unit: placeUnit, mode: rounding.mode) : bounded {
                        let cell = cell(subject, index)
                        cellRaw[cell] = score
                        cellState[cell] = (cellState[cell] & ~CellState.kindMask) | CellState.decimal
                        continue
                    }
                }
                if let raw = fastRaw(leaf, subject, index, max: max), !raw.isOverflow {
                    var score = raw.clamped(to: lower, upper)
                    if roundLeaves { score = score.rounded(places: rounding.places, mode: rounding.mode) }
                    setScore(cell(subject, index), score)
                    continue
                }
            }
            compute(index, subject)
        }
    }

    /// A plain group for every subject: where every child is a decimal score at its declared max (the common
    /// case), the score is their sum within the group's bounds, as `groupOutcome` computes it; any other
    /// subject goes through `compute`.
    private func computeFastGroup(_ index: Int, _ shape: CompiledScheme.Shape) {
        let max = shape.max
        let lower = shape.floor ?? (shape.kind == .deduction ? -max : Fixed(raw: Int64.min + 1))
        let upper = shape.cap ?? (shape.kind == .bonus ? max : Fixed(raw: Int64.max))
        let start = shape.childStart
        let end = shape.childEnd
        guard end > start else {
            for subject in subjectOrder { compute(index, subject) }
            return
        }
        for subject in subjectOrder {
            var sum: Int128 = 0
            var plain = true
            for position in start..<end {
                let child = cell(subject, childList[position])
                // Exactly `decimal`: scored, and no lowered max.
                guard cellState[child] == CellState.decimal else {
                    plain = false
                    break
                }
                sum += Int128(cellRaw[child])
            }
            if plain {
                setScore(cell(subject, index), Exact(numerator: sum, denominator: Exact.decimalScale).clamped(to: lower, upper))
            } else {
                compute(index, subject)
            }
        }
    }

    // MARK: One indicator for one subject

    private func compute(_ index: Int, _ subject: Int) {
        let shape = shapes[index]
        let cell = cell(subject, index)
        var trace: [String]? = explain ? [] : nil
        defer {
            if let trace { explanations[subject][index] += trace }
        }
        if shape.hasAppliesTo, let appliesTo = compiled.nodes[index].indicator.appliesTo,
            !appliesTo.contains(data.subjects[subject].id)
        {
            setOutcome(cell, .notApplicable)
            setMaximum(subject, index, .zero)
            trace?.append("不适用于本考核对象")
            return
        }
        let cursor = Cursor(run: self, subject: subject)
        // R29: the first matching variant sets this subject's max.
        if shape.hasVariants {
            for variant in compiled.nodes[index].variants {
                if (try? variant.when.evaluate(cursor).requireBool("variants")) == true {
                    setMaximum(subject, index, variant.max)
                    trace?.append("考核对象条件 \(describe(variant.when)) 成立，分值为 \(variant.max)")
                    break
                }
            }
        }
        let max = maximum(subject, index)
        var outcome: Outcome
        if shape.isLeaf {
            outcome = leafOutcome(shape, index, subject, cursor, max: max, trace: &trace)
        } else {
            outcome = groupOutcome(shape, index, subject, trace: &trace)
        }
        if case .scored(var score) = outcome {
            var changed = false
            if shape.hasVeto, let veto = compiled.nodes[index].veto, (try? veto.evaluate(cursor).requireBool("veto")) == true {
                score = .zero
                changed = true
                recordVeto(index, subject)
                trace?.append(vetoLine(index, subject))
            }
            if compiled.hasEffects {
                if zeroed.contains(cell) {
                    score = .zero
                    changed = true
                    trace?.append(zeroedLine(index, subject))
                }
                if let deduction = parentDeductions[cell] {
                    let before = score
                    score = Exact.max(score - deduction, Exact(bounds(shape, max: max).lower))
                    changed = true
                    trace?.append(parentDeductionLine(index, subject, before: before, after: score))
                }
            }
            if changed { outcome = .scored(score) }
        }
        setOutcome(cell, outcome)
        if !peerGaps.isEmpty, shape.isLeaf, case .scored = outcome { notePeerGaps(index, subject) }
        if shape.hasEffects { applyEffects(index, subject, cursor, trace: &trace) }
    }

    /// Marks the indicator provisional for this subject when an aggregate its rule reads left peers out.
    private func notePeerGaps(_ index: Int, _ subject: Int) {
        let reads: [(id: Int, operandless: Bool)]
        if let known = aggregateReads[index] {
            reads = known
        } else {
            var found: [(id: Int, operandless: Bool)] = []
            var seenMetrics: Set<Int> = []
            func visit(_ expression: BoundExpression) {
                switch expression {
                case .aggregate(let function, let id, let operand):
                    if function != .childrenCount { found.append((id, operand == nil)) }
                    if let operand { visit(operand) }
                case .metric(let metric):
                    if seenMetrics.insert(metric).inserted { visit(compiled.metrics[metric].expression) }
                case .unary(_, let operand): visit(operand)
                case .binary(_, let lhs, let rhs, _):
                    visit(lhs)
                    visit(rhs)
                case .call(_, let arguments): arguments.forEach(visit)
                default: break
                }
            }
            compiled.nodes[index].rule?.rule.expressions.forEach(visit)
            reads = found
            aggregateReads[index] = found
        }
        for read in reads {
            guard let gap = peerGaps[read.id]?[depths[subject]], !gap.isEmpty else { continue }
            provisional[subject, default: [:]][index, default: []].formUnion(gap)
        }
    }

    /// [floor, cap] of an indicator's score by its kind and keys.
    func bounds(_ shape: CompiledScheme.Shape, max: Fixed) -> (lower: Fixed, upper: Fixed) {
        switch shape.kind {
        case .regular, .bonus: return (shape.floor ?? .zero, shape.cap ?? max)
        case .deduction: return (shape.floor ?? -max, shape.cap ?? .zero)
        }
    }

    private func leafOutcome(
        _ shape: CompiledScheme.Shape, _ index: Int, _ subject: Int, _ cursor: Cursor, max: Fixed,
        trace: inout [String]?
    ) -> Outcome {
        if case .notApplicable? = enteredValue(subject, index) {
            setMaximum(subject, index, .zero)
            trace?.append("填报为不适用")
            return .notApplicable
        }
        guard let rule = compiled.rules[index] else { return .failed("没有规则") }
        let raw: Exact
        if trace == nil, let leaf = fastLeaves[index], let score = fastRaw(leaf, subject, index, max: max) {
            raw = score
        } else {
            do {
                let evaluator = RuleEvaluator(run: self, cursor: cursor, index: index, max: max, tracing: trace != nil)
                raw = try evaluator.evaluate(rule, trace: &trace)
            } catch .notApplicable {
                setMaximum(subject, index, .zero)
                trace?.append("所需数据为不适用 → 本指标不适用")
                return .notApplicable
            } catch .missing(let what) {
                trace?.append("缺少数据：\(what)")
                return .missing(what)
            } catch {
                trace?.append(error.message)
                return .failed(error.message)
            }
        }
        if raw.isOverflow { return .failed(EvaluationError.overflow.message) }
        let (lower, upper) = bounds(shape, max: max)
        var score = raw.clamped(to: lower, upper)
        if score != raw {
            record(.limited(computed: raw, bound: score, isFloor: raw < Exact(lower)), subject, index)
            trace?.append(TraceText.limited(computed: raw, bound: score, isFloor: raw < Exact(lower)))
        }
        let rounding = compiled.scheme.rounding
        if rounding.point == .indicator {
            let rounded = score.rounded(places: rounding.places, mode: rounding.mode)
            if rounded != score { trace?.append("\(rounding.mode.chineseName)保留 \(rounding.places) 位：\(score) → \(rounded.formatted(places: rounding.places))") }
            score = rounded
        }
        return .scored(score)
    }

    private func groupOutcome(_ shape: CompiledScheme.Shape, _ index: Int, _ subject: Int, trace: inout [String]?) -> Outcome {
        // Decimal children (nearly all) add up in 128 bits: the same exact sum as adding `Exact`s in order,
        // which takes over, in order, from the first child that is not a 64-bit decimal.
        var decimalSum: Int128 = 0
        var exactSum: Exact? = nil
        var problems = false
        var applicable = 0
        var removedMax = Fixed.zero
        var parts: [String] = []
        for position in shape.childStart..<shape.childEnd {
            let child = childList[position]
            let childCell = cell(subject, child)
            let state = cellState[childCell]
            // The group's max for this subject follows its children's: an n/a child takes its whole max
            // away, a variant moves it. Alternatives (applies_to) are not part of everyone's max.
            if state & CellState.maxLowered != 0 && shapes[child].inParentMax {
                removedMax += shapes[child].max - maximum(subject, child)
            }
            switch state & CellState.kindMask {
            case CellState.decimal:
                applicable += 1
                if let sum = exactSum {
                    exactSum = sum + Exact(numerator: Int128(cellRaw[childCell]), denominator: Exact.decimalScale)
                } else {
                    decimalSum += Int128(cellRaw[childCell])
                }
                if trace != nil { parts.append(Exact(numerator: Int128(cellRaw[childCell]), denominator: Exact.decimalScale).description) }
            case CellState.spilled:
                applicable += 1
                let score = spill[Int(cellRaw[childCell])]
                exactSum = (exactSum ?? Exact(numerator: decimalSum, denominator: Exact.decimalScale)) + score
                if trace != nil { parts.append(score.description) }
            case CellState.notApplicable: break
            default: problems = true
            }
        }
        if problems {
            var missing: [String] = []
            var failed: [String] = []
            for position in shape.childStart..<shape.childEnd {
                let child = childList[position]
                switch outcome(cell(subject, child)) {
                case .missing: missing.append(compiled.nodes[child].indicator.code)
                case .failed: failed.append(compiled.nodes[child].indicator.code)
                default: break
                }
            }
            if !failed.isEmpty { return .failed("下级指标有错误：\(failed.joined(separator: "、"))") }
            if !missing.isEmpty { return .missing("下级指标未评分：\(missing.joined(separator: "、"))") }
        }
        if applicable == 0 {
            setMaximum(subject, index, .zero)
            trace?.append("下级指标均不适用")
            return .notApplicable
        }
        let sum = exactSum ?? Exact(numerator: decimalSum, denominator: Exact.decimalScale)
        let max = maximum(subject, index) - removedMax
        setMaximum(subject, index, max)
        if removedMax != .zero { trace?.append("下级指标不适用或分值调整，本指标分值为 \(max)") }
        if trace != nil { trace! += childLines(index, subject) }
        trace?.append("合计：\(TraceText.sum(parts)) = \(sum)")
        let lower = shape.floor ?? (shape.kind == .deduction ? -max : Fixed(raw: Int64.min + 1))
        let upper = shape.cap ?? (shape.kind == .bonus ? max : Fixed(raw: Int64.max))
        let bounded = sum.clamped(to: lower, upper)
        if bounded != sum {
            record(.limited(computed: sum, bound: bounded, isFloor: sum < Exact(lower)), subject, index)
            trace?.append(TraceText.limited(computed: sum, bound: bounded, isFloor: sum < Exact(lower)))
        }
        return .scored(bounded)
    }

    private func applyEffects(_ index: Int, _ subject: Int, _ cursor: Cursor, trace: inout [String]?) {
        let node = compiled.nodes[index]
        for effect in node.effects {
            let holds: Bool
            do {
                holds = try effect.when.evaluate(cursor).requireBool("effects.when")
            } catch {
                warn(subject, index, "指标 \(node.indicator.code) 的交叉影响条件无法判断：\(error.message)")
                continue
            }
            guard holds else { continue }
            if let target = effect.zero {
                recordZero(target, by: index, subject, effect.when)
                if target == index {
                    if score(cell(subject, index)) != nil { setScore(cell(subject, index), .zero) }
                    trace?.append(effectLine(target, by: index, subject, effect.when))
                } else {
                    zeroed.insert(cell(subject, target))
                    trace?.append(effectLine(target, by: index, subject, effect.when))
                }
            }
            if let (target, points) = effect.parentDeduct, let parent = parents[subject] {
                parentDeductions[cell(parent, target), default: .zero] += points
                recordParentDeduction(parent, target, from: subject, by: index, points, effect.when)
                trace?.append("交叉影响：上级 \(data.subjects[parent].name) 的指标 \(compiled.nodes[target].indicator.code) 扣 \(points) 分")
            }
        }
    }

    // MARK: Ranking (R14)

    /// One peer group of a ranking column in ranking order, by integer keys (see `rankOrders`).
    struct RankedGroup {
        var group: Int
        var members: [(key: Int64, subject: Int)]
    }

    private func rank(_ index: Int, _ ranking: Ranking, _ metric: BoundExpression) {
        let column = compiled.shapes[index].rankingColumn
        if let fast = fastLeaves[index].flatMap({ $0.kind == .ranking ? $0.a : nil }), rankByKeys(index, ranking, column, fast) { return }
        if keepsRankOrder { rankOrders[column] = nil }
        // Peer groups: same level, or same parent. Subjects without the metric are not ranked.
        // A subject whose figures are missing is left out, and the ranks of its group are provisional.
        var groups: [Int: [(subject: Int, metric: Exact)]] = [:]
        var gaps: [Int: [Int]] = [:]
        let fastMetric = fastLeaves[index].flatMap { $0.kind == .ranking ? $0.a : nil }
        for subject in 0..<subjectCount {
            let group = ranking.amongSiblings ? (parents[subject] ?? -1) : depths[subject]
            let number: Exact
            if let fast = fastMetric.flatMap({ evaluate($0, subject) }) {
                number = fast
            } else {
                do throws(EvaluationError) {
                    number = try metric.number(Cursor(run: self, subject: subject), what: "metric")
                } catch .missing {
                    gaps[group, default: []].append(subject)
                    continue
                } catch {
                    continue
                }
            }
            groups[group, default: []].append((subject, number))
        }
        for (group, members) in groups {
            if let gap = gaps[group] {
                for member in members { provisional[member.subject, default: [:]][index, default: []].formUnion(gap) }
            }
            let sorted = Run.sortedForRanking(members, descending: ranking.descending)
            var rank = 0
            // The coefficients of ranks among this many on this curve, computed once and kept across data sets.
            let key = CoefficientKey(curve: ranking.coefficient, max: shapes[index].max, count: sorted.count)
            var known = coefficientCache.removeValue(forKey: key) ?? Array(repeating: nil, count: sorted.count)
            var ranks: [(subject: Int, rank: Int)] = []
            ranks.reserveCapacity(sorted.count)
            for (position, member) in sorted.enumerated() {
                if position == 0 || sorted[position - 1].metric != member.metric { rank = position + 1 }
                if known[rank - 1] == nil {
                    let coefficient = coefficient(ranking.coefficient, rank: rank, count: sorted.count)
                    known[rank - 1] = (coefficient, shapes[index].max * coefficient)
                }
                ranks.append((member.subject, rank))
            }
            coefficientCache[key] = known
            let table = Int32(rankTables.count)
            rankTables.append(known)
            for (subject, rank) in ranks { rankEntries[subject * rankingColumns + column] = RankEntry(rank: Int32(rank), table: table) }
        }
    }

    /// The metric's key for one subject by its fast program, when it is a 64-bit decimal; nil for "rank by `Exact`".
    @inline(__always) private func rankKey(_ program: FastPlan.Program, _ subject: Int) -> Int64? {
        if let raw = evaluate64(program, subject) { return raw }
        return evaluate(program, subject)?.smallDecimal
    }

    /// `rank` where every subject's metric comes from the fast program as a 64-bit decimal (then no subject lacks it
    /// and none is provisional): the groups are sorted by integer keys, with the same order, ranks and coefficients
    /// as `sortedForRanking` gives. False, with nothing written, where some metric is not such a decimal.
    private func rankByKeys(_ index: Int, _ ranking: Ranking, _ column: Int, _ program: FastPlan.Program) -> Bool {
        var groups: [RankedGroup] = []
        var slotOfGroup: [Int: Int] = [:]
        var last = (group: Int.min, slot: -1)
        for subject in 0..<subjectCount {
            guard let key = rankKey(program, subject) else { return false }
            let group = ranking.amongSiblings ? (parents[subject] ?? -1) : depths[subject]
            if group != last.group {
                if let slot = slotOfGroup[group] {
                    last = (group, slot)
                } else {
                    last = (group, groups.count)
                    slotOfGroup[group] = groups.count
                    groups.append(RankedGroup(group: group, members: []))
                    if !ranking.amongSiblings { groups[last.slot].members.reserveCapacity(subjectCount) }
                }
            }
            groups[last.slot].members.append((key, subject))
        }
        for slot in groups.indices {
            if ranking.descending {
                groups[slot].members.sort { $0.key != $1.key ? $0.key > $1.key : $0.subject < $1.subject }
            } else {
                groups[slot].members.sort { $0.key != $1.key ? $0.key < $1.key : $0.subject < $1.subject }
            }
            assignRanks(index, ranking, column, groups[slot].members)
        }
        if keepsRankOrder { rankOrders[column] = groups }
        return true
    }

    /// Ranks one group in ranking order (ties share the better rank), with each rank's coefficient from the cache.
    private func assignRanks(_ index: Int, _ ranking: Ranking, _ column: Int, _ members: [(key: Int64, subject: Int)]) {
        let key = CoefficientKey(curve: ranking.coefficient, max: shapes[index].max, count: members.count)
        var known = coefficientCache.removeValue(forKey: key) ?? Array(repeating: nil, count: members.count)
        let table = Int32(rankTables.count)
        var rank = 0
        for position in members.indices {
            if position == 0 || members[position - 1].key != members[position].key { rank = position + 1 }
            if known[rank - 1] == nil {
                let coefficient = coefficient(ranking.coefficient, rank: rank, count: members.count)
                known[rank - 1] = (coefficient, shapes[index].max * coefficient)
            }
            rankEntries[members[position].subject * rankingColumns + column] = RankEntry(rank: Int32(rank), table: table)
        }
        coefficientCache[key] = known
        rankTables.append(known)
    }

    /// `rank` in a run that continues another (`init(continuing:)`), from the order that run kept: each redone
    /// subject is taken out of its group and put back by binary search at its new key, and the groups are ranked
    /// again in one pass, with no sort. False, with nothing written, where there is no kept order or a redone
    /// subject's metric is not a 64-bit decimal from the fast program (then `rank` ranks in full).
    private func rerank(_ index: Int, _ ranking: Ranking, _ redo: [Int]) -> Bool {
        let column = compiled.shapes[index].rankingColumn
        guard keepsRankOrder, var groups = rankOrders[column],
            let program = fastLeaves[index].flatMap({ $0.kind == .ranking ? $0.a : nil })
        else { return false }
        var keys: [Int64] = []
        keys.reserveCapacity(redo.count)
        for subject in redo {
            guard let key = rankKey(program, subject) else { return false }
            keys.append(key)
        }
        rankOrders[column] = nil  // not shared while it is changed
        let descending = ranking.descending
        for (subject, key) in zip(redo, keys) {
            let group = ranking.amongSiblings ? (parents[subject] ?? -1) : depths[subject]
            guard let slot = groups.firstIndex(where: { $0.group == group }),
                let old = groups[slot].members.firstIndex(where: { $0.subject == subject })
            else { return false }  // the kept order is not this run's subjects: rank in full
            groups[slot].members.remove(at: old)
            var low = 0
            var high = groups[slot].members.count
            while low < high {
                let middle = (low + high) / 2
                let other = groups[slot].members[middle]
                let before = other.key != key ? (descending ? other.key > key : other.key < key) : other.subject < subject
                if before { low = middle + 1 } else { high = middle }
            }
            groups[slot].members.insert((key, subject), at: low)
        }
        for slot in groups.indices { assignRanks(index, ranking, column, groups[slot].members) }
        rankOrders[column] = groups
        return true
    }

    /// Peers best first (by metric, then by position in the data, so ties keep one order). Where every
    /// metric is a 64-bit decimal, the sort compares integers; the order is the same.
    static func sortedForRanking(_ members: [(subject: Int, metric: Exact)], descending: Bool) -> [(subject: Int, metric: Exact)] {
        var keys: [(key: Int64, subject: Int)] = []
        keys.reserveCapacity(members.count)
        for member in members {
            guard let key = member.metric.smallDecimal else {
                return members.sorted {
                    $0.metric != $1.metric ? (descending ? $0.metric > $1.metric : $0.metric < $1.metric) : $0.subject < $1.subject
                }
            }
            keys.append((key, member.subject))
        }
        if descending {
            keys.sort { $0.key != $1.key ? $0.key > $1.key : $0.subject < $1.subject }
        } else {
            keys.sort { $0.key != $1.key ? $0.key < $1.key : $0.subject < $1.subject }
        }
        return keys.map { ($0.subject, Exact(numerator: Int128($0.key), denominator: Exact.decimalScale)) }
    }

    /// The coefficient of `rank` among `count`, exactly: on a linear curve the k-th of n is
    /// first − (first − last) × (k − 1) / (n − 1), one quotient, never a rounded step times k.
    func coefficient(_ curve: Ranking.Coefficient, rank: Int, count: Int) -> Exact {
        switch curve {
        case .linear(let first, let last):
            guard count > 1, let share = Exact.ratio(rank - 1, count - 1) else { return Exact(first) }
            return Exact(first) - Exact(first - last) * share
        case .table(let table):
            guard !table.isEmpty else { return .one }
            return Exact(table[Swift.min(rank - 1, table.count - 1)])
        }
    }

    // MARK: Totals, grades, composites

    /// A subject's total and the max it is out of (R4: rescaled when not-applicable items left the scheme's).
    func total(of subject: Int) -> (total: Outcome, max: Fixed) {
        let scheme = compiled.scheme
        var total = Exact.zero
        var totalMax = scheme.total
        var missing: [String] = []
        var failed: [String] = []
        for root in compiled.roots {
            let shape = shapes[root]
            let rootCell = cell(subject, root)
            switch cellState[rootCell] & CellState.kindMask {
            case CellState.decimal, CellState.spilled:
                total += score(rootCell) ?? .zero
                if shape.kind == .regular { totalMax -= shape.max - maximum(subject, root) }
            case CellState.notApplicable: if shape.kind == .regular { totalMax -= shape.max }
            case CellState.failed: failed.append(compiled.nodes[root].indicator.code)
            default: missing.append(compiled.nodes[root].indicator.code)
            }
        }
        if !failed.isEmpty { return (.failed("指标有错误：\(failed.joined(separator: "、"))"), totalMax) }
        if !missing.isEmpty { return (.missing("指标未评分：\(missing.joined(separator: "、"))"), totalMax) }
        if scheme.rescaleNotApplicable, totalMax > .zero, totalMax != scheme.total, let rate = total.divided(by: Exact(totalMax)) {
            return (.scored((rate * scheme.total).rounded(places: scheme.rounding.places, mode: scheme.rounding.mode)), scheme.total)
        }
        return (.scored(total.rounded(places: scheme.rounding.places, mode: scheme.rounding.mode)), totalMax)
    }

    /// The stage's result after `executeRedo`, from the result `previous` of the run `previousRun` this one
    /// continues: the subjects redone are built afresh, the others patched where their cells differ from that
    /// run's (the redone nodes' outcomes and maxima, then the total), and where their rankings, marks or warnings
    /// differ; then graded and composed as `result()` does, which this equals.
    func result(patching previous: StageResult, from previousRun: Run) -> StageResult {
        let redoIndices = redoNodes.indices.filter { redoNodes[$0] }
        let comparable = previousRun.subjectCount == subjectCount && previousRun.nodeCount == nodeCount
            && previousRun.rankingColumns == rankingColumns && previous.subjects.count == subjectCount
        var subjects: [SubjectResult] = []
        subjects.reserveCapacity(subjectCount)
        var changes: [(index: Int, outcome: Outcome)] = []
        for subject in 0..<subjectCount {
            guard comparable, !redoSubject[subject] else {
                subjects.append(freshResult(subject))
                continue
            }
            var result = previous.subjects[subject]
            var cellsChanged = false
            changes.removeAll(keepingCapacity: true)
            for index in redoIndices {
                let cell = cell(subject, index)
                let state = cellState[cell]
                // The same state and payload is the same outcome (a payload indexing `spill` or `messages` indexes
                // the part this run took over from `previousRun`) and, with no lowered max, the same max.
                if state == previousRun.cellState[cell], cellRaw[cell] == previousRun.cellRaw[cell], state & CellState.maxLowered == 0 {
                    continue
                }
                cellsChanged = true
                let outcome = outcome(cell)
                if result.outcomes[index] != outcome { changes.append((index, outcome)) }
                let max = maximum(subject, index)
                if result.maxima[index] != max { result.maxima[index] = max }
            }
            if cellsChanged {
                result.outcomes.patch(changes)
                (result.total, result.totalMax) = total(of: subject)
            }
            result.composite = nil
            result.grade = nil
            result.rank = nil
            result.gradeBasis = nil
            result.explanations = explanations[subject]
            if rankingsDiffer(subject, from: previousRun) { result.rankings = rankingsOf(subject) }
            result.warnings = warnings[subject]
            if !facts.isEmpty || !result.facts.isEmpty { result.facts = facts[subject] ?? [:] }
            if !provisional.isEmpty || !result.provisional.isEmpty {
                result.provisional = provisional[subject].map(provisionalPeers) ?? [:]
            }
            subjects.append(result)
        }
        return finish(&subjects)
    }

    /// Whether a subject's rank, peer count or coefficient on some ranking column differs from `other`'s.
    private func rankingsDiffer(_ subject: Int, from other: Run) -> Bool {
        for column in 0..<rankingColumns {
            let (mine, theirs) = (rankEntries[subject * rankingColumns + column], other.rankEntries[subject * rankingColumns + column])
            guard mine.rank == theirs.rank else { return true }
            guard mine.rank > 0 else { continue }
            let (a, b) = (rankTables[Int(mine.table)], other.rankTables[Int(theirs.table)])
            guard a.count == b.count else { return true }
            switch (a[Int(mine.rank) - 1], b[Int(theirs.rank) - 1]) {
            case (nil, nil): continue
            case (let x?, let y?): if x.coefficient != y.coefficient { return true }
            default: return true
            }
        }
        return false
    }

    /// One subject's result before grading, as `result()` builds it.
    private func freshResult(_ subject: Int) -> SubjectResult {
        let (totalOutcome, totalMax) = total(of: subject)
        var result = SubjectResult(
            subject: data.subjects[subject], outcomes: Outcomes(outcomesOf(subject)), maxima: maximaOf(subject),
            total: totalOutcome, totalMax: totalMax, composite: nil, grade: nil, rank: nil,
            explanations: explanations[subject], rankings: rankingsOf(subject), warnings: warnings[subject],
            reasons: reasons[subject])
        result.facts = facts[subject] ?? [:]
        if let marks = provisional[subject] { result.provisional = provisionalPeers(marks) }
        return result
    }

    func result() -> StageResult {
        var subjects: [SubjectResult] = []
        subjects.reserveCapacity(subjectCount)
        for subject in 0..<subjectCount { subjects.append(freshResult(subject)) }
        return finish(&subjects)
    }

    /// Composites, grades and the stage composite over every subject's result.
    private func finish(_ subjects: inout [SubjectResult]) -> StageResult {
        let scheme = compiled.scheme
        if case .components(let components)? = scheme.composite {
            for subject in subjects.indices {
                subjects[subject].composite = componentComposite(components, subjects[subject])
            }
        }
        Grading(run: self).grade(&subjects)
        var stage = StageResult(stage: stage, subjects: subjects, composite: nil)
        if case .subjects(let weights, let order, let renormalise)? = scheme.composite {
            stage.composite = subjectComposite(weights, order: order, renormalise: renormalise, subjects)
        }
        return stage
    }

    /// The provisional marks of one subject, carried up to every group above a marked indicator, as peer ids.
    private func provisionalPeers(_ marks: [Int: Set<Int>]) -> [Int: [String]] {
        var spread: [Int: Set<Int>] = [:]
        for (index, peers) in marks {
            var node: Int? = index
            while let current = node {
                spread[current, default: []].formUnion(peers)
                node = compiled.nodes[current].parent
            }
        }
        return spread.mapValues { $0.sorted().map { data.subjects[$0].id } }
    }

    private func rankingsOf(_ subject: Int) -> [Int: (rank: Int, count: Int, coefficient: Exact)] {
        var found: [Int: (rank: Int, count: Int, coefficient: Exact)] = [:]
        for (column, index) in compiled.rankingNodes.enumerated() {
            if let ranking = ranking(subject, column: column) { found[index] = (ranking.rank, ranking.count, ranking.coefficient) }
        }
        return found
    }

    private func componentComposite(_ components: [(indicator: String, weight: Fixed)], _ result: SubjectResult) -> Fixed? {
        var sum = Exact.zero
        for (code, weight) in components {
            guard let index = compiled.codeIndex[code], let score = result.outcomes[index].score,
                let rate = score.divided(by: Exact(result.maxima[index]))
            else { return nil }
            sum += rate * weight * compiled.scheme.total
        }
        return sum.rounded(places: compiled.scheme.rounding.places, mode: compiled.scheme.rounding.mode).fixed
    }

    private func subjectComposite(
        _ weights: [(subject: String, weight: Fixed)], order: Composite.Order, renormalise: Bool, _ subjects: [SubjectResult]
    ) -> CompositeResult {
        let weightByIndex: [(Int, Fixed)] = weights.compactMap { entry in
            subjects.firstIndex { $0.subject.id == entry.subject }.map { ($0, entry.weight) }
        }
        let rounding = compiled.scheme.rounding
        func blend(_ outcomesOf: (Int) -> Outcome) -> Outcome {
            var weighted = Exact.zero
            var weightSum = Fixed.zero
            var any = false
            for (subject, weight) in weightByIndex {
                switch outcomesOf(subject) {
                case .scored(let score):
                    weighted += score * weight
                    weightSum += weight
                    any = true
                case .notApplicable:
                    if !renormalise { weightSum += weight }
                case .missing(let why): return .missing(why)
                case .failed(let why): return .failed(why)
                }
            }
            guard any, let value = weighted.divided(by: Exact(weightSum)) else { return .notApplicable }
            return .scored(value)
        }
        var outcomes = Array(repeating: Outcome.notApplicable, count: compiled.nodes.count)
        var total: Outcome
        switch order {
        case .perIndicator:
            for index in compiled.order {
                let node = compiled.nodes[index]
                if node.isLeaf {
                    outcomes[index] = blend { subjects[$0].outcomes[index] }
                    if case .scored(let value) = outcomes[index], rounding.point == .indicator {
                        outcomes[index] = .scored(value.rounded(places: rounding.places, mode: rounding.mode))
                    }
                } else {
                    outcomes[index] = Run.sum(node.children.map { outcomes[$0] })
                }
            }
            total = Run.sum(compiled.roots.map { outcomes[$0] })
        case .totals:
            for index in compiled.order {
                outcomes[index] = blend { subjects[$0].outcomes[index] }
            }
            total = blend { subjects[$0].total }
        }
        if case .scored(let value) = total { total = .scored(value.rounded(places: rounding.places, mode: rounding.mode)) }
        let grade = total.score.flatMap { Grading.band(compiled.scheme.grades.bands, $0) }
        return CompositeResult(outcomes: outcomes, total: total, grade: grade, weights: weights)
    }

    static func sum(_ parts: [Outcome]) -> Outcome {
        var sum = Exact.zero
        var any = false
        for part in parts {
            switch part {
            case .scored(let score):
                sum += score
                any = true
            case .notApplicable: continue
            case .missing, .failed: return part
            }
        }
        return any ? .scored(sum) : .notApplicable
    }
}

extension RoundingMode {
    var chineseName: String {
        switch self {
        case .halfUp: return "四舍五入"
        case .halfEven: return "四舍六入五成双"
        case .down: return "截尾"
        }
    }
}
