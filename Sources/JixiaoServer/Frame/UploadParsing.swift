import NIOPosix
import Vapor

/// A thread of its own for reading uploaded files (xlsx, CSV, YAML): a hostile file is bounded by its
/// reader, but may still take a second of CPU, and it takes it here, not on an event loop (where
/// `/healthz` and every other request would wait) nor on the thread pool SQLite's calls share.
final class UploadParsing: Sendable {
    private let pool: NIOThreadPool

    init(threads: Int = 1) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(work)
    }

    func shutdown() async throws { try await pool.shutdownGracefully() }
}

extension Application {
    private struct UploadParsingKey: StorageKey { typealias Value = UploadParsing }

    var uploadParsing: UploadParsing {
        get { storage[UploadParsingKey.self]! }
        set { storage[UploadParsingKey.self] = newValue }
    }
}
