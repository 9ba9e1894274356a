import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Vapor

/// Starts the web application until interrupted: what `jixiao serve` runs.
public enum Server {
    /// Every failure before the server listens is a `StartupProblem`: one Chinese line for the operator, who reads
    /// it in a terminal or the journal, instead of the drivers' English error chains. The database and the port are
    /// tried first, so a mistake shows in a second, before migrations or the demo run.
    public static func run(hostname: String, port: Int, settings: ServerSettings) async throws {
        guard (1...65535).contains(port) else { throw StartupProblem("端口 \(port) 无效：须在 1 到 65535 之间（--port）") }
        if let directory = settings.contentDirectory { _ = try ContentFiles.directory(directory) }
        guard OrgImport.kinds.contains(settings.rootUnitKind) else {
            throw StartupProblem("根单位类型 “\(settings.rootUnitKind)” 无效：应为 \(OrgImport.kinds.joined(separator: "、")) 之一（--root-kind）")
        }
        let postgres = try postgresConfiguration(settings)
        if postgres == nil { try checkSQLiteFile(settings.sqlitePath) }

        var environment = try Environment.detect(arguments: ["jixiao", "serve", "--hostname", hostname, "--port", String(port)])
        let starting = StartingGate()
        try LoggingSystem.bootstrap(from: &environment) { level in
            let console = Terminal()
            return { label in QuietWhileStarting(wrapped: ConsoleLogger(label: label, console: console, level: level), gate: starting) }
        }
        let app = try await Application.make(environment)
        do {
            if let postgres {
                try await probe(postgres, on: app.eventLoopGroup.any())
            } else if let path = settings.sqlitePath {
                try await probeSQLite(path)
            }
            try await probePort(hostname: hostname, port: port, group: app.eventLoopGroup)
            do {
                try await configure(app, settings: settings)
            } catch let problem as StartupProblem {
                throw problem
            } catch {
                throw StartupProblem("数据库迁移或初始数据写入失败：\(reason(error))")
            }
            do {
                // startup() rather than execute(): execute() logs a failure in English before rethrowing it.
                try await app.startup()
            } catch {
                throw StartupProblem(listenProblem(error, hostname: hostname, port: port))
            }
            starting.started()
            app.logger.notice("绩效 Jixiao 已启动：http://\(hostname == "0.0.0.0" ? "127.0.0.1" : hostname):\(port)/")
            try await app.running?.onStop.get()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    // MARK: - Database

    /// The parsed `DATABASE_URL`, nil for SQLite; a URL the driver cannot use is a problem now, not at first query.
    static func postgresConfiguration(_ settings: ServerSettings) throws -> SQLPostgresConfiguration? {
        guard let url = settings.databaseURL, !url.isEmpty else { return nil }
        let shown = redacted(url)
        guard let components = URLComponents(string: url), let scheme = components.scheme else {
            throw StartupProblem("环境变量 DATABASE_URL 无效（\(shown)）：应形如 postgres://用户:密码@主机:5432/库名")
        }
        guard scheme.hasPrefix("postgres") else {
            throw StartupProblem("环境变量 DATABASE_URL 无效（\(shown)）：只支持 PostgreSQL（postgres://…）；不设 DATABASE_URL 则用 SQLite 文件")
        }
        guard components.user?.isEmpty == false else {
            throw StartupProblem("环境变量 DATABASE_URL 无效（\(shown)）：缺少用户名，应形如 postgres://用户:密码@主机:5432/库名")
        }
        do {
            return try SQLPostgresConfiguration(url: url)
        } catch {
            throw StartupProblem("环境变量 DATABASE_URL 无效（\(shown)）：应形如 postgres://用户:密码@主机:5432/库名，sslmode 只能是 disable、prefer 或 require")
        }
    }

    /// One connection and one query, so that an unreachable server or a wrong password is named as such.
    static func probe(_ configuration: SQLPostgresConfiguration, on eventLoop: any EventLoop) async throws {
        let core = configuration.coreConfiguration
        let target = core.host.map { "\($0):\(core.port ?? SQLPostgresConfiguration.ianaPortNumber)" } ?? core.unixSocketPath ?? "?"
        let database = core.database ?? core.username
        do {
            let connection = try await PostgresConnection.connect(on: eventLoop, configuration: core, id: 0, logger: quiet)
            do {
                _ = try await connection.query("SELECT 1", logger: quiet)
            } catch {
                try? await connection.close()
                throw error
            }
            try? await connection.close()
        } catch let error as PSQLError {
            switch error.code {
            case .server:
                let state = error.serverInfo?[.sqlState] ?? ""
                let message = error.serverInfo?[.message] ?? ""
                switch state {
                case "28P01", "28000":
                    throw StartupProblem("PostgreSQL（\(target)）拒绝登录：DATABASE_URL 中的用户名或密码不对（\(message)）")
                case "3D000":
                    throw StartupProblem("PostgreSQL（\(target)）中没有数据库 “\(database)”：请先创建（createdb -O \(core.username) \(database)）")
                case "42501":
                    throw StartupProblem("PostgreSQL（\(target)）中用户 \(core.username) 无权访问数据库 “\(database)”（\(message)）")
                default:
                    throw StartupProblem("PostgreSQL（\(target)）报错：\(message)（SQLSTATE \(state)）")
                }
            case .sslUnsupported:
                throw StartupProblem("PostgreSQL（\(target)）不支持 TLS，而 DATABASE_URL 要求 TLS（sslmode=require）")
            case .authMechanismRequiresPassword:
                throw StartupProblem("PostgreSQL（\(target)）要求密码：DATABASE_URL 中没有密码")
            case .unsupportedAuthMechanism:
                throw StartupProblem("PostgreSQL（\(target)）要求的认证方式不受支持：请为用户 \(core.username) 设置密码认证（scram-sha-256 或 md5）")
            default:
                throw StartupProblem("无法连接 PostgreSQL（\(target)）：\(reason(error.underlying ?? error))；请检查数据库是否已启动、DATABASE_URL 的主机与端口")
            }
        } catch {
            throw StartupProblem("无法连接 PostgreSQL（\(target)）：\(reason(error))；请检查数据库是否已启动、DATABASE_URL 的主机与端口")
        }
    }

    /// What a file system check can tell before SQLite tries: SQLite's own errors say only "unable to open".
    static func checkSQLiteFile(_ path: String?) throws {
        guard let path else { return }
        guard !path.isEmpty else { throw StartupProblem("SQLite 数据库文件路径为空（--database）") }
        let file = URL(fileURLWithPath: path)
        let directory = file.deletingLastPathComponent().path
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StartupProblem("无法写入 SQLite 数据库文件 \(file.path)：目录 \(directory) 不存在或不是目录")
        }
        if manager.fileExists(atPath: file.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw StartupProblem("SQLite 数据库文件 \(file.path) 是一个目录，不是文件（--database）") }
            guard manager.isWritableFile(atPath: file.path) else {
                throw StartupProblem("SQLite 数据库文件 \(file.path) 不可写：请检查文件的属主与权限")
            }
        }
        // SQLite writes jixiao.sqlite-wal and -shm beside the file, so the directory must be writable too.
        guard manager.isWritableFile(atPath: directory) else {
            throw StartupProblem("无法写入 SQLite 数据库文件 \(file.path)：目录 \(directory) 不可写（SQLite 还要在其中创建 -wal 与 -shm 文件）")
        }
    }

