import Fluent
import Foundation
import Vapor

/// 修改密码: every signed-in user changes their own password here, and a session signed in with a temporary
/// password (a new account, a reset) reaches nothing else until it has (see RequirePasswordChange). The current
/// password is asked every time and its checks count against the same five-failure limit as sign-in, so a
/// session left open does not let anyone guess it.
struct PasswordController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("password", use: form)
        routes.post("password", use: change)
    }

    static let flashKey = "passwordFlash"

    @Sendable func form(_ request: Request) async throws -> Response {
        _ = try request.user
        let flash = request.session.data[Self.flashKey]
        request.session.data[Self.flashKey] = nil
        return page(request, flash: flash, problems: [], status: .ok)
    }

    private func page(_ request: Request, flash: String?, problems: [String], status: HTTPResponseStatus) -> Response {
        Page.html(ChangePasswordPage(context: PageContext(request), forced: request.session.mustChangePassword, flash: flash,
                                     problems: problems).document, status: status)
    }

    struct Form: Content {
        var current: String?
        var new: String?
        var `repeat`: String?
    }

    @Sendable func change(_ request: Request) async throws -> Response {
        let user = try request.user
        let form = try request.content.decode(Form.self)
        let current = form.current ?? "", new = form.new ?? "", again = form.repeat ?? ""
        guard current.utf8.count <= 1024, new.utf8.count <= 1024 else {
            return page(request, flash: nil, problems: ["密码过长"], status: .unprocessableEntity)
        }
        let app = request.application
        guard try await app.loginLimiter.begin(user.username, on: app) != nil else {
            return page(request, flash: nil, problems: ["密码错误次数过多，请 15 分钟后再试"], status: .tooManyRequests)
        }
        let account = try await User.find(user.userID, on: request.db)
        guard let account, !account.disabled else {
            request.session.destroy()
            return request.redirect(to: SiteURL.login(next: nil))
        }
        guard try await app.passwordHasher.verify(current, hash: account.passwordHash) else {
            return page(request, flash: nil, problems: ["当前密码：不正确"], status: .unprocessableEntity)
        }
        try await app.loginLimiter.succeeded(user.username, on: app)
        var problems: [String] = []
        if let problem = AccountRules.passwordProblem(new, username: user.username, old: current) { problems.append("新密码：\(problem)") }
        if new != again { problems.append("再次输入的新密码与新密码不一致") }
        guard problems.isEmpty else { return page(request, flash: nil, problems: problems, status: .unprocessableEntity) }
        let hash = try await app.passwordHasher.hash(new)
        let forced = request.session.mustChangePassword
        try await AccountStore.changeOwnPassword(user, hash: hash, forced: forced, keeping: request.session.id, on: app)
        request.session.mustChangePassword = false
        if forced { return request.redirect(to: SiteURL.home) }
        request.session.data[Self.flashKey] = "密码已修改。您在其他设备上的登录已结束。"
        return request.redirect(to: SiteURL.changePassword)
    }
}
