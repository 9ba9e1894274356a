import Foundation
import JixiaoCore
import JixiaoSchemeFile
import Testing

/// `jixiao validate` over every shipped seed scheme: exactly these warnings, each at the line of its indicator.
/// Every one is a finding in the document itself (the seeds are real documents; see the judgement beside each
/// group); a warning that is not a finding is a false alarm and belongs fixed in the check, not listed here.
@Suite final class SeedValidateTests: CommandHarness {
    let directory = SeedValidateTests.scratchDirectory("jixiao-seed-validate")

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// By seed: `[code] message` of each warning, in file order.
    static let expected: [String: [String]] = [
        // Every name its formulas read is declared (inputs:), so none can silently leave an indicator 未评分.
        "000-liangfu-jiaojiu": [],
        "001-shaanxi-2020": [
            // 得3分、得2分、得1分 as printed on a 5-point indicator (parts declared in the scheme).
            "[2.1.4] 评分标准各部分合计 3 + 2 + 1 = 6 分，超过指标分值 5（每部分都给满分时超出分值）",
        ],
        "002-01-zonghe-guanli": [
            "[2.2.3] 评分标准的达标线 ≥ 90% 与印刷的目标值 “98” 不一致",
        ],
        "002-02-kangfu-jiuye": [
            "[2.2.2] 评分标准的扣分起点（目标）90% 与印刷的目标值 “95%” 不一致",
            "[2.3.3] 达标得 3.33 分，低于指标分值 3.36（满分无法达到）",
            "[3.2.1] 评分标准的扣分起点（目标）75% 与印刷的目标值 “70%” 不一致",
        ],
        "002-03-quanyi-baozhang": [
            "[2.1.4] 评分标准的满分档 > 70 与印刷的目标值 “80” 不一致",
        ],
        "002-04-wenti-xuanchuan": [
            // BRIEF.md: a tier paying 8.8 on a 1.03 indicator.
            "[2.1.14] 档位 [8, 10) 得 8.8 分，超过指标分值 1.03（计分时按 1.03 封顶）",
            // 目标值 ≥90%; the rule: 超目标业绩值(1.0)时得满分.
            "[3.2.2] 评分标准的扣分起点（目标）100% 与印刷的目标值 “≥90%” 不一致",
        ],
        "002-05-xinxihua": [
            // 目标值 100; the rules pay full marks from 90% (设备购置质量合格率, 固定资产利用率).
            "[2.2.2] 评分标准的满分档 ≥ 90% 与印刷的目标值 “100” 不一致",
            "[3.1.1] 评分标准的满分档 ≥ 90% 与印刷的目标值 “100” 不一致",
            // 90% ≤ 人员到位率 ≤ 100% 得 2.25 分 on a 2.5 indicator (the table prints 2.5).
            "[4.2.1] 最高档 [0.9, 1] 得 2.25 分，低于指标分值 2.5（满分无法达到）",
        ],
        "002-06-caizheng-zhuanxiang-a": [
            // 2019年9月 0.48, 10-12月 0.47: nothing is printed for a training after December 2019.
            "[2.3.19] 高于 12 的值没有对应档位",
            "[3.1.14] 达标得 1.52 分，超过指标分值 1.25（计分时按 1.25 封顶）",
            "[3.1.15] 评分标准的达标线 > 80% 与印刷的目标值 “≥90%” 不一致",
        ],
        "002-07-zaoqi-ganyu": [
            "[2.3.9] 达标得 0.55 分，超过指标分值 0.3（计分时按 0.3 封顶）",
        ],
        "002-08-caizheng-zhuanxiang-b": [],
        "002-09-zonghe-pinggu": [
            // 目标值 100%; the rules pay full marks from 90%.
            "[1.2.3] 评分标准的满分档 ≥ 90% 与印刷的目标值 “100%” 不一致",
            "[2.2.1] 评分标准的满分档 ≥ 90% 与印刷的目标值 “100%” 不一致",
            // 80% ≤ x ≤ 90% 得满分 and 65% ≤ x ≤ 70% 得满分: nothing is printed above 90% / 70%.
            "[3.1.1] 高于 0.9 的值没有对应档位",
            "[3.1.3] 高于 0.7 的值没有对应档位",
        ],
        "002-10-kangfu-fuju": [
            "[1.2.3] 评分标准的满分档 ≥ 90% 与印刷的目标值 “100%” 不一致",
        ],
        "002-11-caizheng-zhuanxiang-c": [
            // 目标值 100%; the rules pay full marks from 90%.
            "[1.2.3] 评分标准的满分档 ≥ 90% 与印刷的目标值 “100%” 不一致",
            "[2.2.5] 评分标准的满分档 ≥ 90% 与印刷的目标值 “100%” 不一致",
            "[2.2.6] 评分标准的满分档 ≥ 90% 与印刷的目标值 “100%” 不一致",
            "[2.2.8] 评分标准的满分档 ≥ 90% 与印刷的目标值 “100%” 不一致",
            "[3.2.3] 评分标准的满分档 ≥ 90% 与印刷的目标值 “100%” 不一致",
            "[3.2.21] 评分标准的满分档 ≥ 90% 与印刷的目标值 “100%” 不一致",
            "[3.2.27] 评分标准的达标线 ≥ 90% 与印刷的目标值 “100%” 不一致",
        ],
        "003-xiangxi-staff": [
            // 两次以上旷工…扣10分 in an item of 5分，扣完5分止.
            "[A4.1] 阶梯 3 次扣 10 分，超过所在的 A4 落实考勤和请销假制度 可扣的 5 分",
        ],
        "004-employment": [
            // 失业保险统计: 分值 4, 达到省要求的得5分 (BRIEF.md).
            "[1.8] 起始分 base 5 分，超过指标分值 4（计分时按 4 封顶）",
        ],
    ]

