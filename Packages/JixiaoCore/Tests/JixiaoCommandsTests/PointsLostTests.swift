import Foundation
import JixiaoCore
import JixiaoXLSX
import Testing
@testable import JixiaoCommands

/// 扣分 by the item's kind, the one definition the web sheet and the CLI workbook share.
@Suite struct PointsLostTests {
    @Test func deductionItemsLoseWhatTheyTook_bonusesNothing_regularItemsTheirShortfall() throws {
        let report = try SeedGoldenTests.report("000-liangfu-jiaojiu")
        let compiled = report.scheme
        var checked: Set<IndicatorKind> = []
        for result in report.stages[0].subjects {
            for index in 0..<compiled.indicatorCount {
                let indicator = compiled.indicator(at: index)
                guard let score = result.outcomes[index].score else { continue }
                let lost = result.pointsLost(at: index, kind: indicator.kind)
                switch indicator.kind {
                case .regular:
                    let shortfall = Exact(result.maxima[index]) - score
                    #expect(lost == (shortfall > .zero ? shortfall : nil))
                case .deduction: #expect(lost == (score < .zero ? -score : nil))
                case .bonus: #expect(lost == nil)
                }
                checked.insert(indicator.kind)
            }
        }
        #expect(checked == [.regular, .deduction, .bonus], "000 has all three kinds")

        // The CLI workbook's 扣分 column (the 4th after the stages) reads the same.
        let sheets = ReportSheets.build(report)
        let result = report.stages[0].subjects[0]
        let sheet = try #require(sheets.first { $0.name == result.subject.name })
        let column = 3 + report.stages.count
        for (offset, row) in sheet.rows.dropFirst().prefix(compiled.indicatorCount).enumerated() {
            let indicator = compiled.indicator(at: offset)
            let expected = result.pointsLost(at: offset, kind: indicator.kind)
            #expect((row[column] == .empty) == (expected == nil), "\(indicator.code)")
        }
    }
}
