import Fluent
import FluentSQL
import SQLKit

/// "Within a node of the org tree" as SQL: the unit's path starts with the node's path. Written as a
/// comparison of the path's first characters, never as LIKE, so that no character of a code can act as
/// a wildcard (a unit coded "%" once saw the whole province).
enum OrgScope {
    /// `substr(<column>, 1, n) = path`, with both values bound.
    static func within(_ path: String, column: String) -> SQLQueryString {
        "substr(\(unsafeRaw: column), 1, CAST(\(bind: path.unicodeScalars.count) AS INTEGER)) = \(bind: path)"
    }
}

extension QueryBuilder where Model == OrgUnit {
    /// The units at or below the node with this path.
    func within(_ path: String) -> Self {
        filter(.sql(embed: OrgScope.within(path, column: "path")))
    }
}
