import Foundation
import JixiaoCore
import Plot

/// The entry form's control for one field, named `v<index>` (and `v<index>c<j>`, `v<index>na`, `v<index>m`),
/// showing `value` (the stored text). `EntryWidget.value(_:name:)` reads it back.
enum EntryWidgetView {
    static func control(_ field: EntryField, index: Int, value: String) -> Node<HTML.BodyContext> {
        let name = "v\(index)"
        switch field.widget {
        case .text:
            return .input(.type(.text), .escaped("name", name), .escaped("id", "field-\(index)"), .escaped("value", value), .escaped("data-key", field.key))
        case .choice(let words):
            var options = [""] + words + [EntryWidget.notMet, EntryWidget.notApplicable]
            // A word the rule does not list (typed elsewhere, or from a file) stays what it is.
            if !options.contains(value) { options.append(value) }
            return .select(.escaped("name", name), .escaped("id", "field-\(index)"), .escaped("data-key", field.key), .class("choice"),
                           .forEach(options) { word in
                               .option(.escaped("value", word), .escaped("label", word.isEmpty ? "（未填）" : word == EntryWidget.notMet ? "否（不符合）" : word),
                                       .isSelected(word == value))
                           })
        case .checklist(let items):
            let ticked = field.widget.ticked(value)
            return .span(.class("checklist"), .escaped("id", "field-\(index)"), .escaped("data-key", field.key),
                         .input(.type(.hidden), .escaped("name", name), .escaped("value", value)),
                         .forEach(Array(items.enumerated())) { position, item in
                             .label(.input(.type(.checkbox), .escaped("name", "\(name)c\(position)"), .escaped("value", item.id),
                                           .checked(ticked?.contains(item.id) ?? false)),
                                    .text("\(item.id). \(item.text)"))
                         },
                         .label(.class("na"), .input(.type(.checkbox), .escaped("name", "\(name)na"), .escaped("value", "1"), .checked(ticked == nil)),
                                .text(EntryWidget.notApplicable)))
        case .month:
            let month = YearMonth(value).map { String(format: "%04d-%02d", $0.year, $0.month) } ?? ""
            let isMonth = !month.isEmpty && !EntryWidget.lateChoices.contains(value)
            // Any other word a file held (是, 按期 …) stays a choice of its own.
            let words = EntryWidget.lateChoices + (value.isEmpty || EntryWidget.lateChoices.contains(value) || isMonth ? [] : [value])
            return .span(.class("lateness"),
                         .select(.escaped("name", name), .escaped("id", "field-\(index)"), .escaped("data-key", field.key),
                                 .option(.escaped("value", ""), .escaped("label", "（未填）"), .isSelected(value.isEmpty)),
                                 .forEach(words) { word in .option(.escaped("value", word), .escaped("label", word), .isSelected(word == value)) },
                                 .option(.escaped("value", "month"), .escaped("label", "完成于（年月）"), .isSelected(isMonth))),
                         .input(.type(.month), .escaped("name", "\(name)m"), .escaped("value", month), .attribute(named: "title", value: "完成的年月")))
        case .list:
            return .input(.type(.text), .escaped("name", name), .escaped("id", "field-\(index)"), .escaped("value", EntryWidget.listText(value)),
                          .escaped("data-key", field.key), .attribute(named: "placeholder", value: "多项以逗号分隔，如 0.5, 1"))
        }
    }
}
