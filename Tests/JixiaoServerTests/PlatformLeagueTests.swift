import Fluent
import Foundation
import JixiaoPlatform
import SQLKit
import XCTVapor
@testable import JixiaoServer

/// Seed 000 scored from platform records in the server (issue 12, items 5–6): the province's action fills the
/// month's figures from the records, the league table is frozen per cut-off, scoped by the org tree.
/// The small demo carries a generated province on its 四川 tree (Demo/DemoPlatform.swift) with both months frozen.
final class PlatformLeagueTests: XCTestCase {
    let month = "2018-06"
    var cut: Cut { Cut(month: month)! }

    /// Every platform input of every assessment the action may write equals `PlatformMetrics.compute` and the
    /// checks run directly on the records; a manual figure survives; the action is audited and idempotent; the
    /// frozen table does not move when records change, a recomputation does; a filler cannot type over a platform figure.
    func testAction_fillsFiguresFromRecords_freezesSnapshot_idempotent() async throws {
        try await withPlatformApp { app in
            let sql = app.db as! any SQLDatabase
            let province = Browser(app)
            try await province.login("shengshenhe")
            let before = try await province.json("api/platform/000/\(month)", as: LeagueSnapshot.self)
            let county = "510101"
            let beforePersons = try XCTUnwrap(before.unit(county)?.metrics["入库残疾人人数"])

            // A manual figure (not the platform's) entered beforehand, and new records for 锦江区 before the cut.
            let jinjiang = try await assessmentID(app, unit: county)
            try await sql.raw("""
                INSERT INTO entry_values (id, assessment_id, stage, field, value, reason)
                VALUES (\(bind: UUID()), \(bind: jinjiang), 0, '弄虚作假项目数', '1', NULL)
                ON CONFLICT (assessment_id, stage, field) DO UPDATE SET value = excluded.value
                """).run()
            let persons = (1...7).map { "PNEW\($0),2018-06-10 09:00:00,\(county),1970,农村,肢体,2" }
            _ = try await Ingest.csvText("record_id,changed_at,county_code,birth_year,hukou,category,grade\n" + persons.joined(separator: "\n"),
                                         file: "persons.csv", kind: Records.persons, into: sql, recordedAt: "2018-06-27 10:00:00")

            // The frozen table has not moved.
            let frozen = try await province.json("api/platform/000/\(month)", as: LeagueSnapshot.self)
            XCTAssertEqual(frozen, before)

            // The action: figures equal to the direct computation, for every assessment it writes.
            let response = try await province.post("platform/000/\(month)/compute")
            XCTAssertEqual(response.status, .seeOther, response.body.string)
            let file = try LeagueStore.metricsFile()
            let metrics = try await PlatformMetrics(file: file).compute(sql, cut: cut)
            let checks = try await PlatformChecker(file: file).run(sql, metrics: metrics)
            struct Row: Decodable { let code: String; let field: String; let value: String; let reason: String?; let status: String }
            let rows = try await sql.raw("""
                SELECT u.code, e.field, e.value, e.reason, a.status FROM entry_values e JOIN assessments a ON a.id = e.assessment_id
                JOIN org_units u ON u.id = a.unit_id JOIN scheme_versions s ON s.id = a.scheme_id
                WHERE s.code = '000' AND a.period = \(bind: month) AND e.stage = 0
                """).all(decoding: Row.self)
            var compared = 0
            for row in rows where row.status != "approved" {
                guard let expected = checks.inputs[row.field]?[row.code] ?? metrics.value(row.field, row.code) else { continue }
                XCTAssertEqual(row.value, expected.description, "\(row.code) \(row.field)")
                XCTAssertEqual(row.reason, "平台数据 截至 2018-06-25", "\(row.code) \(row.field)")
                compared += 1
            }
            XCTAssertGreaterThan(compared, 10 * 30, "every county's and city's platform inputs")
            XCTAssertEqual(rows.first { $0.code == county && $0.field == "入库残疾人人数" }?.value,
                           metrics.value("入库残疾人人数", county)?.description)
            XCTAssertEqual(rows.first { $0.code == county && $0.field == "弄虚作假项目数" }?.value, "1", "a manual figure is never overwritten")

            // The new snapshot moved by exactly the 7 persons; last month's stayed.
            let after = try await province.json("api/platform/000/\(month)", as: LeagueSnapshot.self)
            let afterPersons = try XCTUnwrap(after.unit(county)?.metrics["入库残疾人人数"])
            XCTAssertEqual(Int(afterPersons), Int(beforePersons).map { $0 + 7 })
            XCTAssertNotEqual(after.takenAt, before.takenAt)
            let audit = try await AuditEntry.query(on: app.db).filter(\.$assessment.$id == jinjiang).filter(\.$action == "平台数据")
                .filter(\.$field == "入库残疾人人数").sort(\.$at, .descending).first()
            XCTAssertEqual(audit?.username, "shengshenhe")
            XCTAssertEqual(audit?.oldValue, beforePersons)
            XCTAssertEqual(audit?.newValue, afterPersons)

            // Idempotent: again, nothing is written.
            let snapshots = try await LeagueSnapshotRow.query(on: app.db).count()
            let audits = try await AuditEntry.query(on: app.db).count()
            _ = try await province.post("platform/000/\(month)/compute")
            let snapshotsAgain = try await LeagueSnapshotRow.query(on: app.db).count()
            let auditsAgain = try await AuditEntry.query(on: app.db).count()
            XCTAssertEqual(snapshotsAgain, snapshots)
            XCTAssertEqual(auditsAgain, audits)

            // The county's filler sees the figure marked and cannot type over it.
            let filler = Browser(app)
            try await filler.login("jinjiang")
            let sheet = try await filler.get("assessments/\(jinjiang)")
            XCTAssertTrue(sheet.body.string.contains("平台数据 截至 2018-06-25"), "the sheet says where the figure comes from")
            let found = try await Assessment.find(jinjiang, on: app.db)
            let revision = try XCTUnwrap(found?.revision)
            let refused = try await filler.putFigures(jinjiang, revision: revision, ["入库残疾人人数": "99999"])
            XCTAssertTrue([.unprocessableEntity, .forbidden].contains(refused.status), refused.body.string)
            if refused.status == .unprocessableEntity { XCTAssertTrue(refused.body.string.contains("平台数据"), refused.body.string) }
            let stored = try await sql.raw("""
                SELECT value FROM entry_values WHERE assessment_id = \(bind: jinjiang) AND stage = 0 AND field = '入库残疾人人数'
                """).first(decoding: [String: String].self)
            XCTAssertEqual(stored?["value"], afterPersons)
        }
    }

