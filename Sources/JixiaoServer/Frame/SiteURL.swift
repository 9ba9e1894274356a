import Foundation
import Plot
import Vapor

/// Every URL the pages link to, as a value: a renamed path is a compile error here, not a 404 elsewhere,
/// and every part that comes from data (a period, a query value) is percent-encoded on the way out, so no
/// link can carry a quote or a script into the page.
enum SiteURL: URLRepresentable, Sendable, Hashable {
    case home
    case homeFor(scheme: UUID, period: String)
    case overviewWorkbook(scheme: UUID, period: String)
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
    case summary(scheme: UUID, period: String)
    case ranking(scheme: UUID, period: String)
    case rankingWorkbook(scheme: UUID, period: String)
    case rankingJSON(scheme: UUID, period: String)
    case schemes
    case schemeUpload
    case example(String)
    case exampleResults(String)
    case version(UUID)
    case versionAction(UUID, String)
    case org
    case orgImport
    case script

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
        case .homeFor(let scheme, let period): return "/" + Self.query(["scheme": scheme.uuidString, "period": period])
        case .overviewWorkbook(let scheme, let period):
            return "/assessments.xlsx" + Self.query(["scheme": scheme.uuidString, "period": period])
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
        case .summary(let scheme, let period): return Self.join("summary", scheme.uuidString, period)
        case .ranking(let scheme, let period): return Self.join("rankings", scheme.uuidString, period)
        case .rankingWorkbook(let scheme, let period): return Self.join("rankings", scheme.uuidString, period, "ranking.xlsx")
        case .rankingJSON(let scheme, let period): return Self.join("api", "rankings", scheme.uuidString, period)
        case .schemes: return "/schemes"
        case .schemeUpload: return "/schemes/upload"
        case .example(let id): return Self.join("schemes", id)
        case .exampleResults(let id): return Self.join("schemes", id, "results")
        case .version(let id): return Self.join("versions", id.uuidString)
        case .versionAction(let id, let action): return Self.join("versions", id.uuidString, action)
        case .org: return "/org"
        case .orgImport: return "/org/import"
        case .script: return "/static/app.js"
        }
    }

    /// Unreserved characters stay; everything else (including "/" inside a segment) is percent-encoded.
    private static let segmentCharacters = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    private static func join(_ segments: String...) -> String {
        "/" + segments.map { $0.addingPercentEncoding(withAllowedCharacters: segmentCharacters) ?? "" }.joined(separator: "/")
    }

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
