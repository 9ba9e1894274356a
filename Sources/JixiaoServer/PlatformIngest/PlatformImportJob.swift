import Fluent
import Foundation
import JixiaoPlatform
import SQLKit
import Vapor

/// Runs one uploaded record file as a job: 检查 (read every row, count them, check that every unit lies within the
/// uploader's tree), then 写入 (the ingest, all or nothing), then 完成 or 失败. The job's state and progress
/// live in `platform_imports`, written about three times a second, so any app server answers the progress page.
///
/// On SQLite the 写入 phase is one job of the write gate: the database's one writer is busy with it, so its
/// progress cannot be written to the database until it ends; this server (SQLite means one server) keeps the live
/// count in memory and the progress endpoint shows it. On PostgreSQL the progress is written as it goes.
enum PlatformImportJob {
    struct Source: Sendable {
        let id: UUID
        let url: URL
        let file: String
        let kind: RecordKind
        let xlsx: Bool
        let scopePath: String
        let scopeName: String
    }

    /// Starts the job; returns at once (the upload's answer does not wait for the import).
    static func start(_ app: Application, _ source: Source) {
        let live = LiveProgress()
        app.platformImportsLive.set(source.id, live)
        Task {
            let ticker = Task {
                var last = (-1, -1, "")
                var written = Date()
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: 300_000_000)
                    let now = live.snapshot
                    // Unchanged counts are written again after `heartbeat` (PostgreSQL: other servers tell a running
                    // job from one whose server stopped by its row's age; see PlatformImportDTO.seen).
                    if now.read == last.0 && now.stored == last.1 && now.state == last.2 && Date().timeIntervalSince(written) < heartbeat { continue }
                    // While SQLite's one writer runs the ingest, a progress write would only queue behind it.
                    if now.state == "storing" && app.writeGate != nil { continue }
                    last = (now.read, now.stored, now.state)
                    written = Date()
                    try? await update(app, source.id) { job in
                        job.state = now.state
                        job.rowsRead = now.read
                        job.rowsStored = now.stored
                        job.rowsExpected = now.expected
                    }
                }
            }
            let outcome = await run(app, source, live)
            ticker.cancel()
            _ = await ticker.result
            let folder = source.url.deletingLastPathComponent()
            if folder.lastPathComponent.hasPrefix("jixiao-import-") { try? FileManager.default.removeItem(at: folder) }
            do {
                try await update(app, source.id) { job in
                    let now = live.snapshot
                    job.rowsRead = now.read
                    job.rowsExpected = now.expected
                    job.finishedAt = Date()
                    switch outcome {
                    case .success(let result):
                        job.state = "done"
                        job.rowsStored = result.rows
                        job.inserted = result.inserted
                        job.unchanged = result.unchanged
                    case .failure(let failure):
                        job.state = "failed"
                        job.rowsStored = 0
                        job.error = String(failure.message.prefix(2000))
                    }
                }
            } catch {
                app.logger.error("记录导入 \(source.id) 的结果未能写入：\(error)")
            }
            app.platformImportsLive.remove(source.id)
        }
    }

    struct Failure: Error { let message: String }

    /// How often a running job's row is written even when its counts did not move.
    static let heartbeat: TimeInterval = 30

    static func run(_ app: Application, _ source: Source, _ live: LiveProgress) async -> Result<IngestResult, Failure> {
        do {
            live.set(state: "checking")
            let stamp = PlatformIngestRules.stamp()
            if source.xlsx {
                let data = try Data(contentsOf: source.url)
                let checked = try await onThread { () throws -> (values: [[RecordValue]], rowNumbers: [Int], place: String) in
                    try XLSXIngest.checkRows(data, file: source.file, kind: source.kind) { live.set(read: $0) }
                }
                live.set(read: checked.values.count, expected: checked.values.count)
                if let problem = try await outside(app, source, codes: firstRows(checked.values, checked.rowNumbers, kind: source.kind), place: checked.place) {
                    return .failure(Failure(message: problem))
                }
                if source.kind.name == Records.units.name,
                    let problem = try await reparented(app, source, PlatformScope.parents(checked.values, rowNumbers: checked.rowNumbers), place: checked.place) {
                    return .failure(Failure(message: problem))
                }
                live.set(state: "storing")
                let result = try await PlatformIngestRunner.rows(
                    app, checked.values, kind: source.kind, recordedAt: stamp, file: checked.place,
                    rowNumbers: checked.rowNumbers)
                live.set(stored: result.rows)
                return .success(result)
            }
            let scan = try await onThread { try prescan(source) { live.set(read: $0) } }
            live.set(read: scan.rows, expected: scan.rows)
            if let problem = try await outside(app, source, codes: scan.codes, place: source.file) {
                return .failure(Failure(message: problem))
            }
            if let problem = try await reparented(app, source, scan.parents, place: source.file) {
                return .failure(Failure(message: problem))
            }
            live.set(state: "storing")
            let result = try await PlatformIngestRunner.csv(app, source.url, kind: source.kind, recordedAt: stamp) {
                live.set(stored: $0)
            }
            return .success(result)
        } catch let error as IngestError {
            return .failure(Failure(message: error.description))
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            app.logger.error("记录导入 \(source.id) 失败：\(error)")
            return .failure(Failure(message: "\(source.file)：导入时数据库出错，整个文件未导入（\(String(describing: error).prefix(200))）"))
        }
    }

    /// The first row each unit code appears on.
    static func firstRows(_ values: [[RecordValue]], _ rows: [Int], kind: RecordKind) -> [String: Int] {
        guard let column = PlatformIngestRules.scopeColumn(kind), let at = kind.allColumns.firstIndex(where: { $0.name == column })
        else { return [:] }
        var first: [String: Int] = [:]
        for (values, row) in zip(values, rows) {
            if case .text(let code) = values[at], first[code] == nil { first[code] = row }
        }
        return first
    }

    static func outside(_ app: Application, _ source: Source, codes: [String: Int], place: String) async throws -> String? {
        guard let column = PlatformIngestRules.scopeColumn(source.kind) else { return nil }
        let bad = try await PlatformScope.outside(Set(codes.keys), scope: source.scopePath, on: app.db)
        guard let code = bad.min(by: { (codes[$0] ?? 0) < (codes[$1] ?? 0) }) else { return nil }
        return IngestError(file: place, row: codes[code], column: column,
                           message: PlatformScope.message(code: code, scopeName: source.scopeName)).description
    }

    /// A unit file's records that would move a unit to another parent (see `PlatformScope.reparented`).
    static func reparented(_ app: Application, _ source: Source, _ parents: [String: (parent: String?, row: Int)], place: String)
        async throws -> String?
    {
        guard let moved = try await PlatformScope.reparented(parents, scope: source.scopePath, on: app.db) else { return nil }
        return IngestError(file: place, row: moved.row, column: "parent_code",
                           message: PlatformScope.reparentMessage(code: moved.code, given: moved.given, expected: moved.expected)).description
    }

    /// Reads the CSV once before the ingest: the rows (for the progress bar), the first row of each unit code (for
    /// the scope check) and, in a unit file, the parent each unit's first record names. A file the reader refuses
    /// is left to the ingest, which names the row and reason.
    static func prescan(_ source: Source, progress: @escaping @Sendable (Int) -> Void) throws
        -> (rows: Int, codes: [String: Int], parents: [String: (parent: String?, row: Int)])
    {
        var at: Int?
        var parentAt: Int?
        var header = true
        var rows = 0
        var codes: [String: Int] = [:]
        var parents: [String: (parent: String?, row: Int)] = [:]
        do {
            try CSVStream.read(source.url) { row, fields in
                if header {
                    header = false
                    let name = PlatformIngestRules.scopeColumn(source.kind)
                    at = fields.firstIndex { $0.trimmingCharacters(in: .whitespaces) == name }
                    if source.kind.name == Records.units.name {
                        parentAt = fields.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "parent_code" }
                    }
                    return
                }
                rows += 1
                if rows % 5000 == 0 { progress(rows) }
                if let at, at < fields.count {
                    let code = fields[at].trimmingCharacters(in: .whitespaces)
                    if codes[code] == nil {
                        guard codes.count < PlatformIngestRules.maxDistinctUnits else {
                            throw Failure(message: IngestError(file: source.file, row: row, column: PlatformIngestRules.scopeColumn(source.kind),
                                                               message: "文件中的单位超过 \(PlatformIngestRules.maxDistinctUnits) 个").description)
                        }
                        codes[code] = row
                        if let parentAt {
                            let parent = parentAt < fields.count ? fields[parentAt].trimmingCharacters(in: .whitespaces) : ""
                            parents[code] = (parent.isEmpty ? nil : parent, row)
                        }
                    }
                }
            }
        } catch is CSVStream.Problem {
            return (rows, [:], [:])  // the ingest reads the same bytes and refuses them with the row
        }
        return (rows, codes, parents)
    }

    static func update(_ app: Application, _ id: UUID, _ change: @escaping @Sendable (PlatformImport) -> Void) async throws {
        try await app.write { db in
            guard let job = try await PlatformImport.find(id, on: db) else { return }
            change(job)
            job.updatedAt = Date()
            try await job.update(on: db)
        }
    }

    /// Blocking work (reading a file) on a thread of its own, never on a cooperative or event-loop thread.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do { continuation.resume(returning: try work()) } catch { continuation.resume(throwing: error) }
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
    }
}

