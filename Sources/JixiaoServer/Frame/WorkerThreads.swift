import NIOPosix
import Vapor

/// Threads of their own for CPU-heavy work that must not run on an event loop (where `/healthz` and every
/// other request would wait) nor on the application's thread pool (which SQLite's blocking calls share):
/// reading uploaded files (xlsx, CSV, YAML), Bcrypt, and what-if analyses (each re-scores the period once per
/// breakpoint it tries). Each use gets its own small pool, so a burst of
/// one never queues the other; at most `threads` jobs run at once and the rest wait here.
final class WorkerThreads: Sendable {
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
    private struct UploadParsingKey: StorageKey { typealias Value = WorkerThreads }

    /// Where uploaded files are read: a hostile file is bounded by its reader, but may still take a second of CPU.
    var uploadParsing: WorkerThreads {
        get { storage[UploadParsingKey.self]! }
        set { storage[UploadParsingKey.self] = newValue }
    }

    private struct WhatIfWorkKey: StorageKey { typealias Value = WorkerThreads }

    /// Where what-if analyses and trials run: seconds of CPU for a large period, never on an event loop.
    var whatIfWork: WorkerThreads {
        get { storage[WhatIfWorkKey.self]! }
        set { storage[WhatIfWorkKey.self] = newValue }
    }
}
