import Fluent
import SQLKit
import Vapor

/// `GET /healthz`: 200 when the database answers, 503 when it does not.
enum HealthController {
    @Sendable static func check(_ request: Request) async throws -> Response {
        guard let sql = request.db as? any SQLDatabase else { throw Abort(.internalServerError) }
        do {
            try await sql.raw("SELECT 1").run()
            return Response(status: .ok, body: .init(string: "ok\n"))
        } catch {
            request.logger.error("health check: database unreachable: \(error)")
            return Response(status: .serviceUnavailable, body: .init(string: "database unreachable\n"))
        }
    }
}
