/// The roles of BRIEF.md's users, each scoped to one node of the org tree.
public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
    case filler
    case reviewer
    case approver
    case schemeAdmin = "scheme_admin"
    case leader

    public var chineseName: String {
        switch self {
        case .filler: return "填报员"
        case .reviewer: return "审核员"
        case .approver: return "审定"
        case .schemeAdmin: return "方案管理员"
        case .leader: return "领导（只读）"
        }
    }
}

/// Where an assessment stands: the stage whose figures are being worked on, and whether it is locked.
public struct WorkflowState: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// Being filled or reviewed at `stage`.
        case editing
        /// Sent back to `stage` by the next stage, with a comment.
        case returned
        /// Approved at the last stage: locked.
        case approved
    }

    public var stage: Int
    public var status: Status

    public init(stage: Int = 0, status: Status = .editing) {
        self.stage = stage
        self.status = status
    }
}

public enum WorkflowAction: String, Sendable, Hashable, CaseIterable {
    case save
    case submit
    case sendBack = "return"
    case approve
    /// Unlocks an approved assessment at the last stage, by the approving level or above, with a reason.
    case reopen

    public var chineseName: String {
        switch self {
        case .save: return "保存"
        case .submit: return "提交"
        case .sendBack: return "退回"
        case .approve: return "审定通过"
        case .reopen: return "重新打开"
        }
    }

    /// Whether the step needs a written reason (a return's comment, a reopening's reason).
    public var needsComment: Bool { self == .sendBack || self == .reopen }
}

/// The user acting on one assessment: their role, and where the assessment's subject stands from their node.
public struct Actor: Sendable, Hashable {
    public enum Reach: Sendable, Hashable {
        /// The subject is the user's own node.
        case own
        /// The subject lies below the user's node.
        case below
        /// The subject is elsewhere in the tree: nothing is visible.
        case outside
    }

    public var role: Role
    public var reach: Reach

    public init(role: Role, reach: Reach) {
        self.role = role
        self.reach = reach
    }

    public var canView: Bool { reach != .outside }
}

/// A refused workflow step, in the words the user reads.
public struct WorkflowError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The review workflow of a scheme: its stages (default 自评 → 初评 → 审定), who works at each,
/// and which steps move an assessment between them. Pure: the server stores the state and asks.
public struct Workflow: Sendable, Hashable {
    public static let defaultStages = ["自评", "初评", "审定"]

    public let stages: [String]

    /// A scheme that declares one stage (or none) runs the default three.
    public init(schemeStages: [String]) {
        stages = schemeStages.count > 1 ? schemeStages : Workflow.defaultStages
    }

    public var lastStage: Int { stages.count - 1 }

    /// The first stage is the subject's own self-assessment; the last is approval; those between are reviews.
    public func role(at stage: Int) -> Role {
        stage == 0 ? .filler : stage == lastStage ? .approver : .reviewer
    }

    /// Whether `actor` works at the assessment's current stage: the stage's role, on their own node for
    /// the self-assessment, strictly above it for review and approval (nobody reviews their own figures).
    public func worksAtCurrentStage(_ actor: Actor, _ state: WorkflowState) -> Bool {
        guard actor.role == role(at: state.stage) else { return false }
        return state.stage == 0 ? actor.reach != .outside : actor.reach == .below
    }

    /// The state after `action`, or why it is refused.
    public func apply(_ action: WorkflowAction, to state: WorkflowState, by actor: Actor) throws(WorkflowError) -> WorkflowState {
        guard actor.canView else { throw WorkflowError("无权操作该考核") }
        if action == .reopen {
            guard state.status == .approved else { throw WorkflowError("只有已审定的考核才能重新打开") }
            // The approving level or above: an approver strictly above the subject (an approver's reach
            // covers every node below its own, so a province approver may reopen a city's approval too).
            guard actor.role == role(at: lastStage), actor.reach == .below else {
                throw WorkflowError("已审定的考核只能由上级单位的\(role(at: lastStage).chineseName)重新打开；您（\(actor.role.chineseName)）不能重新打开")
            }
            return WorkflowState(stage: lastStage, status: .editing)
        }
        if state.status == .approved { throw WorkflowError("该考核已审定，已锁定，不能再\(action.chineseName)") }
        guard worksAtCurrentStage(actor, state) else {
            throw WorkflowError("当前处于“\(stages[state.stage])”阶段，应由上级单位的\(role(at: state.stage).chineseName)办理；您（\(actor.role.chineseName)）不能\(action.chineseName)")
        }
        var next = state
        switch action {
        case .save:
            break
        case .submit:
            guard state.stage < lastStage else { throw WorkflowError("“\(stages[lastStage])”是最后阶段：请用“审定通过”") }
            next = WorkflowState(stage: state.stage + 1, status: .editing)
        case .sendBack:
            guard state.stage > 0 else { throw WorkflowError("“\(stages[0])”是第一阶段，不能退回") }
            next = WorkflowState(stage: state.stage - 1, status: .returned)
        case .approve:
            guard state.stage == lastStage else { throw WorkflowError("只有“\(stages[lastStage])”阶段可以审定通过") }
            next = WorkflowState(stage: state.stage, status: .approved)
        case .reopen:
            break  // handled above: only an approved assessment reopens
        }
        return next
    }

    /// The actions `actor` can take now, for the buttons a page shows.
    public func actions(for actor: Actor, at state: WorkflowState) -> [WorkflowAction] {
        WorkflowAction.allCases.filter { (try? apply($0, to: state, by: actor)) != nil }
    }

    /// Changing a figure after the self-assessment is an adjustment: it needs a reason.
    public func needsReason(at stage: Int) -> Bool { stage > 0 }
}
