import JixiaoCore
import Yams

/// Reads data files (docs/schemes.md, "The data file") into `DataSet`.
public enum DataFile {
    public static func load(path: String) throws(FileError) -> DataSet {
        try parse(try readText(path), file: path)
    }

    public static func parse(_ text: String, file: String) throws(FileError) -> DataSet {
        let reader = YAMLReader(file: file)
        let root = try reader.root(text)
        var top = try reader.mapping(root, "数据文件")
        let schemeID = try top.required("scheme") { (n) throws(FileError) in try reader.string(n, "scheme") }
        let period = try top.required("period") { (n) throws(FileError) in try reader.string(n, "period") }
        let subjects = try top.required("subjects") { (n) throws(FileError) in
            try reader.sequence(n, "subjects").map { (item) throws(FileError) in try readSubject(reader, item) }
        }
        let composite = try top.optional("composite_printed") { (n) throws(FileError) in try readPrinted(reader, n, allowStages: false).printed } ?? Printed()
        let findings = try top.optional("findings") { (n) throws(FileError) in try readFindings(reader, n) } ?? []
        let notes = try top.string("notes")
        try top.finish()
        return DataSet(
            schemeID: schemeID, period: period, subjects: subjects, compositePrinted: composite,
            findings: findings, notes: notes, location: reader.location(root))
    }

    static func readSubject(_ reader: YAMLReader, _ node: Node) throws(FileError) -> SubjectData {
        var f = try reader.mapping(node, "考核对象")
        let id = try f.required("id") { (n) throws(FileError) in try reader.string(n, "id") }
        var subject = SubjectData(id: id, name: try f.string("name"), parent: try f.string("parent"))
        subject.location = reader.location(node)
        subject.attributes = try f.optional("attributes") { (n) throws(FileError) in try valueMap(reader, n, "attributes") } ?? [:]
        subject.inputs = try f.optional("inputs") { (n) throws(FileError) in try valueMap(reader, n, "inputs") } ?? [:]
        subject.values = try f.optional("values") { (n) throws(FileError) in try valueMap(reader, n, "values") } ?? [:]
        if let valuesNode = f.mapping["values"], case .mapping(let entries) = valuesNode {
            for (key, value) in entries { if let code = key.string { subject.valueLocations[code] = reader.location(value) } }
        }
        subject.reasons = try f.optional("reasons") { (n) throws(FileError) in try textMap(reader, n, "reasons") } ?? [:]
        subject.fundTable = try f.optional("fund_table") { (n) throws(FileError) in try readFundTable(reader, n) }
        let printed = try f.optional("printed") { (n) throws(FileError) in try readPrinted(reader, n, allowStages: true) }
        subject.printed = printed?.printed ?? Printed()
        if let fields = try f.optional("stages", { (n) throws(FileError) in try reader.mapping(n, "stages") }) {
            for (stage, _, stageNode) in try fields.pairs() {
                var s = try reader.mapping(stageNode, "阶段 \(stage)")
                var change = StageChanges()
                change.values = try s.optional("values") { (n) throws(FileError) in try valueMap(reader, n, "values") } ?? [:]
                change.inputs = try s.optional("inputs") { (n) throws(FileError) in try valueMap(reader, n, "inputs") } ?? [:]
                change.reasons = try s.optional("reasons") { (n) throws(FileError) in try textMap(reader, n, "reasons") } ?? [:]
                try s.finish()
                subject.stages[stage] = change
            }
        }
        for (stage, stagePrinted) in printed?.stages ?? [:] {
            subject.stages[stage, default: StageChanges()].printed = stagePrinted
        }
        subject.findings = try f.optional("findings") { (n) throws(FileError) in try readFindings(reader, n) } ?? []
        try f.finish()
        return subject
    }

    static func valueMap(_ reader: YAMLReader, _ node: Node, _ what: String) throws(FileError) -> [String: Value] {
        var result: [String: Value] = [:]
        for (key, _, value) in try reader.mapping(node, what).pairs() {
            if case .scalar(let scalar) = value, scalar.style == .plain, ["", "~", "null"].contains(scalar.string) { continue }
            result[key] = try reader.value(value, "\(what).\(key)")
        }
        return result
    }

