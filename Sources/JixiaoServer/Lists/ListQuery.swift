import Foundation
import JixiaoCore
import SQLKit
import Vapor

/// What a long list (the overview, the ranking) was asked for in its link: a search, filters, a sort and a page,
/// all GET parameters so that a link can be shared. Parsed strictly: a value that is malformed, too long or not
/// one of the list's options is dropped and its default applies; filters only ever narrow the rows the user's
/// part of the tree already allows, so no parameter can show a row of someone else's tree.
///
/// `q` search (unit name or code, ≤ 50 characters) · `stage` ("0", "1-returned", "approved") · `grade` (a grade
/// of the scheme, or "none") · `city` (a 市州's code) · `kind` (市州, 县市区) · `sort` (a column key) · `dir`
/// (asc, desc) · `page` (1 …) · `per` (20, 50, 100, 200).
struct ListQuery: Sendable, Hashable {
    var search = ""
    var stage: String?
    var grade: String?
    var city: String?
    var kind: String?
    var sort: String?
    var descending = false
    /// As asked; `nil` is page 1 on a page and "every row" in JSON and xlsx.
    var page: Int?
    var perPage = ListQuery.defaultPerPage

    static let defaultPerPage = 50
    static let pageSizes = [20, 50, 100, 200]
    static let maximumSearch = 50
    /// Parameters longer than this are not read at all (no option is near it).
    static let maximumValue = 100
    /// A query string longer than this is ignored as a whole.
    static let maximumQuery = 2048
    static let names: Set<String> = ["q", "stage", "grade", "city", "kind", "sort", "dir", "page", "per"]

    var pageNumber: Int { page ?? 1 }
    var isDefault: Bool { self == ListQuery() }
    /// Whether a filter (not the sort or the page) is in force.
    var isFiltered: Bool { !search.isEmpty || stage != nil || grade != nil || city != nil || kind != nil }

    init() {}

    /// The parameters of a request's query string, shape only; `checked(against:)` checks them against the list.
    init(_ request: Request) {
        self.init(parameters: Self.parameters(request.url.query))
    }

    init(parameters: [String: String]) {
        search = String((parameters["q"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(Self.maximumSearch))
        stage = parameters["stage"].flatMap { $0.isEmpty ? nil : $0 }
        grade = parameters["grade"].flatMap { $0.isEmpty ? nil : $0 }
        city = parameters["city"].flatMap { $0.isEmpty ? nil : $0 }
        kind = parameters["kind"].flatMap { $0.isEmpty ? nil : $0 }
        sort = parameters["sort"].flatMap { $0.isEmpty ? nil : $0 }
        descending = parameters["dir"] == "desc"
        if let text = parameters["page"], text.count <= 6, text.allSatisfy(\.isASCII), let number = Int(text), number >= 1 { page = number }
        if let text = parameters["per"], let number = Int(text), Self.pageSizes.contains(number) { perPage = number }
    }

    /// `name=value` pairs of a raw query string: "+" is a space, percent-escapes decoded, the first of a repeated
    /// name wins, names the lists do not read and values longer than `maximumValue` are left out.
    static func parameters(_ query: String?) -> [String: String] {
        guard let query, query.utf8.count <= maximumQuery else { return [:] }
        var result: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first.map({ String($0) }), names.contains(name), result[name] == nil else { continue }
            let raw = parts.count > 1 ? String(parts[1]) : ""
            guard let value = raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding, value.count <= maximumValue,
                  !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
            else { continue }
            result[name] = value
        }
        return result
    }

    /// The query with every value the list does not offer dropped: the defaults apply instead.
    func checked(against options: ListOptions) -> ListQuery {
        var checked = self
        if let stage, !options.stages.contains(where: { $0.token == stage }) { checked.stage = nil }
        if let grade, grade != ListOptions.noGrade, !options.grades.contains(grade) { checked.grade = nil }
        if let city, !options.cities.contains(where: { $0.code == city }) { checked.city = nil }
        if let kind, !options.kinds.contains(kind) { checked.kind = nil }
        if let sort, !options.columns.contains(where: { $0.key == sort }) {
            checked.sort = nil
            checked.descending = false
        }
        return checked
    }

    /// The parameters that differ from the defaults, in a fixed order (links compare equal when the lists do).
    var queryItems: [SiteURL.QueryItem] {
        var items: [SiteURL.QueryItem] = []
        func add(_ name: String, _ value: String?) { if let value, !value.isEmpty { items.append(.init(name: name, value: value)) } }
        add("q", search)
        add("stage", stage)
        add("grade", grade)
        add("city", city)
        add("kind", kind)
        add("sort", sort)
        add("dir", descending ? "desc" : nil)
        add("page", page.map(String.init))
        add("per", perPage == Self.defaultPerPage ? nil : String(perPage))
        return items
    }

    func on(page: Int?) -> ListQuery {
        var copy = self
        copy.page = page == 1 ? nil : page
        return copy
    }

    /// Sorted by `key`: a second click on the column in force turns its direction; a new sort starts on page 1.
    func sorted(by key: String, descendingFirst: Bool) -> ListQuery {
        var copy = self
        if sort == key { copy.descending.toggle() } else { copy.descending = descendingFirst }
        copy.sort = key
        copy.page = nil
        return copy
    }

    func only(kind: String?) -> ListQuery {
        var copy = self
        copy.kind = kind
        copy.page = nil
        return copy
    }
}

/// What a list offers to filter and sort by; the query is checked against it.
struct ListOptions: Sendable {
    struct City: Sendable, Hashable {
        let code: String
        let name: String
        let path: String
    }

