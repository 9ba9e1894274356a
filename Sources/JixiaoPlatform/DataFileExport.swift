import Foundation

/// Writes a month's platform figures as a scheme data file (the format of examples/000-…yaml), so that
/// `jixiao score` scores the whole province from its records: every city and county, with the platform's inputs
/// from the records and the checks, and the manual items (督查 results, 弄虚作假, bonuses …) at "nothing entered"
/// (否 / 0 / none), to be entered by people as today.
public enum DataFileExport {
    /// `schemeInputs`: the scheme's input names, with whether each is a yes/no input.
    public static func yaml(
        scheme: String, schemeInputs: [(name: String, isFlag: Bool)], metrics: MetricsResult, checks: CheckResult
    ) -> String {
        func quoted(_ s: String) -> String {
            let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        var out = "scheme: \(quoted(scheme))\nperiod: \(quoted(metrics.cut.monthText))\n"
        out += "notes: |\n  Platform figures as of \(metrics.cut.date) 23:59:59 computed from the records (jixiao platform month).\n"
        out += "  Manual items are at 否 / 0 (not entered).\nsubjects:\n"
        let ordered = metrics.units.filter { $0.level == "city" } + metrics.units.filter { $0.level == "county" }
        for u in ordered {
            out += "  - id: \(quoted(u.code))\n    name: \(quoted(u.name))\n"
            if u.level == "county", let p = u.parent { out += "    parent: \(quoted(p))\n" }
            out += "    inputs:\n"
            for input in schemeInputs {
                let value = checks.inputs[input.name]?[u.code] ?? metrics.value(input.name, u.code)
                let text: String
                switch value {
                case .flag(let b)?: text = b ? "true" : "false"
                case .percent?: text = quoted(value!.description)
                case .number?: text = value!.description
                case nil:
                    // Manual (or a ratio over nothing): nothing found / entered.
                    if metrics.values[input.name] != nil { continue }  // a platform figure missing here
                    text = input.isFlag ? "false" : "0"
                }
                out += "      \(quoted(input.name)): \(text)\n"
            }
            out += "    values:\n      \"2.7\": []\n      \"4.2.1\": []\n      \"4.2.2\": []\n      \"4.2.3\": 0\n      \"4.2.4\": 0\n"
            if u.level == "county" { out += "      \"4.1\": n/a\n" }
        }
        return out
    }
}
