import Fluent
import Plot
import Vapor

/// Sign-in and sign-out. Passwords are Bcrypt hashes; five failures for one name from one address
/// within 15 minutes block that pair for the rest of the window.
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
        page(request, next: request.query[String.self, at: "next"], problem: nil)
    }

    private func page(_ request: Request, next: String?, problem: String?, status: HTTPResponseStatus = .ok) -> Response {
        let context = PageContext(request)
        return Page.html(Page.document(
            title: "登录", context: nil,
            .h1("登录"),
            .unwrap(problem) { .p(.class("bad"), .id("login-problem"), .text($0)) },
            .form(.method(.post), .action("/login"), context.csrfField,
                  .input(.type(.hidden), .name("next"), .value(next ?? "/")),
                  .p(.label(.text("用户名 "), .input(.type(.text), .name("username"), .id("username"), .required(true)))),
                  .p(.label(.text("密码 "), .input(.type(.password), .name("password"), .id("password"), .required(true)))),
                  .button(.type(.submit), .id("login"), .text("登录"))),
            .p(.class("muted"), .text("演示账号（密码均为 \(DemoData.password)）：jinjiang 锦江区填报员 · chengdu 成都市审核员 · shengshending 省审定 · lingdao 省领导（只读） · admin 方案管理员"))
        ), status: status)
    }

    @Sendable func login(_ request: Request) async throws -> Response {
        let credentials = try request.content.decode(Credentials.self)
        let key = "\(credentials.username)|\(request.remoteAddress?.ipAddress ?? "?")"
        let limiter = request.application.loginLimiter
        if await limiter.isBlocked(key) {
            return page(request, next: credentials.next, problem: "登录失败次数过多，请 15 分钟后再试", status: .tooManyRequests)
        }
        guard let user = try await User.query(on: request.db).filter(\.$username == credentials.username).with(\.$unit).first(),
            try await request.password.async.verify(credentials.password, created: user.passwordHash)
        else {
            await limiter.recordFailure(key)
            return page(request, next: credentials.next, problem: "用户名或密码不正确", status: .unauthorized)
        }
        await limiter.reset(key)
        // A new session id at sign-in (no fixation): a session without an id is created afresh with its own cookie.
        let csrf = request.csrfToken
        let old = request.session.id
        request.session.id = nil
        if let old { _ = try? await request.application.sessions.driver.deleteSession(old, for: request).get() }
        SignedIn.clear(request.session)
        request.session.data["csrf"] = csrf
        try SignedIn(user: user, unit: user.unit).store(in: request.session)
        // Only a local path: never an open redirect to another site.
        let next = credentials.next.flatMap { $0.hasPrefix("/") && !$0.hasPrefix("//") ? $0 : nil } ?? "/"
        return request.redirect(to: next)
    }

    @Sendable func logout(_ request: Request) async throws -> Response {
        request.session.destroy()
        return request.redirect(to: "/login")
    }
}
