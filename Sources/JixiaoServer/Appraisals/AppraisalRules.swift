import Foundation
import JixiaoCore
import Vapor

/// What a 日常管理 entry is: each kind counts towards one indicator of scheme 003's 附件1, whose rule (caps, the
/// 旷工 ladder, highest level only, the 党员 variants) the engine applies; the app only counts the entries.
enum EntryKind: String, CaseIterable, Sendable {
    case annualTask = "A1.1", study = "A1.2", partyDay = "A1.3", postponed = "A2.1", notClosed = "A2.2"
    case duty = "A3", absence = "A4.1", late = "A4.2", underReported = "A5", unfinished = "A6"
    case news = "AJ1", article = "AJ2", commendation = "AJ3", unitBonus = "AJ4"

    var label: String {
        switch self {
        case .annualTask: return "年初任务少完成或延期（绩效、文明、平安、民族团结创建）"
        case .study: return "学习任务少完成（中心组、周五学习）"
        case .partyDay: return "主题党日任务少完成（党员）"
        case .postponed: return "延期销号"
        case .notClosed: return "年度工作未销号"
        case .duty: return "值班违规或不服从安排"
        case .absence: return "旷工"
        case .late: return "迟到早退"
        case .underReported: return "信息少报（少更新 1 条）"
        case .unfinished: return "未完成领导交办工作"
        case .news: return "加分：本人署名第一的信息 1 条"
        case .article: return "加分：理论文章、调研报告"
        case .commendation: return "加分：本人工作受表彰"
        case .unitBonus: return "加分：为单位加分"
        }
    }

    var isBonus: Bool { rawValue.hasPrefix("AJ") }

    /// The levels a bonus of this kind is paid by (as the scheme's rule names them).
    var levels: [String] {
        switch self {
        case .article: return ["州", "省", "国家"]
        case .commendation: return ["州委州政府", "省残联", "国家残联"]
        default: return []
        }
    }
}

/// One task of a person's 附件2 sheet: its points and a rule of a kind the engine has.
struct SheetTask: Codable, Sendable, Hashable {
    enum Kind: String, Codable, Sendable { case incidents, shortfall, threshold, rescale }
    var name: String
    var points: String
    var kind: Kind
    var deduct: String?
    var target: String?
    var step: String?

    /// How the rule reads, as the head wrote it.
    var ruleText: String {
        switch kind {
        case .incidents: return "每发生一起扣 \(deduct ?? "")分"
        case .shortfall: return "目标 \(target ?? "")，每少 \(step ?? "1") 扣 \(deduct ?? "")分（按整步）"
        case .threshold: return "完成得满分，未完成不得分（填“已完成”或“未完成”）"
        case .rescale: return "按检查得分（百分制）折算"
        }
    }

    /// What the figure entered against the task is.
    var valueHint: String {
        switch kind {
        case .incidents: return "发生次数"
        case .shortfall: return "完成数"
        case .threshold: return "已完成 / 未完成"
        case .rescale: return "检查得分（0–100）"
        }
    }

    func indicator(code: String) throws -> Indicator {
        let value = try Expression(parsing: "value")
        let max = Fixed(points) ?? .zero
        let rule: Rule
        switch kind {
        case .incidents:
            rule = .incidents(Incidents(count: value, deduct: Fixed(deduct ?? "") ?? .zero, ladder: [], cap: nil, base: nil))
        case .shortfall:
            rule = .shortfall(Shortfall(input: value, target: .constant(.number(Fixed(target ?? "") ?? .zero)), step: Fixed(step ?? "1") ?? .one,
                                        deduct: Fixed(deduct ?? "") ?? .zero, steps: .whole, above: false, base: nil, floor: nil,
                                        cutoff: nil, cutoffScore: .zero))
        case .threshold:
            rule = .threshold(Threshold(input: value, op: .greaterOrEqual, value: nil, accept: ["已完成"],
                                        pass: try Expression(parsing: "max"), fail: .constant(.number(.zero))))
        case .rescale:
            rule = .rescale(input: value, from: .hundred)
        }
        return Indicator(code: code, name: name, max: max, text: "\(name)／\(points)分，\(ruleText)", rule: rule, floor: .zero)
    }
}

