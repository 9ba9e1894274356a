import Fluent
import FluentSQL
import Foundation
import JixiaoCore
import SQLKit
import Vapor

/// Reads and writes accounts for a manager: every read scoped in SQL to the manager's tree, every write in one
/// transaction that checks the rules again on what it reads there, writes the account audit log and ends the
/// sessions the change makes stale.
///
/// On SQLite a write shares its transaction with others queued on the writer (see WriteGate), so a write never
/// throws after it has written: refusals are decided first and returned as values.
struct AccountStore {
    let app: Application
    let database: any Database
    let manager: SignedIn

    init(_ request: Request, manager: SignedIn) {
        app = request.application
        database = request.db
        self.manager = manager
    }

    /// One account as the pages show it.
    struct Account: Sendable {
        let id: UUID
        let username: String
        let displayName: String
        let role: Role
        let disabled: Bool
        let mustChangePassword: Bool
        let lastSignInAt: Date?
        let unitID: UUID
        let unitName: String
        let unitPath: String
    }

    /// A unit a manager may put accounts on.
    struct Unit: Sendable {
        let id: UUID
        let code: String
        let name: String
        let kind: String
        let facts: AccountRules.UnitFacts
    }

    /// The accounts at or below the manager's node, by unit (tree order) and username.
    func accounts() async throws -> [Account] {
        try await Self.accounts(within: manager.unitPath, id: nil, on: database)
    }

    /// One account of the manager's tree; 404 alike for a missing id and one outside the tree.
    func account(_ id: UUID) async throws -> Account {
        guard let account = try await Self.accounts(within: manager.unitPath, id: id, on: database).first else {
            throw Abort(.notFound, reason: "没有找到该账号")
        }
        return account
    }

    private static func accounts(within path: String, id: UUID?, on db: any Database) async throws -> [Account] {
        var query = User.query(on: db).join(OrgUnit.self, on: \User.$unit.$id == \OrgUnit.$id)
            .filter(.sql(embed: OrgScope.within(path, column: "org_units.path")))
        if let id { query = query.filter(\.$id == id) }
        return try await query.sort(OrgUnit.self, \.$path).sort(\.$username).all().map { user in
            let unit = try user.joined(OrgUnit.self)
            return Account(id: try user.requireID(), username: user.username, displayName: user.displayName, role: user.role,
                           disabled: user.disabled, mustChangePassword: user.mustChangePassword, lastSignInAt: user.lastSignInAt,
                           unitID: try unit.requireID(), unitName: unit.name, unitPath: unit.path)
        }
    }

    /// The units of the manager's tree, in tree order.
    func units() async throws -> [Unit] { try await Self.units(within: manager.unitPath, on: database) }

    private static func units(within path: String, on db: any Database) async throws -> [Unit] {
        let units = try await OrgUnit.query(on: db).within(path).sort(\.$path).all()
        // A unit has children when another unit's path extends its own (the tree's paths are prefixes).
        let parents = Set(units.compactMap { $0.$parent.id })
        return try units.map { unit in
            let id = try unit.requireID()
            return Unit(id: id, code: unit.code, name: unit.name, kind: unit.kind,
                        facts: .init(path: unit.path, name: unit.name, isRoot: unit.$parent.id == nil, hasChildren: parents.contains(id)))
        }
    }

    /// What happened to the account, newest first.
    func log(_ id: UUID) async throws -> [AccountAuditEntry] {
        try await AccountAuditEntry.query(on: database).filter(\.$target.$id == id).sort(\.$at, .descending).all()
    }

    /// A write's outcome: done (the account's id), or refused with the reasons, nothing written.
    enum Outcome: Sendable {
        case done(UUID)
        case refused([String])
    }

    struct NewAccount: Sendable {
        let username: String
        let displayName: String
        let role: Role
        let unitID: UUID
        let passwordHash: String
    }

