import Foundation
import Vapor

/// Trying figures without saving them: the page for people, the JSON for programs.
struct WhatIfController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("assessments", ":id", "whatif", use: page)
    }

    @Sendable func page(_ request: Request) async throws -> Response {
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound, reason: "没有找到该考核") }
        let view = try await WhatIfView.load(id, request: request)
        return Page.html(WhatIfPage(context: PageContext(request), view: view).document,
                         status: view.problems.isEmpty ? .ok : .unprocessableEntity)
    }
}
