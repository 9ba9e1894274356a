import Fluent
import Foundation
import JixiaoCore
import Plot
import Vapor

/// 账号管理: the accounts of the manager's tree (see AccountRules for who manages what). Every route checks that
/// the user manages accounts before it reads the form; every account outside the manager's tree answers 404.
struct AccountController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("accounts", use: list)
        routes.get("accounts", "new", use: newForm)
        routes.post("accounts", use: create)
        routes.get("accounts", ":id", use: show)
        routes.post("accounts", ":id", ":action", use: act)
    }

    static let flashKey = "accountFlash"

    private func manager(_ request: Request) throws -> SignedIn {
        let user = try request.user
        guard AccountRules.managesAccounts(user.role) else { throw Abort(.forbidden, reason: "只有账号管理员和方案管理员可以管理账号") }
        return user
    }

    @Sendable func list(_ request: Request) async throws -> Response {
        let manager = try manager(request)
        let all = try await AccountStore(request, manager: manager).accounts()
        let search = String((request.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces).prefix(50))
        let shown = search.isEmpty ? all : all.filter {
            $0.displayName.localizedCaseInsensitiveContains(search) || $0.username.localizedCaseInsensitiveContains(search)
                || $0.unitName.contains(search)
        }
        return Page.html(AccountListPage(context: PageContext(request), manager: manager, accounts: shown, total: all.count, search: search).document)
    }

    @Sendable func newForm(_ request: Request) async throws -> Response {
        let manager = try manager(request)
        return try await newPage(request, manager: manager, typed: .init(), problems: [], status: .ok)
    }

    private func newPage(_ request: Request, manager: SignedIn, typed: NewAccountPage.Typed, problems: [String],
                         status: HTTPResponseStatus) async throws -> Response {
        let units = try await AccountStore(request, manager: manager).units()
        return Page.html(NewAccountPage(context: PageContext(request), manager: manager, units: units,
                                        roles: AccountRules.grantableRoles(by: manager), typed: typed, problems: problems).document,
                         status: status)
    }

    struct NewForm: Content {
        var username: String?
        var displayName: String?
        var role: String?
        var unit: String?
        var password: String?
    }

    @Sendable func create(_ request: Request) async throws -> Response {
        let manager = try manager(request)
        let form = try request.content.decode(NewForm.self)
        let username = (form.username ?? "").trimmingCharacters(in: .whitespaces)
        let displayName = (form.displayName ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let role = form.role.flatMap(Role.init(rawValue:))
        let unit = form.unit.flatMap(UUID.init(uuidString:))
        let typedPassword = form.password ?? ""
        var problems: [String] = []
        if let problem = AccountRules.usernameProblem(username) { problems.append("用户名：\(problem)") }
        if let problem = AccountRules.displayNameProblem(displayName) { problems.append("姓名：\(problem)") }
        if role == nil { problems.append("角色：请选择角色") }
        if unit == nil { problems.append("单位：请选择单位") }
        if !typedPassword.isEmpty, let problem = AccountRules.passwordProblem(typedPassword, username: username) {
            problems.append("初始密码：\(problem)")
        }
        let typed = NewAccountPage.Typed(username: String(username.prefix(64)), displayName: String(displayName.prefix(64)), role: role, unit: unit)
        guard problems.isEmpty, let role, let unit else {
            return try await newPage(request, manager: manager, typed: typed, problems: problems, status: .unprocessableEntity)
        }
        let generated = typedPassword.isEmpty ? AccountRules.temporaryPassword() : nil
        let hash = try await request.application.passwordHasher.hash(generated ?? typedPassword)
        let store = AccountStore(request, manager: manager)
        switch try await store.create(.init(username: username, displayName: displayName, role: role, unitID: unit, passwordHash: hash)) {
        case .refused(let reasons):
            return try await newPage(request, manager: manager, typed: typed, problems: reasons, status: .unprocessableEntity)
        case .done(let id):
            let account = try await store.account(id)
            return Page.html(PasswordShownPage(context: PageContext(request), account: account, heading: "账号已创建", password: generated).document)
        }
    }

    @Sendable func show(_ request: Request) async throws -> Response {
        let manager = try manager(request)
        let flash = request.session.data[Self.flashKey]
        request.session.data[Self.flashKey] = nil
        return try await accountPage(request, manager: manager, id: try id(request), flash: flash, problems: [], status: .ok)
    }

    private func accountPage(_ request: Request, manager: SignedIn, id: UUID, flash: String?, problems: [String],
                             status: HTTPResponseStatus) async throws -> Response {
        let store = AccountStore(request, manager: manager)
        let account = try await store.account(id)
        let refusal = AccountRules.refusal(actOn: id, role: account.role, by: manager)
        let units = refusal == nil ? try await store.units() : []
        return Page.html(AccountPage(context: PageContext(request), manager: manager, account: account, units: units,
                                     roles: AccountRules.grantableRoles(by: manager), log: try await store.log(id),
                                     flash: flash, problems: problems, refusal: refusal).document,
                         status: status)
    }

    private func id(_ request: Request) throws -> UUID {
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound, reason: "没有找到该账号") }
        return id
    }

    struct UpdateForm: Content {
        var displayName: String?
        var role: String?
        var unit: String?
    }

    struct ResetForm: Content {
        var password: String?
    }

    @Sendable func act(_ request: Request) async throws -> Response {
        let manager = try manager(request)
        let id = try id(request)
        guard let action = request.parameters.get("action").flatMap(AccountAction.init(rawValue:)) else {
            throw Abort(.notFound, reason: "没有这个操作")
        }
        let store = AccountStore(request, manager: manager)
        let account = try await store.account(id)  // 404 outside the tree, before the form is read
        let outcome: AccountStore.Outcome
        let done: String
        switch action {
        case .update:
            let form = try request.content.decode(UpdateForm.self)
            let displayName = (form.displayName ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            var problems: [String] = []
            if let problem = AccountRules.displayNameProblem(displayName) { problems.append("姓名：\(problem)") }
            let role = form.role.flatMap(Role.init(rawValue:))
            let unit = form.unit.flatMap(UUID.init(uuidString:))
            if role == nil { problems.append("角色：请选择角色") }
            if unit == nil { problems.append("单位：请选择单位") }
            guard problems.isEmpty, let role, let unit else {
                return try await accountPage(request, manager: manager, id: id, flash: nil, problems: problems, status: .unprocessableEntity)
            }
            outcome = try await store.update(id, displayName: displayName, role: role, unitID: unit)
            done = "已保存。该账号须重新登录。"
        case .disable:
            outcome = try await store.setDisabled(id, true)
            done = "已停用：该账号已退出登录，不能再登录。"
        case .enable:
            outcome = try await store.setDisabled(id, false)
            done = "已启用。"
        case .reset:
            let typed = try request.content.decode(ResetForm.self).password ?? ""
            if !typed.isEmpty, let problem = AccountRules.passwordProblem(typed, username: account.username) {
                return try await accountPage(request, manager: manager, id: id, flash: nil, problems: ["临时密码：\(problem)"],
                                             status: .unprocessableEntity)
            }
            // Refused before hashing when the manager may not act on this account (a hash costs a quarter second).
            if let refusal = AccountRules.refusal(actOn: id, role: account.role, by: manager) {
                return try await accountPage(request, manager: manager, id: id, flash: nil, problems: [refusal], status: .forbidden)
            }
            let generated = typed.isEmpty ? AccountRules.temporaryPassword() : nil
            let hash = try await request.application.passwordHasher.hash(generated ?? typed)
            outcome = try await store.reset(id, hash: hash, generated: generated != nil)
            if case .done = outcome {
                return Page.html(PasswordShownPage(context: PageContext(request), account: try await store.account(id), heading: "密码已重置",
                                                   password: generated).document)
            }
            done = ""
        }
        switch outcome {
        case .refused(let reasons):
            return try await accountPage(request, manager: manager, id: id, flash: nil, problems: reasons, status: .forbidden)
        case .done:
            request.session.data[Self.flashKey] = done
            return request.redirect(to: SiteURL.account(id))
        }
    }
}
