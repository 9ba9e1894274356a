import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Vapor

/// How the server is started: `jixiao serve` fills this from its options and the environment.
public struct ServerSettings: Sendable {
    /// SQLite file used when no `DATABASE_URL` is set; nil = in memory (tests).
    public var sqlitePath: String?
    /// `postgres://…` from the environment: PostgreSQL instead of SQLite.
    public var databaseURL: String?
    /// Where `schemes/` and `examples/` are read from.
    public var contentDirectory: String

    public init(sqlitePath: String?, databaseURL: String?, contentDirectory: String) {
        self.sqlitePath = sqlitePath
        self.databaseURL = databaseURL
        self.contentDirectory = contentDirectory
    }
}

/// The composition root: the server and the tests call this one function.
public func configure(_ app: Application, settings: ServerSettings) async throws {
    if let url = settings.databaseURL, !url.isEmpty {
        app.databases.use(try .postgres(configuration: .init(url: url)), as: .psql)
    } else if let path = settings.sqlitePath {
        app.databases.use(.sqlite(.file(path)), as: .sqlite)
    } else {
        app.databases.use(.sqlite(.memory), as: .sqlite)
    }
    app.catalog = try Catalog.load(from: settings.contentDirectory)
    app.middleware.use(FileMiddleware(publicDirectory: app.directory.publicDirectory))
    try routes(app)
}

func routes(_ app: Application) throws {
    app.get("healthz", use: HealthController.check)
    try app.register(collection: SchemeController())
}

extension Application {
    private struct CatalogKey: StorageKey {
        typealias Value = Catalog
    }

    /// The shipped schemes and their example figures, compiled once at start-up.
    var catalog: Catalog {
        get {
            guard let catalog = storage[CatalogKey.self] else { fatalError("configure(app) sets the catalog") }
            return catalog
        }
        set { storage[CatalogKey.self] = newValue }
    }
}
