import Vapor

/// The headers every answer carries, so that a page can neither be framed, nor sniffed into another type,
/// nor run a script that the server did not serve as a file: the Content-Security-Policy allows scripts
/// only from this site (the pages' one script is `/static/app.js`) and no plugins, frames or foreign forms.
/// Answers are not cached unless the route says otherwise (JSON and xlsx hold personal data).
/// The session cookie is marked Secure when the request came over TLS, or through a proxy we were told
/// to trust that says it did (`X-Forwarded-Proto: https`).
struct SecurityHeaders: AsyncMiddleware {
    let servedOverTLS: Bool
    let trustForwardedProto: Bool
    let sessionCookie: String

    static let policy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
        "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
    ].joined(separator: "; ")

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        let headers = [
            ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"), ("Cross-Origin-Opener-Policy", "same-origin"),
        ]
        for (name, value) in headers { response.headers.replaceOrAdd(name: name, value: value) }
        // A route may be stricter (evidence files are sandboxed); none is laxer.
        if !response.headers.contains(name: "Content-Security-Policy") {
            response.headers.replaceOrAdd(name: "Content-Security-Policy", value: Self.policy)
        }
        if !response.headers.contains(name: .cacheControl) { response.headers.replaceOrAdd(name: .cacheControl, value: "no-store") }
        if isSecure(request) {
            response.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000")
            if var cookie = response.cookies[sessionCookie] {
                cookie.isSecure = true
                response.cookies[sessionCookie] = cookie
            }
        }
        return response
    }

    func isSecure(_ request: Request) -> Bool {
        if servedOverTLS { return true }
        guard trustForwardedProto, let proto = request.headers.first(name: "X-Forwarded-Proto") else { return false }
        return proto.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } == "https"
    }
}
