/// The checks run when a scheme is validated or saved (BRIEF.md, design lessons): tier gaps
/// and overlaps, branches paying more than the indicator, children that do not add up,
/// caps larger than the indicator, bad weights and bands; and what the seeds get wrong
/// (docs/schemes.md, "Checks"): rules whose full marks are not the max, printed parts and
/// targets that disagree with the rule, names nothing declares. Reference and cycle errors
/// come from compiling (`CompiledScheme`).
public enum SchemeChecks {
    /// Every problem of the scheme, compile errors included.
    public static func check(_ scheme: Scheme) -> [Problem] {
        let problems: [Problem]
        do {
            problems = try CompiledScheme(scheme).warnings
        } catch {
            // Compiling stops at errors; add the static warnings so the user sees everything at once.
            problems = error.problems + staticProblems(scheme).filter { $0.severity == .warning }
        }
        // In file order (stable), so the printed list reads down the scheme file.
        return problems.enumerated().sorted {
            ($0.element.location?.line ?? 0, $0.offset) < ($1.element.location?.line ?? 0, $1.offset)
        }.map(\.element)
    }

    static func staticProblems(_ scheme: Scheme) -> [Problem] {
        var problems: [Problem] = []
        func add(_ severity: Problem.Severity, _ indicator: Indicator?, _ message: String) {
            problems.append(Problem(severity, code: indicator?.code, location: indicator?.location ?? scheme.location, message))
        }
        let sumSeverity: Problem.Severity = scheme.requireChildrenSum ? .error : .warning

        // Maxima are summed, subtracted from totals and turned into percentages everywhere; a scheme
        // whose sums leave Fixed's range would poison every result, so it is refused where it is written.
        for indicator in scheme.allIndicators where indicator.isGroup {
            let sum = indicator.children.map(\.max).reduce(Fixed.zero, +)
            if sum.isOverflow { add(.error, indicator, "下级指标分值合计超出范围（绝对值不能超过约 920 亿）") }
        }
        let rootSum = scheme.indicators.filter { $0.kind == .regular }.map(\.max).reduce(Fixed.zero, +)
        let everySum = scheme.indicators.map(\.max).reduce(Fixed.zero, +)
        if rootSum.isOverflow || everySum.isOverflow || (everySum + scheme.total).isOverflow {
            add(.error, scheme.indicators.first, "一级指标分值合计超出范围（绝对值不能超过约 920 亿）")
        } else if rootSum != scheme.total {
            add(sumSeverity, nil, "一级指标分值合计 \(rootSum)，与方案总分 \(scheme.total) 不符")
        }
        var parents: [String: Indicator] = [:]
        func recordParents(_ indicator: Indicator) {
            for child in indicator.children {
                parents[child.code] = indicator
                recordParents(child)
            }
        }
        scheme.indicators.forEach(recordParents)
        for indicator in scheme.allIndicators {
            if indicator.max < .zero { add(.error, indicator, "分值不能为负数（扣分项请写正数的 max 并设 kind: deduction）") }
            if indicator.isGroup {
                let regular = indicator.children.filter { $0.kind == .regular }
                let alternatives = regular.filter { $0.appliesTo != nil }
                let fixed = regular.filter { $0.appliesTo == nil }.map(\.max).reduce(Fixed.zero, +)
                if alternatives.isEmpty, indicator.kind == .regular, !regular.isEmpty, fixed != indicator.max {
                    add(sumSeverity, indicator, "下级指标分值合计 \(fixed)，与本指标分值 \(indicator.max) 不符")
                }
                for alternative in alternatives where fixed + alternative.max != indicator.max {
                    add(sumSeverity, alternative, "适用对象专属指标分值 \(alternative.max) 加上共同指标 \(fixed)，与上级分值 \(indicator.max) 不符")
                }
            }
            if let cap = indicator.cap, cap > indicator.max, indicator.kind != .bonus {
                add(.warning, indicator, "上限 cap \(cap) 大于指标分值 \(indicator.max)")
            }
            if let floor = indicator.floor, indicator.kind == .deduction, floor < -indicator.max {
                add(.warning, indicator, "扣分下限 \(floor) 超过了指标分值 \(indicator.max)")
            }
            FullMarksChecks.check(indicator, parent: parents[indicator.code], add)
            TargetChecks.check(indicator, add)
            guard let rule = indicator.rule else { continue }
            checkRule(rule, indicator, add)
        }
        NameChecks.check(scheme) { indicator, location, message in
            problems.append(Problem(.warning, code: indicator?.code, location: location, message))
        }
        checkGrades(scheme.grades, scheme) { severity, message in
            problems.append(Problem(severity, location: scheme.locations["grades"] ?? scheme.location, message))
        }
        if let composite = scheme.composite {
            switch composite {
            case .subjects(let weights, _, _):
                let sum = weights.map(\.weight).reduce(Fixed.zero, +)
                if sum != .one { add(.warning, nil, "综合得分的地区权重合计 \(sum)，不是 1（计算时按合计归一）") }
                if weights.contains(where: { $0.weight < .zero }) { add(.error, nil, "综合得分权重不能为负数") }
            case .components(let components):
                for component in components where scheme.indicator(code: component.indicator) == nil {
                    add(.error, nil, "综合得分的组成部分引用了不存在的指标 “\(component.indicator)”")
                }
                let sum = components.map(\.weight).reduce(Fixed.zero, +)
                if sum != .one { add(.warning, nil, "综合得分各部分权重合计 \(sum.formattedPercent())，不是 100%") }
            }
        }
        return problems
    }

