import Foundation
import Plot
import Vapor

/// Every URL the pages link to, as a value: a renamed path is a compile error here, not a 404 elsewhere,
/// and every part that comes from data (a period, a query value) is percent-encoded on the way out, so no
/// link can carry a quote or a script into the page.
enum SiteURL: URLRepresentable, Sendable, Hashable {
    case home
    /// The overview of a scheme version and period; `list` carries its search, filters, sort and page.
    case homeFor(scheme: UUID, period: String, list: ListQuery = ListQuery())
    case overviewWorkbook(scheme: UUID, period: String, list: ListQuery = ListQuery())
    case login(next: String?)
    case logout
    case assessment(UUID)
    case assessmentAction(UUID, String)
    case assessmentTemplate(UUID)
    case assessmentSheetWorkbook(UUID)
    /// The what-if page of an assessment (nothing saved).
    case whatIf(UUID)
    /// The what-if page with figures to try (form keys and values) or a target grade.
    case whatIfTrying(UUID, [QueryItem])
    case whatIfJSON(UUID, target: String?)
    case evidenceList(UUID)
    case evidence(UUID, UUID)
    case rankings
    case summaryIndex
    case inbox
    case inboxBatch
    case summary(scheme: UUID, period: String)
    case ranking(scheme: UUID, period: String, list: ListQuery = ListQuery())
    case rankingWorkbook(scheme: UUID, period: String, list: ListQuery = ListQuery())
    case rankingJSON(scheme: UUID, period: String, list: ListQuery = ListQuery())
    case schemes
    case schemeUpload
    /// An uploaded scheme file with warnings, waiting for the admin to confirm (or discard) it.
    case pendingScheme(UUID)
    case pendingSchemeAction(UUID, String)
    case example(String)
    case exampleResults(String)
    case version(UUID)
    case versionAction(UUID, String)
    case org
    case orgImport
    /// 账号管理: the accounts of the manager's tree (`?q=` filters by name).
    case accounts
    case accountNew
    case account(UUID)
    case accountAction(UUID, AccountAction)
    /// 修改密码: every signed-in user's own password (and the forced change after a reset).
    case changePassword
    case script
    /// 全员绩效考核 (seed 003): the unit's years, a year's table, a person's page, 民主测评, the public ballot.
    case appraisals
    case appraisalYear(Int)
    case appraisalNotice(Int)
    case appraisalImport
    case appraisalPerson(UUID, year: Int)
    case appraisalPersonAction(UUID, year: Int, String)
    case appraisalEntryAction(UUID, String)
    case appraisalPolls(Int)
    case appraisalPoll(UUID)
    case appraisalPollClose(UUID)
    /// The public ballot page (no account); a printed link carries its code in the query, never in the path.
    case ballot(code: String?)
    case appraisalJSON(Int)
    /// 跨地区评价 (Evaluations/): the list, opening one, one evaluation, its actions, report, PDF, xlsx and JSON.
    case evaluations
    case evaluationNew
    case evaluation(UUID)
    case evaluationAction(UUID, String)
    case evaluationFindingDelete(UUID, UUID)
    case evaluationReport(UUID)
    case evaluationReportPDF(UUID)
    case evaluationWorkbook(UUID)
    case evaluationsJSON
    case evaluationJSON(UUID)
    // Platform data ingest (PlatformIngest/): API tokens, uploads of record files and their progress.
    case platformTokens
    case platformTokenRevoke(UUID)
    case platformImports
    case platformImportUpload
    case platformImport(UUID)
    case platformImportJSON(UUID)
    /// 平台数据 (seed 000, Platform/): the months with a league table, a month's table, a unit's month, the action, JSON.
    case platformMonths
    case platformMonth(scheme: String, month: String)
    case platformUnit(scheme: String, month: String, unit: String)
    case platformCompute(scheme: String, month: String)
    case platformJSON(scheme: String, month: String)
    case platformYear(scheme: String, year: String)
    case platformYearJSON(scheme: String, year: String)

