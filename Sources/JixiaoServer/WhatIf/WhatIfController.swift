import Foundation
import Vapor

/// Trying figures without saving them: the page for people, the JSON for programs.
struct WhatIfController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("assessments", ":id", "whatif", use: page)
        routes.get("api", "assessments", ":id", "whatif", use: json)
    }

    /// The analysis for the grade in `target` (or every grade above, without one); figures tried with
    /// `v0`…`vN` are ignored here: a program re-scores with `PUT …/figures` or reads the page.
    @Sendable func json(_ request: Request) async throws -> WhatIfDTO {
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound, reason: "没有找到该考核") }
        let view = try await WhatIfView.load(id, request: request, analyse: true)
        guard view.problems.isEmpty, let analysis = view.analysis else { throw InputProblems(problems: view.problems) }
        return WhatIfDTO(analysis, target: view.target)
    }

    @Sendable func page(_ request: Request) async throws -> Response {
        guard let id = request.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Abort(.notFound, reason: "没有找到该考核") }
        let view = try await WhatIfView.load(id, request: request)
        return Page.html(WhatIfPage(context: PageContext(request), view: view).document,
                         status: view.problems.isEmpty ? .ok : .unprocessableEntity)
    }
}
