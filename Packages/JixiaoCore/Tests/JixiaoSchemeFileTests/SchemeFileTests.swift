import Foundation
import JixiaoCore
import Testing
@testable import JixiaoSchemeFile

@Suite struct SchemeFileTests {
    static let scheme = """
        scheme: {id: T, name: 测试, total: 10}
        indicators:
          - code: "1"
            name: 投入
            children:
              - {code: "1.1", name: 预算执行率, max: 2.27, text: 预算执行率得分 = 预算执行率 * 2.27, rule: {kind: rate, rate: fund.预算执行率}}
              - code: "1.2"
                name: 培训人次
                max: 7.73
                target: 100
                rule: {kind: threshold, op: ">=", value: 100}
        """

    @Test func parsesTreeRulesAndDefaults() throws {
        let scheme = try SchemeFile.parse(Self.scheme, file: "t.yaml")
        #expect(scheme.id == "T")
        #expect(scheme.indicators[0].max == 10)  // a group without max adds up its children
        #expect(scheme.indicators[0].children[0].rule == .rate(rate: try Expression(parsing: "fund.预算执行率")))
        #expect(scheme.indicators[0].children[1].location?.line == 7)
        #expect(scheme.stages == ["自评分"])
        #expect(scheme.rounding == Rounding())
    }

