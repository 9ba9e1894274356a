import Foundation
import JixiaoCore
import Vapor

/// The signed-in user, as kept in the session: who, which role, which node of the org tree.
/// Kept whole in the session so that a request needs no database query to know its user.
struct SignedIn: Sendable {
    let userID: UUID
    let username: String
    let displayName: String
    let role: Role
    let unitID: UUID
    let unitPath: String
    let unitName: String

    /// Where a node stands from this user's node (the org tree's paths are prefixes of their descendants').
    func reach(toPath path: String) -> Actor.Reach {
        path == unitPath ? .own : path.hasPrefix(unitPath) ? .below : .outside
    }

    func actor(forPath path: String) -> Actor { Actor(role: role, reach: reach(toPath: path)) }

    init(user: User, unit: OrgUnit) throws {
        userID = try user.requireID()
        username = user.username
        displayName = user.displayName
        role = user.role
        unitID = try unit.requireID()
        unitPath = unit.path
        unitName = unit.name
    }

    init?(session: Session) {
        let data = session.data
        guard let id = data["uid"].flatMap(UUID.init(uuidString:)), let username = data["username"],
            let role = data["role"].flatMap(Role.init(rawValue:)), let unit = data["unit"].flatMap(UUID.init(uuidString:)),
            let path = data["path"]
        else { return nil }
        userID = id
        self.username = username
        displayName = data["display"] ?? username
        self.role = role
        unitID = unit
        unitPath = path
        unitName = data["unitName"] ?? ""
    }

    func store(in session: Session) {
        session.data["uid"] = userID.uuidString
        session.data["username"] = username
        session.data["display"] = displayName
        session.data["role"] = role.rawValue
        session.data["unit"] = unitID.uuidString
        session.data["path"] = unitPath
        session.data["unitName"] = unitName
    }
}

extension Request {
    /// The signed-in user; `RequireSignIn` guarantees it on every route behind it.
    var user: SignedIn {
        get throws {
            guard let user = SignedIn(session: session) else { throw Abort(.unauthorized, reason: "请先登录") }
            return user
        }
    }

    /// This session's anti-forgery token, created on first use.
    var csrfToken: String {
        if let token = session.data["csrf"] { return token }
        let token = [UInt8].random(count: 24).base64.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "+", with: "-")
        session.data["csrf"] = token
        return token
    }
}

/// Pages behind it redirect to the login page without a session; `/api/…` answers 401.
struct RequireSignIn: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if SignedIn(session: request.session) != nil { return try await next.respond(to: request) }
        if request.url.path.hasPrefix("/api/") { throw Abort(.unauthorized, reason: "请先登录") }
        let target = request.url.path + (request.url.query.map { "?\($0)" } ?? "")
        return request.redirect(to: SiteURL.login(next: target))
    }
}

extension Session {
    /// Set at a sign-in with a temporary password (a new account, a reset): until the password is changed,
    /// `RequirePasswordChange` lets the session reach only the change-password page and sign-out.
    var mustChangePassword: Bool {
        get { data["mustChange"] == "1" }
        set { data["mustChange"] = newValue ? "1" : nil }
    }
}

/// Behind RequireSignIn: a session that must change its password is sent to the change-password page from every
/// other page (`/api/…` answers 403). The flag lives in the session, set at sign-in; a reset ends the account's
/// sessions, so a reset password is always met at the next sign-in.
struct RequirePasswordChange: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.session.mustChangePassword else { return try await next.respond(to: request) }
        if request.url.path.hasPrefix("/api/") { throw Abort(.forbidden, reason: "请先修改密码") }
        return request.redirect(to: SiteURL.changePassword)
    }
}

/// Every state-changing request (POST, PUT, PATCH, DELETE) must carry the session's token, as the form
/// field `_csrf` or the header `X-CSRF-Token`: a page on another site cannot post in the user's name.
/// It also enforces the body limits: every upload (multipart) up to 5 MiB, any other body up to 1 MiB.
struct CSRFProtection: AsyncMiddleware {
    let uploadLimit = 5 << 20
    let formLimit = 1 << 20

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard [.POST, .PUT, .PATCH, .DELETE].contains(request.method) else { return try await next.respond(to: request) }
        var sent = request.headers.first(name: "X-CSRF-Token")
        if sent == nil {
            // The form field lives in the body, which routes collect after the middleware: collect it here,
            // within the upload limits (the stored body is what the route then reads).
            if request.body.data == nil {
                let limit = request.headers.contentType?.type == "multipart" ? uploadLimit : formLimit
                _ = try await request.body.collect(max: limit).get()
            }
            sent = try? request.content.get(String.self, at: "_csrf")
        }
        guard let expected = request.session.data["csrf"], let sent, Self.same(sent, expected) else {
            throw Abort(.forbidden, reason: "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")
        }
        return try await next.respond(to: request)
    }

    /// Compares in time that depends only on the lengths, so the answer's timing does not reveal a prefix of the token.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
