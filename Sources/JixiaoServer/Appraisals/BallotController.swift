import Fluent
import Foundation
import Plot
import SQLKit
import Vapor

/// The public ballot page of 民主测评: no account and no session. A voter types (or follows a link with) a
/// one-time code, rates each person, and sends the ballot once.
///
/// What is written, and why it cannot be joined to the voter: the code's row turns `used` (it holds only the
/// code's hash, never when it was used), and one counter per (person, option) goes up by one. No row is created
/// per vote, so no key, insertion order or timestamp exists to line a vote up with a code. Nothing is logged:
/// the code travels in the query (never the path, which the error log names) and in the form body.
/// What remains outside this design: a database superuser reading dead row versions page by page (PostgreSQL before
/// VACUUM) or SQLite's write-ahead log before a checkpoint could see which rows one commit changed; the live tally
/// itself tells whoever watches it between two ballots what the second one was (as any live count does).
struct BallotController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("ballot", use: show)
        routes.post("ballot", use: cast)
    }

    struct Ballot: Sendable {
        let poll: AppraisalPoll
        let persons: [AppraisalPerson]
    }

    /// The open poll a code belongs to, if the code is unused; else a Chinese reason.
    static func lookUp(_ typed: String, on db: any Database) async throws -> Result<(Ballot, String), BallotRefusal> {
        guard let code = BallotCodes.normalized(typed) else { return .failure(.init("投票码格式不正确（应为 24 位字母数字，可含“-”）")) }
        let hash = BallotCodes.hash(code)
        guard let row = try await BallotCode.query(on: db).filter(\.$codeHash == hash).first(),
            let poll = try await AppraisalPoll.find(row.pollID, on: db)
        else { return .failure(.init("投票码无效")) }
        if row.used { return .failure(.init("该投票码已经投过票，每个投票码只能投一次")) }
        if poll.closed || poll.deadline < Date() { return .failure(.init("本次测评已截止")) }
        let persons = try await AppraisalPerson.query(on: db).filter(\.$appraisalUnitID == poll.appraisalUnitID)
            .filter(\.$active == true).filter(\.$cadre == false).sort(\.$department).sort(\.$staffNo).all()
        return .success((Ballot(poll: poll, persons: persons), hash))
    }

    struct BallotRefusal: Error { let message: String; init(_ message: String) { self.message = message } }

    @Sendable func show(_ request: Request) async throws -> Response {
        let typed = (try? request.query.get(String.self, at: "code")) ?? ""
        if typed.isEmpty { return Page.html(BallotPage(code: "", ballot: nil, message: nil).document()) }
        switch try await Self.lookUp(typed, on: request.db) {
        case .success(let (ballot, _)): return Page.html(BallotPage(code: typed, ballot: ballot, message: nil).document())
        case .failure(let refusal): return Page.html(BallotPage(code: typed, ballot: nil, message: refusal.message).document(), status: .unprocessableEntity)
        }
    }

    @Sendable func cast(_ request: Request) async throws -> Response {
        let form = try request.content.decode([String: String].self)
        let typed = form["code"] ?? ""
        let (ballot, hash): (Ballot, String)
        switch try await Self.lookUp(typed, on: request.db) {
        case .success(let found): (ballot, hash) = found
        case .failure(let refusal): return Page.html(BallotPage(code: "", ballot: nil, message: refusal.message).document(), status: .unprocessableEntity)
        }
        let options = Set(BallotConversion.options.map(\.name))
        var choices: [(UUID, String)] = []
        for person in ballot.persons {
            guard let id = person.id, let choice = form["r-\(id.uuidString)"], !choice.isEmpty else { continue }
            guard options.contains(choice) else { throw Abort(.unprocessableEntity, reason: "评价“\(choice.prefix(10))”不是可选项") }
            choices.append((id, choice))
        }
        guard let pollID = ballot.poll.id else { throw Abort(.internalServerError) }
        let chosen = choices
        let refusal = try await request.application.write { db -> String? in
            guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError) }
            guard let poll = try await AppraisalPoll.find(pollID, on: db), !poll.closed, poll.deadline >= Date() else { return "本次测评已截止" }
            // One vote per code on every server: only the request whose UPDATE finds the code unused goes on.
            let marked = try await sql.raw("UPDATE appraisal_ballot_codes SET used = \(bind: true) WHERE code_hash = \(bind: hash) AND used = \(bind: false) RETURNING code_hash")
                .all()
            guard !marked.isEmpty else { return "该投票码已经投过票，每个投票码只能投一次" }
            for (person, choice) in chosen {
                try await sql.raw("UPDATE appraisal_tallies SET \"count\" = \"count\" + 1 WHERE poll_id = \(bind: pollID) AND person_id = \(bind: person) AND \"option\" = \(bind: choice)").run()
            }
            try await sql.raw("UPDATE appraisal_polls SET ballots_cast = ballots_cast + 1 WHERE id = \(bind: pollID)").run()
            // Every code and every counter of the poll is rewritten by this transaction too, so that the row versions'
            // system columns (PostgreSQL's xmin: the id of the transaction that wrote a row) are the same for all of
            // them: no live row tells which code and which counters one ballot touched.
            try await sql.raw("UPDATE appraisal_ballot_codes SET used = used WHERE poll_id = \(bind: pollID)").run()
            try await sql.raw("UPDATE appraisal_tallies SET \"count\" = \"count\" WHERE poll_id = \(bind: pollID)").run()
            return nil
        }
        if let refusal {
            return Page.html(BallotPage(code: "", ballot: nil, message: refusal).document(), status: .conflict)
        }
        return Page.html(BallotPage(code: "", ballot: nil, message: nil, done: true).document())
    }
}