    func create(_ new: NewAccount) async throws -> Outcome {
        let manager = self.manager
        return try await write { db in
            guard let unit = try await Self.unit(new.unitID, within: manager.unitPath, on: db) else {
                return .refused(["所选单位不在您管理的范围内"])
            }
            if let refusal = AccountRules.refusal(grant: new.role, at: unit.facts, by: manager) { return .refused([refusal]) }
            guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
            struct Count: Decodable { let n: Int }
            let taken = try await sql.raw("SELECT COUNT(*) AS n FROM users WHERE lower(username) = \(bind: new.username.lowercased())")
                .first(decoding: Count.self)?.n ?? 0
            guard taken == 0 else { return .refused(["用户名“\(new.username)”已被使用（不区分大小写）"]) }
            let id = UUID()
            try await User(id: id, username: new.username, displayName: new.displayName, passwordHash: new.passwordHash, role: new.role,
                           unitID: new.unitID, mustChangePassword: true).create(on: db)
            try await AccountAuditEntry(actor: manager, targetID: id, action: "创建账号",
                                        detail: "姓名 \(new.displayName)，角色 \(new.role.chineseName)，单位 \(unit.name)，初始密码须在首次登录时修改")
                .create(on: db)
            return .done(id)
        }
    }

    /// 姓名, role and unit; the account's sessions end (they carry the old role and unit).
    func update(_ id: UUID, displayName: String, role: Role, unitID: UUID) async throws -> Outcome {
        let manager = self.manager
        return try await write { db in
            guard let target = try await Self.accounts(within: manager.unitPath, id: id, on: db).first else {
                return .refused(["没有找到该账号"])
            }
            if let refusal = AccountRules.refusal(actOn: id, role: target.role, by: manager) { return .refused([refusal]) }
            guard let unit = try await Self.unit(unitID, within: manager.unitPath, on: db) else {
                return .refused(["所选单位不在您管理的范围内"])
            }
            if let refusal = AccountRules.refusal(grant: role, at: unit.facts, by: manager) { return .refused([refusal]) }
            if let refusal = try await Self.lastManagerRefusal(target, becomes: role, onRoot: unit.facts.isRoot, disabled: target.disabled, on: db) {
                return .refused([refusal])
            }
            var changes: [String] = []
            if target.displayName != displayName { changes.append("姓名 \(target.displayName) → \(displayName)") }
            if target.role != role { changes.append("角色 \(target.role.chineseName) → \(role.chineseName)") }
            if target.unitID != unitID { changes.append("单位 \(target.unitName) → \(unit.name)") }
            guard !changes.isEmpty else { return .done(id) }
            try await User.query(on: db).filter(\.$id == id)
                .set(\.$displayName, to: displayName).set(\.$role, to: role).set(\.$unit.$id, to: unitID).update()
            try await AccountAuditEntry(actor: manager, targetID: id, action: "修改账号", detail: changes.joined(separator: "；")).create(on: db)
            try await DatabaseSessions.end(userID: id, on: db)
            return .done(id)
        }
    }

    /// Disables (its sessions end at once, on every server) or enables an account.
    func setDisabled(_ id: UUID, _ disabled: Bool) async throws -> Outcome {
        let manager = self.manager
        return try await write { db in
            guard let target = try await Self.accounts(within: manager.unitPath, id: id, on: db).first else {
                return .refused(["没有找到该账号"])
            }
            if let refusal = AccountRules.refusal(actOn: id, role: target.role, by: manager) { return .refused([refusal]) }
            guard target.disabled != disabled else { return .done(id) }
            if disabled {
                if let refusal = try await Self.lastManagerRefusal(target, becomes: target.role, onRoot: AccountRules.isRoot(path: target.unitPath),
                                                                   disabled: true, on: db) {
                    return .refused([refusal])
                }
            }
            try await User.query(on: db).filter(\.$id == id).set(\.$disabled, to: disabled).update()
            try await AccountAuditEntry(actor: manager, targetID: id, action: disabled ? "停用账号" : "启用账号",
                                        detail: disabled ? "停用，已登录的会话全部结束" : "启用").create(on: db)
            if disabled { try await DatabaseSessions.end(userID: id, on: db) }
            return .done(id)
        }
    }

