import Foundation
import Vapor

/// Starts the web application until interrupted: what `jixiao serve` runs.
public enum Server {
    public static func run(hostname: String, port: Int, settings: ServerSettings) async throws {
        var environment = try Environment.detect(arguments: ["jixiao", "serve", "--hostname", hostname, "--port", String(port)])
        try LoggingSystem.bootstrap(from: &environment)
        let app = try await Application.make(environment)
        do {
            try await configure(app, settings: settings)
            app.logger.notice("绩效 Jixiao: http://\(hostname == "0.0.0.0" ? "127.0.0.1" : hostname):\(port)/")
            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}

/// A start-up failure the operator can fix, said in one Chinese line (`jixiao serve` prints it and exits 1).
public struct StartupProblem: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
