import Vapor

/// Turns every error into an answer in Chinese: a page for browsers, `{"error": true, "reason": …}` for `/api/…`.
/// Unexpected errors are logged and answered with 500; the server keeps serving.
struct ChineseErrorMiddleware: AsyncMiddleware {
    struct ErrorBody: Content {
        let error: Bool
        let reason: String
        let problems: [String]?
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let status: HTTPResponseStatus
            var lines: [String]
            var headers = HTTPHeaders()
            switch error {
            case let problems as InputProblems:
                status = problems.status
                lines = problems.problems
            case let abort as any AbortError:
                status = abort.status
                lines = [abort.reason]
                headers = abort.headers
            default:
                request.logger.error("unexpected error on \(request.method) \(request.url.path): \(String(reflecting: error))")
                status = .internalServerError
                lines = ["服务器内部错误，已记录。请稍后重试"]
            }
            if status == .notFound && lines == ["Not Found"] { lines = ["没有这个页面"] }
            if status == .payloadTooLarge { lines = ["上传的内容过大（超过大小限制）"] }
            if request.url.path.hasPrefix("/api/") || request.headers.accept.mediaTypes.contains(.json) && !request.headers.accept.mediaTypes.contains(.html) {
                let response = Response(status: status, headers: headers)
                try response.content.encode(ErrorBody(error: true, reason: lines.joined(separator: "；"), problems: lines.count > 1 ? lines : nil))
                return response
            }
            let response = Page.message(title: Self.title(status), lines: lines, context: PageContext(request), status: status)
            for (name, value) in headers where name.lowercased() == "location" { response.headers.replaceOrAdd(name: name, value: value) }
            return response
        }
    }

    static func title(_ status: HTTPResponseStatus) -> String {
        switch status.code {
        case 400, 422: return "提交的内容有误"
        case 401: return "请先登录"
        case 403: return "无权操作"
        case 404: return "没有找到"
        case 409: return "数据已被他人修改"
        case 413: return "上传过大"
        case 429: return "尝试次数过多"
        default: return "出错了"
        }
    }
}
