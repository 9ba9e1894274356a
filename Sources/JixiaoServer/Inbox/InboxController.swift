import Foundation
import JixiaoCore
import Vapor

/// 待我办理: `/inbox` lists every assessment at the user's stage across schemes and periods; `/inbox/batch`
/// submits or approves the ticked ones, each through the same checks as its own sheet's button.
struct InboxController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("inbox", use: page)
        routes.post("inbox", "batch", use: batch)
    }

    @Sendable func page(_ request: Request) async throws -> Response {
        let view = try await InboxView.load(request, user: try request.user)
        return Page.html(InboxPage(context: PageContext(request), view: view, done: [], refused: []).document)
    }

    /// At most this many assessments in one batch.
    static let batchLimit = 200

    @Sendable func batch(_ request: Request) async throws -> Response {
        let ids = (try? request.content.get([String].self, at: "ids")) ?? []
        guard let action = (try? request.content.get(String.self, at: "action")).flatMap(WorkflowAction.init(rawValue:)),
            action == .submit || action == .approve
        else { throw InputProblems(problems: ["请选择“批量提交”或“批量审定通过”"]) }
        guard !ids.isEmpty else { throw InputProblems(problems: ["请先勾选要办理的考核"]) }
        guard ids.count <= Self.batchLimit else { throw InputProblems(problems: ["一次最多办理 \(Self.batchLimit) 份"]) }
        var done: [String] = []
        var refused: [String] = []
        for text in ids {
            guard let id = UUID(uuidString: text), let revision = (try? request.content.get(String.self, at: "rev-\(text)")).flatMap(Int.init) else {
                refused.append("“\(text.prefix(40))”：不是有效的考核")
                continue
            }
            let name = (try? await AssessmentStore(request).load(id))?.unit.name ?? text
            // Each assessment is its own transaction: one refused does not undo the others, and each says why.
            do {
                try await AssessmentController.perform(request, id, action, revision: revision, comment: nil)
                done.append("\(name)：已\(action.chineseName)")
            } catch let problems as InputProblems {
                refused.append("\(name)：" + problems.problems.joined(separator: "；"))
            } catch let abort as any AbortError {
                refused.append("\(name)：\(abort.reason)")
            }
        }
        let view = try await InboxView.load(request, user: try request.user)
        return Page.html(InboxPage(context: PageContext(request), view: view, done: done, refused: refused).document,
                         status: refused.isEmpty ? .ok : .unprocessableEntity)
    }
}
