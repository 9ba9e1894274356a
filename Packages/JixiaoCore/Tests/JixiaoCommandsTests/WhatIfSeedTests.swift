import Foundation
import JixiaoCore
import Testing
@testable import JixiaoCommands

/// What-if on the shipped seeds (issue 14): a 000 county's next band with its ranking breakpoints among its peers,
/// 001's composite towards 良, 003's 一等 line for the person just below it; and, on every seed, that each step's
/// gain and each plan are what re-scoring the changed figures gives.
@Suite final class WhatIfSeedTests: CommandHarness {
    let directory = WhatIfSeedTests.scratchDirectory("jixiao-whatif")

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    static func analyse(_ seed: String, _ subject: String, target: String? = nil, stage: Int? = nil) throws -> (ScoreReport, WhatIfAnalysis) {
        let report = try SeedGoldenTests.report(seed)
        let index = subject == "综合" ? WhatIf.composite : try #require(report.data.subjects.firstIndex { $0.id == subject })
        return (report, WhatIf.analyse(report, stage: stage ?? report.stages.count - 1, subject: index, target: target))
    }

    static func x(_ text: String) -> Exact { Exact(Fixed(text)!) }

    // MARK: 000: a county's next band, ranking breakpoints among its peers

    // 麻阳县 22.50 (中), 良 from 24. Counties rank among the six counties on a linear 1.0 → 0.6 curve (steps of 0.08).
    @Test func seed000_county_nextBand_rankingBreakpoints() throws {
        let (_, analysis) = try Self.analyse("000-liangfu-jiaojiu", "麻阳县")
        #expect(analysis.standing.total == Self.x("22.5") && analysis.standing.grade == "中" && analysis.standing.rank == 2)
        #expect(analysis.distances.map(\.grade) == ["良", "优"])
        #expect(analysis.distances.map(\.pointsNeeded) == [Self.x("1.5"), Self.x("4.5")])

        // 1 精准需求, 4 × coefficient: 需求精准度 78% is 6th (0.60 → 2.40). 辰溪县 83% is 5th (0.68), 溆浦县 88% 4th (0.76),
        // 凤凰县 and 花垣县 tie at 90% for 2nd (0.92), 泸溪县 95% 1st: reaching each pays 4 × (c − 0.60).
        let demand = try #require(analysis.opportunities.first { $0.code == "1" })
        #expect(demand.steps.map { $0.changes[0].to } == [.number(Fixed("0.83")!), .number(Fixed("0.88")!), .number(Fixed("0.9")!), .number(Fixed("0.95")!)])
        #expect(demand.steps.map(\.rankAfter) == [5, 4, 2, 1])
        #expect(demand.steps.map(\.gain) == [Self.x("0.32"), Self.x("0.64"), Self.x("1.28"), Self.x("1.6")])
        #expect(demand.steps.last?.text == "需求精准度 78.0% → 95.0%：排名 6 → 1，+1.60 分")

        // 3.3 机构督查 −0.5 also zeroes 2.4 机构服务 (R21): clearing it gains 0.5 and 2.4's 2 × 0.76 = 1.52 back.
        let inspection = try #require(analysis.opportunities.first { $0.code == "3.3" }?.steps.first)
        #expect(inspection.changes.map(\.key) == ["机构督查未完成"] && inspection.changes[0].to == .bool(false))
        #expect(inspection.gain == Self.x("2.02") && inspection.indicatorGain == Self.x("0.5"))
        let zeroed = try #require(analysis.opportunities.first { $0.code == "2.4" })
        #expect(!zeroed.changeable && zeroed.why?.hasPrefix("被 3.3 机构督查 的交叉影响清零") == true)

        // The fewest changes to 良: one. 90% (+1.28) is not enough, 95% (+1.60) is; of the single changes that reach,
        // it moves its figure least (21.8%; clearing 3.3's finding counts 100%).
        let plan = try #require(analysis.plan)
        #expect(plan.target == "良" && plan.reachable && plan.method == .exhaustive)
        #expect(plan.changes.map(\.key) == ["需求精准度"] && plan.changes[0].to == .number(Fixed("0.95")!))
        #expect(plan.after.total == Self.x("24.1") && plan.after.grade == "良")
    }

    // 花垣县: 督查结果落实精准度全部为100% costs 3.1's 0.5 and zeroes its 2.1 (93.4%, 2nd of six: 12 × 0.92 = 11.04).
    @Test func seed000_crossEffect_liftedByItsCondition() throws {
        let (_, analysis) = try Self.analyse("000-liangfu-jiaojiu", "花垣县")
        let accuracy = try #require(analysis.opportunities.first { $0.code == "2.1" })
        #expect(!accuracy.changeable && accuracy.why?.contains("督查结果落实精准度全部为100") == true)
        let cleared = try #require(analysis.opportunities.first { $0.code == "3.1" }?.steps.first)
        #expect(cleared.gain == Self.x("11.54"))
        #expect(analysis.plan?.changes.map(\.key) == ["督查结果落实精准度全部为100"])
        #expect(analysis.plan?.after.total == Self.x("23.14") && analysis.plan?.after.grade == "中")
    }