    /// A temporary password: to be changed at the next sign-in; the account's sessions end.
    func reset(_ id: UUID, hash: String, generated: Bool) async throws -> Outcome {
        let manager = self.manager
        return try await write { db in
            guard let target = try await Self.accounts(within: manager.unitPath, id: id, on: db).first else {
                return .refused(["没有找到该账号"])
            }
            if let refusal = AccountRules.refusal(actOn: id, role: target.role, by: manager) { return .refused([refusal]) }
            try await User.query(on: db).filter(\.$id == id).set(\.$passwordHash, to: hash).set(\.$mustChangePassword, to: true).update()
            try await AccountAuditEntry(actor: manager, targetID: id, action: "重置密码",
                                        detail: (generated ? "系统生成临时密码" : "管理员设定临时密码") + "，下次登录时须修改；已登录的会话全部结束")
                .create(on: db)
            try await DatabaseSessions.end(userID: id, on: db)
            return .done(id)
        }
    }

    /// The signed-in user's own new password: the must-change mark goes, every other session of the account ends.
    static func changeOwnPassword(_ user: SignedIn, hash: String, forced: Bool, keeping session: SessionID?, on app: Application) async throws {
        try await app.write { db in
            try await User.query(on: db).filter(\.$id == user.userID)
                .set(\.$passwordHash, to: hash).set(\.$mustChangePassword, to: false).update()
            try await AccountAuditEntry(actor: user, targetID: user.userID, action: "修改密码",
                                        detail: forced ? "本人将临时密码改为新密码" : "本人修改密码，其他会话全部结束").create(on: db)
            try await DatabaseSessions.end(userID: user.userID, keeping: session, on: db)
        }
    }

    // MARK: inside the transaction

    /// One transaction; on PostgreSQL account writes take turns (a transaction-scoped lock), so that the checks
    /// each makes (a free username, the root's last manager) still hold when it commits.
    private func write(_ work: @escaping @Sendable (any Database) async throws -> Outcome) async throws -> Outcome {
        try await app.write { db in
            if let sql = db as? any SQLDatabase, sql.dialect.name == "postgresql" {
                try await sql.raw("SELECT pg_advisory_xact_lock(hashtext('jixiao-accounts'))").run()
            }
            return try await work(db)
        }
    }

    private static func unit(_ id: UUID, within path: String, on db: any Database) async throws -> Unit? {
        guard let unit = try await OrgUnit.query(on: db).within(path).filter(\.$id == id).first() else { return nil }
        let hasChildren = try await OrgUnit.query(on: db).filter(\.$parent.$id == id).count() > 0
        return Unit(id: id, code: unit.code, name: unit.name, kind: unit.kind,
                    facts: .init(path: unit.path, name: unit.name, isRoot: unit.$parent.id == nil, hasChildren: hasChildren))
    }

    /// Refuses a change that would leave the root without an active account manager, or the installation without
    /// an active scheme admin (only a scheme admin manages scheme admins).
    private static func lastManagerRefusal(_ target: Account, becomes role: Role, onRoot: Bool, disabled: Bool,
                                           on db: any Database) async throws -> String? {
        let wasRootManager = !target.disabled && AccountRules.managesAccounts(target.role) && AccountRules.isRoot(path: target.unitPath)
        let staysRootManager = !disabled && AccountRules.managesAccounts(role) && onRoot
        if wasRootManager && !staysRootManager {
            let others = try await User.query(on: db).join(OrgUnit.self, on: \User.$unit.$id == \OrgUnit.$id)
                .filter(OrgUnit.self, \.$parent.$id == nil)
                .filter(\.$disabled == false).filter(\.$role ~~ [.accountAdmin, .schemeAdmin]).filter(\.$id != target.id).count()
            if others == 0 { return "“\(target.displayName)”是根单位最后一个可以管理账号的账号，不能停用、降级或调走" }
        }
        if !target.disabled && target.role == .schemeAdmin && (disabled || role != .schemeAdmin) {
            let others = try await User.query(on: db).filter(\.$disabled == false).filter(\.$role == .schemeAdmin)
                .filter(\.$id != target.id).count()
            if others == 0 { return "“\(target.displayName)”是最后一个方案管理员，不能停用或改变角色" }
        }
        return nil
    }
}
