/// A rule whose full marks are not the indicator's max (004 失业保险统计 grants 5 on 4 points; 002-02 2.3.3 pays
/// 3.33 on 3.36), printed parts that do not add up to the max (001 资金使用合规性 3 + 2 + 1 on 5), and single
/// deductions larger than the item they come out of (003 旷工 扣10 in a 5-point item).
enum FullMarksChecks {
    typealias Report = (Problem.Severity, Indicator?, String) -> Void

    /// The best score the rule gives, worked out exactly from the rule, with `max` the indicator's max for
    /// this subject (or a variant's); nil when it depends on data or is `max` by construction (proportional,
    /// rate, deviation, rescale, lateness, bonus, judged) or is checked on its own (checklist).
    static func best(_ rule: Rule, _ indicator: Indicator, max: Fixed) -> (points: Fixed, what: String)? {
        switch rule {
        case .threshold(let threshold):
            return StaticBounds.upper(threshold.pass, max: max).map { ($0, "达标得") }
        case .tiers(_, let tiers):
            return topTier(tiers)
        case .growth(let growth):
            return topTier(growth.tiers)
        case .shortfall(let shortfall):
            // The engine starts from `base`, or from max when none is written (deduction indicators too).
            guard let base = shortfall.base else { return (max, "起始分（未写 base，取分值）") }
            return StaticBounds.upper(base, max: max).map { ($0, "起始分 base") }
        case .incidents(let incidents):
            guard let base = incidents.base else { return nil }
            return StaticBounds.upper(base, max: max).map { ($0, "起始分 base") }
        case .ranking(let ranking):
            let first: Fixed?
            switch ranking.coefficient {
            case .linear(let coefficient, _): first = coefficient
            case .table(let table): first = table.first
            }
            return first.map { (max * $0, "排名第一（系数 \($0)）得") }
        case .formula(let score):
            return StaticBounds.upper(score, max: max).map { ($0, "公式最多得") }
        case .proportional, .rate, .deviation, .lateness, .checklist, .bonus, .judged, .rescale:
            return nil
        }
    }

    private static func topTier(_ tiers: [Tier]) -> (points: Fixed, what: String)? {
        guard let top = tiers.max(by: { $0.points < $1.points }) else { return nil }
        return (top.points, "最高档 \(top.bandText) 得")
    }

    static func check(_ indicator: Indicator, parent: Indicator?, _ report: Report) {
        if !indicator.parts.isEmpty { checkParts(indicator, report) }
        guard let rule = indicator.rule, indicator.kind != .bonus else { return }
        // The indicator's own max, then each variant's (R29: 5分（党员3分）).
        let maxima = [(indicator.max, "")] + indicator.variants.map { ($0.max, "（\($0.when.source) 时分值 \($0.max)）") }
        for (max, variant) in maxima {
            guard let (points, what) = best(rule, indicator, max: max) else { continue }
            if indicator.kind == .deduction {
                if points != .zero { report(.warning, indicator, "扣分项\(what) \(points) 分：扣分项不扣分时应得 0 分\(variant)") }
                continue
            }
            if points < max {
                report(.warning, indicator, "\(what) \(points) 分，低于指标分值 \(max)（满分无法达到）\(variant)")
            } else if points > max {
                // Tiers and growth report each band that pays too much (SchemeChecks); the others here.
                switch rule {
                case .tiers, .growth: break
                default: report(.warning, indicator, "\(what) \(points) 分，超过指标分值 \(max)（计分时按 \(max) 封顶）\(variant)")
                }
            }
        }
        if case .incidents(let incidents) = rule { checkIncidents(incidents, indicator, parent: parent, report) }
    }

    /// 001 2.1.4 资金使用合规性: 得3分 + 得2分 + 得1分 = 6 on a 5-point indicator.
    static func checkParts(_ indicator: Indicator, _ report: Report) {
        let sum = indicator.parts.reduce(Fixed.zero, +)
        let terms = indicator.parts.map(\.description).joined(separator: " + ")
        if sum > indicator.max {
            report(.warning, indicator, "评分标准各部分合计 \(terms) = \(sum) 分，超过指标分值 \(indicator.max)（每部分都给满分时超出分值）")
        } else if sum < indicator.max {
            report(.warning, indicator, "评分标准各部分合计 \(terms) = \(sum) 分，少于指标分值 \(indicator.max)（按评分标准给分满分无法达到）")
        }
    }

    /// The cap against what can really be deducted, and one deduction against the item it comes out of.
    static func checkIncidents(_ incidents: Incidents, _ indicator: Indicator, parent: Indicator?, _ report: Report) {
        let max = indicator.max
        let start = incidents.base.map { StaticBounds.upper($0, max: max) } ?? (indicator.kind == .deduction ? .zero : max)
        guard let start else { return }
        let lowest = indicator.floor ?? (indicator.kind == .deduction ? -max : .zero)
        // What the deductions can take: down from the start to the floor. A cap above max is deliberate when a
        // floor below zero lets the deductions run on into a pool (003 A1 扣完10分止 over sub-items of 5 and
        // 3 points; 004 1.5.3 扣完5分为止), so the cap is compared with this, not with max.
        let room = start - lowest
        if let cap = incidents.cap, cap > room {
            report(.warning, indicator, "扣分上限 \(cap) 大于指标分值 \(max)：最多只能扣 \(room) 分（从 \(start) 扣到下限 \(lowest)）")
        }
        // The item a deduction comes out of: the room above, and no more than the parent holds when the parent
        // is a pool with its own floor (003 A4 落实考勤和请销假制度 5分，扣完5分止).
        var item = room
        var itemName = "本项可扣的"
        if let parent, let parentFloor = parent.floor {
            let pool = (parent.kind == .deduction ? .zero : parent.max) - parentFloor
            if pool < item {
                item = pool
                itemName = "所在的 \(parent.code) \(parent.name) 可扣的"
            }
        }
        if let deduct = incidents.deduct, deduct > item {
            report(.warning, indicator, "每次扣 \(deduct) 分，超过\(itemName) \(item) 分（一次就扣过了头）")
        }
        if let rung = incidents.ladder.filter({ $0.deduct > item }).max(by: { $0.deduct < $1.deduct }) {
            report(.warning, indicator, "阶梯 \(rung.count) 次扣 \(rung.deduct) 分，超过\(itemName) \(item) 分")
        }
    }
}