    /// One `name=value` of a query, encoded on the way out like every other part.
    struct QueryItem: Sendable, Hashable {
        let name: String
        let value: String
    }

    var description: String { path }

    /// The path and query, encoded.
    var path: String {
        switch self {
        case .home: return "/"
        case .homeFor(let scheme, let period, let list):
            return "/" + Self.query([("scheme", scheme.uuidString), ("period", period)] + Self.items(list))
        case .overviewWorkbook(let scheme, let period, let list):
            return "/assessments.xlsx" + Self.query([("scheme", scheme.uuidString), ("period", period)] + Self.items(list))
        case .login(let next): return "/login" + (next.map { Self.query(["next": $0]) } ?? "")
        case .logout: return "/logout"
        case .assessment(let id): return Self.join("assessments", id.uuidString)
        case .assessmentAction(let id, let action): return Self.join("assessments", id.uuidString, action)
        case .assessmentTemplate(let id): return Self.join("assessments", id.uuidString, "template.xlsx")
        case .assessmentSheetWorkbook(let id): return Self.join("assessments", id.uuidString, "sheet.xlsx")
        case .whatIf(let id): return Self.join("assessments", id.uuidString, "whatif")
        case .whatIfTrying(let id, let items):
            return Self.join("assessments", id.uuidString, "whatif") + (items.isEmpty ? "" : Self.query(items.map { ($0.name, $0.value) }))
        case .whatIfJSON(let id, let target):
            return Self.join("api", "assessments", id.uuidString, "whatif") + (target.map { Self.query([("target", $0)]) } ?? "")
        case .evidenceList(let id): return Self.join("assessments", id.uuidString, "evidence")
        case .evidence(let id, let file): return Self.join("assessments", id.uuidString, "evidence", file.uuidString)
        case .rankings: return "/rankings"
        case .summaryIndex: return "/summary"
        case .inbox: return "/inbox"
        case .inboxBatch: return "/inbox/batch"
        case .summary(let scheme, let period): return Self.join("summary", scheme.uuidString, period)
        case .ranking(let scheme, let period, let list): return Self.join("rankings", scheme.uuidString, period) + Self.listQuery(list)
        case .rankingWorkbook(let scheme, let period, let list):
            return Self.join("rankings", scheme.uuidString, period, "ranking.xlsx") + Self.listQuery(list)
        case .rankingJSON(let scheme, let period, let list): return Self.join("api", "rankings", scheme.uuidString, period) + Self.listQuery(list)
        case .schemes: return "/schemes"
        case .schemeUpload: return "/schemes/upload"
        case .pendingScheme(let id): return Self.join("schemes", "upload", id.uuidString)
        case .pendingSchemeAction(let id, let action): return Self.join("schemes", "upload", id.uuidString, action)
        case .example(let id): return Self.join("schemes", id)
        case .exampleResults(let id): return Self.join("schemes", id, "results")
        case .version(let id): return Self.join("versions", id.uuidString)
        case .versionAction(let id, let action): return Self.join("versions", id.uuidString, action)
        case .org: return "/org"
        case .orgImport: return "/org/import"
        case .accounts: return "/accounts"
        case .accountNew: return "/accounts/new"
        case .account(let id): return Self.join("accounts", id.uuidString)
        case .accountAction(let id, let action): return Self.join("accounts", id.uuidString, action.rawValue)
        case .changePassword: return "/password"
        case .script: return "/static/app.js"
        case .appraisals: return "/appraisals"
        case .appraisalYear(let year): return Self.join("appraisals", String(year))
        case .appraisalNotice(let year): return Self.join("appraisals", String(year), "notice")
        case .appraisalImport: return "/appraisals/import"
        case .appraisalPerson(let id, let year): return Self.join("appraisals", "staff", id.uuidString, String(year))
        case .appraisalPersonAction(let id, let year, let action): return Self.join("appraisals", "staff", id.uuidString, String(year), action)
        case .appraisalEntryAction(let id, let action): return Self.join("appraisals", "entries", id.uuidString, action)
        case .appraisalPolls(let year): return Self.join("appraisals", String(year), "polls")
        case .appraisalPoll(let id): return Self.join("appraisals", "polls", id.uuidString)
        case .appraisalPollClose(let id): return Self.join("appraisals", "polls", id.uuidString, "close")
        case .ballot(let code): return "/ballot" + (code.map { Self.query([("code", $0)]) } ?? "")
        case .appraisalJSON(let year): return Self.join("api", "appraisals", String(year))
        case .evaluations: return "/evaluations"
        case .evaluationNew: return "/evaluations/new"
        case .evaluation(let id): return Self.join("evaluations", id.uuidString)
        case .evaluationAction(let id, let action): return Self.join("evaluations", id.uuidString, action)
        case .evaluationFindingDelete(let id, let finding): return Self.join("evaluations", id.uuidString, "findings", finding.uuidString, "delete")
        case .evaluationReport(let id): return Self.join("evaluations", id.uuidString, "report")
        case .evaluationReportPDF(let id): return Self.join("evaluations", id.uuidString, "report.pdf")
        case .evaluationWorkbook(let id): return Self.join("evaluations", id.uuidString, "scores.xlsx")
        case .evaluationsJSON: return "/api/evaluations"
        case .evaluationJSON(let id): return Self.join("api", "evaluations", id.uuidString)
        case .platformTokens: return "/platform/tokens"
        case .platformTokenRevoke(let id): return Self.join("platform", "tokens", id.uuidString, "revoke")
        case .platformImports: return "/platform/imports"
        case .platformImportUpload: return "/platform/imports/upload"
        case .platformImport(let id): return Self.join("platform", "imports", id.uuidString)
        case .platformImportJSON(let id): return Self.join("api", "platform", "imports", id.uuidString)
        case .platformMonths: return "/platform"
        case .platformMonth(let scheme, let month): return Self.join("platform", scheme, month)
        case .platformUnit(let scheme, let month, let unit): return Self.join("platform", scheme, month, "units", unit)
        case .platformCompute(let scheme, let month): return Self.join("platform", scheme, month, "compute")
        case .platformJSON(let scheme, let month): return Self.join("api", "platform", scheme, month)
        case .platformYear(let scheme, let year): return Self.join("platform", scheme, year)
        case .platformYearJSON(let scheme, let year): return Self.join("api", "platform", scheme, year)
        }
    }

