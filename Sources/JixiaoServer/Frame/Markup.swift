import Plot

/// The one escaping path for text that is not escaped by Plot itself: Plot escapes element text but writes
/// attribute values verbatim, so every attribute value that comes from data goes through `.escaped(_:_:)`
/// (or is a `SiteURL`, which encodes its parts), and SVG built by hand goes through `escapeMarkup`.
/// `SecurityTests` renders hostile strings through the pages they reach and scans the sources for attribute
/// calls that bypass this.
func escapeMarkup(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&#39;"
        default: escaped.append(character)
        }
    }
    return escaped
}

extension Attribute {
    /// An attribute whose value comes from data: escaped, so it can never close the quotes around it.
    static func escaped(_ name: String, _ value: String) -> Attribute {
        Attribute(name: name, value: escapeMarkup(value), ignoreIfValueIsEmpty: false)
    }
}

extension Node {
    /// An attribute whose value comes from data, in a context that takes nodes (see `Attribute.escaped`).
    static func escaped(_ name: String, _ value: String) -> Node {
        .attribute(named: name, value: escapeMarkup(value), ignoreIfValueIsEmpty: false)
    }
}