    func error(_ text: String) -> FileError? {
        do {
            _ = try SchemeFile.parse(text, file: "bad.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test func errors_nameFileAndLine() {
        let unknownKind = Self.scheme.replacingOccurrences(of: "kind: threshold", with: "kind: thresold")
        let found = error(unknownKind)
        #expect(found?.location.line == 11)
        #expect(found?.message.contains("未知的规则类型 “thresold”") == true)
        #expect(found?.description.hasPrefix("bad.yaml:11: 错误:") == true)

        let typo = Self.scheme.replacingOccurrences(of: "target: 100", with: "targte: 100")
        #expect(error(typo)?.message.contains("未知的键 “targte”") == true)
        #expect(error(typo)?.location.line == 10)

        let badNumber = Self.scheme.replacingOccurrences(of: "max: 7.73", with: "max: 七")
        #expect(error(badNumber)?.message.contains("max应为数字") == true)

        let badFormula = Self.scheme.replacingOccurrences(of: "rate: fund.预算执行率", with: "rate: fund.预算执行率 *")
        #expect(error(badFormula)?.message.contains("公式有误") == true)
        #expect(error(badFormula)?.location.line == 6)

        #expect(error("scheme: [unclosed")?.message.contains("YAML 格式错误") == true)
        #expect(error("")?.message == "文件为空")
        #expect(error("scheme: {id: T, name: t}\n")?.message.contains("缺少 “indicators”") == true)
    }

    @Test func dataFile_valuesPercentagesNotApplicableAndStages() throws {
        let data = try DataFile.parse("""
            scheme: T
            period: "2019"
            subjects:
              - id: P
                values: {"1.1": "91.9%", "1.2": n/a, "1.3": 健全, "1.4": [a, b], "1.5": {a: true, b: false}}
                stages:
                  初评分: {values: {"1.1": "90%"}, reasons: {"1.1": 抽查}}
                printed: {total: 99.72, grade: 优秀, stages: {初评分: {total: 98}}}
            """, file: "d.yaml")
        let subject = data.subjects[0]
        #expect(subject.values["1.1"] == .number(Fixed("0.919")!))
        #expect(subject.values["1.2"] == .notApplicable)
        #expect(subject.values["1.3"] == .text("健全"))
        #expect(subject.values["1.4"] == .list([.text("a"), .text("b")]))
        #expect(subject.values["1.5"] == .list([.text("a")]))
        #expect(subject.stages["初评分"]?.values["1.1"] == .number(Fixed("0.9")!))
        #expect(subject.stages["初评分"]?.printed.total?.value == 98)
        #expect(subject.printed.total?.value == Fixed("99.72"))
    }

    /// Mutated data files either load (and score or fail with a located data error) or fail to load with
    /// a located error: never a crash.
    @Test func fuzz_dataLoaderNeverCrashes() throws {
        let compiled = try CompiledScheme(SchemeFile.parse(Self.scheme, file: "s.yaml"))
        let data = """
            scheme: T
            period: "2019"
            subjects:
              - id: P
                values: {"1.2": 120}
                fund_table: {sources: [市级], budget: {市级: 100}, invested: {市级: 100}, arrived: {市级: 100}, spent: {市级: 91.9}}
                printed: {scores: {"1.1": 1.99}, total: 9.5}
            """
        var state: UInt64 = 11
        let pieces: [Character] = Array(":{}[]-\"' \n#%,.0123456789ab中/n")
        for _ in 0..<1500 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            var text = Array(data)
            for step in 0..<(1 + Int(state >> 61)) {
                let r = state >> UInt64(8 + step * 3)
                let at = Int(r % UInt64(text.count))
                switch (r >> 20) % 3 {
                case 0: text.remove(at: at)
                case 1: text.insert(pieces[Int((r >> 24) % UInt64(pieces.count))], at: at)
                default: text[at] = pieces[Int((r >> 24) % UInt64(pieces.count))]
                }
            }
            do {
                let parsed = try DataFile.parse(String(text), file: "fuzz.yaml")
                do {
                    _ = try Engine(compiled).score(parsed, explain: true)
                } catch {
                    #expect(!error.problems.isEmpty)
                }
            } catch {
                #expect(error.location.line >= 1)
            }
        }
    }

    /// Mutated scheme files either load or fail with a located error: never a crash.
    @Test func fuzz_loaderNeverCrashes() {
        var state: UInt64 = 7
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let pieces: [Character] = Array(":{}[]-\"' \n#&*!|>%,.0123456789abc中文")
        for _ in 0..<1500 {
            var text = Array(Self.scheme)
            for _ in 0..<(1 + Int(next() % 4)) {
                let at = Int(next() % UInt64(text.count))
                switch next() % 3 {
                case 0: text.remove(at: at)
                case 1: text.insert(pieces[Int(next() % UInt64(pieces.count))], at: at)
                default: text[at] = pieces[Int(next() % UInt64(pieces.count))]
                }
            }
            do {
                let scheme = try SchemeFile.parse(String(text), file: "fuzz.yaml")
                _ = SchemeChecks.check(scheme)
            } catch {
                #expect(error.location.line >= 1)
                #expect(!error.message.isEmpty)
            }
        }
    }
}

/// docs/schemes.md's "one example per rule kind" block is a real indicator list: it must load and compile.
@Suite struct DocumentationTests {
    @Test func ruleKindExamples_loadAndCompile() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/schemes.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let section = try #require(text.range(of: "### One example per rule kind"))
        let open = try #require(text.range(of: "```yaml\n", range: section.upperBound..<text.endIndex))
        let close = try #require(text.range(of: "```\n", range: open.upperBound..<text.endIndex))
        let block = text[open.upperBound..<close.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
            .map { "  " + $0 }.joined(separator: "\n")
        let yaml = "scheme: {id: docs, name: 规则示例, total: 100}\nmetrics: {人均投入资金: 投入资金 / 入库残疾人人数}\nindicators:\n" + block
        let scheme = try SchemeFile.parse(yaml, file: "docs/schemes.md")
        let kinds = Set(scheme.allIndicators.compactMap { $0.rule?.kindName })
        #expect(kinds == Set(Rule.kindNames), "kinds without an example: \(Set(Rule.kindNames).subtracting(kinds))")
        let errors = SchemeChecks.check(scheme).filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors)")
    }
}