    static func textMap(_ reader: YAMLReader, _ node: Node, _ what: String) throws(FileError) -> [String: String] {
        var result: [String: String] = [:]
        for (key, _, value) in try reader.mapping(node, what).pairs() { result[key] = try reader.string(value, "\(what).\(key)") }
        return result
    }

    static func fixedMap(_ reader: YAMLReader, _ node: Node, _ what: String) throws(FileError) -> [String: Fixed] {
        var result: [String: Fixed] = [:]
        for (key, _, value) in try reader.mapping(node, what).pairs() { result[key] = try reader.fixed(value, "\(what).\(key)") }
        return result
    }

    /// A printed figure keeps the places it was written with: `1.8` is one place, `"91.9%"` one place of percent.
    static func figure(_ reader: YAMLReader, _ node: Node, _ what: String) throws(FileError) -> PrintedFigure {
        guard case .scalar(let scalar) = node, let figure = PrintedFigure(scalar.string) else {
            throw reader.fail(node, "\(what)应为数字，实际是 “\(reader.describe(node))”")
        }
        return figure
    }

    static func figureMap(_ reader: YAMLReader, _ node: Node, _ what: String) throws(FileError) -> [String: PrintedFigure] {
        var result: [String: PrintedFigure] = [:]
        for (key, _, value) in try reader.mapping(node, what).pairs() { result[key] = try figure(reader, value, "\(what).\(key)") }
        return result
    }

    static func readPrinted(_ reader: YAMLReader, _ node: Node, allowStages: Bool) throws(FileError) -> (printed: Printed, stages: [String: Printed]) {
        var f = try reader.mapping(node, "printed")
        var printed = Printed()
        printed.scores = try f.optional("scores") { (n) throws(FileError) in try figureMap(reader, n, "printed.scores") } ?? [:]
        printed.total = try f.optional("total") { (n) throws(FileError) in try figure(reader, n, "printed.total") }
        printed.grade = try f.string("grade")
        if let fundNode = f.node("fund") {
            for (key, keyNode, value) in try reader.mapping(fundNode, "printed.fund").pairs() {
                guard Printed.isFundKey(key) else {
                    throw reader.fail(keyNode, "printed.fund 的 “\(key)” 不是资金表的一项（如 结余、预算执行率、市级.结余、财政资金小计.支出、支出明细合计）")
                }
                printed.fund[key] = try figure(reader, value, "printed.fund.\(key)")
            }
        }
        printed.deductions = try f.optional("deductions") { (n) throws(FileError) in try figureMap(reader, n, "printed.deductions") } ?? [:]
        printed.totalDeduction = try f.optional("total_deduction") { (n) throws(FileError) in try figure(reader, n, "printed.total_deduction") }
        printed.rates = try f.optional("rates") { (n) throws(FileError) in try figureMap(reader, n, "printed.rates") } ?? [:]
        printed.totalRate = try f.optional("total_rate") { (n) throws(FileError) in try figure(reader, n, "printed.total_rate") }
        if let formulas = try f.optional("formulas", { (n) throws(FileError) in try reader.mapping(n, "printed.formulas") }) {
            for (code, _, value) in try formulas.pairs() { printed.formulas[code] = try reader.operand(value, "printed.formulas.\(code)") }
        }
        printed.arithmetic = try f.optional("arithmetic") { (n) throws(FileError) in
            try reader.sequence(n, "printed.arithmetic").map { (item) throws(FileError) -> PrintedArithmetic in
                var fields = try reader.mapping(item, "printed.arithmetic 的条目")
                let result = PrintedArithmetic(
                    name: try fields.required("name") { (x) throws(FileError) in try reader.string(x, "name") },
                    formula: try fields.required("formula") { (x) throws(FileError) in try reader.operand(x, "formula") },
                    printed: try fields.required("printed") { (x) throws(FileError) in try figure(reader, x, "printed") })
                try fields.finish()
                return result
            }
        } ?? []
        printed.notCheckable = try f.optional("not_checkable") { (n) throws(FileError) in
            try reader.sequence(n, "printed.not_checkable").map { (item) throws(FileError) -> NotCheckable in
                var fields = try reader.mapping(item, "printed.not_checkable 的条目")
                var codes = try fields.optional("codes") { (x) throws(FileError) in
                    try reader.sequence(x, "codes").map { (c) throws(FileError) in try reader.string(c, "codes") }
                } ?? []
                if let code = try fields.string("code") { codes.append(code) }
                let what = try fields.string("what")
                let cells = try fields.optional("cells") { (x) throws(FileError) in try reader.int(x, "cells") }
                let why = try fields.required("why") { (x) throws(FileError) in try reader.string(x, "why") }
                guard codes.isEmpty != (what == nil) else {
                    throw reader.fail(item, "printed.not_checkable 的条目需要 code/codes（指标的印刷得分）或 what（其他印刷数字），二者取一")
                }
                if what != nil, (cells ?? 0) < 1 { throw reader.fail(item, "printed.not_checkable 的条目写了 what，还需要 cells（格数，至少 1）") }
                try fields.finish()
                return NotCheckable(codes: codes, what: what, cells: what == nil ? nil : cells, why: why)
            }
        } ?? []
        var stages: [String: Printed] = [:]
        if allowStages, let fields = try f.optional("stages", { (n) throws(FileError) in try reader.mapping(n, "printed.stages") }) {
            for (stage, _, stageNode) in try fields.pairs() {
                stages[stage] = try readPrinted(reader, stageNode, allowStages: false).printed
            }
        }
        try f.finish()
        return (printed, stages)
    }