    /// Opens the file and reads its schema once: a file that is not a database is named as such before the
    /// migration runs. (Whether it can be written, checkSQLiteFile asked the file system.)
    static func probeSQLite(_ path: String) async throws {
        do {
            let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: quiet)
            do {
                _ = try await connection.query("SELECT count(*) FROM sqlite_master", [])
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        } catch let error as SQLiteError {
            let why: String
            switch error.reason {
            case .notADatabase: why = "不是 SQLite 数据库文件"
            case .readOnly: why = "文件只读"
            case .busy, .locked, .busyTimeout: why = "被另一个进程锁定"
            case .permission: why = "没有访问权限"
            case .cantOpen, .cantOpenDirectory, .cantOpenInvalidPath: why = "无法打开（检查路径与权限）"
            case .corrupt: why = "文件已损坏"
            case .full: why = "磁盘已满"
            default: why = error.message
            }
            throw StartupProblem("无法使用 SQLite 数据库文件 \(path)：\(why)")
        } catch {
            throw StartupProblem("无法使用 SQLite 数据库文件 \(path)：\(reason(error))")
        }
    }

    // MARK: - Port

    /// Binds and closes once: a port in use is found before minutes of demo loading, not after.
    static func probePort(hostname: String, port: Int, group: any EventLoopGroup) async throws {
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .bind(host: hostname, port: port).get()
            try await channel.close()
        } catch {
            throw StartupProblem(listenProblem(error, hostname: hostname, port: port))
        }
    }

    static func listenProblem(_ error: any Error, hostname: String, port: Int) -> String {
        if let io = error as? IOError {
            switch io.errnoCode {
            case EADDRINUSE: return "端口 \(port) 已被占用（\(hostname):\(port) 上已有程序在监听）：请停掉它或换一个 --port"
            case EACCES: return "无权监听端口 \(port)：1024 以下的端口需要 root 权限或 CAP_NET_BIND_SERVICE，请换一个 --port"
            case EADDRNOTAVAIL: return "本机没有地址 \(hostname)（--hostname）：请用 127.0.0.1 或本机网卡的地址"
            default: break
            }
        }
        if error is SocketAddressError || error is SocketAddressError.UnknownHost {
            return "监听地址 \(hostname) 无法解析（--hostname）"
        }
        return "无法监听 \(hostname):\(port)：\(reason(error))"
    }

    // MARK: - Messages

    /// The cause of an error in words an operator can act on, on one line; the drivers' own text only as a last resort.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let problem as StartupProblem: return problem.message
        case let io as IOError: return errnoText(io.errnoCode) ?? oneLine(String(describing: io))
        case let connection as NIOConnectionError:
            if let first = connection.connectionErrors.first { return reason(first.error) }
            if connection.dnsAError != nil || connection.dnsAAAAError != nil { return "主机名 \(connection.host) 无法解析" }
            return "连接失败"
        case is SocketAddressError.UnknownHost, is SocketAddressError: return "主机名无法解析"
        case let channel as ChannelError:
            if case .connectTimeout = channel { return "连接超时" }
            return oneLine(String(describing: channel))
        case let psql as PSQLError:
            if let message = psql.serverInfo?[.message] { return oneLine(message) }
            if let underlying = psql.underlying { return reason(underlying) }
            return oneLine(String(reflecting: psql))
        case let sqlite as SQLiteError: return oneLine(sqlite.message)
        default:
            if let localized = error as? any LocalizedError, let text = localized.errorDescription { return oneLine(text) }
            return oneLine(String(describing: error))
        }
    }

    static func errnoText(_ code: Int32) -> String? {
        switch code {
        case ECONNREFUSED: return "连接被拒绝"
        case ETIMEDOUT: return "连接超时"
        case EHOSTUNREACH, ENETUNREACH: return "网络不可达"
        case ECONNRESET: return "连接被对方重置"
        case EACCES, EPERM: return "权限不足"
        case EADDRINUSE: return "地址已被占用"
        default: return nil
        }
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    /// The URL with its password replaced, fit for a message that may end in a journal.
    static func redacted(_ url: String) -> String {
        if var components = URLComponents(string: url) {
            guard components.password != nil else { return url }
            components.password = "***"
            if let text = components.string { return text }
        }
        // Unparsable: hide whatever sits between "user:" and "@".
        return url.replacingOccurrences(of: "(://[^:/@]*:)[^@]*@", with: "$1***@", options: .regularExpression)
    }

    /// The drivers log at debug level while probing; the probe reports its own outcome.
    private static var quiet: Logger {
        var logger = Logger(label: "jixiao.startup")
        logger.logLevel = .critical
        return logger
    }
}

/// Until the server listens, errors are logged by the drivers in English (Fluent's migrator logs a failed migration
/// before rethrowing it) and then reported again as the one Chinese line on stderr: while starting, error records
/// are dropped so the operator reads each failure once, in Chinese.
struct QuietWhileStarting: LogHandler {
    var wrapped: any LogHandler
    let gate: StartingGate

    func log(event: LogEvent) {
        if event.level >= .error, gate.isStarting { return }
        wrapped.log(event: event)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }
}

final class StartingGate: Sendable {
    private let starting = NIOLockedValueBox(true)
    var isStarting: Bool { starting.withLockedValue { $0 } }
    func started() { starting.withLockedValue { $0 = false } }
}

/// A start-up failure the operator can fix, said in one Chinese line (`jixiao serve` prints it and exits 1).
public struct StartupProblem: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
