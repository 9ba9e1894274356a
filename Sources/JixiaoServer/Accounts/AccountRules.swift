import Foundation
import JixiaoCore

/// What a manager does to another account on its page (the last part of `/accounts/:id/…`).
enum AccountAction: String, Sendable, Hashable, CaseIterable {
    /// 姓名, role and unit.
    case update
    case disable
    case enable
    /// A temporary password (set by the manager or drawn by the system), to be changed at the next sign-in.
    case reset
}

/// Who manages which accounts, which roles may be granted where, and what usernames, names and passwords must be.
/// Pure, so that a test can ask it directly; the store asks it again inside each write's transaction.
///
/// Accounts are managed by the account admins (账号管理员) of any node and by the scheme admin (方案管理员): the
/// scheme admin is the one account a production start creates, so it must be able to create the first others.
/// Each manages the accounts at its own node and below it, and nothing else: the tree is the scope, as it is for
/// assessments. Within the tree one power is not the tree's to give: a scheme admin changes the schemes of the
/// whole installation, so that role sits only on the root unit and only a scheme admin grants it or touches such
/// an account. Nobody manages their own account here (a manager cannot disable, demote or move itself, nor reset
/// its own password behind its own back; it changes its password on 修改密码 like everybody else), and the root
/// keeps at least one active manager and at least one active scheme admin (checked in the write's transaction,
/// so two managers disabling each other at once cannot both succeed).
enum AccountRules {
    static func managesAccounts(_ role: Role) -> Bool { role == .accountAdmin || role == .schemeAdmin }

    /// The roles in the order the pages list them.
    static let roleOrder: [Role] = [.filler, .reviewer, .approver, .leader, .accountAdmin, .schemeAdmin]

    /// A unit as far as the rules need it.
    struct UnitFacts: Sendable {
        let path: String
        let name: String
        /// The root of the tree (no unit above it).
        let isRoot: Bool
        /// Some unit lies below it (reviewers and approvers work on the units below their own).
        let hasChildren: Bool
    }

    /// Whether a path is the root's (one code: "/51/").
    static func isRoot(path: String) -> Bool { path.split(separator: "/").count == 1 }

    static func within(_ path: String, of manager: SignedIn) -> Bool { path.hasPrefix(manager.unitPath) }

    /// The roles the manager's role selects offer: those it may grant at some unit of its tree.
    static func grantableRoles(by manager: SignedIn) -> [Role] {
        roleOrder.filter { $0 != .schemeAdmin || (manager.role == .schemeAdmin && isRoot(path: manager.unitPath)) }
    }

    /// Why `manager` may not give `role` at `unit`; nil when it may.
    static func refusal(grant role: Role, at unit: UnitFacts, by manager: SignedIn) -> String? {
        guard managesAccounts(manager.role) else { return "只有账号管理员和方案管理员可以管理账号" }
        guard within(unit.path, of: manager) else { return "单位“\(unit.name)”不在您管理的范围内" }
        switch role {
        case .schemeAdmin:
            guard manager.role == .schemeAdmin else { return "方案管理员只能由方案管理员授予" }
            guard unit.isRoot else { return "方案管理员管理全部考核方案，只能设在根单位，不能设在“\(unit.name)”" }
        case .reviewer, .approver:
            guard unit.hasChildren else {
                return "\(role.chineseName)办理下级单位的考核，只能设在有下级单位的单位；“\(unit.name)”没有下级单位"
            }
        case .filler, .leader, .accountAdmin:
            break
        }
        return nil
    }

    /// Why `manager` may not act on the account `targetID` (whose role is `targetRole`, inside its tree); nil when it may.
    static func refusal(actOn targetID: UUID, role targetRole: Role, by manager: SignedIn) -> String? {
        guard managesAccounts(manager.role) else { return "只有账号管理员和方案管理员可以管理账号" }
        if targetID == manager.userID { return "不能在账号管理中修改自己的账号（修改自己的密码请用“修改密码”）" }
        if targetRole == .schemeAdmin && manager.role != .schemeAdmin { return "方案管理员的账号只能由方案管理员管理" }
        return nil
    }

    /// Letters, digits, ".", "_", "-", starting with a letter, 3 to 32 characters (ASCII only: they are typed on
    /// every sign-in, on any keyboard).
    static func usernameProblem(_ username: String) -> String? {
        let scalars = Array(username.unicodeScalars)
        guard (3...32).contains(scalars.count) else { return "用户名应为 3 至 32 个字符" }
        guard let first = scalars.first, first.isASCII, first.properties.isAlphabetic else { return "用户名应以英文字母开头" }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard scalars.allSatisfy({ allowed.contains($0) }) else { return "用户名只能含英文字母、数字和 . _ -" }
        return nil
    }

    static func displayNameProblem(_ name: String) -> String? {
        guard !name.isEmpty else { return "请填写姓名" }
        guard name.count <= 40 else { return "姓名不能超过 40 个字" }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return "姓名含有控制字符" }
        return nil
    }

    static let minimumPasswordLength = 8

    /// A password someone chose: at least 8 characters, at most Bcrypt's 72 bytes (longer ones would be cut
    /// silently), not the username; a new one not the old one either.
    static func passwordProblem(_ password: String, username: String, old: String? = nil) -> String? {
        guard password.count >= minimumPasswordLength else { return "密码至少 \(minimumPasswordLength) 个字符" }
        guard password.utf8.count <= 72 else { return "密码不能超过 72 个字节（约 24 个汉字或 72 个英文字符）" }
        guard password.lowercased() != username.lowercased() else { return "密码不能与用户名相同" }
        if let old, password == old { return "新密码不能与当前密码相同" }
        return nil
    }

    /// A temporary password drawn by the system (16 characters without look-alikes, about 93 bits).
    static func temporaryPassword() -> String { FirstStart.randomPassword() }
}
