import Fluent
import Foundation
import JixiaoCore
import JixiaoSchemeFile
import Vapor

/// What an uploaded scheme file is found to be, in the order an admin fixes things: its content first
/// (YAML syntax, structure, references, and every check `jixiao validate` runs), then its version number,
/// which only means something once the file reads.
enum SchemeUploadCheck {
    enum Outcome: Sendable {
        /// Cannot be stored: the errors (file and line each), and the warnings found beside them.
        case refused(errors: [String], warnings: [String])
        /// May be stored; the warnings (if any) need the admin's confirmation first.
        case accepted(Scheme, warnings: [String])
    }

    /// The content checks alone (no database): syntax, compiling, then `SchemeChecks` (errors and warnings).
    static func content(_ text: String, file: String) -> Outcome {
        let scheme: Scheme
        do {
            scheme = try SchemeFile.parse(text, file: file)
        } catch {
            return .refused(errors: [error.description], warnings: [])
        }
        // `SchemeChecks.check` compiles the scheme and runs the static checks, as `jixiao validate` prints them.
        let problems = SchemeChecks.check(scheme)
        let errors = problems.filter { $0.severity == .error }.map(\.description)
        let warnings = problems.filter { $0.severity == .warning }.map(\.description)
        return errors.isEmpty ? .accepted(scheme, warnings: warnings) : .refused(errors: errors, warnings: warnings)
    }

    /// Content (off the event loops: the YAML reader bounds what a file may expand to, but a hostile file may
    /// still cost a second of CPU), then the version against the database.
    static func run(_ text: String, file: String, on request: Request) async throws -> Outcome {
        let outcome = try await request.application.uploadParsing.run { content(text, file: file) }
        guard case .accepted(let scheme, let warnings) = outcome else { return outcome }
        if let clash = try await versionClash(scheme, file: file, on: request.db) {
            return .refused(errors: [clash], warnings: warnings)
        }
        return outcome
    }

    /// A version number that is already taken, said with the number to use instead.
    static func versionClash(_ scheme: Scheme, file: String, on db: any Database) async throws -> String? {
        let taken = try await SchemeVersion.query(on: db).filter(\.$code == scheme.id).all()
        guard taken.contains(where: { $0.version == scheme.version }) else { return nil }
        let next = (taken.map(\.version).max() ?? scheme.version) + 1
        return "\(file)：方案 \(scheme.id) 已有第 \(scheme.version) 版；请把文件中 scheme 下的 version 改为 \(next) 后再上传"
    }

    /// Stores a checked file as a new version, in one transaction with whatever else must go with it
    /// (the pending upload it came from). The version is checked again inside: another admin may have
    /// stored the same number since.
    static func store(_ scheme: Scheme, text: String, file: String, on request: Request,
                      also: @escaping @Sendable (any Database) async throws -> Void = { _ in }) async throws -> Result<UUID, InputProblems> {
        try await request.application.write { db in
            if let clash = try await versionClash(scheme, file: file, on: db) { return .failure(InputProblems(problems: [clash])) }
            let version = SchemeVersion(code: scheme.id, version: scheme.version, name: scheme.name, year: scheme.year, yaml: text)
            try await version.create(on: db)
            try await also(db)
            return .success(try version.requireID())
        }
    }
}
