import Fluent
import Foundation
import JixiaoCore
import JixiaoPlatform
import SQLKit
import XCTVapor
@testable import JixiaoServer

/// The year's league table of seed 000 (issue 12, item 5 "month by month and for the year"), from the frozen months.
final class PlatformLeagueYearTests: XCTestCase {
    /// The rule on hand-made months: a monthly indicator averages (exactly: 1, 2, 2 → 5/3), an annual one takes the
    /// last month, a group mixing both adds within its bounds, ranks on the exact totals with ties sharing a rank,
    /// a month where an indicator does not apply is left out, a month not scored leaves the year unscored.
    func testYear_rule_onHandMadeMonths() throws {
        let indicators = [
            LeagueSnapshot.IndicatorLine(code: "1", name: "月度", max: "4.00", depth: 0, frequency: "monthly", kind: "regular"),
            LeagueSnapshot.IndicatorLine(code: "2", name: "年度", max: "2.00", depth: 0, frequency: "annual", kind: "regular"),
            LeagueSnapshot.IndicatorLine(code: "3", name: "扣分", max: "1.00", depth: 0, frequency: "annual", kind: "deduction"),
            LeagueSnapshot.IndicatorLine(code: "3.1", name: "月扣", max: "1.00", depth: 1, frequency: "monthly", kind: "deduction"),
            LeagueSnapshot.IndicatorLine(code: "3.2", name: "年扣", max: "1.00", depth: 1, frequency: "annual", kind: "deduction"),
        ]
        func unit(_ code: String, _ scores: [String: String]) -> LeagueSnapshot.UnitLine {
            LeagueSnapshot.UnitLine(code: code, name: "单位\(code)", level: "county", parent: "5101", path: "p", assessmentID: nil,
                                    metrics: [:], total: "x", rank: 1, rankOf: 3, scores: scores, findings: [])
        }
        func month(_ m: String, _ units: [LeagueSnapshot.UnitLine]) -> LeagueSnapshot {
            LeagueSnapshot(scheme: "000", schemeName: "测试", month: m, cut: "\(m)-25 23:59:59", takenAt: Date(timeIntervalSince1970: 0),
                           takenBy: "t", mainMetrics: [], metricNames: [], indicators: indicators, units: units)
        }
        // A: 1 → 1, 2, 2 (avg 5/3); 2 → last 1.5; 3.1 → −0.5, 0, −1 (avg −0.5); 3.2 → last −0.8; 3 = −1.3 within −1 → −1.
        // B: 1 → 2, 2, 1 (avg 5/3); 2 → 1.5; 3.1 n/a in April, then 0, 0; 3.2 → 0. Total 5/3 + 1.5 = 3.1666…, A: 5/3 + 1.5 − 1.
        // C: not scored in May for 1 → no year total, no rank.
        let april = month("2018-04", [unit("A", ["1": "1", "2": "0", "3.1": "-0.5", "3.2": "0", "3": "-0.5"]),
                                      unit("B", ["1": "2", "2": "0", "3.1": "不适用", "3.2": "0", "3": "0"]),
                                      unit("C", ["1": "2", "2": "0", "3.1": "0", "3.2": "0", "3": "0"])])
        let may = month("2018-05", [unit("A", ["1": "2", "2": "1", "3.1": "0", "3.2": "0", "3": "0"]),
                                    unit("B", ["1": "2", "2": "1", "3.1": "0", "3.2": "0", "3": "0"]),
                                    unit("C", ["1": "未评分", "2": "1", "3.1": "0", "3.2": "0", "3": "0"])])
        var juneA = unit("A", ["1": "2.00", "2": "1.50", "3.1": "-1.00", "3.2": "-0.80", "3": "-1.00"])
        // The exact score is used where the snapshot kept it (the text is rounded): 1 = 2 exactly.
        juneA.exactScores = ["1": LeagueYear.text(Exact(2))]
        let june = month("2018-06", [juneA, unit("B", ["1": "1", "2": "1.5", "3.1": "0", "3.2": "0", "3": "0"]),
                                     unit("C", ["1": "2", "2": "1", "3.1": "0", "3.2": "0", "3": "0"])])
        let other = month("2017-12", [unit("A", ["1": "4", "2": "2", "3.1": "0", "3.2": "0", "3": "0"])])
        let year = try XCTUnwrap(LeagueYear.make(year: "2018", snapshots: [june, other, april, may]))
        XCTAssertEqual(year.months.map(\.month), ["2018-04", "2018-05", "2018-06"], "only the year's months, in order")
        let a = try XCTUnwrap(year.units.first { $0.code == "A" })
        let b = try XCTUnwrap(year.units.first { $0.code == "B" })
        let c = try XCTUnwrap(year.units.first { $0.code == "C" })
        XCTAssertEqual(a.scores["1"], "1.67")
        XCTAssertEqual(a.scores["2"], "1.50")
        XCTAssertEqual(a.scores["3.1"], "-0.50")
        XCTAssertEqual(a.scores["3.2"], "-0.80")
        XCTAssertEqual(a.scores["3"], "-1.00", "the deduction group is bounded by its max")
        let fiveThirds = try XCTUnwrap(Exact.ratio(5, 3))
        XCTAssertEqual(a.exactTotal.flatMap(LeagueYear.parse), fiveThirds + Exact(Fixed("0.5")!))
        XCTAssertEqual(a.total, "2.17")
        XCTAssertEqual(b.scores["3.1"], "0.00", "April, where it does not apply, is left out")
        XCTAssertEqual(b.exactTotal.flatMap(LeagueYear.parse), fiveThirds + Exact(Fixed("1.5")!))
        XCTAssertEqual(b.total, "3.17")
        XCTAssertEqual(b.rank, 1)
        XCTAssertEqual(a.rank, 2)
        XCTAssertNil(c.total)
        XCTAssertNil(c.rank)
        XCTAssertEqual(c.scores["1"], "未评分")
        XCTAssertEqual(a.months["2018-05"], LeagueYear.MonthCell(total: "x", rank: 1))
        XCTAssertEqual(a.rankOf, 3)

        // Ties share the better rank.
        let tie = try XCTUnwrap(LeagueYear.make(year: "2018", snapshots: [month("2018-06", [
            unit("A", ["1": "2", "2": "1", "3.1": "0", "3.2": "0", "3": "0"]), unit("B", ["1": "2", "2": "1", "3.1": "0", "3.2": "0", "3": "0"]),
            unit("C", ["1": "1", "2": "1", "3.1": "0", "3.2": "0", "3": "0"])])]))
        XCTAssertEqual(tie.ranked("county").map(\.rank), [1, 1, 3])
        XCTAssertNil(LeagueYear.make(year: "2019", snapshots: [june]))
    }