    private static func checkRule(_ rule: Rule, _ indicator: Indicator, _ add: (Problem.Severity, Indicator?, String) -> Void) {
        let max = indicator.max
        let ceiling = indicator.kind == .bonus ? (indicator.cap ?? max) : max
        func pays(_ points: Fixed, _ what: String) {
            if indicator.kind != .deduction, points > ceiling {
                add(.warning, indicator, "\(what)得 \(points) 分，超过指标分值 \(ceiling)（计分时按 \(ceiling) 封顶）")
            }
        }
        func coverage(_ tiers: [Tier], _ domain: TierCoverage.Domain, closedAtHundredPercentIsTop: Bool) {
            TierCoverage.check(tiers, domain: domain, closedAtHundredPercentIsTop: closedAtHundredPercentIsTop) { add($0, indicator, $1) }
        }
        // The threshold's pass and a shortfall's base are compared with max in FullMarksChecks (both directions).
        switch rule {
        case .threshold:
            break
        case .tiers(_, let tiers):
            // Rates and counts are not negative; a tier closed at 100% ends a share's scale.
            coverage(tiers, TierCoverage.Domain(low: .zero, lowIncluded: true), closedAtHundredPercentIsTop: true)
            for tier in tiers { pays(tier.points, "档位 \(tier.bandText) ") }
        case .growth(let growth):
            // A growth rate cannot fall below −100% (nothing left); a difference can be any number.
            let domain = growth.relative ? TierCoverage.Domain(low: -.one, lowIncluded: true) : TierCoverage.Domain(low: nil, lowIncluded: false)
            coverage(growth.tiers, domain, closedAtHundredPercentIsTop: false)
            for tier in growth.tiers { pays(tier.points, "档位 \(tier.bandText) ") }
        case .shortfall(let shortfall):
            if shortfall.step <= .zero { add(.error, indicator, "shortfall 的 step 必须大于 0") }
            if shortfall.deduct < .zero { add(.error, indicator, "shortfall 的 deduct 不能为负数") }
        case .checklist(let items):
            let sum = items.map(\.points).reduce(Fixed.zero, +)
            if sum > max { add(.warning, indicator, "清单各条合计 \(sum) 分，超过指标分值 \(max)") }
            if sum < max { add(.warning, indicator, "清单各条合计 \(sum) 分，少于指标分值 \(max)，满分无法达到") }
            var ids = Set<String>()
            for item in items where !ids.insert(item.id).inserted { add(.error, indicator, "清单条目 “\(item.id)” 重复") }
        case .incidents(let incidents):
            // The cap and single deductions against the item: FullMarksChecks.checkIncidents.
            if let deduct = incidents.deduct, deduct < .zero { add(.error, indicator, "incidents 的 deduct 不能为负数") }
            if incidents.deduct == nil && incidents.ladder.isEmpty { add(.error, indicator, "incidents 需要 deduct 或 ladder") }
            let counts = incidents.ladder.map(\.count)
            if counts != counts.sorted() || Set(counts).count != counts.count {
                add(.error, indicator, "ladder 的次数应从小到大且不重复")
            }
            if let last = incidents.ladder.last?.deduct, last > (incidents.cap ?? max) {
                add(.warning, indicator, "阶梯最多扣 \(last) 分，超过扣分上限 \(incidents.cap ?? max)")
            }
        case .bonus(let bonus):
            if !bonus.uncapped {
                let cap = bonus.cap ?? ceiling
                if let per = bonus.per, per > cap { add(.warning, indicator, "每条加 \(per) 分，超过加分上限 \(cap)") }
                for (level, points) in bonus.points.sorted(by: { $0.key < $1.key }) where points > cap {
                    add(.warning, indicator, "“\(level)” 加 \(points) 分，超过加分上限 \(cap)")
                }
            }
            if bonus.per == nil && bonus.points.isEmpty { add(.error, indicator, "bonus 需要 per 或 points") }
        case .judged(let judged):
            if let each = judged.each, each.upperBound > ceiling, indicator.kind != .bonus {
                add(.warning, indicator, "每项最多 \(each.upperBound) 分，超过指标分值 \(ceiling)")
            }
        case .ranking(let ranking):
            switch ranking.coefficient {
            case .linear(let first, let last):
                if first < last { add(.warning, indicator, "排名系数第一名 \(first) 小于最后一名 \(last)") }
                if first > .one { add(.warning, indicator, "排名系数 \(first) 大于 1，得分会超过分值") }
            case .table(let table):
                if table.isEmpty { add(.error, indicator, "排名系数表为空") }
                if table != table.sorted(by: >) { add(.warning, indicator, "排名系数表不是从大到小") }
            }
        case .lateness(let lateness):
            if lateness.deduct < .zero { add(.error, indicator, "lateness 的 deduct 不能为负数") }
        case .proportional, .rate, .deviation, .rescale, .formula:
            break
        }
    }

    private static func checkGrades(_ grades: GradeRules, _ scheme: Scheme, _ add: (Problem.Severity, String) -> Void) {
        let mins = grades.bands.map(\.min)
        if Set(mins).count != mins.count { add(.error, "等级分数线重复") }
        if let lowest = mins.min(), lowest > .zero { add(.warning, "低于 \(lowest) 分的总分没有等级") }
        // Bands written for a 100-point scheme on a scheme of another total (a 30-point scheme with 优 at 90).
        for band in grades.bands where band.min > scheme.total {
            add(.warning, "等级 “\(band.grade)” 的分数线 \(band.min) 高于方案总分 \(scheme.total)，总分达不到（分数线应按总分折算，如 90% × \(scheme.total) = \(scheme.total * Fixed("0.9")!)）")
        }
        if let below = grades.below, below.score > scheme.total {
            add(.warning, "等级 “\(below.grade)” 的分数线 \(below.score) 高于方案总分 \(scheme.total)：每个对象都会落在这一等")
        }
        let shares = grades.byRank.map(\.share)
        if shares != shares.sorted() { add(.error, "按名次定等的比例应逐级递增（累计比例）") }
        if let last = shares.last, last > .one { add(.error, "按名次定等的比例不能超过 100%") }
    }
}
