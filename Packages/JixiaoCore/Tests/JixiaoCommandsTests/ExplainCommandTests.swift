import Foundation
import JixiaoCore
import Testing
@testable import JixiaoCommands

/// Composites explained (weights, renormalised weights, component rates) and `jixiao explain` on the shipped
/// seeds: what a reviewer reads for the cases of issue 8.
@Suite final class ExplainCommandTests: CommandHarness {
    let directory = ExplainCommandTests.scratchDirectory("jixiao-explain")

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    static func seed(_ name: String) -> (scheme: String, data: String) {
        (SeedGoldenTests.repository.appendingPathComponent("schemes/\(name).yaml").path,
         SeedGoldenTests.repository.appendingPathComponent("examples/\(name).yaml").path)
    }

    static func composite(_ notApplicable: String) -> String {
        """
        scheme: {id: T, name: 测试, total: 5}
        composite: {over: subjects, weights: {省: 0.8, 市: 0.2}, order: per_indicator, not_applicable: \(notApplicable)}
        indicators:
          - {code: a, name: 资金到位率, max: 2, rule: {kind: judged}}
          - {code: b, name: 实际完成率, max: 3, rule: {kind: judged}}
        """
    }
    static let compositeData = """
        scheme: T
        period: "2020"
        subjects:
          - {id: 省, name: 省本级, values: {a: 2, b: n/a}}
          - {id: 市, name: 延安市, values: {a: 1.83, b: 1.5}}
        """

