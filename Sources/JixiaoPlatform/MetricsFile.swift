import Foundation
import Yams

/// A metrics file that could not be read: file and metric, in Chinese.
public struct MetricsFileError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let message: String
    public var description: String { "\(file)：\(message)" }
}

/// One condition of a `where` list, parsed and checked against the table's columns.
indirect enum Condition: Sendable, Equatable {
    case anyOf([Condition])
    case compare(Operand, String, [ConditionValue])
    case isNull(Operand)
    /// `column matches table.column`: the person has such a record (as of the cut-off).
    case matches(column: String, table: RecordKind.Name, otherColumn: String)
}

extension RecordKind { public typealias Name = String }

enum Operand: Sendable, Equatable {
    case column(String)
    case person(String)
    /// cut-off year − birth_year, of the row itself (persons) or of its person.
    case age(ofPerson: Bool)
}

enum ConditionValue: Sendable, Equatable {
    case literal(String)
    case year, month, cutoffDate
}

public enum Aggregation: Sendable, Equatable {
    case count(table: String)
    case sum(table: String, column: String)
    case persons(table: String, allOf: [String])
    case exists(table: String)
    case ratio(String, String)
    case previous(String)
    case schedule([(month: Int, value: Decimal)])

    public static func == (a: Aggregation, b: Aggregation) -> Bool { "\(a)" == "\(b)" }
}

public struct MetricDeclaration: Sendable {
    public let name: String
    public let aggregation: Aggregation
    let conditions: [Condition]
    public let period: Period?
    public let scale: Decimal
    public let percent: Bool
}

public enum Period: String, Sendable { case year, month }

public struct ProgressProject: Sendable {
    public let name: String, done: String, tasks: String, previous: String
}

public struct PlatformChecks: Sendable {
    public var progressIndicator = "2.6.1"
    public var progressProjects: [ProgressProject] = []
    public var progressRequired = "进度要求"
    public var uploadIndicator = "4.1"
    public var uploadMetric = "精准分析已上传"
    public var identicalIndicator = "2.3"
    public var identicalMinPersons = 20
    public var identicalInput = "发展增收服务雷同人数"
    public var supervisionIndicator = "3.1"
    public var supervisionInput = "督查结果落实精准度全部为100"
    public var coverageInput = "业务督查未全覆盖"
}

/// The platform metrics of one scheme (see schemes/platform/000-liangfu-jiaojiu.yaml for the format).
public struct MetricsFile: Sendable {
    public let scheme: String
    public let cutoffDay: Int
    public let metrics: [MetricDeclaration]
    public let checks: PlatformChecks

    public func metric(_ name: String) -> MetricDeclaration? { metrics.first { $0.name == name } }

    public static func load(_ url: URL) throws -> MetricsFile {
        let file = url.lastPathComponent
        guard let data = try? Data(contentsOf: url), data.count <= 256 * 1024,
            let text = String(data: data, encoding: .utf8)
        else { throw MetricsFileError(file: file, message: "无法读取（或超过 256 KiB）") }
        return try parse(text, file: file)
    }

