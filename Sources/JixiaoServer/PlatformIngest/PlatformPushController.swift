import Fluent
import Foundation
import JixiaoPlatform
import Vapor

/// `POST /api/platform/records`: the platform pushes records with an API token (`Authorization: Bearer …`).
/// No session and no CSRF token: the bearer token is the credential, checked before a byte of the body is read.
/// One request is one transaction: all its records or none; a repeated request stores nothing new.
struct PlatformPushController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.on(.POST, "api", "platform", "records", body: .stream, use: push)
    }

    struct PushBody: Decodable {
        let kind: String
        let records: [[String: PushedValue]]
    }

    struct PushAnswer: Content {
        let kind: String
        let records: Int
        let stored: Int
        let alreadyPresent: Int
        enum CodingKeys: String, CodingKey {
            case kind, records, stored
            case alreadyPresent = "already_present"
        }
    }

    static func refuse(_ status: HTTPResponseStatus, _ problem: PushProblem) throws -> Response {
        let response = Response(status: status)
        try response.content.encode(problem, as: .json)
        return response
    }

    /// The token a request carries, if it is known, not revoked and not expired.
    static func token(_ request: Request) async throws -> PlatformToken? {
        guard let header = request.headers.first(name: .authorization), header.count <= 200 else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let hash = PlatformToken.hash(String(parts[1]).trimmingCharacters(in: .whitespaces))
        guard let token = try await PlatformToken.query(on: request.db).filter(\.$secretHash == hash).first(),
            token.isValid()
        else { return nil }
        return token
    }

    @Sendable func push(_ request: Request) async throws -> Response {
        guard let token = try await Self.token(request) else {
            let response = try Self.refuse(.unauthorized, PushProblem(error: "接口令牌无效、已撤销或已过期"))
            response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer")
            return response
        }
        let limit = PlatformIngestRules.maxPushBytes
        if let length = request.headers.first(name: .contentLength).flatMap(Int.init), length > limit {
            return try Self.refuse(.payloadTooLarge, PushProblem(error: "请求超过 \(limit >> 20) MiB，请分批推送"))
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(max: limit).get() ?? ByteBuffer() } catch {
            return try Self.refuse(.payloadTooLarge, PushProblem(error: "请求超过 \(limit >> 20) MiB，请分批推送"))
        }
        let body: PushBody
        do { body = try JSONDecoder().decode(PushBody.self, from: Data(buffer: buffer)) } catch {
            return try Self.refuse(.badRequest, PushProblem(
                error: "请求不是有效的 JSON（应为 {\"kind\": \"services\", \"records\": [{\"record_id\": …, \"changed_at\": …}]}，字段值为文字、数字、true/false 或 null）"))
        }
        guard let kind = Records.kind(named: body.kind) else {
            return try Self.refuse(.unprocessableEntity, PushProblem(
                error: "没有这类记录“\(String(body.kind.prefix(40)))”（应为 \(Records.all.map(\.name).joined(separator: "、")) 之一）", field: "kind"))
        }
        guard body.records.count <= PlatformIngestRules.maxPushRecords else {
            return try Self.refuse(.payloadTooLarge, PushProblem(error: "一次最多推送 \(PlatformIngestRules.maxPushRecords) 条记录，本次 \(body.records.count) 条"))
        }
        let rows: [[RecordValue]]
        do { rows = try PlatformPush.values(body.records, kind: kind) } catch {
            return try Self.refuse(.unprocessableEntity, error)
        }
        if let problem = try await PlatformPush.outsideProblem(rows, kind: kind, token: token, on: request.db) {
            return try Self.refuse(.forbidden, problem)
        }
        let stamp = PlatformIngestRules.stamp()
        let result: IngestResult
        do {
            result = try await PlatformIngestRunner.rows(request.application, rows, kind: kind, recordedAt: stamp)
        } catch let refused as IngestError {
            // A version that contradicts one already stored (same record id and change time, other contents).
            let place = (refused.row.map { "第 \($0) 条记录" } ?? "") + (refused.column.map { "，字段 \($0)" } ?? "")
            return try Self.refuse(.unprocessableEntity, PushProblem(
                error: (place.isEmpty ? "" : place + "：") + refused.message + "（整个请求未写入）", record: refused.row, field: refused.column))
        }
        let id = try token.requireID()
        try await request.application.write { db in
            try await PlatformToken.query(on: db).filter(\.$id == id).set(\.$lastUsedAt, to: Date()).update()
        }
        let answer = PushAnswer(kind: kind.name, records: result.rows, stored: result.inserted, alreadyPresent: result.unchanged)
        let response = Response(status: .ok)
        try response.content.encode(answer, as: .json)
        return response
    }
}
