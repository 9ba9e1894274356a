import Foundation
import JixiaoCore
import Vapor

/// 待我办理 across every scheme and period: the assessments at the user's stage in the user's part of the tree,
/// grouped by scheme and period, each with its score at the stage reached and whether it can move on now.
struct InboxView: Sendable {
    struct Item: Sendable {
        let row: PeriodScores.Row
        let result: SubjectResult
        let stageName: String
        /// What the user can do with it here: submit (to the next stage) or approve (at the last).
        let action: WorkflowAction
        /// Why it cannot move on yet (an error, an unscored or a provisional total), if so.
        let blocker: String?
    }

    struct Group: Sendable {
        let schemeID: UUID
        let schemeName: String
        let period: String
        let items: [Item]
        /// Items per stage name, in stage order.
        let perStage: [(stage: String, count: Int)]
    }

    let groups: [Group]
    var count: Int { groups.map(\.items.count).reduce(0, +) }

    /// At most this many assessments are listed per scheme and period (the rest are on the home list).
    static let limit = 300

    static func load(_ request: Request, user: SignedIn) async throws -> InboxView {
        let choices = try await Overview.choices(request, user: user)
        let board = request.application.scoreBoard
        var groups: [Group] = []
        for choice in choices where choice.waiting > 0 {
            let version = try await board.version(choice.schemeID, on: request.db)
            let scores = try await board.scores(version, period: choice.period, on: request.db)
            let workflow = scores.scheme.workflow
            var items: [Item] = []
            for row in scores.rows where row.state.status != .approved {
                guard workflow.worksAtCurrentStage(user.actor(forPath: row.unitPath), row.state), items.count < limit else { continue }
                let result = scores.current(row)
                let action: WorkflowAction = row.state.stage == workflow.lastStage ? .approve : .submit
                items.append(Item(row: row, result: result, stageName: workflow.stages[row.state.stage], action: action,
                                  blocker: WorkflowChecks.problems(result, scores, action).first))
            }
            let perStage = workflow.stages.map { stage in (stage, items.filter { $0.stageName == stage }.count) }.filter { $0.1 > 0 }
            groups.append(Group(schemeID: choice.schemeID, schemeName: choice.schemeName, period: choice.period, items: items, perStage: perStage))
        }
        return InboxView(groups: groups)
    }
}