/// The printed figures of a data file keep their places; a scheme may declare an audit tolerance.
@Suite struct PrintedFigureFileTests {
    static let data = """
        scheme: T
        period: "2019"
        subjects:
          - id: P
            printed:
              scores: {"1.1": 1.8, "1.2": 2.50, "1": "4.30"}
              total: 4.3
              fund: {预算执行率: "91.9%", 市级.结余: 1027850.54, 财政资金小计.支出: 11658892.71, 支出明细合计: 100}
              deductions: {"1.1": 0.47}
              rates: {"1": "43.00%"}
              not_checkable:
                - {codes: ["1.2"], why: 评分人给分}
                - {what: 项目支出内容 各行的合计列, cells: 9, why: 数据文件每行只记一个金额}
              arithmetic:
                - {name: 未到位资金, formula: "1250.25 - 1207.98", printed: 42.27}
        composite_printed:
          formulas: {"1.1": "5624.79 / 7881.06 * max"}
          total_deduction: 25.13
          total_rate: "74.87%"
        """

    @Test func dataFile_keepsThePlacesEachFigureWasPrintedWith() throws {
        let data = try DataFile.parse(Self.data, file: "d.yaml")
        let printed = data.subjects[0].printed
        #expect(printed.scores["1.1"]?.places == 1)
        #expect(printed.scores["1.2"]?.places == 2 && printed.scores["1.2"]?.value == Fixed("2.5"))
        #expect(printed.scores["1"]?.places == 2)
        #expect(printed.total?.places == 1)
        #expect(printed.fund["预算执行率"] == PrintedFigure(Fixed("0.919")!, places: 1, isPercent: true))
        #expect(printed.fund["市级.结余"]?.places == 2)
        #expect(printed.fund["支出明细合计"]?.places == 0)
        #expect(printed.deductions["1.1"]?.value == Fixed("0.47"))
        #expect(printed.rates["1"]?.isPercent == true && printed.rates["1"]?.places == 2)
        #expect(printed.notCheckable == [NotCheckable(codes: ["1.2"], why: "评分人给分"),
                                         NotCheckable(what: "项目支出内容 各行的合计列", cells: 9, why: "数据文件每行只记一个金额")])
        #expect(printed.arithmetic.first?.printed.value == Fixed("42.27"))
        #expect(data.compositePrinted.formulas["1.1"]?.source == "5624.79 / 7881.06 * max")
        #expect(data.compositePrinted.totalDeduction?.value == Fixed("25.13"))
        #expect(data.compositePrinted.totalRate?.places == 2)
    }

    func dataError(_ text: String) -> String? {
        do {
            _ = try DataFile.parse(text, file: "d.yaml")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func dataFile_rejectsUnknownFundFiguresAndHalfDescribedCells() {
        let base = "scheme: T\nperiod: \"2019\"\nsubjects:\n  - id: P\n    printed:\n"
        #expect(dataError(base + "      fund: {结余率: 1}\n")?.contains("d.yaml:6") == true)
        #expect(dataError(base + "      fund: {县级.结余: 1}\n") != nil)
        #expect(dataError(base + "      not_checkable: [{what: 某些格, why: 无}]\n")?.contains("cells") == true)
        #expect(dataError(base + "      not_checkable: [{code: \"1\", what: 某些格, cells: 1, why: 无}]\n") != nil)
        #expect(dataError(base + "      scores: {\"1\": 优秀}\n")?.contains("应为数字") == true)
    }

    @Test func scheme_auditTolerance_isOptional() throws {
        let plain = try SchemeFile.parse("scheme: {id: T, name: 测试}\nindicators: []\n", file: "s.yaml")
        #expect(plain.auditTolerance == nil)
        let tolerant = try SchemeFile.parse("scheme: {id: T, name: 测试}\naudit: {tolerance: 0.01}\nindicators: []\n", file: "s.yaml")
        #expect(tolerant.auditTolerance == Fixed("0.01"))
        #expect(throws: FileError.self) { try SchemeFile.parse("scheme: {id: T, name: 测试}\naudit: {tolerance: -1}\nindicators: []\n", file: "s.yaml") }
        #expect(throws: FileError.self) { try SchemeFile.parse("scheme: {id: T, name: 测试}\naudit: {tolerence: 1}\nindicators: []\n", file: "s.yaml") }
    }
}
