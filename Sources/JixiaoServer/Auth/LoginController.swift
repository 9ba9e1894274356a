import Fluent
import Plot
import Vapor

/// Sign-in and sign-out. Passwords are Bcrypt hashes, checked off the event loops (see PasswordHasher);
/// five failures for one name within 15 minutes block that name for the rest of the window (LoginLimiter).
struct LoginController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("login", use: form)
        routes.post("login", use: login)
        routes.post("logout", use: logout)
    }

    struct Credentials: Content {
        var username: String
        var password: String
        var next: String?
    }

    @Sendable func form(_ request: Request) async throws -> Response {
        page(request, next: SiteURL.localPath(request.query[String.self, at: "next"]), problem: nil)
    }

    private func page(_ request: Request, next: String?, problem: String?, status: HTTPResponseStatus = .ok) -> Response {
        let context = PageContext(request)
        return Page.html(Page.document(
            title: "登录", context: nil,
            .h1("登录"),
            .unwrap(problem) { .p(.class("bad"), .id("login-problem"), .text($0)) },
            .form(.method(.post), .action(SiteURL.login(next: nil)), context.csrfField,
                  .input(.type(.hidden), .name("next"), .escaped("value", next ?? "/")),
                  .p(.label(.text("用户名 "), .input(.type(.text), .name("username"), .id("username"), .required(true)))),
                  .p(.label(.text("密码 "), .input(.type(.password), .name("password"), .id("password"), .required(true)))),
                  .button(.type(.submit), .id("login"), .text("登录")))
        ), status: status)
    }

    /// Every answer to a wrong name or password takes one Bcrypt check (an unknown name is checked against
    /// a decoy hash), so the time to answer does not tell which names exist.
    @Sendable func login(_ request: Request) async throws -> Response {
        let credentials = try request.content.decode(Credentials.self)
        let next = SiteURL.localPath(credentials.next)
        let app = request.application
        guard credentials.username.count <= 100, credentials.password.utf8.count <= 1024 else {
            return page(request, next: next, problem: "用户名或密码不正确", status: .unauthorized)
        }
        guard try await app.loginLimiter.begin(credentials.username, on: app) != nil else {
            return page(request, next: next, problem: "登录失败次数过多，请 15 分钟后再试", status: .tooManyRequests)
        }
        let user = try await User.query(on: request.db).filter(\.$username == credentials.username).with(\.$unit).first()
        guard try await app.passwordHasher.verify(credentials.password, hash: user?.passwordHash), let user else {
            return page(request, next: next, problem: "用户名或密码不正确", status: .unauthorized)
        }
        try await app.loginLimiter.succeeded(credentials.username, on: app)
        // Said only to whoever knows the password, so it tells nobody else that the name exists.
        if user.disabled {
            return page(request, next: next, problem: "该账号已停用，无法登录。如有疑问，请联系本单位的账号管理员", status: .forbidden)
        }
        let userID = try user.requireID()
        let now = Date()
        try await app.write { db in
            try await User.query(on: db).filter(\.$id == userID).set(\.$lastSignInAt, to: now).update()
        }
        // A new session at sign-in (no fixation), with a new anti-forgery token: a session without an id is
        // created afresh with its own cookie; the old one is deleted.
        let old = request.session.id
        request.session.id = nil
        if let old { try await app.sessions.driver.deleteSession(old, for: request).get() }
        for key in request.session.data.snapshot.keys { request.session.data[key] = nil }
        _ = request.csrfToken
        try SignedIn(user: user, unit: user.unit).store(in: request.session)
        if user.mustChangePassword {
            request.session.mustChangePassword = true
            return request.redirect(to: SiteURL.changePassword)
        }
        return request.redirect(to: next ?? "/")
    }

    @Sendable func logout(_ request: Request) async throws -> Response {
        request.session.destroy()
        return request.redirect(to: SiteURL.login(next: nil))
    }
}
