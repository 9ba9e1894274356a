import Foundation
import JixiaoCore

/// How the entry form asks for an indicator's figure, chosen from its rule. Whatever the widget, the stored
/// text is what a data file would hold (a word, `all` / `[1, 3]` / `none`, `2020-02`, `[0.5, 1]`, 不适用),
/// so the CLI, the form and the xlsx template read and write the same values.
enum EntryWidget: Sendable, Hashable {
    /// A text box (numbers, percentages, words, 不适用 …).
    case text
    /// A qualitative threshold: its `accept:` words, 否 (not met) and 不适用.
    case choice([String])
    /// A checklist: one box per item, and 不适用.
    case checklist([(id: String, text: String)])
    /// A lateness rule: 及时 / 未完成 / 不适用, or the month it was done.
    case month
    /// A list of amounts or items (bonus rules): typed as `0.5, 1`, stored as `[0.5, 1]`.
    case list

    init(_ rule: Rule?) {
        switch rule {
        case .threshold(let threshold)? where !threshold.accept.isEmpty: self = .choice(threshold.accept)
        case .checklist(let items)?: self = .checklist(items.map { ($0.id, $0.text) })
        case .lateness?: self = .month
        case .bonus?: self = .list
        default: self = .text
        }
    }

    static func == (lhs: EntryWidget, rhs: EntryWidget) -> Bool {
        switch (lhs, rhs) {
        case (.text, .text), (.month, .month), (.list, .list): return true
        case (.choice(let a), .choice(let b)): return a == b
        case (.checklist(let a), .checklist(let b)): return a.map(\.id) == b.map(\.id) && a.map(\.text) == b.map(\.text)
        default: return false
        }
    }

    func hash(into hasher: inout Hasher) {
        switch self {
        case .text: hasher.combine(0)
        case .choice(let words): hasher.combine(1); hasher.combine(words)
        case .checklist(let items): hasher.combine(2); hasher.combine(items.map(\.id))
        case .month: hasher.combine(3)
        case .list: hasher.combine(4)
        }
    }

    static let notApplicable = "不适用"
    /// The choice's value for "not met" (a threshold's false).
    static let notMet = "否"
    static let lateChoices = ["及时", "未完成", notApplicable]

    /// The stored text from the form's fields for this widget (`v<i>`, and `v<i>c<j>` / `v<i>na` / `v<i>m`);
    /// nil when the form did not send the field at all.
    func value(_ form: [String: String], name: String) -> String? {
        switch self {
        case .text, .choice: return form[name]
        case .list:
            guard let typed = form[name]?.trimmingCharacters(in: .whitespaces) else { return nil }
            if typed.isEmpty || typed.hasPrefix("[") || Value.parse(typed) == .notApplicable { return typed }
            return "[" + typed + "]"
        case .month:
            guard let choice = form[name] else { return nil }
            if choice == "month" { return form[name + "m"] ?? "" }
            return choice
        case .checklist(let items):
            // The hidden `v<i>` carries what was stored: boxes all cleared on a filled checklist mean none met,
            // while a checklist never filled and left unticked stays empty.
            guard let stored = form[name] else { return nil }
            if form[name + "na"] != nil { return Self.notApplicable }
            let ticked = items.indices.filter { form[name + "c\($0)"] != nil }.map { items[$0].id }
            if ticked.isEmpty { return stored.isEmpty ? "" : "none" }
            if ticked.count == items.count { return "all" }
            return "[" + ticked.joined(separator: ", ") + "]"
        }
    }

    /// For a checklist: which items a stored text ticks (nil: not applicable).
    func ticked(_ stored: String) -> Set<String>? {
        guard case .checklist(let items) = self else { return [] }
        switch Value.parse(stored) {
        case .notApplicable: return nil
        case .text(let text) where ["all", "全部", "全部满足"].contains(text): return Set(items.map(\.id))
        case .text(let text) where ["none", "无", ""].contains(text): return []
        case .list(let ids): return Set(ids.map(\.description))
        case let value: return [value.description]
        }
    }

    /// For a list: the stored `[0.5, 1]` shown as `0.5, 1`.
    static func listText(_ stored: String) -> String {
        stored.hasPrefix("[") && stored.hasSuffix("]") ? String(stored.dropFirst().dropLast()) : stored
    }
}