/// The sheet as a head types it: one task a line, `名称 | 分值 | 规则`, the rule one of
/// `每次扣 5`, `目标 100 每少 1 扣 0.25`, `完成`, `折算`. The points must add up to the section's 40.
enum SheetText {
    static let total = Fixed(40)
    static let maxTasks = 20

    static func parse(_ text: String) throws -> [SheetTask] {
        var tasks: [SheetTask] = []
        var problems: [String] = []
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if lines.count > maxTasks { throw InputProblems(problems: ["附件2 最多 \(maxTasks) 项任务"]) }
        for (offset, line) in lines.enumerated() {
            let at = "第 \(offset + 1) 行"
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 3 else { problems.append("\(at)：应为“名称 | 分值 | 规则”三栏，用“|”分隔"); continue }
            let name = cells[0], points = cells[1], rule = cells[2]
            if name.isEmpty || name.count > 200 { problems.append("\(at) 第 1 栏（名称）：不能为空，不超过 200 字") }
            guard let max = Fixed(points), max > .zero, max <= total else {
                problems.append("\(at) 第 2 栏（分值）：“\(points.prefix(20))” 应为 0 到 40 之间的数"); continue
            }
            let numbers = rule.split(whereSeparator: { !"0123456789.".contains($0) }).map(String.init).filter { Fixed($0) != nil }
            var task = SheetTask(name: name, points: max.description, kind: .threshold)
            if rule.hasPrefix("每次扣"), numbers.count == 1 {
                task.kind = .incidents
                task.deduct = numbers[0]
            } else if rule.hasPrefix("目标"), rule.contains("每少"), numbers.count == 3 {
                task.kind = .shortfall
                task.target = numbers[0]
                task.step = numbers[1]
                task.deduct = numbers[2]
                if Fixed(numbers[1]) == .zero { problems.append("\(at) 第 3 栏（规则）：每少的步长不能为 0"); continue }
            } else if rule == "完成" {
                task.kind = .threshold
            } else if rule == "折算" {
                task.kind = .rescale
            } else {
                problems.append("\(at) 第 3 栏（规则）：“\(rule.prefix(40))” 应为“每次扣 5”“目标 100 每少 1 扣 0.25”“完成”或“折算”之一")
                continue
            }
            tasks.append(task)
        }
        if problems.isEmpty {
            if tasks.isEmpty { problems.append("附件2 至少要有一项任务") }
            let sum = tasks.compactMap { Fixed($0.points) }.reduce(Fixed.zero, +)
            if !tasks.isEmpty && sum != total { problems.append("各项分值合计 \(sum.description) 分，应为 40 分") }
        }
        if !problems.isEmpty { throw InputProblems(problems: problems) }
        return tasks
    }

    static func text(_ tasks: [SheetTask]) -> String {
        tasks.map { task in
            let rule: String
            switch task.kind {
            case .incidents: rule = "每次扣 \(task.deduct ?? "")"
            case .shortfall: rule = "目标 \(task.target ?? "") 每少 \(task.step ?? "1") 扣 \(task.deduct ?? "")"
            case .threshold: rule = "完成"
            case .rescale: rule = "折算"
            }
            return "\(task.name) | \(task.points) | \(rule)"
        }.joined(separator: "\n")
    }
}

/// 民主测评: the parts, their voters, and how a tally becomes points.
enum PollPart: String, CaseIterable, Sendable {
    case leaders = "C1", review = "C2", recipients = "C3"

    var label: String {
        switch self {
        case .leaders: return "领导评价（州管干部，6分）"
        case .review: return "述职测评（机关全体，7分）"
        case .recipients: return "服务对象评价（随机抽取服务对象，7分）"
        }
    }

