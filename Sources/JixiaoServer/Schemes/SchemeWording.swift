import JixiaoCore

/// The Chinese words the scheme pages use for what scheme files spell in English (rule kinds, subject kinds,
/// the `true/false` of an input's hint), so no English identifier of the file format reaches the screen.
enum SchemeWording {
    /// A rule kind as the scheme admin reads it (docs/schemes.md's kinds, BRIEF.md's R-numbers).
    static func ruleKind(_ rule: Rule?, isGroup: Bool) -> String {
        guard let rule else { return isGroup ? "下级合计" : "评审打分" }
        switch rule {
        case .proportional: return "按完成比例"
        case .rate: return "比率 × 分值"
        case .threshold: return "达标得分"
        case .tiers: return "分档计分"
        case .shortfall: return "差额扣分"
        case .deviation: return "偏差扣分"
        case .lateness: return "逾期扣分"
        case .checklist: return "逐项核对"
        case .incidents: return "按次扣分"
        case .bonus: return "加分项"
        case .judged: return "评审打分"
        case .ranking: return "排名系数"
        case .growth: return "增长分档"
        case .rescale: return "折算计分"
        case .formula: return "公式计算"
        }
    }

    /// Who a scheme assesses, as the org tree names the kinds of units that may be its subjects.
    static func unitKinds(_ kind: SubjectKind) -> [String] {
        switch kind {
        case .region: return ["省", "市州", "县市区"]
        case .project: return ["项目"]
        case .department: return ["部门"]
        case .person: return ["个人"]
        }
    }

    static func subjectKind(_ kind: SubjectKind) -> String {
        switch kind {
        case .region: return "地区（省、市州、县市区）"
        case .project: return "项目"
        case .department: return "部门"
        case .person: return "个人"
        }
    }

    /// An input's printed hint with the file format's "true/false" said as 是/否 ("（true/false）" → "（是/否）").
    static func hint(_ text: String) -> String {
        text.replacingOccurrences(of: "true/false", with: "是/否").replacingOccurrences(of: "true／false", with: "是/否")
    }
}