    @Test func everySeedHasItsExpectedList() {
        #expect(Set(Self.expected.keys) == Set(SeedGoldenTests.seedNames))
    }

    @Test(arguments: SeedGoldenTests.seedNames)
    func seed_validateWarnsExactlyTheDocumentsFindings(_ name: String) throws {
        let path = SeedGoldenTests.repository.appendingPathComponent("schemes/\(name).yaml").path
        let problems = SchemeChecks.check(try SchemeFile.load(path: path))
        #expect(problems.allSatisfy { $0.severity == .warning })
        let found = problems.map { ($0.code.map { "[\($0)] " } ?? "") + $0.message }
        #expect(found == Self.expected[name] ?? [], "\(name):\n\(found.joined(separator: "\n"))")
        // Each names the file and the line where its indicator starts.
        let lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        for problem in problems {
            let location = try #require(problem.location, "\(problem)")
            #expect(location.file == path)
            let code = try #require(problem.code, "\(problem)")
            let line = location.line >= 1 && location.line <= lines.count ? lines[location.line - 1] : ""
            #expect(line.contains("code: \"\(code)\"") || line.contains("code: \(code),") || line.hasSuffix("code: \(code)"),
                    "\(problem.description) → line \(location.line): \(line)")
            #expect(problem.description.hasPrefix("\(path):\(location.line): 警告: [\(code)] "))
        }
        // And validate passes: warnings, not errors.
        #expect(exitCode(["validate", path]) == 0)
    }

    /// A name no declaration covers (today `maxx` compiles and the indicator stays 未评分), as validate prints it.
    @Test func validate_undeclaredNameIsALocatedWarning() throws {
        let path = write("typo.yaml", """
            scheme: {id: T, name: 测试, total: 3}
            inputs:
              - {name: 实际人数}
            indicators:
              - code: "1"
                name: 培训
                max: 3
                rule: {kind: formula, score: "min(maxx, 实际人数)"}
            """)
        let problems = SchemeChecks.check(try SchemeFile.load(path: path)).map(\.description)
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("\(path):5: 警告: [1] 规则中的名称 “maxx” 未在 inputs、attributes 或 metrics 中声明") == true, "\(problems)")
        #expect(problems.first?.contains("是否应为 “max”？") == true)
        #expect(exitCode(["validate", path]) == 0)
    }
}
