import Foundation
import Fluent
import Vapor
import XCTest
@testable import JixiaoServer

/// The province's reviewer works through the long lists in headless Chromium, on a desktop (1366 px) and on a
/// phone (390 px): searches, filters by city (the form submits itself on a change), sorts, pages; opens the
/// ranking and finds cities and counties in tables of their own; nothing of the forms, pagers or export links
/// prints. Screenshots in artifacts/e2e/lists-*.png.
final class ListsBrowserTests: XCTestCase {
    /// Elements that would print although they are links to act on (exports, print), forms, buttons or pagers.
    static let printedControls = """
        const rules = [...document.styleSheets].flatMap(s => [...s.cssRules]).filter(r => r.media && [...r.media].includes('print'))
          .flatMap(r => [...r.cssRules]).filter(r => r.style && r.style.display === 'none');
        const hiddenInPrint = (el) => { for (let e = el; e; e = e.parentElement) if (rules.some(r => e.matches(r.selectorText))) return true; return false; };
        return [...document.querySelectorAll('a[href*=".xlsx"], a[href*="/api/"], a[data-action], form, button, .pager a, select, input')]
          .filter(el => !hiddenInPrint(el)).map(el => el.outerHTML.slice(0, 80));
        """

    func testTheProvinceSearchesFiltersSortsAndPages_andSeesCitiesAndCountiesApart() async throws {
        try await BrowserHarness.run("lists") { h in
            let browser = h.browser
            let scheme = try await SchemeVersion.query(on: h.app.db).filter(\.$code == "000").first()!.requireID()
            try await h.signIn("shengshenhe")
            func scroll(_ selector: String) async throws {
                _ = try await browser.evaluate("document.querySelector(arguments[0]).scrollIntoView()", [selector])
            }
            for (width, height, label) in [(1366, 1000, "desktop"), (390, 844, "phone")] {
                try await browser.resize(width: width, height: height)
                try await browser.open(h.site + "/?scheme=\(scheme)&period=2018-06")
                let count = try await browser.text("#all-pager .count")
                XCTAssertEqual(count, "共 31 条")
                try await h.shot("\(label)-overview")

                // Search with the 筛选 button (no script needed).
                try await browser.type("#all-filter input[name='q']", "锦江")
                try await browser.follow("#all-filter-submit")
                let found = try await browser.text("#all")
                XCTAssertTrue(found.contains("锦江区") && !found.contains("青羊区"), found)
                let seen1 = try await browser.text("#all-pager .count")
                XCTAssertEqual(seen1, "共 1 条")
                try await scroll("#all-heading")
                try await h.shot("\(label)-search")

                // Filter by city: choosing 绵阳市 submits the form; the search is cleared first.
                try await browser.follow("#all-filter .clear")
                try await browser.click("#list-city")
                try await browser.follow("#list-city option[value='5107']")
                let url = try await browser.currentURL()
                XCTAssertTrue(url.contains("city=5107"), url)
                let mianyang = try await browser.text("#all")
                XCTAssertTrue(mianyang.contains("涪城区") && !mianyang.contains("锦江区"), mianyang)
                let seen2 = try await browser.text("#all-pager .count")
                XCTAssertEqual(seen2, "共 10 条")

                // Sort by total, highest first: on a desktop by the column heading, on a phone by the form.
                if label == "desktop" {
                    try await browser.follow("#all th a[data-sort='total']")  // scores sort highest first
                } else {
                    try await browser.follow("#list-sort option[value='total']")
                    try await browser.follow("#list-dir option[value='desc']")
                }
                let sortedURL = try await browser.currentURL()
                XCTAssertTrue(sortedURL.contains("sort=total") && sortedURL.contains("dir=desc") && sortedURL.contains("city=5107"), sortedURL)
                let totals = try await browser.evaluate("return [...document.querySelectorAll('#all td[data-label=\"得分\"]')].map(td => td.textContent)") as? [String] ?? []
                let numbers = totals.compactMap { Double($0) }
                XCTAssertEqual(numbers.count, 10, "\(totals)")
                XCTAssertEqual(numbers, numbers.sorted(by: >))
                try await scroll("#all-heading")
                try await h.shot("\(label)-city-sorted")

                // Pages of 20 over all 31: the second page holds 11, and the filters travel with the pager's links.
                try await browser.follow("#all-filter .clear")
                try await browser.follow("#list-per option[value='20']")
                let seen3 = try await browser.text("#all-pager .count")
                XCTAssertEqual(seen3, "共 31 条，第 1 / 2 页")
                try await browser.follow("#all-pager a.next")
                let seen4 = try await browser.text("#all-pager .count")
                XCTAssertEqual(seen4, "共 31 条，第 2 / 2 页")
                let rows = try await browser.evaluate("return document.querySelectorAll('#all tr:not(.head)').length") as? Int
                XCTAssertEqual(rows, 11)
                try await scroll("#all-heading")
                try await h.shot("\(label)-page-2")

                if label == "phone" {
                    // A card per row, nothing wider than the screen.
                    let display = try await browser.evaluate("return getComputedStyle(document.querySelector('#all tr:not(.head)')).display") as? String
                    XCTAssertEqual(display, "grid", "a card per row")
                    let heading = try await browser.evaluate("return getComputedStyle(document.querySelector('#all tr.head')).display") as? String
                    XCTAssertEqual(heading, "none", "the form sorts on a phone")
                    let right = try await browser.evaluate("return Math.ceil(document.querySelector('#all').getBoundingClientRect().right)") as? Int ?? 9999
                    XCTAssertLessThanOrEqual(right, width, "the list fits the phone's width")
                }
                let printed = try await browser.evaluate(Self.printedControls) as? [String] ?? ["?"]
                XCTAssertEqual(printed, [], "controls that would print on the overview")

                // The ranking: cities and counties in tables of their own.
                try await browser.follow("#ranking-link")
                let cities = try await browser.attribute("#section-0", "data-kind")
                let counties = try await browser.attribute("#section-1", "data-kind")
                XCTAssertEqual([cities, counties], ["市州", "县市区"])
                let cityRows = try await browser.evaluate("return document.querySelectorAll('#ranking-0 tr:not(.head)').length") as? Int
                XCTAssertEqual(cityRows, 2)
                let countyRows = try await browser.evaluate("return document.querySelectorAll('#ranking-1 tr:not(.head)').length") as? Int
                XCTAssertEqual(countyRows, 29)
                try await h.shot("\(label)-ranking")
                try await browser.follow("#list-kind option[value='县市区']")
                try await browser.type("#ranking-filter input[name='q']", "区")
                try await browser.follow("#ranking-filter-submit")
                let only = try await browser.text("#ranking-0")
                XCTAssertFalse(only.contains("成都市"), "the cities' table is gone when counties are chosen")
                let second = try? await browser.find("#ranking-1", timeout: 0.5)
                XCTAssertNil(second, "one table when one kind is chosen")
                try await scroll("#ranking-0")
                try await h.shot("\(label)-ranking-counties")
                let printedRanking = try await browser.evaluate(Self.printedControls) as? [String] ?? ["?"]
                XCTAssertEqual(printedRanking, [], "controls that would print on the ranking")

                // The score sheet's export link does not print either.
                try await browser.follow("#ranking-0 td[data-label='单位'] a")
                let printedSheet = try await browser.evaluate(Self.printedControls + "") as? [String] ?? ["?"]
                XCTAssertFalse(printedSheet.contains { $0.contains(".xlsx") }, "\(printedSheet)")
            }
        }
    }
}