    /// "none": rows without a grade (not yet scored).
    static let noGrade = "none"

    var stages: [(token: String, label: String)] = []
    var grades: [String] = []
    var cities: [City] = []
    var kinds: [String] = []
    var columns: [(key: String, title: String)] = []

    /// Every stage of the workflow (being filled or reviewed there), each stage a later one can return to, approved.
    static func stages(_ stages: [String]) -> [(token: String, label: String)] {
        var options: [(String, String)] = []
        for (index, name) in stages.enumerated() {
            options.append((String(index), name))
            if index < stages.count - 1 { options.append(("\(index)-returned", name + "（已退回）")) }
        }
        return options + [("approved", "已审定")]
    }

    static func matches(_ state: WorkflowState, token: String) -> Bool {
        switch token {
        case "approved": return state.status == .approved
        case let token where token.hasSuffix("-returned"):
            return state.status == .returned && String(state.stage) + "-returned" == token
        default: return state.status != .approved && String(state.stage) == token
        }
    }

    /// A scheme's grades, best first: by rank share, by band (highest first), below a threshold, by veto.
    static func grades(_ rules: GradeRules) -> [String] {
        var seen: Set<String> = []
        return (rules.byRank.map(\.grade) + rules.bands.map(\.grade) + [rules.below?.grade].compactMap { $0 } + rules.veto.map(\.grade))
            .filter { seen.insert($0).inserted }
    }

    /// The 市州 within the user's part of the tree, by code (for a county user: none).
    static func cities(_ request: Request, user: SignedIn) async throws -> [City] {
        guard let sql = request.db as? any SQLDatabase else { throw Abort(.internalServerError) }
        struct Row: Decodable {
            let code: String
            let name: String
            let path: String
        }
        return try await sql.raw("""
            SELECT code, name, path FROM org_units WHERE kind = \(bind: "市州") AND \(OrgScope.within(user.unitPath, column: "path")) ORDER BY code
            """).all(decoding: Row.self).map { City(code: $0.code, name: $0.name, path: $0.path) }
    }

    func city(_ code: String?) -> City? { code.flatMap { code in cities.first { $0.code == code } } }
}

/// A value to sort by: numbers before text never mix in one column; a missing value sorts last either way.
enum SortValue: Sendable {
    case number(Fixed)
    case text(String)

    private static let collation = Locale(identifier: "zh_Hans_CN")

    /// Chinese names by pinyin (成都市 before 绵阳市), as the offices sort them.
    static func compare(_ a: SortValue, _ b: SortValue) -> ComparisonResult {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y ? .orderedAscending : x == y ? .orderedSame : .orderedDescending
        case (.text(let x), .text(let y)): return x.compare(y, locale: collation)
        case (.number, .text): return .orderedAscending
        case (.text, .number): return .orderedDescending
        }
    }
}

/// One sortable column: its key in the link, its heading, whether the first click sorts it descending (scores),
/// and its value per row (`nil`: missing, sorted last).
struct ListColumn<Row>: Sendable {
    let key: String
    let title: String
    let descendingFirst: Bool
    let value: @Sendable (Row) -> SortValue?
}

/// Filtering before paging, a stable sort with ties broken by unit code, and the page.
enum ListRows {
    struct Page: Sendable, Equatable {
        /// Rows after the filter (what "共 N 条" says).
        let count: Int
        let number: Int
        let pages: Int
        let range: Range<Int>
    }

    static func sorted<Row>(_ rows: [Row], by column: ListColumn<Row>?, descending: Bool, code: (Row) -> String) -> [Row] {
        guard let column else { return rows }
        let keyed = rows.enumerated().map { (offset: $0.offset, row: $0.element, value: column.value($0.element), code: code($0.element)) }
        return keyed.sorted { a, b in
            switch (a.value, b.value) {
            case (nil, nil): break
            case (nil, _): return false
            case (_, nil): return true
            case (let x?, let y?):
                let order = SortValue.compare(x, y)
                if order != .orderedSame { return descending ? order == .orderedDescending : order == .orderedAscending }
            }
            if a.code != b.code { return a.code < b.code }
            return a.offset < b.offset
        }.map(\.row)
    }

    /// The page asked for, within 1 … pages (an empty list has one empty page).
    static func page(count: Int, asked: Int, perPage: Int) -> Page {
        let pages = max(1, (count + perPage - 1) / perPage)
        let number = min(max(1, asked), pages)
        let start = min(count, (number - 1) * perPage)
        return Page(count: count, number: number, pages: pages, range: start..<min(count, start + perPage))
    }

    /// Whether a row passes the query's search and filters (kind, stage, grade, city).
    static func matches(_ query: ListQuery, options: ListOptions, code: String, name: String, kind: String, path: String,
                        state: WorkflowState, grade: String?) -> Bool {
        if !query.search.isEmpty {
            let needle = query.search.lowercased()
            if !name.lowercased().contains(needle) && !code.lowercased().contains(needle) { return false }
        }
        if let wanted = query.kind, kind != wanted { return false }
        if let token = query.stage, !ListOptions.matches(state, token: token) { return false }
        if let wanted = query.grade {
            if wanted == ListOptions.noGrade ? grade != nil : grade != wanted { return false }
        }
        if let city = options.city(query.city), !path.hasPrefix(city.path) { return false }
        return true
    }
}
