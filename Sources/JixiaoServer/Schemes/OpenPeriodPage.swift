import Foundation
import JixiaoCore
import Plot

/// `/versions/:id/open`: opening a period of a version for units ticked in the org tree. Only the units of the
/// admin's scope whose kind the scheme assesses can be ticked; each group has a box that ticks all of it.
struct OpenPeriodPage {
    let context: PageContext
    let versionID: UUID
    let scheme: Scheme
    let tree: [PeriodOpening.Node]
    let opened: [SchemePage.OpenedPeriod]
    /// What the form held when it was refused, so nothing ticked is lost.
    var period: String = ""
    var picked: Set<String> = []
    var problems: [String] = []

    static let css = """
        .unit-tree fieldset{border:1px solid #ddd;margin:.4em 0;padding:.2em .6em .4em}.unit-tree legend{font-weight:bold;padding:0 .3em}
        .unit-tree label.unit{display:inline-block;margin:.15em 1em .15em 0;white-space:nowrap}.unit-tree .kind{color:#777;font-size:.85em}
        .unit-tree > fieldset{border-color:#bbb}.open-period .period{margin:.6em 0}
        """

    /// The kinds with more than one tickable unit, in the order the scheme's kinds list them, for the
    /// "全部市州" / "全部县市区" boxes (only when there is more than one kind to tell apart).
    private var kindsToPick: [String] {
        var counts: [String: Int] = [:]
        func walk(_ node: PeriodOpening.Node) {
            if node.selectable { counts[node.kind, default: 0] += 1 }
            node.children.forEach(walk)
        }
        tree.forEach(walk)
        return counts.count > 1 ? SchemeWording.unitKinds(scheme.subjectKind).filter { (counts[$0] ?? 0) > 1 } : []
    }

    var document: HTML {
        let kinds = SchemeWording.unitKinds(scheme.subjectKind)
        let count = tree.reduce(0) { $0 + $1.selectableCount }
        return Page.document(
            title: "开启考核 \(scheme.name)", context: context,
            .element(named: "style", text: Self.css),
            .h1(.text("开启考核：\(scheme.name)（第 \(scheme.version) 版）")),
            .p(.text("考核对象：\(SchemeWording.subjectKind(scheme.subjectKind))。下面列出您管辖范围内类型为 \(kinds.joined(separator: "、")) 的 \(count) 个单位；"
                     + "勾选要开启考核的单位（“全选”勾选该组的全部单位）。已有考核的单位不会重复开启；开启后本版本冻结。")),
            .if(!opened.isEmpty, .p(.class("muted"), .text("已开启：" + opened.map { "\($0.period)（\($0.assessments) 份）" }.joined(separator: "、")))),
            .if(!problems.isEmpty, .group(
                .p(.class("bad"), .text("未开启：")),
                .ul(.class("problems"), .id("problems"), .forEach(problems) { .li(.text($0)) }))),
            .if(tree.isEmpty,
                .p(.class("bad"), .id("no-units"), .text("您的管辖范围内没有类型为 \(kinds.joined(separator: "、")) 的单位，无法开启考核。")),
                else: .form(.class("open-period"), .method(.post), .action(SiteURL.versionAction(versionID, "open")), context.csrfField,
                    .div(.class("period"),
                         .label(.text("考核期 "), .input(.type(.text), .name("period"), .id("period"), .escaped("value", period),
                                                       .placeholder("2025-06"), .required(true))),
                         .span(.class("muted"), .text(" 写作年份（2025）或年月（2025-06）"))),
                    .div(.class("unit-tree"), .id("unit-tree"),
                         .element(named: "fieldset", nodes: [
                            .element(named: "legend", nodes: [
                                // One tree has its own "全选" on its root; several roots get one here.
                                .if(tree.count > 1 || tree.first?.children.isEmpty == true,
                                    .label(.class("unit"), .input(.type(.checkbox), .escaped("data-select-all", ""), .id("select-all")), .text(" 全选"))),
                                .forEach(kindsToPick) { kind in
                                    .label(.class("unit"), .input(.type(.checkbox), .escaped("data-select-all", kind)), .text(" 全部\(kind)"))
                                },
                                .if(tree.count == 1 && kindsToPick.isEmpty && tree.first?.children.isEmpty == false, .text("单位")),
                            ]),
                         ] + tree.map(unitNode))),
                    .button(.type(.submit), .id("open-period"), .text("开启考核")))),
            .p(.a(.href(SiteURL.version(versionID)), .text("返回方案页")))
        )
    }

    /// A unit: a box of its own when selectable; a group (fieldset with "全选") when it has units below.
    private func unitNode(_ node: PeriodOpening.Node) -> Node<HTML.BodyContext> {
        let own: Node<HTML.BodyContext> = .if(node.selectable,
            .label(.class("unit"),
                   .input(.type(.checkbox), .name("units[]"), .escaped("value", node.code), .escaped("data-kind", node.kind),
                          .checked(picked.contains(node.code))),
                   .text(" \(node.name)"), .span(.class("kind"), .text(" \(node.kind)"))))
        guard !node.children.isEmpty else { return own }
        return .element(named: "fieldset", nodes: [
            .escaped("data-unit", node.code),
            .element(named: "legend", nodes: [
                .label(.input(.type(.checkbox), .escaped("data-select-all", "")), .text(" \(node.name) 全选（\(node.selectableCount)）")),
            ]),
            own,
        ] + node.children.map(unitNode))
    }
}