/// A running job's counts, as the reading thread and the writer see them.
final class LiveProgress: @unchecked Sendable {
    struct Snapshot: Sendable {
        var state = "queued"
        var read = 0
        var stored = 0
        var expected: Int?
    }
    private let lock = NSLock()
    private var value = Snapshot()
    var snapshot: Snapshot { lock.withLock { value } }
    func set(state: String) { lock.withLock { value.state = state } }
    func set(read: Int, expected: Int? = nil) {
        lock.withLock {
            value.read = read
            if let expected { value.expected = expected }
        }
    }
    func set(stored: Int) { lock.withLock { value.stored = stored } }
}

/// The live progress of the jobs this server runs (see PlatformImportJob on SQLite).
final class LiveImports: @unchecked Sendable {
    private let lock = NSLock()
    private var jobs: [UUID: LiveProgress] = [:]
    func set(_ id: UUID, _ progress: LiveProgress) { lock.withLock { jobs[id] = progress } }
    func remove(_ id: UUID) { _ = lock.withLock { jobs.removeValue(forKey: id) } }
    func get(_ id: UUID) -> LiveProgress? { lock.withLock { jobs[id] } }
}

extension Application {
    private struct LiveImportsKey: StorageKey { typealias Value = LiveImports }

    var platformImportsLive: LiveImports {
        get {
            if let live = storage[LiveImportsKey.self] { return live }
            let live = LiveImports()
            storage[LiveImportsKey.self] = live
            return live
        }
        set { storage[LiveImportsKey.self] = newValue }
    }
}
