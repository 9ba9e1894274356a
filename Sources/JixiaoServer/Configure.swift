import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import SQLKit
import Vapor

/// How the server is started: `jixiao serve` fills this from its options and the environment.
public struct ServerSettings: Sendable {
    /// SQLite file used when no `DATABASE_URL` is set; nil = in memory (tests).
    public var sqlitePath: String?
    /// `postgres://…` from the environment: PostgreSQL instead of SQLite.
    public var databaseURL: String?
    /// An operator's folder with `schemes/`, `examples/` and `demo/`; nil = the copy compiled into the binary,
    /// so that the binary runs from any directory.
    public var contentDirectory: String?
    /// The demo loaded into an empty database; nil is a production start (see FirstStart).
    var demo: DemoSize?
    /// Whether the demo carries seed 000's platform records (Demo/DemoPlatform.swift); nil = with the full demo only.
    var demoPlatform: Bool?
    /// Production start on a database without accounts: the first account's password (`JIXIAO_ADMIN_PASSWORD`);
    /// nil = a random one, shown once on the console.
    public var adminPassword: String?
    /// The org unit the first account sits on when the org tree is empty.
    public var rootUnitCode = FirstStart.defaultRootCode
    public var rootUnitName = FirstStart.defaultRootName
    /// One of the org import's kinds (省, 市州, …), so that the root is ranked and assessed like an imported unit.
    public var rootUnitKind = FirstStart.defaultRootKind
    /// Trust X-Forwarded-Proto from the TLS proxy in front (`--behind-https-proxy`): only then
    /// does a request's scheme say whether the browser's connection was HTTPS.
    public var trustForwardedProto = false

    public init(sqlitePath: String?, databaseURL: String?, contentDirectory: String? = nil, demo: Bool = false) {
        self.sqlitePath = sqlitePath
        self.databaseURL = databaseURL
        self.contentDirectory = contentDirectory
        self.demo = demo ? .full : nil
    }
}

/// The composition root: the server and the tests call this one function.
public func configure(_ app: Application, settings: ServerSettings) async throws {
    if let url = settings.databaseURL, !url.isEmpty {
        app.databases.use(try .postgres(configuration: .init(url: url)), as: .psql)
    } else {
        // Readers share a pool; every write goes through one writer connection (see WriteGate), so writers
        // never contend in SQLite's lock. Both pools open the same file (or the same in-memory database).
        let storage = SQLiteConfiguration(storage: settings.sqlitePath.map { .file(path: $0) } ?? .memory)
        app.databases.use(.sqlite(storage, maxConnectionsPerEventLoop: 4), as: .sqlite, isDefault: true)
        app.databases.use(.sqlite(storage, maxConnectionsPerEventLoop: 1), as: .sqliteWriter, isDefault: false)
        guard let writer = app.databases.database(.sqliteWriter, logger: app.logger, on: app.eventLoopGroup.next()),
            let sql = writer as? any SQLDatabase
        else { throw Abort(.internalServerError, reason: "SQLite writer unavailable") }
        // Write-ahead logging: readers never wait for the writer, and a commit is one append without an fsync
        // (synchronous=NORMAL is safe in WAL mode: a crash may lose the last commits, never consistency).
        try await sql.raw("PRAGMA journal_mode=WAL").run()
        try await sql.raw("PRAGMA synchronous=NORMAL").run()
        app.writeGate = WriteGate(writer: writer)
    }
    app.migrations.add(Migrations.all)
    try await migrate(app)
    let content = try settings.contentDirectory.map(ContentFiles.directory) ?? .embedded
    if let demo = settings.demo {
        try await DemoData.loadIfEmpty(demo, content: content, platform: settings.demoPlatform, on: app.db, logger: app.logger)
    } else {
        try await FirstStart.createAdminIfNoAccount(settings, on: app.db, logger: app.logger)
    }

    app.catalog = ParsedContent.catalog(content)
    app.scoreBoard = ScoreBoard()
    app.loginLimiter = LoginLimiter()
    let hasher = try PasswordHasher()
    app.passwordHasher = hasher
    let parsing = WorkerThreads()
    app.uploadParsing = parsing
    let whatIf = WorkerThreads()
    app.whatIfWork = whatIf
    app.lifecycle.use(ShutdownHook {
        try await hasher.shutdown()
        try await parsing.shutdown()
        try await whatIf.shutdown()
    })
    app.routes.defaultMaxBodySize = "1mb"
    // Sessions live in the database: any app server can answer any request, and a restart signs nobody out.
    let sessions = DatabaseSessions()
    app.sessions.use { _ in sessions }
    app.sessions.configuration.cookieName = sessionCookie
    app.sessions.configuration.cookieFactory = { id in
        HTTPCookies.Value(string: id.string, maxAge: Int(sessions.idleTimeout), path: "/", isSecure: false, isHTTPOnly: true, sameSite: .lax)
    }
    app.middleware = Middlewares()
    app.middleware.use(SecurityHeaders(servedOverTLS: app.http.server.configuration.tlsConfiguration != nil,
                                       trustForwardedProto: settings.trustForwardedProto, sessionCookie: sessionCookie))
    app.middleware.use(ChineseErrorMiddleware())
    app.middleware.use(app.sessions.middleware)
    try routes(app)
}

