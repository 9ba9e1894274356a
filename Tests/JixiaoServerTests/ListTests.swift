import Foundation
import Fluent
import XCTVapor
import JixiaoCore
import JixiaoXLSX
@testable import JixiaoServer

/// The long lists over HTTP: the overview (`/`, `/api/assessments`, `/assessments.xlsx`) and the ranking
/// (`/rankings/…`, `/api/rankings/…`, `ranking.xlsx`) searched, filtered, sorted and paged by GET parameters,
/// bad parameters falling back to defaults, and the user's part of the tree applied whatever the link says.
/// Small demo, 2018-06: 成都市 (5101) with 20 counties, 绵阳市 (5107) with 9: 31 assessments.
final class ListTests: XCTestCase {
    var app: Application!
    var scheme = UUID()

    override func setUp() async throws {
        app = try await makeApp()
        scheme = try await SchemeVersion.query(on: app.db).filter(\.$code == "000").first()!.requireID()
    }

    override func tearDown() async throws {
        try await app.asyncShutdown()
        app = nil
    }

    func signedIn(_ username: String) async throws -> Browser {
        let browser = Browser(app)
        let status = try await browser.login(username)
        XCTAssertEqual(status, .seeOther)
        return browser
    }

    func overview(_ browser: Browser, _ query: String = "") async throws -> OverviewDTO {
        try await browser.json("api/assessments?scheme=\(scheme)&period=2018-06" + (query.isEmpty ? "" : "&" + query), as: OverviewDTO.self)
    }

    func ranking(_ browser: Browser, _ query: String = "") async throws -> RankingJSON {
        try await browser.json("api/rankings/\(scheme)/2018-06" + (query.isEmpty ? "" : "?" + query), as: RankingJSON.self)
    }

