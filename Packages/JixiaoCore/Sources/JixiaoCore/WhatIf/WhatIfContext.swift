/// The engine as the oracle of every what-if answer: changed figures are written into a copy of the data the way
/// the server's live preview writes them (the first stage's own figures; a later stage's changes, with a
/// placeholder reason), and the one stage asked about is scored again.
final class WhatIfContext {
    enum Focus: Equatable {
        case subject(Int)
        case composite
    }

    let report: ScoreReport
    let compiled: CompiledScheme
    let stageIndex: Int
    let stageName: String
    let focus: Focus
    let indexByID: [String: Int]
    /// Subject depth in the data's hierarchy (grades and rankings are per level).
    let depths: [Int]
    /// How many times the stage was scored (for tests and budgets).
    private(set) var scorings = 0
    private var graincache: [String: Exact] = [:]

    init(report: ScoreReport, stage: Int, focus: Focus) {
        self.report = report
        compiled = report.scheme
        stageIndex = stage
        stageName = report.stages[stage].stage
        self.focus = focus
        let byID = Dictionary(report.data.subjects.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        indexByID = byID
        let parents = report.data.subjects.map { $0.parent.flatMap { byID[$0] } }
        depths = report.data.subjects.indices.map { index in
            var depth = 0
            var cursor = parents[index]
            while let next = cursor, depth <= parents.count {
                depth += 1
                cursor = parents[next]
            }
            return depth
        }
    }

    var data: DataSet { report.data }

    /// The focus as the data stands (scored once).
    lazy var baselineStanding: WhatIfStanding = standing(score(data))

    // MARK: Scoring

    /// Scores the stage of `data` (the fast path: no derivations).
    func score(_ data: DataSet, explain: Bool = false) -> StageResult {
        scorings += 1
        let run = Run(compiled: compiled, data: data, stage: stageName, explain: explain)
        run.execute()
        return run.result()
    }

    /// A run of the stage whose formulas can be evaluated without scoring (for solving a formula for a figure).
    func run(_ data: DataSet, executed: Bool) -> Run {
        let run = Run(compiled: compiled, data: data, stage: stageName, explain: false)
        if executed {
            scorings += 1
            run.execute()
        }
        return run
    }

    func standing(_ stage: StageResult) -> WhatIfStanding {
        switch focus {
        case .composite:
            let total = stage.composite?.total.score
            return WhatIfStanding(total: total, score: total, grade: stage.composite?.grade, rank: nil, ranked: 0)
        case .subject(let subject):
            let result = stage.subjects[subject]
            let ranked = stage.subjects.indices.filter { depths[$0] == depths[subject] && stage.subjects[$0].rank != nil }.count
            return WhatIfStanding(total: result.total.score, score: result.gradedScore, grade: result.grade, rank: result.rank, ranked: ranked)
        }
    }

    func graded(_ stage: StageResult) -> Exact? { standing(stage).score }

    /// The subjects whose figures can move the focus: itself, or every subject weighted into the composite.
    var subjects: [Int] {
        switch focus {
        case .subject(let subject): return [subject]
        case .composite:
            guard case .subjects(let weights, _, _)? = compiled.scheme.composite else { return [] }
            return weights.compactMap { indexByID[$0.subject] }
        }
    }

    // MARK: Figures

    /// The figure in force at the stage: the subject's own, overlaid by each review stage up to this one.
    func figure(_ data: DataSet, subject: Int, key: String) -> Value? {
        let item = data.subjects[subject]
        let isValue = key.hasPrefix("#")
        let name = isValue ? String(key.dropFirst()) : key
        var value = isValue ? item.values[name] : item.inputs[name]
        for later in compiled.scheme.stages.prefix(stageIndex + 1).dropFirst() {
            guard let change = item.stages[later] else { continue }
            if let changed = isValue ? change.values[name] : change.inputs[name] { value = changed }
        }
        return value
    }

    /// Writes the changes into a copy of `data`, as the server's preview does.
    func apply(_ changes: [WhatIfChange], to data: DataSet) -> DataSet {
        var data = data
        for change in changes {
            guard let subject = indexByID[change.subject] else { continue }
            data.subjects[subject] = Self.write(change.key, change.to, into: data.subjects[subject], stage: stageIndex,
                                                stageName: stageName)
        }
        return data
    }

    static func write(_ key: String, _ value: Value?, into subject: SubjectData, stage: Int, stageName: String) -> SubjectData {
        var subject = subject
        let isValue = key.hasPrefix("#")
        let name = isValue ? String(key.dropFirst()) : key
        if stage == 0 {
            if isValue { subject.values[name] = value } else { subject.inputs[name] = value }
        } else if let value {
            var change = subject.stages[stageName] ?? StageChanges()
            if isValue { change.values[name] = value } else { change.inputs[name] = value }
            // A review stage's change needs a reason; saving asks for it, a what-if need not.
            if change.reasons[name] == nil { change.reasons[name] = "（模拟）" }
            subject.stages[stageName] = change
        }
        return subject
    }

    // MARK: Levers: what a figure is and how finely it moves

    /// Whether the figure reads as a share (shown as a percentage, never above 100%): declared with unit %, or
    /// named …率 / …精准度 / …满意度 … (not 增长率) with a value between 0 and 1.
    func isShare(_ key: String, value: Fixed?) -> Bool {
        if key.hasPrefix("#") {
            guard let index = compiled.index(of: String(key.dropFirst())) else { return false }
            let indicator = compiled.indicator(at: index)
            if indicator.unit == "%" || indicator.targetText?.contains("%") == true { return true }
            return Self.readsAsShare(indicator.name, value)
        }
        if let declared = compiled.scheme.inputs.first(where: { $0.name == key }), declared.unit == "%" || declared.unit == "％" {
            return true
        }
        return Self.readsAsShare(key, value)
    }

    static func readsAsShare(_ name: String, _ value: Fixed?) -> Bool {
        guard let value, value >= .zero, value <= .one, !name.contains("增长") else { return false }
        return shareSuffixes.contains { name.hasSuffix($0) }
    }

    /// Names of shares (率 always; 度 only in these words: 制度 and 年度 are no shares).
    static let shareSuffixes = ["率", "精准度", "满意度", "完成度", "覆盖度", "知晓度", "参与度", "达标度", "认可度"]

    /// The step a figure moves by: the finest decimal any subject's figure of that key is written with
    /// (0.1 万元, 1 人, 0.001 for a share such as 91.2%, at least that fine for shares).
    func grain(_ key: String) -> Exact {
        if let known = graincache[key] { return known }
        var places = 0
        var share = false
        for subject in data.subjects.indices {
            guard case .number(let number)? = figure(data, subject: subject, key: key) else { continue }
            places = Swift.max(places, Self.decimals(number))
            if isShare(key, value: number) { share = true }
        }
        if share { places = Swift.max(places, 3) }
        let grain = Self.unit(places: places)
        graincache[key] = grain
        return grain
    }

    static func decimals(_ number: Fixed) -> Int {
        var raw = number.raw.magnitude
        var places = Fixed.fractionDigits
        while places > 0 && raw % 10 == 0 {
            raw /= 10
            places -= 1
        }
        return places
    }

    static func decimals(_ number: Exact) -> Int {
        guard number.isDecimal else { return Fixed.fractionDigits }
        return decimals(number.fixed)
    }

    static func unit(places: Int) -> Exact {
        var unit = Exact.one
        for _ in 0..<Swift.max(0, Swift.min(places, Fixed.fractionDigits)) { unit = unit * Fixed(raw: Fixed.scale / 10) }
        return unit
    }

    /// |new − old| ÷ |old| for numbers; for a list, each item added or taken away counts 1; 1 for a change from 0
    /// and for any other kind of change.
    static func relativeChange(_ from: Value?, _ to: Value) -> Exact {
        if case .list(let new) = to {
            var old: [Value] = []
            if case .list(let items)? = from { old = items }
            var remaining = old
            var added = 0
            for item in new {
                if let found = remaining.firstIndex(of: item) { remaining.remove(at: found) } else { added += 1 }
            }
            return Exact(Swift.max(1, added + remaining.count))
        }
        guard case .number(let old)? = from, case .number(let new) = to, !old.isZero else { return .one }
        return (Exact(new) - Exact(old)).magnitude.divided(by: Exact(old).magnitude) ?? .one
    }

    // MARK: Text

    /// A figure as a reader writes it: shares as percentages (with as many places as `other` needs too).
    func show(_ value: Value?, key: String, like other: Value? = nil) -> String {
        guard let value else { return "未填报" }
        switch value {
        case .number(let number):
            var otherNumber: Fixed?
            if case .number(let n)? = other { otherNumber = n }
            if isShare(key, value: number) || (otherNumber.map { isShare(key, value: $0) } ?? false) {
                let places = Swift.max(1, Swift.max(Self.percentPlaces(number), otherNumber.map(Self.percentPlaces) ?? 0))
                return Exact(number).formattedPercent(places: places)
            }
            return number.description
        case .list(let items):
            return "[" + items.map { item -> String in
                if case .list(let pair) = item { return pair.map(\.description).joined(separator: "·") }
                return item.description
            }.joined(separator: "、") + "]"
        default: return value.description
        }
    }

    static func percentPlaces(_ number: Fixed) -> Int { Swift.max(0, Swift.min(6, decimals(number) - 2)) }

    func change(subject: Int, key: String, from: Value?, to: Value) -> WhatIfChange {
        let item = data.subjects[subject]
        var name = key
        if key.hasPrefix("#"), let index = compiled.index(of: String(key.dropFirst())) {
            let indicator = compiled.indicator(at: index)
            name = "\(indicator.code) \(indicator.name)"
        }
        let prefix = focus == .composite ? item.name + " " : ""
        let text = "\(prefix)\(name) \(show(from, key: key, like: to)) → \(show(to, key: key, like: from))"
        return WhatIfChange(subject: item.id, subjectName: item.name, key: key, name: name, from: from, to: to, text: text)
    }

    /// "+1.60 分", with the scheme's places.
    func points(_ gain: Exact) -> String {
        let places = compiled.scheme.rounding.places
        return (gain.isNegative ? "" : "+") + gain.formatted(places: places) + " 分"
    }
}
