import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Failed sign-ins per user name, in the database (so every app server counts the same failures): after
/// `limit` failures within `window` the name is refused for the rest of the window.
///
/// It holds under concurrency because an attempt is counted before its password is checked: each attempt
/// first records itself, then counts the attempts recorded for the name; only the first `limit` can see a
/// count within the limit, so forty simultaneous guesses get at most `limit` real checks. A success
/// clears the name's record.
struct LoginLimiter: Sendable {
    let limit: Int
    let window: TimeInterval

    init(limit: Int = 5, window: TimeInterval = 15 * 60) {
        self.limit = limit
        self.window = window
    }

    static func key(_ username: String) -> String { String(username.lowercased().prefix(150)) }

    /// Records an attempt and says whether it may go on to the password check; nil when refused.
    func begin(_ username: String, on app: Application) async throws -> UUID? {
        let key = Self.key(username)
        let id = UUID()
        let now = Int(Date().timeIntervalSince1970)
        let since = now - Int(window)
        let limit = self.limit
        return try await app.write { db in
            guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
            // On PostgreSQL, attempts at one name take turns (a transaction-scoped lock), so each counts the ones
            // before it; on SQLite every write already takes its turn on the one writer connection.
            if sql.dialect.name == "postgresql" {
                try await sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: key)))").run()
            }
            try await sql.raw("INSERT INTO login_attempts (id, name_key, at) VALUES (\(bind: id.uuidString), \(bind: key), \(bind: now))").run()
            struct Count: Decodable { let n: Int }
            let count = try await sql.raw("SELECT COUNT(*) AS n FROM login_attempts WHERE name_key = \(bind: key) AND at > \(bind: since)")
                .first(decoding: Count.self)?.n ?? 0
            if count > limit {
                // Refused attempts are not kept: the window runs from the failures that were checked.
                try await sql.raw("DELETE FROM login_attempts WHERE id = \(bind: id.uuidString)").run()
                return nil
            }
            if Int.random(in: 0..<32) == 0 { try await sql.raw("DELETE FROM login_attempts WHERE at <= \(bind: since)").run() }
            return id
        }
    }

    /// The password was right: the name's failures are forgotten.
    func succeeded(_ username: String, on app: Application) async throws {
        let key = Self.key(username)
        try await app.write { db in
            guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
            try await sql.raw("DELETE FROM login_attempts WHERE name_key = \(bind: key)").run()
        }
    }
}

/// Bcrypt on a thread of its own (see WorkerThreads): a check takes about a quarter of a second of CPU, and on
/// the application's shared thread pool a burst of sign-ins starved every SQLite query.
final class PasswordHasher: Sendable {
    private let threads: WorkerThreads
    /// Checked when the name does not exist, so that an unknown name takes as long as a wrong password.
    private let decoy: String
    private let checks = NIOLockedValueBox(0)
    /// How many passwords were checked (the tests count them: a refused attempt is never checked).
    var verifications: Int { checks.withLockedValue { $0 } }

    init(threads: Int = 1) throws {
        self.threads = WorkerThreads(threads: threads)
        decoy = try Self.sharedDecoy.get()
    }

    /// One decoy per process (a hash costs as much as a check; apps started by the tests share it).
    private static let sharedDecoy = Result { try Bcrypt.hash("jixiao-decoy-\(UUID().uuidString)") }

    func verify(_ password: String, hash: String?) async throws -> Bool {
        let decoy = self.decoy
        checks.withLockedValue { $0 += 1 }
        let matches = try await threads.run {
            // Bcrypt bounds its own input at 72 bytes; a longer password is cut before hashing, never refused.
            try Bcrypt.verify(String(password.utf8.prefix(72)) ?? password, created: hash ?? decoy)
        }
        return hash != nil && matches
    }

    /// A new hash (a set or changed password), on the same thread as the checks. Callers refuse passwords longer
    /// than Bcrypt's 72 bytes first (see AccountRules), so no password is silently cut here.
    func hash(_ password: String) async throws -> String {
        try await threads.run { try Bcrypt.hash(password) }
    }

    func shutdown() async throws { try await threads.shutdown() }
}
