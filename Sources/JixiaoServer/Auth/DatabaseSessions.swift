import Fluent
import Foundation
import SQLKit
import Vapor

/// Sessions kept in the database, so that an app server holds no state of its own: several `jixiao serve`
/// processes behind one PostgreSQL see the same sessions, and a restart signs nobody out.
///
/// The cookie carries a random token; the table keeps only its SHA-256, so a copy of the database
/// cannot be replayed as cookies. A session expires after `idleTimeout` without a request (its expiry
/// slides, written at most once per `refreshAfter`) and at the latest `absoluteTimeout` after it began.
/// Vapor's middleware asks to update the session after every request; a request that changed nothing
/// and is not due for a refresh writes nothing.
struct DatabaseSessions: AsyncSessionDriver {
    static let table = "sessions"
    let idleTimeout: TimeInterval
    let absoluteTimeout: TimeInterval
    let refreshAfter: TimeInterval

    init(idleTimeout: TimeInterval = 8 * 3600, absoluteTimeout: TimeInterval = 7 * 24 * 3600, refreshAfter: TimeInterval = 15 * 60) {
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
        self.refreshAfter = refreshAfter
    }

    /// What was read at the start of the request, to tell at its end whether a write is needed.
    private struct ReadKey: StorageKey {
        typealias Value = Read
    }

    private struct Read: Sendable {
        let snapshot: [String: String]
        let refreshedAt: Int
    }

    static func digest(_ id: String) -> String {
        Digest.sha256Hex(id)
    }

    private static func now() -> Int { Int(Date().timeIntervalSince1970) }

    func createSession(_ data: SessionData, for request: Request) async throws -> SessionID {
        let token = [UInt8].random(count: 32).base64.replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "=", with: "")
        let now = Self.now()
        let json = try Self.encode(data)
        let digest = Self.digest(token)
        let user = Self.user(of: data)
        let idle = Int(idleTimeout), absolute = Int(absoluteTimeout)
        try await request.application.write { db in
            guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
            try await sql.raw("""
                INSERT INTO sessions (id, data, created_at, refreshed_at, expires_at, user_id)
                VALUES (\(bind: digest), \(bind: json), \(bind: now), \(bind: now), \(bind: now + min(idle, absolute)), \(bind: user))
                """).run()
            // Now and then, sweep what has expired (no timer: any server that creates sessions cleans up).
            if Int.random(in: 0..<64) == 0 {
                try await sql.raw("DELETE FROM sessions WHERE expires_at < \(bind: now)").run()
            }
        }
        request.storage[ReadKey.self] = Read(snapshot: data.snapshot, refreshedAt: now)
        return SessionID(string: token)
    }

    func readSession(_ sessionID: SessionID, for request: Request) async throws -> SessionData? {
        guard let sql = request.db as? any SQLDatabase, sessionID.string.count <= 128 else { return nil }
        struct Row: Decodable {
            let data: String
            let refreshed_at: Int
            let expires_at: Int
        }
        guard let row = try await sql.raw("SELECT data, refreshed_at, expires_at FROM sessions WHERE id = \(bind: Self.digest(sessionID.string))")
            .first(decoding: Row.self), row.expires_at > Self.now(),
            let data = try? JSONDecoder().decode([String: String].self, from: Data(row.data.utf8))
        else { return nil }
        request.storage[ReadKey.self] = Read(snapshot: data, refreshedAt: row.refreshed_at)
        return SessionData(initialData: data)
    }

    func updateSession(_ sessionID: SessionID, to data: SessionData, for request: Request) async throws -> SessionID {
        let now = Self.now()
        if let read = request.storage[ReadKey.self], read.snapshot == data.snapshot, TimeInterval(now - read.refreshedAt) < refreshAfter {
            return sessionID
        }
        let json = try Self.encode(data)
        let digest = Self.digest(sessionID.string)
        let user = Self.user(of: data)
        let idle = Int(idleTimeout), absolute = Int(absoluteTimeout)
        try await request.application.write { db in
            guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
            // The expiry slides with use but never past the absolute limit from the session's start.
            try await sql.raw("""
                UPDATE sessions SET data = \(bind: json), refreshed_at = \(bind: now), user_id = \(bind: user),
                    expires_at = CASE WHEN created_at + \(bind: absolute) < \(bind: now + idle) THEN created_at + \(bind: absolute) ELSE \(bind: now + idle) END
                WHERE id = \(bind: digest) AND expires_at > \(bind: now)
                """).run()
        }
        return sessionID
    }

    func deleteSession(_ sessionID: SessionID, for request: Request) async throws {
        let digest = Self.digest(sessionID.string)
        try await request.application.write { db in
            guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
            try await sql.raw("DELETE FROM sessions WHERE id = \(bind: digest)").run()
        }
    }

    /// The signed-in user's id, kept in a column of its own so that an account's sessions can be ended at once.
    private static func user(of data: SessionData) -> String {
        data["uid"].flatMap(UUID.init(uuidString:))?.uuidString ?? ""
    }

    /// Ends every session of an account (in the caller's transaction), except the one whose cookie is `keeping`:
    /// its next request finds no session and is signed out, on every app server. Sessions from before the
    /// user column existed are found by the id in their data (a UUID: no character of it is a LIKE wildcard).
    static func end(userID: UUID, keeping: SessionID? = nil, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
        let id = userID.uuidString
        let kept = keeping.map { digest($0.string) } ?? ""
        try await sql.raw("""
            DELETE FROM sessions WHERE (user_id = \(bind: id) OR (user_id = '' AND data LIKE \(bind: "%\"uid\":\"\(id)\"%")))
                AND id <> \(bind: kept)
            """).run()
    }

    private static func encode(_ data: SessionData) throws -> String {
        String(decoding: try JSONEncoder().encode(data.snapshot), as: UTF8.self)
    }
}
