import Vapor

/// A one-time message for the page an action redirects to (post/redirect/get): kept in the session (in the
/// database, so any app server shows it) under that page's path, and taken by that page alone when it is
/// shown. So an upload's "已上传" appears on the new version's page, once, and never on some later page.
enum Notice {
    private static func key(_ page: SiteURL) -> String { "notice " + page.path }

    static func leave(_ message: String, for page: SiteURL, on request: Request) {
        request.session.data[key(page)] = message
    }

    static func take(for page: SiteURL, from request: Request) -> String? {
        let key = key(page)
        guard let message = request.session.data[key] else { return nil }
        request.session.data[key] = nil
        return message
    }
}