    static func readFundTable(_ reader: YAMLReader, _ node: Node) throws(FileError) -> FundTable {
        var f = try reader.mapping(node, "fund_table")
        let sources = try f.optional("sources") { (n) throws(FileError) in
            try reader.sequence(n, "sources").map { (s) throws(FileError) -> String in
                let name = try reader.string(s, "sources")
                guard FundTable.sourceNames.contains(name) else {
                    throw reader.fail(s, "资金来源 “\(name)” 无效（可用：\(FundTable.sourceNames.joined(separator: "、"))）")
                }
                return name
            }
        } ?? []
        func row(_ key: String) throws(FileError) -> [String: Fixed] {
            guard let node = f.node(key) else { throw FileError(f.location, "fund_table 缺少 “\(key)”") }
            let values = try fixedMap(reader, node, "fund_table.\(key)")
            for name in values.keys where !sources.contains(name) {
                throw reader.fail(node, "fund_table.\(key) 的来源 “\(name)” 不在 sources 中")
            }
            return values
        }
        let table = FundTable(
            sources: sources, budget: try row("budget"), invested: try row("invested"), arrived: try row("arrived"),
            spent: try row("spent"),
            items: try f.optional("items") { (n) throws(FileError) in
                try reader.sequence(n, "items").map { (item) throws(FileError) -> FundTable.Item in
                    var fields = try reader.mapping(item, "支出明细")
                    let result = FundTable.Item(
                        name: try fields.required("name") { (x) throws(FileError) in try reader.string(x, "name") },
                        spent: try fields.required("spent") { (x) throws(FileError) in try reader.fixed(x, "spent") })
                    try fields.finish()
                    return result
                }
            } ?? [])
        try f.finish()
        return table
    }

    static func readFindings(_ reader: YAMLReader, _ node: Node) throws(FileError) -> [Finding] {
        try reader.sequence(node, "findings").map { (item) throws(FileError) -> Finding in
            var f = try reader.mapping(item, "finding")
            let finding = Finding(
                code: try f.required("code") { (n) throws(FileError) in try reader.string(n, "code") },
                deduct: try f.fixed("deduct"),
                text: try f.required("text") { (n) throws(FileError) in try reader.string(n, "text") })
            try f.finish()
            return finding
        }
    }
}