let sessionCookie = "jixiao-session"

/// Runs `work` when the application shuts down (the worker threads).
struct ShutdownHook: LifecycleHandler {
    let work: @Sendable () async throws -> Void
    func shutdownAsync(_ application: Application) async { try? await work() }
}

/// Several servers may start at once against one PostgreSQL: one of them migrates, the others' attempts
/// fail on the tables it is creating, and succeed on a later try when there is nothing left to do.
func migrate(_ app: Application, attempts: Int = 5) async throws {
    for attempt in 1... {
        do { return try await app.autoMigrate() } catch where attempt < attempts {
            app.logger.notice("数据库迁移第 \(attempt) 次未成功（可能另一台服务器正在迁移），稍后重试：\(error)")
            try await Task.sleep(nanoseconds: UInt64.random(in: 500_000_000...1_500_000_000))
        }
    }
}

func routes(_ app: Application) throws {
    app.get("healthz", use: HealthController.check)
    app.get("static", "app.js") { _ in
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/javascript; charset=utf-8")
        headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=300")
        return Response(status: .ok, headers: headers, body: .init(string: Page.script))
    }
    let forms = app.grouped(CSRFProtection())
    try forms.register(collection: LoginController())
    let signedIn = forms.grouped(RequireSignIn())
    // A session with a temporary password reaches only the change-password page (and sign-out) until it has changed it.
    try signedIn.register(collection: PasswordController())
    let working = signedIn.grouped(RequirePasswordChange())
    try working.register(collection: SchemeController())
    try working.register(collection: AssessmentController())
    try working.register(collection: WhatIfController())
    try working.register(collection: RankingController())
    try working.register(collection: SummaryController())
    try working.register(collection: InboxController())
    try working.register(collection: OrgController())
    try working.register(collection: AccountController())
    try working.register(collection: AppraisalController())
    // The public ballot page: no account, no session, no CSRF token (the one-time code is the secret).
    try app.register(collection: BallotController())
    try working.register(collection: EvaluationController())
    try PlatformIngest.register(app, signedIn: working)
    try working.register(collection: LeagueController())
}

extension DatabaseID {
    /// The one SQLite connection that writes (on PostgreSQL every connection writes).
    static let sqliteWriter = DatabaseID(string: "sqlite-writer")
}

extension Application {
    private struct CatalogKey: StorageKey { typealias Value = Catalog }
    private struct ScoreBoardKey: StorageKey { typealias Value = ScoreBoard }
    private struct LoginLimiterKey: StorageKey { typealias Value = LoginLimiter }
    private struct WriteGateKey: StorageKey { typealias Value = WriteGate }
    private struct PasswordHasherKey: StorageKey { typealias Value = PasswordHasher }

    /// The shipped schemes and their example figures, compiled once at start-up.
    var catalog: Catalog {
        get { storage[CatalogKey.self]! }
        set { storage[CatalogKey.self] = newValue }
    }

    /// Compiled schemes and scored periods (see ScoreBoard).
    var scoreBoard: ScoreBoard {
        get { storage[ScoreBoardKey.self]! }
        set { storage[ScoreBoardKey.self] = newValue }
    }

    /// Set on SQLite only (see WriteGate).
    var writeGate: WriteGate? {
        get { storage[WriteGateKey.self] }
        set { storage[WriteGateKey.self] = newValue }
    }

    var passwordHasher: PasswordHasher {
        get { storage[PasswordHasherKey.self]! }
        set { storage[PasswordHasherKey.self] = newValue }
    }

    var loginLimiter: LoginLimiter {
        get { storage[LoginLimiterKey.self]! }
        set { storage[LoginLimiterKey.self] = newValue }
    }
}
