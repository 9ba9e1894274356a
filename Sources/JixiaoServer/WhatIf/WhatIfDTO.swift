import Foundation
import JixiaoCore
import Vapor

/// `GET /api/assessments/:id/whatif?target=良`: the analysis of `WhatIf.analyse` as JSON. Points are strings
/// with two decimals (exact values rounded once), figures as the entry form writes them.
struct WhatIfDTO: Content {
    struct Standing: Content {
        let total: String?
        let grade: String?
        let rank: Int?
        let ranked: Int
        let text: String
    }
    struct Distance: Content {
        let grade: String
        let pointsNeeded: String?
        let blockedBy: String?
        let text: String
    }
    struct Change: Content {
        let key: String
        let name: String
        let from: String?
        let to: String
    }
    struct Step: Content {
        let changes: [Change]
        let gain: String
        let rankBefore: Int?
        let rankAfter: Int?
        let gradeAfter: String?
        let text: String
    }
    struct Opportunity: Content {
        let code: String
        let name: String
        let score: String
        let max: String
        /// nil: no cap (a bonus without one).
        let open: String?
        let changeable: Bool
        let why: String?
        let steps: [Step]
    }
    struct Plan: Content {
        let target: String
        let reachable: Bool
        let method: String
        let changes: [Change]
        let after: Standing
        let text: [String]
    }
    let subject: String
    let stage: String
    let target: String?
    let standing: Standing
    let distances: [Distance]
    /// Cheapest first.
    let opportunities: [Opportunity]
    let plan: Plan?
    let assumptions: [String]
    let problems: [String]

    init(_ analysis: WhatIfAnalysis, target: String?) {
        func standing(_ s: WhatIfStanding) -> Standing {
            Standing(total: s.total?.formatted(), grade: s.grade, rank: s.rank, ranked: s.ranked, text: s.text)
        }
        func change(_ c: WhatIfChange) -> Change { Change(key: c.key, name: c.name, from: c.from?.description, to: c.to.description) }
        subject = analysis.subjectName
        stage = analysis.stage
        self.target = target
        self.standing = standing(analysis.standing)
        distances = analysis.distances.map {
            Distance(grade: $0.grade, pointsNeeded: $0.pointsNeeded?.formatted(), blockedBy: $0.blockedBy, text: $0.text)
        }
        opportunities = analysis.opportunities.map { item in
            Opportunity(code: item.code, name: item.name, score: item.score.formatted(), max: item.max.formatted(),
                        open: item.open?.formatted(), changeable: item.changeable, why: item.why,
                        steps: item.steps.map {
                            Step(changes: $0.changes.map(change), gain: $0.gain.formatted(), rankBefore: $0.rankBefore,
                                 rankAfter: $0.rankAfter, gradeAfter: $0.gradeAfter, text: $0.text)
                        })
        }
        plan = analysis.plan.map {
            Plan(target: $0.target, reachable: $0.reachable, method: $0.method.rawValue, changes: $0.changes.map(change),
                 after: standing($0.after), text: $0.text)
        }
        assumptions = analysis.assumptions
        problems = analysis.problems
    }
}