    /// The demo's frozen months: the year's table and JSON, each month's column equal to that month's snapshot, the
    /// rule applied to the real sheet (one month alone gives that month's exact total for every unit: the year's
    /// re-adding of groups agrees with the engine), unchanged by new records, scoped by the org tree, linked.
    func testYear_fromTheDemoMonths() async throws {
        let app = try await makeApp(adjust: { $0.demoPlatform = true })
        do {
            let province = Browser(app)
            try await province.login("shengshenhe")
            let months = try await LeagueStore.yearSnapshots("2018", on: app.db)
            XCTAssertGreaterThanOrEqual(months.count, 2)
            let year = try await province.json("api/platform/000/2018", as: LeagueYear.self)
            XCTAssertEqual(year.months.map(\.month), months.map(\.month))
            XCTAssertEqual(year.rule, LeagueYear.rule)
            let last = try XCTUnwrap(months.last)
            let monthly = try XCTUnwrap(last.indicators.first { $0.code == "1" })
            XCTAssertEqual(monthly.frequency, "monthly")
            XCTAssertEqual(last.indicators.first { $0.code == "2.4" }?.frequency, "annual")
            var checked = 0
            for line in year.units {
                for m in months {
                    let unit = try XCTUnwrap(m.unit(line.code))
                    XCTAssertEqual(line.months[m.month], LeagueYear.MonthCell(total: unit.total, rank: unit.rank), "\(line.code) \(m.month)")
                }
                guard let total = line.exactTotal.flatMap(LeagueYear.parse) else { continue }
                // 1 (月度) is the exact average; 2.4 (年度) the last month's.
                var sum = Exact.zero
                for m in months { sum += try XCTUnwrap(m.unit(line.code)?.exactScores?["1"].flatMap(LeagueYear.parse)) }
                XCTAssertEqual(line.scores["1"], sum.divided(by: Exact(months.count))?.formatted(), line.code)
                XCTAssertEqual(line.scores["2.4"], last.unit(line.code)?.scores["2.4"], line.code)
                XCTAssertEqual(line.total, total.formatted(), line.code)
                checked += 1
            }
            XCTAssertGreaterThan(checked, 10)
            // Ranks follow the exact totals, among the same kind.
            for level in ["city", "county"] {
                let ranked = year.ranked(level).filter { $0.rank != nil }
                XCTAssertFalse(ranked.isEmpty)
                let totals = ranked.compactMap { $0.exactTotal.flatMap(LeagueYear.parse) }
                XCTAssertEqual(totals, totals.sorted { $1 < $0 }, level)
                XCTAssertEqual(ranked.first?.rank, 1)
            }
            // One frozen month alone: the year is that month, exactly, for every unit (groups re-added as the engine does).
            let alone = try XCTUnwrap(LeagueYear.make(year: "2018", snapshots: [last]))
            XCTAssertGreaterThan(alone.units.filter { $0.exactTotal != nil }.count, 10)
            for line in alone.units {
                XCTAssertEqual(line.exactTotal == nil, last.unit(line.code)?.total == nil, "scored when the month is: \(line.code)")
                XCTAssertEqual(line.exactTotal, last.unit(line.code)?.exactTotal, line.code)
                XCTAssertEqual(line.rank, last.unit(line.code)?.rank, line.code)
            }

            // The page: the rule, a row per unit, links to the months; the month page and /platform link to it.
            let page = try await province.get("platform/000/2018")
            XCTAssertEqual(page.status, .ok)
            XCTAssertTrue(page.body.string.contains("月度计分指标取已冻结各月得分的平均值"))
            XCTAssertTrue(page.body.string.contains("id=\"year-county\""))
            XCTAssertTrue(page.body.string.contains("href=\"/platform/000/\(last.month)/units/510101\""))
            let monthPage = try await province.get("platform/000/\(last.month)")
            XCTAssertTrue(monthPage.body.string.contains("href=\"/platform/000/2018\""))
            let list = try await province.get("platform")
            XCTAssertTrue(list.body.string.contains("href=\"/platform/000/2018\""))

            // New records without a recomputation change nothing: the year reopens identically.
            let sql = app.db as! any SQLDatabase
            _ = try await Ingest.csvText("record_id,changed_at,county_code,birth_year,hukou,category,grade\nPYEAR1,2018-06-10 09:00:00,510101,1970,农村,肢体,2",
                                         file: "persons.csv", kind: Records.persons, into: sql, recordedAt: "2018-06-27 10:00:00")
            let again = try await province.json("api/platform/000/2018", as: LeagueYear.self)
            XCTAssertEqual(again, year)

            // Scoped: a county sees its own line, a city its tree; an empty year is 404.
            let county = Browser(app)
            try await county.login("jinjiang")
            let own = try await county.json("api/platform/000/2018", as: LeagueYear.self)
            XCTAssertEqual(own.units.map(\.code), ["510101"])
            XCTAssertEqual(own.units.first?.rank, year.units.first { $0.code == "510101" }?.rank, "ranked among all counties")
            let city = Browser(app)
            try await city.login("chengdu")
            let mine = try await city.json("api/platform/000/2018", as: LeagueYear.self)
            XCTAssertTrue(mine.units.allSatisfy { $0.code.hasPrefix("5101") })
            let none = try await province.get("platform/000/2017")
            XCTAssertEqual(none.status, .notFound)
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    /// A unit's month change explained by the records that moved it: after 3 new persons and one changed person of
    /// 锦江区 between the cuts (and one after the cut, one in another county), the recomputed month lists for
    /// 入库残疾人人数 exactly those 4 persons (3 新增, 1 变更) with their fields; the city sees its counties' records.
    func testMonthChange_explainedByTheRecordsThatMovedIt() async throws {
        let app = try await makeApp(adjust: { $0.demoPlatform = true })
        do {
            let sql = app.db as! any SQLDatabase
            let months = try await LeagueStore.yearSnapshots("2018", on: app.db).map(\.month)
            let month = try XCTUnwrap(months.last), previous = months[months.count - 2]
            let cut = try XCTUnwrap(LeagueStore.cut(month)), before = try XCTUnwrap(LeagueStore.cut(previous))
            struct Person: Decodable { let record_id: String; let birth_year: Int }
            let existing = try await sql.raw("""
                SELECT record_id, birth_year FROM pf_persons WHERE county_code = '510101' AND changed_at <= \(bind: before.moment)
                ORDER BY record_id LIMIT 1
                """).first(decoding: Person.self)
            let old = try XCTUnwrap(existing)
            // Nothing else of 锦江区 moved in the demo between the cuts for persons (else the expectation adds them).
            struct Count: Decodable { let n: Int }
            let already = try await sql.raw("""
                SELECT COUNT(DISTINCT record_id) AS n FROM pf_persons WHERE county_code = '510101'
                AND changed_at > \(bind: before.moment) AND changed_at <= \(bind: cut.moment)
                """).first(decoding: Count.self)?.n ?? -1
            let inWindow = "\(month)-10 09:00:00", late = "\(month)-26 09:00:00"
            let csv = ["record_id,changed_at,county_code,birth_year,hukou,category,grade",
                       "PMOV1,\(inWindow),510101,1971,农村,肢体,2", "PMOV2,\(inWindow),510101,1972,城镇,视力,1",
                       "PMOV3,\(month)-11 09:00:00,510101,1973,农村,听力,3", "\(old.record_id),\(month)-12 09:00:00,510101,\(old.birth_year),城镇,多重,4",
                       "PMOVLATE,\(late),510101,1980,农村,肢体,2", "PMOVOTHER,\(inWindow),510104,1980,农村,肢体,2"]
            _ = try await Ingest.csvText(csv.joined(separator: "\n"), file: "persons.csv", kind: Records.persons, into: sql,
                                         recordedAt: "\(month)-27 10:00:00")
            let province = Browser(app)
            try await province.login("shengshenhe")
            let computed = try await province.post("platform/000/\(month)/compute")
            XCTAssertEqual(computed.status, .seeOther, computed.body.string)

            let latest = try await LeagueStore.latest(month: month, on: app.db)
            let snapshot = try XCTUnwrap(latest)
            let unit = try XCTUnwrap(snapshot.unit("510101"))
            let moved = try await MovedRecords.load(unit: unit, metrics: ["入库残疾人人数", "需求精准度"], from: before.moment, to: cut.moment,
                                                    file: try LeagueStore.metricsFile(), on: sql)
            XCTAssertEqual(moved.byMetric["入库残疾人人数"], ["persons"])
            XCTAssertEqual(moved.byMetric["需求精准度"], ["needs", "persons"], "a ratio reads its operands' tables and the person's record")
            let persons = try XCTUnwrap(moved.kind("persons"))
            XCTAssertEqual(persons.count, already + 4)
            let mine = persons.lines.filter { $0.id.hasPrefix("PMOV") || $0.id == old.record_id }
            XCTAssertEqual(Set(mine.map(\.id)), ["PMOV1", "PMOV2", "PMOV3", old.record_id], "not the one after the cut, not another county's")
            XCTAssertEqual(mine.first { $0.id == old.record_id }?.added, false)
            XCTAssertEqual(mine.first { $0.id == old.record_id }?.fields["category"], "多重", "its version as of the cut")
            XCTAssertEqual(mine.first { $0.id == "PMOV2" }?.added, true)
            XCTAssertEqual(mine.first { $0.id == "PMOV2" }?.fields["hukou"], "城镇")
            XCTAssertLessThanOrEqual(persons.lines.count, LeagueStore.listedRecords)

            // The page: the moved metric links to its records, listed with their fields.
            let page = try await province.get("platform/000/\(month)/units/510101")
            let html = page.body.string
            XCTAssertTrue(html.contains("id=\"moved-records\""), html)
            XCTAssertTrue(html.contains("href=\"#moved-persons\""))
            XCTAssertTrue(html.contains("data-record=\"PMOV3\""))
            XCTAssertFalse(html.contains("data-record=\"PMOVLATE\""))
            XCTAssertTrue(html.contains("入库残疾人：共 \(already + 4) 条"))

            // A city: its own and its counties' records (成都市 holds 510101 and 510104).
            let city = try XCTUnwrap(snapshot.unit("5101"))
            let cityMoved = try await MovedRecords.load(unit: city, metrics: ["入库残疾人人数"], from: before.moment, to: cut.moment,
                                                        file: try LeagueStore.metricsFile(), on: sql)
            XCTAssertGreaterThanOrEqual(cityMoved.kind("persons")?.count ?? 0, already + 5)
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