    @Test func subjectComposite_showsWeights_andRenormalisesWhereNotApplicable() throws {
        let report = try explained(Self.composite("renormalise"), Self.compositeData)
        let stage = report.finalStage
        #expect(CompositeExplanation.header(report, stage: stage) == [
            "权重：省本级 0.8、延安市 0.2（合计 1）", "逐项加权：每个末级指标按权重合成综合得分，再逐级相加",
            "某考核对象不适用的指标，其权重按比例分给其余考核对象（重新归一）",
        ])
        #expect(CompositeExplanation.lines(report, stage: stage, index: 0) == [
            "省本级 2 × 0.8 + 延安市 1.83 × 0.2 = 1.966", "四舍五入保留 2 位：1.966 → 1.97",
        ])
        #expect(CompositeExplanation.lines(report, stage: stage, index: 1) == [
            "省本级 不适用，权重按比例分给其余考核对象：延安市 0.2 ÷ 0.2 = 1.0000", "(延安市 1.5 × 0.2) ÷ 0.2 = 1.5",
        ])
        #expect(CompositeExplanation.totalLines(report, stage: stage) == [
            "综合总分 = 各一级指标之和：a 资金到位率 1.97 + b 实际完成率 1.5 = 3.47", "等级 中：得分 3.47，在「中」档（3 ≤ 得分 < 4）",  // the default bands are fractions of the total, 5
        ])
    }

    @Test func subjectComposite_notApplicableAsZero_keepsTheWeights() throws {
        let report = try explained(Self.composite("zero"), Self.compositeData)
        #expect(CompositeExplanation.lines(report, stage: report.finalStage, index: 1) == ["省本级 不适用（按 0）× 0.8 + 延安市 1.5 × 0.2 = 0.3"])
        #expect(CompositeExplanation.header(report, stage: report.finalStage).last == "某考核对象不适用的指标按 0 分计，权重不重新分配")
    }

    @Test func explainAcceptsTheCompositeAsItsSubject() {
        let (scheme, data) = Self.seed("001-shaanxi-2020")
        #expect(exitCode(["explain", scheme, data, "综合"]) == 0)
        #expect(exitCode(["explain", scheme, data, "综合", "3.1.5"]) == 0)
        #expect(exitCode(["explain", scheme, data, "全省"]) == 2)
        let (staff, staffData) = Self.seed("003-xiangxi-staff")
        #expect(exitCode(["explain", staff, staffData, "综合"]) == 2)  // 003's composite is per person, not over subjects
    }

    // MARK: The seeds, as a reviewer reads them

    @Test func seed001_compositeCellWithARegionNotApplicable() throws {
        let report = try SeedGoldenTests.report("001-shaanxi-2020")
        let lines = ExplainText.composite(report, stage: 0, indicator: report.scheme.index(of: "3.1.5"))
        #expect(lines == [
            "3.1.5 实际完成率（残疾人专职委员工作补贴）（分值 2）：1.47",
            "  · 省本级 不适用，权重按比例分给其余考核对象：延安市 0.063 ÷ 0.1388 = 0.4539、宝鸡市 0.0758 ÷ 0.1388 = 0.5461",
            "  · (延安市 1 × 0.063 + 宝鸡市 1.86 × 0.0758) ÷ 0.1388 = 1.46965418…",
            "  · 四舍五入保留 2 位：1.46965418… → 1.47",
        ])
        let all = ExplainText.composite(report, stage: 0, indicator: nil)
        #expect(all.first == "· 权重：省本级 0.8612、延安市 0.063、宝鸡市 0.0758（合计 1）")
        #expect(all.suffix(2) == [
            // 74.61, not the printed 74.87: 2.1.1, 2.1.2, 4.1.1 and 4.1.3 are recomputed from the report's text.
            "综合总分 = 各一级指标之和：1 决策 13.08 + 2 过程 17.86 + 3 产出 19.66 + 4 效果 24.01 = 74.61",
            "等级 中：得分 74.61，在「中」档（60 ≤ 得分 < 80）",
        ])
        #expect(all.contains("      → 扣减0.49分：预算编制科学性，预算编报前未进行充分的摸底调研；个别项目未纳入年初预算。如宝鸡市陈仓区2020年度未编报扶持辅助性就业机构建设项目预算。"))
    }

    @Test func seed000_zeroedRankingCitesTheInspection() throws {
        let report = try SeedGoldenTests.report("000-liangfu-jiaojiu")
        #expect(report.draft("花垣县", "2.1") == "扣减12.00分：落实精准度，因 3.1 业务督查 的交叉影响计0分：督查结果落实精准度全部为100")
        #expect(report.lines("花垣县", "2.1").last == "交叉影响：3.1 业务督查 的条件 督查结果落实精准度全部为100 成立 → 本指标计 0 分")
        #expect(report.draft("吉首市州", "2.3.2")
                == "扣减2.00分：下辖县（市、区）发展增收服务雷同扣分，下级 凤凰县 2.3.1 发展增收服务排名：发展增收服务雷同人数 >= 20（发展增收服务雷同人数 = 23），同时扣本级2.00分")
    }

    @Test func seed003_gradesSayWhy() throws {
        let report = try SeedGoldenTests.report("003-xiangxi-staff")
        let lines = ExplainText.subject(report, stage: 0, subject: report.data.subjects.firstIndex { $0.id == "孙诗璇" }!, indicator: nil)
        #expect(lines.suffix(3) == [
            "总分 98.66 / 100，等级 二等，名次 3",
            "  · 综合得分 = A 日常管理 41 ÷ 40 × 40% × 100 + B 指标考核 38.96 ÷ 40 × 40% × 100 + C 民主测评 18.7 ÷ 20 × 20% × 100 = 98.66",
            "  · 定等：得分 98.66，在按名次定等的 9 人中排第 3 名；一等名额 = 全部 12 人 × 20% = 2.4，向下取整且至少 1 名 → 2 名；"
                + "二等名额（累计） = 全部 12 人 × 100% = 12 名；在一等名额（前 2 名）之外、前 12 名之内 → 二等",
        ])
        #expect(report.result("肖波").gradeBasis?.text
                == "得分 103.90，在按名次定等的 9 人中排第 1 名；一等名额 = 全部 12 人 × 20% = 2.4，向下取整且至少 1 名 → 2 名；在前 2 名之内 → 一等")
        #expect(report.result("莫国华").gradeBasis?.text == "否决条件 受处分 成立 → 四等")
        #expect(report.result("鲁帮高").gradeBasis?.text == "得分 65.30 在 80 分及以下 → 三等")
        // A group that does not apply to this person stands for its subtree: B1's items are not listed.
        #expect(lines.contains("  B1 王刚（办公室）（分值 0）：不适用") && !lines.contains { $0.hasPrefix("    B1.1 ") })
        #expect(report.draft("鲁帮高", "A4") == "扣减5.00分：落实考勤和请销假制度，其中 A4.1 旷工 扣5.00分、A4.2 迟到早退 扣1.00分，应扣6.00分，扣完5.00分为止")
    }

    @Test func seed004_peerAverageListsTheCities_andNestedCapsSayTheFloor() throws {
        let report = try SeedGoldenTests.report("004-employment")
        #expect(report.lines("南通市", "5.4.1").first
                == "同级平均 peer_avg(鉴定通过率) = 0.85833333…，取自同级 6 个对象：南京市 0.92、无锡市 0.88、徐州市 0.78、常州市 0.82、苏州市 0.95、南通市（本对象） 0.8")
        // A rule's deciding steps: the measure and the band it fell in; the figure and the verdict.
        #expect(report.draft("徐州市", "1.1.1")
                == "扣减1.00分：实际缴费人数增加，增长率 (101500 − 100000) ÷ 100000 = 1.5000%；增长率 0.015 落在 [0.01, 0.02) 档，得 3")
        #expect(report.draft("南通市", "2.1.1.1") == "扣减2.00分：市级出台文件，“未出台” 不属于合格值（已出台）；未达到要求，得 3")
        let capped = try #require(report.result("南京市").explanations[report.scheme.index(of: "1.8")!].last)
        #expect(capped == "计算得 5，超过上限 4，按上限计：本指标得 4 分")
    }
}