/// The ballot page's model: the code typed, the persons to rate (when the code is good), a refusal or thanks.
struct BallotPage {
    let code: String
    let ballot: BallotController.Ballot?
    let message: String?
    var done = false

    func document() -> HTML {
        let part = ballot.flatMap { PollPart(rawValue: $0.poll.part) }
        return Page.document(
            title: "民主测评投票", context: nil,
            .h1(.text("民主测评投票")),
            .if(done, .p(.class("flash"), .id("ballot-done"), .text("投票成功，感谢您的参与。本投票码已失效。"))),
            .unwrap(message) { .p(.class("bad"), .id("ballot-refused"), .text($0)) },
            .unwrap(ballot, { ballot in
                .form(.method(.post), .action(SiteURL.ballot(code: nil)), .id("ballot-form"),
                      .input(.type(.hidden), .name("code"), .escaped("value", code)),
                      .p(.text("\(ballot.poll.year) 年度 · \(part?.label ?? ballot.poll.part) · 截止 \(Self.day(ballot.poll.deadline))")),
                      .p(.class("muted"), .text("投票不记名：系统只记录每个选项的票数，不记录投票码与选择的对应关系。" + BallotConversion.text)),
                      .table(
                        .tr(.th("姓名"), .th("部室"), .forEach(BallotConversion.options) { .th(.text($0.name)) }, .th("不评")),
                        .forEach(ballot.persons) { person in
                            let field = "r-\(person.id?.uuidString ?? "")"
                            return .tr(.td(.text(person.name)), .td(.text(person.department)),
                                       .forEach(BallotConversion.options) { option in
                                           .td(.input(.type(.radio), .escaped("name", field), .escaped("value", option.name),
                                                      .escaped("aria-label", "\(person.name) \(option.name)")))
                                       },
                                       .td(.input(.type(.radio), .escaped("name", field), .value(""), .checked(true))))
                        }),
                      .button(.type(.submit), .id("cast"), .text("提交投票")))
            }, else: .if(!done,
                .form(.method(.get), .action(SiteURL.ballot(code: nil)),
                      .label(.text("投票码："), .input(.type(.text), .name("code"), .id("code"), .class("reason"))),
                      .button(.type(.submit), .id("open-ballot"), .text("开始投票")))))
        )
    }

    static func day(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }
}
