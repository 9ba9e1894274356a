import Foundation
import Logging
import NIOCore
import SQLKit

/// The statements a database ran and how long each took (wall time from sending it to its last row), in order.
/// For measuring where a month's time goes (`jixiao platform month --profile`), not used by the server.
public final class StatementLog: @unchecked Sendable {
    public struct Entry: Sendable {
        public let sql: String
        /// The bound values, as text (for re-running a statement by hand, e.g. under EXPLAIN).
        public let binds: [String]
        public let seconds: Double
        /// CPU time of this process meanwhile (user + system): on SQLite, the statement's own work whatever the
        /// machine's load; on PostgreSQL only the client's part.
        public let cpuSeconds: Double
        public let rows: Int
    }
    private let lock = NSLock()
    private var list: [Entry] = []
    public init() {}
    public var entries: [Entry] { lock.withLock { list } }
    func add(_ e: Entry) { lock.withLock { list.append(e) } }

    /// This process's CPU time so far (user + system), in seconds.
    public static func cpuNow() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}

/// Forwards everything to `base` and records each statement's SQL text and time in `log`; sessions are wrapped
/// too, so statements inside `withSession` (the snapshots) are timed as well.
public struct TimedDatabase: SQLDatabase {
    public let base: any SQLDatabase
    public let log: StatementLog
    public init(_ base: any SQLDatabase, log: StatementLog) {
        self.base = base
        self.log = log
    }
    public var logger: Logger { base.logger }
    public var eventLoop: any EventLoop { base.eventLoop }
    public var version: (any SQLDatabaseReportedVersion)? { base.version }
    public var dialect: any SQLDialect { base.dialect }
    public var queryLogLevel: Logger.Level? { base.queryLogLevel }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func bump() { lock.withLock { n += 1 } }
        var value: Int { lock.withLock { n } }
    }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let (text, values) = base.serialize(query)
        let binds = values.map { String(describing: $0) }
        let start = Date()
        let cpu = StatementLog.cpuNow()
        let rows = Counter()
        let log = self.log
        return base.execute(sql: query) { row in
            rows.bump()
            onRow(row)
        }.map {
            log.add(.init(
                sql: text, binds: binds, seconds: Date().timeIntervalSince(start), cpuSeconds: StatementLog.cpuNow() - cpu, rows: rows.value))
        }
    }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        let (text, values) = base.serialize(query)
        let binds = values.map { String(describing: $0) }
        let start = Date()
        let cpu = StatementLog.cpuNow()
        let rows = Counter()
        try await base.execute(sql: query) { row in
            rows.bump()
            onRow(row)
        }
        log.add(.init(
            sql: text, binds: binds, seconds: Date().timeIntervalSince(start), cpuSeconds: StatementLog.cpuNow() - cpu, rows: rows.value))
    }

    public func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let log = self.log
        return try await base.withSession { session in try await closure(TimedDatabase(session, log: log)) }
    }
}