    /// The org tree decides who sees what: a county its own month only, a city its counties, only the province computes.
    func testScoping_countyCityProvince() async throws {
        try await withPlatformApp { app in
            let county = Browser(app)
            try await county.login("jinjiang")
            let own = try await county.get("platform/000/\(month)/units/510101")
            XCTAssertEqual(own.status, .ok)
            XCTAssertTrue(own.body.string.contains("截至 2018-06-25 23:59:59"))
            let other = try await county.get("platform/000/\(month)/units/510104")
            XCTAssertEqual(other.status, .notFound)
            let mianyang = try await county.get("platform/000/\(month)/units/510703")
            XCTAssertEqual(mianyang.status, .notFound)
            let table = try await county.get("platform/000/\(month)")
            XCTAssertEqual(table.status, .ok)
            XCTAssertFalse(table.body.string.contains("data-code=\"510104\""), "a county sees its own line only")
            let forbidden = try await county.post("platform/000/\(month)/compute")
            XCTAssertEqual(forbidden.status, .forbidden)

            let city = Browser(app)
            try await city.login("chengdu")
            let mine = try await city.json("api/platform/000/\(month)", as: LeagueSnapshot.self)
            XCTAssertFalse(mine.units.isEmpty)
            XCTAssertTrue(mine.units.allSatisfy { $0.code.hasPrefix("5101") }, "成都市 sees 成都市 and its counties")
            let outside = try await city.get("platform/000/\(month)/units/5107")
            XCTAssertEqual(outside.status, .notFound)
            let cityCompute = try await city.post("platform/000/\(month)/compute")
            XCTAssertEqual(cityCompute.status, .forbidden)

            let province = Browser(app)
            try await province.login("lingdao")
            let all = try await province.json("api/platform/000/\(month)", as: LeagueSnapshot.self)
            XCTAssertEqual(Set(all.units.map { String($0.code.prefix(4)) }), ["5101", "5107"])
            // Counties rank among counties, cities among cities.
            let counties = all.units.filter { $0.level == "county" }
            XCTAssertEqual(Set(counties.map(\.rankOf)), [counties.count])
            XCTAssertEqual(counties.compactMap(\.rank).min(), 1)
            let leaderCompute = try await province.post("platform/000/\(month)/compute")
            XCTAssertEqual(leaderCompute.status, .forbidden, "the leader reads only")
            let unknown = try await province.get("api/platform/000/2018-13")
            XCTAssertEqual(unknown.status, .notFound)
        }
    }

    /// An app with the small demo and its platform records (what `--demo` always loads).
    func withPlatformApp(_ body: (Application) async throws -> Void) async throws {
        let app = try await makeApp(adjust: { $0.demoPlatform = true })
        do { try await body(app) } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    /// The month-over-month explanation: exact differences, percentages in points, unchanged items left out.
    func testChange_explainsWhatMoved() {
        XCTAssertEqual(LeagueChange.delta("12.5", "11"), "-1.5")
        XCTAssertEqual(LeagueChange.delta("90%", "91.25%"), "+1.25 个百分点")
        XCTAssertNil(LeagueChange.delta("是", "否"))
        func line(_ total: String, _ scores: [String: String], _ metrics: [String: String]) -> LeagueSnapshot.UnitLine {
            LeagueSnapshot.UnitLine(code: "510101", name: "锦江区", level: "county", parent: "5101", path: "x", assessmentID: nil,
                                    metrics: metrics, total: total, rank: 2, rankOf: 9, scores: scores, findings: [])
        }
        let previous = LeagueSnapshot(scheme: "000", schemeName: "", month: "2018-05", cut: "2018-05-25 23:59:59", takenAt: Date(),
                                      takenBy: "", mainMetrics: [], metricNames: ["入库残疾人人数", "需求精准度"], indicators: [],
                                      units: [])
        let change = LeagueChange(previous: previous, line("20.5", ["1": "4", "2.10": "1"], ["入库残疾人人数": "100", "需求精准度": "90%"]),
                                  line("19", ["1": "4", "2.10": "0"], ["入库残疾人人数": "107", "需求精准度": "90%"]),
                                  indicatorNames: ["2.10": "测试"])
        XCTAssertEqual(change.totalDelta, "-1.5")
        XCTAssertEqual(change.indicators.map(\.name), ["2.10 测试"])
        XCTAssertEqual(change.metrics.map(\.name), ["入库残疾人人数"])
        XCTAssertEqual(change.metrics.first?.delta, "+7")
    }
}