    static func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }

    /// The ranking JSON is written by hand (`JSONText`): it reads back as what `JSONEncoder` gives, whole and paged,
    /// and strings with quotes, backslashes, control characters and non-ASCII survive the round trip.
    func testRankingJSON_writtenByHand_decodesAsJSONEncodersDocument() async throws {
        let province = try await signedIn("shengshenhe")
        for query in ["", "per=5&page=2&sort=total&dir=asc"] {
            let response = try await province.get("api/rankings/\(scheme)/2018-06" + (query.isEmpty ? "" : "?" + query))
            XCTAssertEqual(response.status, .ok)
            let served = try JSONDecoder().decode(RankingJSON.self, from: Data(buffer: response.body))
            XCTAssertFalse(served.rows.isEmpty)
            let reencoded = try JSONDecoder().decode(RankingJSON.self, from: try JSONEncoder().encode(served))
            XCTAssertEqual(served, reencoded, query)
            XCTAssertEqual(try JSONDecoder().decode(RankingJSON.self, from: served.encoded), served, query)
        }
        let tricky = "引号\"反斜杠\\换行\n制表\t\u{01}\u{1F}/emoji😀"
        var json = JSONText()
        json.beginObject()
        json.key(tricky); json.string(tricky)
        json.key("n"); json.int(nil)
        json.key("list"); json.strings([tricky, ""])
        json.key("map"); json.dictionary(["b": tricky, "a": "1"])
        json.endObject()
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: json.data) as? [String: Any])
        XCTAssertEqual(object[tricky] as? String, tricky)
        XCTAssertTrue(object["n"] is NSNull)
        XCTAssertEqual(object["list"] as? [String], [tricky, ""])
        XCTAssertEqual(object["map"] as? [String: String], ["a": "1", "b": tricky])
        XCTAssertTrue(String(decoding: json.data, as: UTF8.self).contains("\"map\":{\"a\":\"1\",\"b\""), "keys sorted")
    }

    // MARK: Search

    func testSearch_byNameOrCode_onTheOverviewAndTheRanking() async throws {
        let province = try await signedIn("shengshenhe")
        let byName = try await overview(province, "q=" + Self.encoded("锦江"))
        XCTAssertEqual(byName.assessments.map(\.code), ["510101"])
        XCTAssertEqual(byName.count, 1)
        let byCode = try await overview(province, "q=5107")
        XCTAssertEqual(byCode.count, 10, "绵阳市 and its 9 counties")
        XCTAssertTrue(byCode.assessments.allSatisfy { $0.code.hasPrefix("5107") })
        let none = try await overview(province, "q=" + Self.encoded("不存在的单位"))
        XCTAssertEqual(none.count, 0)
        XCTAssertEqual(none.assessments.count, 0)
        let page = try await province.get("?scheme=\(scheme)&period=2018-06&q=" + Self.encoded("不存在的单位")).body.string
        XCTAssertTrue(page.contains("没有符合条件的考核"), "an empty result says so")

        let ranked = try await ranking(province, "q=" + Self.encoded("锦江"))
        XCTAssertEqual(ranked.rows.map(\.code), ["510101"])
        XCTAssertNotNil(ranked.rows.first?.rank, "a search keeps the rank among all counties")
        let all = try await ranking(province)
        XCTAssertEqual(ranked.rows.first?.rank, all.rows.first { $0.code == "510101" }?.rank, "filtering never re-ranks")
        let html = try await province.get("rankings/\(scheme)/2018-06?q=" + Self.encoded("锦江")).body.string
        XCTAssertTrue(html.contains("锦江区"))
        XCTAssertFalse(html.contains(">青羊区<"), "another county is filtered out of the page")
    }

    // MARK: Filters

    func testEachFilter_keepsExactlyTheMatchingRows_andCountsThem() async throws {
        let province = try await signedIn("shengshenhe")
        let all = try await overview(province)
        XCTAssertEqual(all.count, 31)

        let cities = try await overview(province, "kind=" + Self.encoded("市州"))
        XCTAssertEqual(cities.assessments.map(\.code), ["5101", "5107"])
        let counties = try await overview(province, "kind=" + Self.encoded("县市区"))
        XCTAssertEqual(counties.count, 29)
        XCTAssertTrue(counties.assessments.allSatisfy { $0.kind == "县市区" })

        let mianyang = try await overview(province, "city=5107")
        XCTAssertEqual(Set(mianyang.assessments.map(\.code)), Set(all.assessments.filter { $0.code.hasPrefix("5107") }.map(\.code)))
        XCTAssertEqual(mianyang.count, 10)
        let mianyangCounties = try await overview(province, "city=5107&kind=" + Self.encoded("县市区"))
        XCTAssertEqual(mianyangCounties.count, 9, "filters combine")

        let approved = try await overview(province, "stage=approved")
        XCTAssertEqual(approved.count, all.assessments.filter { $0.status == "approved" }.count)
        XCTAssertGreaterThan(approved.count, 0)
        XCTAssertTrue(approved.assessments.allSatisfy { $0.stage == "已审定" })
        let review = try await overview(province, "stage=1")
        XCTAssertEqual(review.count, all.assessments.filter { $0.stage.hasPrefix("初评") }.count)
        XCTAssertGreaterThan(review.count, 0)
        XCTAssertTrue(review.assessments.allSatisfy { $0.stage.hasPrefix("初评") && $0.status != "approved" })

        let grades = Set(all.assessments.compactMap(\.grade))
        XCTAssertFalse(grades.isEmpty)
        for grade in grades {
            let graded = try await overview(province, "grade=" + Self.encoded(grade))
            XCTAssertEqual(graded.count, all.assessments.filter { $0.grade == grade }.count, grade)
            XCTAssertTrue(graded.assessments.allSatisfy { $0.grade == grade })
        }
        let ungraded = try await overview(province, "grade=none")
        XCTAssertEqual(ungraded.count, all.assessments.filter { $0.grade == nil }.count)

        // The ranking takes the same filters, per kind.
        let rankedCity = try await ranking(province, "city=5107")
        XCTAssertEqual(rankedCity.rows.count, 10)
        XCTAssertEqual(rankedCity.kinds.map(\.count), [1, 9])
        XCTAssertEqual(rankedCity.kinds.map(\.all), [2, 29], "the counts before the filters")
        let rankedApproved = try await ranking(province, "stage=approved")
        XCTAssertTrue(rankedApproved.rows.allSatisfy { $0.stage == "已审定" })
        XCTAssertEqual(rankedApproved.rows.count, approved.count)
    }

    // MARK: Sort

    func testSort_byEveryKindOfColumn_inBothDirections_tiesByCode() async throws {
        let province = try await signedIn("shengshenhe")
        func totals(_ dto: OverviewDTO) -> [Fixed?] { dto.assessments.map { Fixed($0.total) } }
        for direction in ["asc", "desc"] {
            let byTotal = try await overview(province, "sort=total&dir=\(direction)")
            XCTAssertEqual(byTotal.count, 31)
            let scored = totals(byTotal).prefix { $0 != nil }.compactMap { $0 }
            XCTAssertTrue(totals(byTotal).dropFirst(scored.count).allSatisfy { $0 == nil }, "unscored rows last, either way")
            XCTAssertEqual(scored, direction == "asc" ? scored.sorted() : scored.sorted(by: >), "by total \(direction)")
            XCTAssertGreaterThan(scored.count, 20)

            let byCode = try await overview(province, "sort=code&dir=\(direction)").assessments.map(\.code)
            XCTAssertEqual(byCode, direction == "asc" ? byCode.sorted() : byCode.sorted(by: >))

            let byName = try await overview(province, "sort=unit&dir=\(direction)").assessments.map(\.unit)
            let pinyin = byName.sorted { $0.compare($1, locale: Locale(identifier: "zh_Hans_CN")) == (direction == "asc" ? .orderedAscending : .orderedDescending) }
            XCTAssertEqual(byName, pinyin, "names in pinyin order")
        }
        // Ranks tie across kinds (1st city, 1st county): ties go by code, ascending in both directions.
        for direction in ["asc", "desc"] {
            let byRank = try await overview(province, "sort=rank&dir=\(direction)").assessments
            for (a, b) in zip(byRank, byRank.dropFirst()) {
                guard let x = a.rank, let y = b.rank else {
                    XCTAssertNil(b.rank, "unranked last")
                    continue
                }
                XCTAssertTrue(direction == "asc" ? x <= y : x >= y, "\(a.code) \(x) then \(b.code) \(y)")
                if x == y { XCTAssertLessThan(a.code, b.code, "a tie goes by code") }
            }
        }
        let byStage = try await overview(province, "sort=stage").assessments.map(\.stage)
        XCTAssertEqual(byStage.first, "自评")
        XCTAssertEqual(byStage.last, "已审定")

        // The ranking: by a stage's total, and by rank turned around.
        let ranked = try await ranking(province, "sort=s0&dir=desc")
        for kind in ["市州", "县市区"] {
            let column = ranked.rows.filter { $0.kind == kind }.compactMap { Fixed($0.totals[0]) }
            XCTAssertEqual(column, column.sorted(by: >), kind)
        }
        let reversed = try await ranking(province, "sort=rank&dir=desc").rows.filter { $0.kind == "县市区" }.compactMap(\.rank)
        XCTAssertEqual(reversed, reversed.sorted(by: >))
        let lowest = try await ranking(province).rows.filter { $0.kind == "县市区" }.compactMap(\.rank).max()
        XCTAssertEqual(reversed.first, lowest)
        // Sorting is stable: the same link gives the same order every time.
        let again = try await ranking(province, "sort=grade").rows.map(\.code)
        let once = try await ranking(province, "sort=grade").rows.map(\.code)
        XCTAssertEqual(again, once)
    }

    // MARK: Paging

    func testPaging_countsPagesAndClampsThePageNumber() async throws {
        let province = try await signedIn("shengshenhe")
        let first = try await overview(province, "per=20&page=1")
        XCTAssertEqual([first.count, first.page, first.pages, first.assessments.count], [31, 1, 2, 20])
        let second = try await overview(province, "per=20&page=2")
        XCTAssertEqual([second.page, second.assessments.count], [2, 11])
        XCTAssertTrue(Set(first.assessments.map(\.id)).isDisjoint(with: second.assessments.map(\.id)), "pages do not overlap")
        let past = try await overview(province, "per=20&page=99")
        XCTAssertEqual(past.page, 2, "past the end: the last page")
        XCTAssertEqual(past.assessments.map(\.id), second.assessments.map(\.id))
        for bad in ["0", "-1", "abc", "1e3", "99999999999"] {
            let answer = try await overview(province, "per=20&page=\(bad)")
            XCTAssertEqual(answer.page, 1, "page=\(bad)")
        }
        let filtered = try await overview(province, "per=20&page=2&kind=" + Self.encoded("市州"))
        XCTAssertEqual([filtered.count, filtered.pages, filtered.page], [2, 1, 1], "filtering comes before paging")

        // The page: its count, its position, and links that keep the search, filters, sort and page size.
        let html = try await province.get("?scheme=\(scheme)&period=2018-06&per=20&kind=" + Self.encoded("县市区") + "&sort=total&dir=desc").body.string
        XCTAssertTrue(html.contains("共 29 条，第 1 / 2 页"), html)
        let next = try XCTUnwrap(html.range(of: "class=\"next\"").map { html[..<$0.lowerBound] }?.components(separatedBy: "href=\"").last)
        XCTAssertTrue(next.contains("page=2") && next.contains("per=20") && next.contains("sort=total") && next.contains("dir=desc")
                      && next.contains("kind=" + Self.encoded("县市区")), next)
        let page2 = try await province.get("?scheme=\(scheme)&period=2018-06&per=20&kind=" + Self.encoded("县市区") + "&page=2").body.string
        XCTAssertTrue(page2.contains("共 29 条，第 2 / 2 页"))
        XCTAssertEqual(try Self.rowCount(page2, table: "all"), 9)

        // The ranking pages each kind.
        let rankingPage = try await ranking(province, "per=20&page=2")
        XCTAssertEqual(rankingPage.kinds.map(\.page), [1, 2], "21 … 29 of the counties; the 2 cities stay on their one page")
        XCTAssertEqual(rankingPage.rows.filter { $0.kind == "县市区" }.count, 9)
    }

    /// Rows of the table with this id (its <tr> after the heading row).
    static func rowCount(_ html: String, table id: String) throws -> Int {
        let start = try XCTUnwrap(html.range(of: " id=\"\(id)\""), "no table \(id)")
        let end = try XCTUnwrap(html.range(of: "</table>", range: start.upperBound..<html.endIndex))
        return html[start.upperBound..<end.lowerBound].components(separatedBy: "<tr").count - 2
    }

    // MARK: Bad parameters

    func testBadParameters_fallBackToTheDefaults_neverAnError() async throws {
        let province = try await signedIn("shengshenhe")
        let plain = try await overview(province)
        let long = String(repeating: "锦", count: 200)
        for query in ["sort=evil", "sort=total%27--", "dir=sideways", "stage=9", "stage=1-approved", "grade=%E4%BC%98%E4%BC%98",
                      "city=5107%27%20OR%201%3D1", "kind=%E7%9C%81x", "per=7", "per=-50", "q=" + Self.encoded(long),
                      "q=a&q=b&" + String(repeating: "x", count: 3000), "q=%E9%94", "page=&sort=&dir=&kind="] {
            let answer = try await province.get("api/assessments?scheme=\(scheme)&period=2018-06&" + query)
            XCTAssertEqual(answer.status, .ok, query)
            let dto = try JSONDecoder().decode(OverviewDTO.self, from: Data(buffer: answer.body))
            XCTAssertEqual(dto.assessments.map(\.id), plain.assessments.map(\.id), query)
            let page = try await province.get("?scheme=\(scheme)&period=2018-06&" + query)
            XCTAssertEqual(page.status, .ok, query)
            let ranked = try await province.get("rankings/\(scheme)/2018-06?" + query)
            XCTAssertEqual(ranked.status, .ok, query)
        }
        // A search longer than 50 characters is cut to 50; a hostile one is shown escaped in the form.
        let cut = try await overview(province, "q=" + Self.encoded(String(repeating: "x", count: 60)))
        XCTAssertEqual(cut.count, 0)
        let hostile = #""><script>alert(1)</script>"#
        let body = try await province.get("?scheme=\(scheme)&period=2018-06&q=" + Self.encoded(hostile)).body.string
        XCTAssertFalse(body.contains("<script>alert(1)"))
        XCTAssertTrue(body.contains("value=\"&quot;&gt;&lt;script&gt;"), "the search is kept in its field, escaped")
    }

    // MARK: Scope

    func testNoParameterShowsAnotherCitysRows() async throws {
        let chengdu = try await signedIn("chengdu")
        let own = try await overview(chengdu)
        XCTAssertEqual(own.count, 21)
        for query in ["city=5107", "q=5107", "q=" + Self.encoded("绵阳"), "kind=" + Self.encoded("市州"), "q=510701",
                      "city=5107&kind=" + Self.encoded("县市区"), "stage=approved", "sort=rank&per=200", "per=200&page=2", "grade=none"] {
            let list = try await overview(chengdu, query)
            XCTAssertTrue(list.assessments.allSatisfy { $0.code.hasPrefix("5101") }, query)
            let ranked = try await ranking(chengdu, query)
            XCTAssertTrue(ranked.rows.allSatisfy { $0.code.hasPrefix("5101") }, query)
            let page = try await chengdu.get("?scheme=\(scheme)&period=2018-06&" + query).body.string
            XCTAssertFalse(page.contains("涪城区") || page.contains("绵阳市"), query)
            let rankingPage = try await chengdu.get("rankings/\(scheme)/2018-06?" + query).body.string
            XCTAssertFalse(rankingPage.contains("涪城区") || rankingPage.contains("绵阳市"), query)
            let workbook = try await chengdu.get("rankings/\(scheme)/2018-06/ranking.xlsx?" + query)
            let cells = try Workbook(xlsxData: Data(buffer: workbook.body)).sheets.flatMap { $0.rows.flatMap { $0.map(\.text) } }
            XCTAssertFalse(cells.contains { $0.hasPrefix("5107") || $0.contains("绵阳") }, query)
            let overviewBook = try await chengdu.get("assessments.xlsx?scheme=\(scheme)&period=2018-06&" + query)
            let rows = try Workbook(xlsxData: Data(buffer: overviewBook.body)).sheets.flatMap { $0.rows.flatMap { $0.map(\.text) } }
            XCTAssertFalse(rows.contains { $0.hasPrefix("5107") || $0.contains("绵阳") }, query)
        }
        // 成都市 is the only city in its tree: the city filter is not offered, and asking for its own is the whole list.
        let page = try await chengdu.get("?scheme=\(scheme)&period=2018-06").body.string
        XCTAssertFalse(page.contains("name=\"city\""))
        let ownCity = try await overview(chengdu, "city=5101").count
        XCTAssertEqual(ownCity, 21)
        let county = try await signedIn("jinjiang")
        let countyList = try await overview(county, "q=51&kind=" + Self.encoded("县市区")).assessments.map(\.code)
        XCTAssertEqual(countyList, ["510101"])
        let countyRanking = try await ranking(county, "city=5101").rows.map(\.code)
        XCTAssertEqual(countyRanking, ["510101"])
    }

    // MARK: Cities and counties apart

    func testTheRankingKeepsCitiesAndCountiesApart_onThePage_inJSON_andInTheWorkbook() async throws {
        let province = try await signedIn("lingdao")
        let json = try await ranking(province)
        XCTAssertEqual(json.kinds.map(\.kind), ["市州", "县市区"])
        XCTAssertEqual(json.rows.prefix(2).map(\.kind), ["市州", "市州"])
        XCTAssertEqual(json.rows.dropFirst(2).map(\.kind), Array(repeating: "县市区", count: 29))
        let page = try await province.get("rankings/\(scheme)/2018-06").body.string
        XCTAssertTrue(page.contains("<table class=\"ranking list\" id=\"ranking-0\""))
        XCTAssertTrue(page.contains("<table class=\"ranking list\" id=\"ranking-1\""))
        XCTAssertEqual(try Self.rowCount(page, table: "ranking-0"), 2, "the cities' table holds the cities only")
        XCTAssertEqual(try Self.rowCount(page, table: "ranking-1"), 29)
        let countiesOnly = try await province.get("rankings/\(scheme)/2018-06?kind=" + Self.encoded("县市区")).body.string
        XCTAssertFalse(countiesOnly.contains("id=\"ranking-1\""))
        XCTAssertEqual(try Self.rowCount(countiesOnly, table: "ranking-0"), 29)

        let response = try await province.get("rankings/\(scheme)/2018-06/ranking.xlsx")
        XCTAssertEqual(response.status, .ok)
        let workbook = try Workbook(xlsxData: Data(buffer: response.body))
        XCTAssertEqual(workbook.sheets.map(\.name), ["市州排名", "县市区排名"])
        for (sheet, kind, count) in [(workbook.sheets[0], "市州", 2), (workbook.sheets[1], "县市区", 29)] {
            let header = sheet.rows[1].map(\.text)
            let kindColumn = try XCTUnwrap(header.firstIndex(of: "类别"))
            let data = sheet.rows.dropFirst(2)
            XCTAssertEqual(data.count, count)
            XCTAssertTrue(data.allSatisfy { $0[kindColumn].text == kind }, sheet.name)
            XCTAssertTrue(data.allSatisfy { if case .number = $0[0] { return true } else { return false } }, "ranks are numbers")
        }
    }
}