    var max: Fixed {
        switch self {
        case .leaders: return Fixed(6)
        case .review, .recipients: return Fixed(7)
        }
    }
}

/// The declared conversion (the seed gives the points of each part, not how a vote becomes them):
/// each voter rates each person 优秀 / 称职 / 基本称职 / 不称职, worth 100 / 80 / 60 / 0 of 100; a person's points
/// of a part = the part's points × the mean of their ratings ÷ 100, rounded half-up to 2 places. A voter may
/// leave a person unrated: that ballot then does not count for that person.
enum BallotConversion {
    static let options: [(name: String, worth: Int)] = [("优秀", 100), ("称职", 80), ("基本称职", 60), ("不称职", 0)]
    static let text = "每位评价人对每人评“优秀、称职、基本称职、不称职”之一，分别计 100、80、60、0 分；某部分得分 = 该部分分值 × 各评价平均分 ÷ 100，四舍五入保留两位小数；未评的不计入该人的平均。"

    /// nil when nobody rated the person.
    static func points(counts: [String: Int], max: Fixed) -> Fixed? {
        let rated = options.reduce(0) { $0 + (counts[$1.name] ?? 0) }
        guard rated > 0 else { return nil }
        let worth = options.reduce(0) { $0 + (counts[$1.name] ?? 0) * $1.worth }
        guard let mean = Fixed(worth).divided(by: Fixed(rated * 100)) else { return nil }
        return (max * mean).rounded(places: 2, mode: .halfUp)
    }
}

/// One-time ballot codes: 120 random bits each, written as 24 characters of Crockford's base 32 (no I, L, O, U)
/// in groups of four; stored only as their SHA-256.
enum BallotCodes {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    static let maxCodes = 500

    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<24).map { _ in alphabet[Int(generator.next() % 32)] }
        return stride(from: 0, to: 24, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// Upper case, without spaces and dashes; nil if it cannot be a code (so nothing else is ever hashed or looked up).
    static func normalized(_ typed: String) -> String? {
        guard typed.count <= 64 else { return nil }
        let kept = typed.uppercased().filter { $0 != "-" && $0 != " " }
        guard kept.count == 24, kept.allSatisfy({ alphabet.contains($0) }) else { return nil }
        return kept
    }

    static func hash(_ normalized: String) -> String {
        Digest.sha256Hex(normalized)
    }
}

/// The random draw of service recipients: a seeded shuffle of the list, the first `count` of it.
/// The seed and the list are stored, so the same draw can be made again by anyone.
enum RecipientDraw {
    static func draw(_ list: [String], count: Int, seed: UInt64) -> [String] {
        var generator = SeededRandom(seed: seed)
        var pool = list
        var drawn: [String] = []
        while drawn.count < count, !pool.isEmpty {
            let index = Int(generator.next() % UInt64(pool.count))
            drawn.append(pool.remove(at: index))
        }
        return drawn
    }
}

/// What follows from a grade (四、结果运用). The bonus coefficients are an ASSUMPTION: the seed leaves the amount
/// to the unit's 领导小组 once the 州委绩效办 has graded the unit; 1.2 / 1.0 / 0.8 / 0 are declared here and shown.
enum GradeConsequence {
    static func annualReview(_ grade: String?) -> String {
        switch grade {
        case "一等": return "年度考核优秀推荐对象"
        case "二等": return "称职"
        case "三等": return "称职或基本称职（党组研究审定），诫勉谈话"
        case "四等": return "不称职"
        default: return "—"
        }
    }

    static func bonusCoefficient(_ grade: String?) -> String {
        switch grade {
        case "一等": return "1.2"
        case "二等": return "1.0"
        case "三等": return "0.8"
        case "四等": return "0"
        default: return "—"
        }
    }

    static let coefficientNote = "绩效工作性奖金系数（假设，方案未规定金额）：一等 1.2、二等 1.0、三等 0.8、四等 0。"
}