    // MARK: 001: the composite towards 良

    // 74.61 (中) recomputed; 良 needs 5.39. Only 4.1.x and 2.1.x are figures; everything else is the evaluators'.
    @Test func seed001_composite_towards良() throws {
        let (report, analysis) = try Self.analyse("001-shaanxi-2020", "综合", target: "良")
        #expect(analysis.standing.total == Self.x("74.61") && analysis.standing.grade == "中" && analysis.standing.rank == nil)
        #expect(analysis.distances.map(\.pointsNeeded) == [Self.x("5.39"), Self.x("15.39")])
        // What moves the composite most: 省本级 (weight 0.8612). 4.1.2: 培训后就业率 10% → 60% takes it from 0 to 3; the
        // composite cell (延安市 n/a, renormalised over 0.8612 + 0.0758) goes from 3 × 0.0758 / 0.937 = 0.24 to 3.00.
        // 4.1.1: 27.5% → 100% takes it from 0.83 to 3; the cell from 1.07 to 2.94 (0.8612 × 3 + 0.063 × 2.57 + 0.0758 × 2.60).
        let byGain = analysis.opportunities.compactMap { item in item.best.map { (item.subject, item.code, $0.gain) } }
            .sorted { $0.2 > $1.2 }
        #expect(byGain.prefix(2).map { "\($0.0) \($0.1)" } == ["省本级 4.1.2", "省本级 4.1.1"])
        #expect(byGain.prefix(2).map(\.2) == [Self.x("2.76"), Self.x("1.87")])
        let employment = try #require(analysis.opportunities.first { $0.subject == "省本级" && $0.code == "4.1.2" }?.best)
        #expect(employment.changes[0].key == "培训后就业率" && employment.changes[0].to == .number(Fixed("0.6")!))
        #expect(employment.text == "省本级 培训后就业率 10.0% → 60.0%：得分 0.00 → 3.00，+2.76 分（本指标 +3.00 分）")
        // Every figure at its best still leaves 良 out of reach: the rest is judged.
        let plan = try #require(analysis.plan)
        #expect(!plan.reachable && plan.after.total == Self.x("79.83") && plan.after.grade == "中")
        #expect(plan.why?.contains("不由填报数字决定") == true)
        #expect(analysis.opportunities.filter { !$0.changeable }.allSatisfy { $0.why != nil })
        // The composite has no figures of its own: a trial names the subject.
        let trial = try WhatIf.trial(report, stage: 0, subject: WhatIf.composite, figures: ["省本级::培训后就业率": .number(Fixed("0.6")!)])
        #expect(trial.gain == Self.x("2.76"))
        #expect(throws: WhatIfError.compositeNeedsSubject("培训后就业率")) {
            try WhatIf.trial(report, stage: 0, subject: WhatIf.composite, figures: ["培训后就业率": .number(1)])
        }
    }

    // MARK: 003: the 一等 line for the person just below it

    // 一等 = 20% of all 12 = 2.4 → 2: 肖波 103.90 and 王刚 101.00. 孙诗璇 98.66 is 3rd: the line is 王刚, 2.34 away.
    @Test func seed003_firstGradeLine_forThePersonJustBelow() throws {
        let (_, analysis) = try Self.analyse("003-xiangxi-staff", "孙诗璇")
        #expect(analysis.standing.grade == "二等" && analysis.standing.rank == 3)
        let line = try #require(analysis.distances.first)
        #expect(line.grade == "一等" && line.pointsNeeded == Self.x("2.34"))
        guard case .rankShare(let share, let inside?) = line.basis else { Issue.record("not a rank share"); return }
        #expect(share == Fixed("0.2")! && inside.subject == "王刚" && inside.score == Exact(101) && inside.quota == 2 && inside.baseCount == 12)

        // B7.1: 2000 − 37 = 1963 helped, 0.005 per person short in whole persons: 9.815 → 9.82. Rounded to 2 places, the
        // score moves every second person: 35 short 9.825 → 9.83, 33 short 9.84, 31 short 9.85, none short 10.
        let partners = try #require(analysis.opportunities.first { $0.code == "B7.1" })
        #expect(partners.breakpoints == 37)
        #expect(partners.steps.map { $0.changes[0].to } == [.number(1965), .number(1967), .number(1969), .number(2000)])
        #expect(partners.steps.map(\.gain) == [Self.x("0.01"), Self.x("0.02"), Self.x("0.03"), Self.x("0.18")])

        // One change reaches the line: 为单位加分 × 5 (AJ4) at 0.5 gives 2.5 (101.16); 0.4 would give 2.0 (100.66).
        let plan = try #require(analysis.plan)
        #expect(plan.target == "一等" && plan.reachable && plan.changes.count == 1)
        #expect(plan.changes[0].key == "为单位加分" && plan.changes[0].to == .number(Fixed("0.5")!))
        #expect(plan.after.total == Self.x("101.16") && plan.after.grade == "一等")
    }

    // 覃正华 72.50 is 三等 (80 and below): 二等 needs above 80, 一等 王刚's 101.00. 莫国华 is 四等 by veto: no points help.
    @Test func seed003_thresholdAndVeto() throws {
        let (_, below) = try Self.analyse("003-xiangxi-staff", "覃正华")
        #expect(below.distances.map(\.grade) == ["二等", "一等"])
        #expect(below.distances.map(\.pointsNeeded) == [Self.x("7.51"), Self.x("28.5")])
        let (_, vetoed) = try Self.analyse("003-xiangxi-staff", "莫国华")
        #expect(vetoed.standing.grade == "四等")
        #expect(vetoed.distances.allSatisfy { $0.pointsNeeded == nil && $0.blockedBy?.hasPrefix("否决条件") == true })
        #expect(vetoed.plan?.reachable == false)
    }

    // MARK: Every seed: the engine is the oracle

    /// Each step's gain is what re-scoring with its changes gives; each plan reaches its target when re-scored.
    @Test func everySeed_stepsAndPlansAgreeWithRescoring() throws {
        for seed in SeedGoldenTests.seedNames {
            let report = try SeedGoldenTests.report(seed)
            for stage in report.stages.indices {
                let subjects = Array(report.data.subjects.indices) + (report.stages[stage].composite != nil ? [WhatIf.composite] : [])
                for subject in subjects {
                    let analysis = WhatIf.analyse(report, stage: stage, subject: subject, target: nil)
                    #expect(analysis.problems.isEmpty, "\(seed) \(analysis.subject): \(analysis.problems)")
                    func figures(_ changes: [WhatIfChange]) -> [String: Value] {
                        Dictionary(changes.map { (subject == WhatIf.composite ? $0.qualifiedKey : $0.key, $0.to) }, uniquingKeysWith: { $1 })
                    }
                    for opportunity in analysis.opportunities {
                        for step in opportunity.steps {
                            let trial = try WhatIf.trial(report, stage: stage, subject: subject, figures: figures(step.changes))
                            #expect(trial.gain == step.gain, "\(seed) \(analysis.subject) \(step.text)")
                            #expect(step.gain > .zero)
                        }
                    }
                    guard let plan = analysis.plan, !plan.changes.isEmpty else { continue }
                    let trial = try WhatIf.trial(report, stage: stage, subject: subject, figures: figures(plan.changes))
                    #expect(trial.after == plan.after, "\(seed) \(analysis.subject)")
                    if plan.reachable {
                        // The target or a grade above it (distances are nearest first).
                        let target = try #require(analysis.distances.firstIndex { $0.grade == plan.target })
                        #expect(analysis.distances[target...].map(\.grade).contains(plan.after.grade ?? ""), "\(seed) \(analysis.subject): \(plan.text)")
                    }
                }
            }
        }
    }

    // MARK: The command

    @Test func command_tableAndJSON_andItsErrors() throws {
        let (scheme, data) = ExplainCommandTests.seed("000-liangfu-jiaojiu")
        #expect(exitCode(["whatif", scheme, data, "麻阳县"]) == 0)
        #expect(exitCode(["whatif", scheme, data, "麻阳县", "--target", "优", "--format", "json"]) == 0)
        #expect(exitCode(["whatif", scheme, data, "麻阳县", "--stage", "自评分"]) == 0)
        #expect(exitCode(["whatif", scheme, data, "麻阳县", "--stage", "2"]) == 2)
        #expect(exitCode(["whatif", scheme, data, "麻阳县", "--target", "甲等"]) == 2)
        #expect(exitCode(["whatif", scheme, data, "全县"]) == 2)
        let (composite, compositeData) = ExplainCommandTests.seed("001-shaanxi-2020")
        #expect(exitCode(["whatif", composite, compositeData, "综合", "--target", "良"]) == 0)

        let (report, analysis) = try Self.analyse("000-liangfu-jiaojiu", "麻阳县")
        let table = WhatIfText.table(analysis, report: report)
        #expect(table.contains("现状：总分 22.50，等级 中，名次 2 / 6"))
        #expect(table.contains("  良（24 分起）：还差 1.50 分"))
        #expect(table.contains("    · 需求精准度 78.0% → 95.0%：排名 6 → 1，+1.60 分"))
        #expect(table.contains("  目标 良：改动 1 项即可达到（逐一试过每一项和每两项的组合，没有改动更少的办法）"))
        let json = WhatIfText.json(analysis).serialized
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((parsed["plan"] as? [String: Any])?["reachable"] as? Bool == true)
        #expect(((parsed["distances"] as? [[String: Any]])?.first?["points_needed"] as? NSNumber)?.stringValue == "1.5")
    }
}