    public static func parse(_ text: String, file: String) throws -> MetricsFile {
        func fail(_ m: String) -> MetricsFileError { MetricsFileError(file: file, message: m) }
        guard let node = try? Yams.compose(yaml: text), let root = node.mapping else { throw fail("不是 YAML 映射") }
        guard let scheme = root["scheme"]?.string else { throw fail("缺少 scheme") }
        let cutoffDay = root["cutoff_day"]?.int ?? 25
        guard (1...28).contains(cutoffDay) else { throw fail("cutoff_day 应在 1…28") }
        guard let metricsNode = root["metrics"]?.mapping else { throw fail("缺少 metrics") }
        var metrics: [MetricDeclaration] = []
        for (key, value) in metricsNode {
            guard let name = key.string, let m = value.mapping else { throw fail("metrics 的每一项应为映射") }
            metrics.append(try declaration(name, m, fail: { fail("指标 \(name)：\($0)") }))
        }
        let names = Set(metrics.map(\.name))
        for m in metrics {
            switch m.aggregation {
            case .ratio(let a, let b):
                for n in [a, b] where !names.contains(n) { throw fail("指标 \(m.name)：没有指标 \(n)") }
            case .previous(let a):
                if !names.contains(a) { throw fail("指标 \(m.name)：没有指标 \(a)") }
            default: break
            }
        }
        var checks = PlatformChecks()
        if let c = root["checks"]?.mapping {
            if let p = c["progress"]?.mapping {
                checks.progressIndicator = p["indicator"]?.string ?? checks.progressIndicator
                checks.progressRequired = p["required"]?.string ?? checks.progressRequired
                for item in p["projects"]?.sequence ?? [] {
                    guard let i = item.mapping, let n = i["name"]?.string, let d = i["done"]?.string,
                        let t = i["tasks"]?.string, let pr = i["previous"]?.string
                    else { throw fail("checks.progress.projects 每项应有 name/done/tasks/previous") }
                    for x in [d, t, pr] where !names.contains(x) { throw fail("checks.progress：没有指标 \(x)") }
                    checks.progressProjects.append(ProgressProject(name: n, done: d, tasks: t, previous: pr))
                }
            }
            if let u = c["analysis_upload"]?.mapping {
                checks.uploadIndicator = u["indicator"]?.string ?? checks.uploadIndicator
                checks.uploadMetric = u["metric"]?.string ?? checks.uploadMetric
            }
            if let i = c["identical_income"]?.mapping {
                checks.identicalIndicator = i["indicator"]?.string ?? checks.identicalIndicator
                checks.identicalMinPersons = i["min_persons"]?.int ?? checks.identicalMinPersons
                checks.identicalInput = i["input"]?.string ?? checks.identicalInput
            }
            if let s = c["supervision_all_accurate"]?.mapping {
                checks.supervisionIndicator = s["indicator"]?.string ?? checks.supervisionIndicator
                checks.supervisionInput = s["input"]?.string ?? checks.supervisionInput
                checks.coverageInput = s["coverage_input"]?.string ?? checks.coverageInput
            }
        }
        return MetricsFile(scheme: scheme, cutoffDay: cutoffDay, metrics: metrics, checks: checks)
    }

    static func declaration(_ name: String, _ m: Node.Mapping, fail: (String) -> MetricsFileError) throws
        -> MetricDeclaration
    {
        func kind(_ t: String) throws -> RecordKind {
            guard let k = Records.kind(named: t) else { throw fail("没有记录表 \(t)") }
            return k
        }
        var table: RecordKind?
        let aggregation: Aggregation
        if let t = m["count"]?.string {
            table = try kind(t)
            aggregation = .count(table: t)
        } else if let s = m["sum"]?.string {
            let parts = s.split(separator: ".").map(String.init)
            guard parts.count == 2 else { throw fail("sum 应为 表.列") }
            let k = try kind(parts[0])
            guard let col = k.column(parts[1]), [.money].contains(col.type) || { if case .int = col.type { return true }; return false }()
            else { throw fail("\(s) 不是数值列") }
            table = k
            aggregation = .sum(table: parts[0], column: parts[1])
        } else if let t = m["persons"]?.string {
            let k = try kind(t)
            guard k.column("person_id") != nil else { throw fail("\(t) 没有 person_id") }
            let allOf = (m["all_of"]?.sequence ?? []).compactMap(\.string)
            for f in allOf where k.column(f)?.type != .flag { throw fail("all_of：\(f) 不是 \(t) 的 0/1 列") }
            table = k
            aggregation = .persons(table: t, allOf: allOf)
        } else if let t = m["exists"]?.string {
            table = try kind(t)
            aggregation = .exists(table: t)
        } else if let r = m["ratio"]?.sequence {
            guard r.count == 2, let a = r[0].string, let b = r[1].string else { throw fail("ratio 应为 [分子, 分母]") }
            aggregation = .ratio(a, b)
        } else if let p = m["previous"]?.string {
            aggregation = .previous(p)
        } else if let s = m["schedule"]?.mapping {
            var steps: [(month: Int, value: Decimal)] = []
            for (k, v) in s {
                guard let month = k.string.flatMap({ Int($0) }), (1...12).contains(month),
                    let value = v.string.flatMap({ Decimal(string: $0) })
                else { throw fail("schedule 应为 {月: 数值}") }
                steps.append((month, value))
            }
            aggregation = .schedule(steps.sorted { $0.month < $1.month })
        } else {
            throw fail("应为 count、sum、persons、exists、ratio、previous 或 schedule 之一")
        }
        var period: Period?
        if let p = m["period"]?.string {
            guard let pp = Period(rawValue: p) else { throw fail("period 应为 year 或 month") }
            guard let t = table, t.dateColumn != nil else { throw fail("\(table?.name ?? "此指标") 没有日期列，不能按期间") }
            period = pp
        }
        var conditions: [Condition] = []
        for w in m["where"]?.sequence ?? [] {
            guard let text = w.string, let t = table else { throw fail("where 只用于记录表上的指标") }
            conditions.append(try ConditionParser.parse(text, table: t, fail: fail))
        }
        let percent = m["percent"]?.bool ?? false
        let scale = m["scale"]?.string.flatMap { Decimal(string: $0) } ?? (percent ? 100 : 1)
        return MetricDeclaration(
            name: name, aggregation: aggregation, conditions: conditions, period: period, scale: scale,
            percent: percent)
    }
}