    /// Unreserved characters stay; everything else (including "/" inside a segment) is percent-encoded.
    private static let segmentCharacters = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private static func join(_ segments: String...) -> String {
        "/" + segments.map { $0.addingPercentEncoding(withAllowedCharacters: segmentCharacters) ?? "" }.joined(separator: "/")
    }

    private static func items(_ list: ListQuery) -> [(String, String)] { list.queryItems.map { ($0.name, $0.value) } }

    /// A list's query, or nothing when it asks for the defaults.
    private static func listQuery(_ list: ListQuery) -> String { list.isDefault ? "" : query(items(list)) }

    private static func query(_ items: KeyValuePairs<String, String>) -> String {
        query(items.map { ($0.key, $0.value) })
    }

    private static func query(_ items: [(String, String)]) -> String {
        "?" + items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: segmentCharacters) ?? "")" }.joined(separator: "&")
    }
}

extension SiteURL {
    /// A sign-in's `next`, if it is a path of this site: one leading "/", no second "/" or "\" after it
    /// (browsers read "//host" and "/\host" as another site), no control characters (no header splitting).
    static func localPath(_ candidate: String?) -> String? {
        guard let candidate, candidate.count <= 2048, candidate.hasPrefix("/") else { return nil }
        let second = candidate.dropFirst().first
        if second == "/" || second == "\\" { return nil }
        if candidate.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" }) { return nil }
        return candidate
    }
}

extension Request {
    func redirect(to url: SiteURL) -> Response { redirect(to: url.path) }
}