enum ConditionParser {
    static let ops = ["!=", "<=", ">=", "=", "<", ">"]

    static func parse(_ text: String, table: RecordKind, fail: (String) -> MetricsFileError) throws -> Condition {
        let alternatives = text.components(separatedBy: " or ")
        if alternatives.count > 1 {
            return .anyOf(try alternatives.map { try parse($0, table: table, fail: fail) })
        }
        let words = text.split(separator: " ").map(String.init)
        func operand(_ w: String) throws -> Operand {
            if w == "age" {
                if table.name == Records.persons.name { return .age(ofPerson: false) }
                guard table.column("person_id") != nil else { throw fail("\(table.name) 没有 person_id，不能用 age") }
                return .age(ofPerson: true)
            }
            if w.hasPrefix("person.") {
                let c = String(w.dropFirst("person.".count))
                guard table.column("person_id") != nil else { throw fail("\(table.name) 没有 person_id") }
                if c == "age" { return .age(ofPerson: true) }
                guard Records.persons.column(c) != nil else { throw fail("persons 没有列 \(c)") }
                return .person(c)
            }
            guard table.column(w) != nil else { throw fail("\(table.name) 没有列 \(w)") }
            return .column(w)
        }
        func value(_ w: String) -> ConditionValue {
            switch w {
            case "$year": return .year
            case "$month": return .month
            case "$cutoff_date": return .cutoffDate
            default: return .literal(w)
            }
        }
        if words.count == 3, words[1] == "is", words[2] == "null" { return .isNull(try operand(words[0])) }
        if words.count == 3, words[1] == "matches" {
            let other = words[2].split(separator: ".").map(String.init)
            guard other.count == 2, let k = Records.kind(named: other[0]), k.column(other[1]) != nil,
                k.column("person_id") != nil, table.column(words[0]) != nil, table.column("person_id") != nil
            else { throw fail("条件“\(text)”：matches 应为 列 matches 表.列（两表都有 person_id）") }
            return .matches(column: words[0], table: other[0], otherColumn: other[1])
        }
        if words.count == 4, words[1] == "not", words[2] == "in" {
            return .compare(try operand(words[0]), "not in", words[3].split(separator: "|").map { value(String($0)) })
        }
        if words.count == 3, words[1] == "in" {
            return .compare(try operand(words[0]), "in", words[2].split(separator: "|").map { value(String($0)) })
        }
        guard words.count == 3, ops.contains(words[1]) else {
            throw fail("条件“\(text)”应为 列 运算符 值（运算符：= != < <= > >= in not in is null matches）")
        }
        return .compare(try operand(words[0]), words[1], [value(words[2])])
    }
}
