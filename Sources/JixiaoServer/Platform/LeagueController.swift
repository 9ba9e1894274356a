import Fluent
import Foundation
import JixiaoCore
import SQLKit
import Vapor

/// 平台数据 (seed 000 scored from the platform's records): `/platform` lists the months with a frozen league table,
/// `/platform/:scheme/:month` is a month's table, `…/units/:unit` a unit's month with its findings and the change
/// against last month; `POST …/compute` is the province's action; `/api/platform/:scheme/:month` the snapshot as JSON.
/// Who sees what follows the org tree: the rows of the user's part of it (ranks are among all units of the kind).
struct LeagueController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("platform", use: months)
        routes.get("platform", ":scheme", ":month", use: month)
        routes.get("platform", ":scheme", ":month", "units", ":unit", use: unit)
        routes.post("platform", ":scheme", ":month", "compute", use: compute)
        routes.get("api", "platform", ":scheme", ":month", use: json)
    }

    /// Only the province's reviewers and approvers (a unit without a parent) take the month's figures from the platform.
    static func canCompute(_ user: SignedIn, on db: any Database) async throws -> Bool {
        guard user.role == .reviewer || user.role == .approver else { return false }
        guard let unit = try await OrgUnit.find(user.unitID, on: db) else { return false }
        return unit.$parent.id == nil
    }

    @Sendable func months(_ request: Request) async throws -> Response {
        let user = try request.user
        let listed = try await LeagueStore.months(on: request.db)
        let page = LeagueMonthsPage(context: PageContext(request), snapshots: listed.snapshots, periods: listed.periods,
                                    canCompute: try await Self.canCompute(user, on: request.db))
        return Page.html(page.document)
    }

    /// The month's snapshot, for a scheme and month as the URL names them (404 alike for anything else).
    static func snapshot(_ request: Request) async throws -> LeagueSnapshot {
        guard request.parameters.get("scheme") == LeagueStore.schemeCode, let month = request.parameters.get("month"),
            try LeagueStore.cut(month) != nil
        else { throw Abort(.notFound, reason: "没有这个月份的平台数据") }
        guard let snapshot = try await LeagueStore.latest(month: month, on: request.db) else {
            throw Abort(.notFound, reason: "\(month) 还没有按平台数据计算")
        }
        return snapshot
    }

    /// The user's part of the table: units in their tree (the province sees all, a city its counties and itself).
    static func visible(_ snapshot: LeagueSnapshot, _ user: SignedIn) -> [LeagueSnapshot.UnitLine] {
        snapshot.units.filter { !$0.path.isEmpty && user.reach(toPath: $0.path) != .outside }
    }

    /// "2018" in the month's place: the year's table (the routes share the path shape).
    static func yearParameter(_ request: Request) -> String? {
        guard let text = request.parameters.get("month"), text.count == 4, text.allSatisfy(\.isASCII), Int(text) != nil else { return nil }
        return text
    }

    /// The year's table from its frozen months, the units of the user's part of it (404 alike when none).
    static func year(_ request: Request, _ year: String) async throws -> (LeagueYear, [LeagueYear.UnitLine]) {
        let user = try request.user
        guard request.parameters.get("scheme") == LeagueStore.schemeCode,
            let table = LeagueYear.make(year: year, snapshots: try await LeagueStore.yearSnapshots(year, on: request.db))
        else { throw Abort(.notFound, reason: "\(year) 年还没有按平台数据冻结的月份") }
        let visible = table.units.filter { !$0.path.isEmpty && user.reach(toPath: $0.path) != .outside }
        guard !visible.isEmpty else { throw Abort(.notFound, reason: "您的范围内没有这一年的平台数据") }
        return (table, visible)
    }

    @Sendable func month(_ request: Request) async throws -> Response {
        if let year = Self.yearParameter(request) {
            let (table, visible) = try await Self.year(request, year)
            return Page.html(LeagueYearPage(context: PageContext(request), table: table, visible: Set(visible.map(\.code))).document)
        }
        let user = try request.user
        let snapshot = try await Self.snapshot(request)
        let visible = Set(Self.visible(snapshot, user).map(\.code))
        guard !visible.isEmpty else { throw Abort(.notFound, reason: "您的范围内没有这个月的平台数据") }
        let page = LeagueMonthPage(context: PageContext(request), snapshot: snapshot, visible: visible,
                                   canCompute: try await Self.canCompute(user, on: request.db))
        return Page.html(page.document)
    }

    @Sendable func unit(_ request: Request) async throws -> Response {
        let user = try request.user
        let snapshot = try await Self.snapshot(request)
        guard let code = request.parameters.get("unit"), let line = Self.visible(snapshot, user).first(where: { $0.code == code }) else {
            throw Abort(.notFound, reason: "没有找到该单位")
        }
        let previousMonth = try LeagueStore.cut(snapshot.month)?.previous.monthText
        var previous: LeagueSnapshot?
        if let previousMonth { previous = try await LeagueStore.latest(month: previousMonth, on: request.db) }
        let names = Dictionary(snapshot.indicators.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
        let change = previous.flatMap { p in p.unit(code).map { LeagueChange(previous: p, $0, line, indicatorNames: names) } }
        var moved: MovedRecords?
        if let change, let previous, !change.metrics.isEmpty, let sql = request.db as? any SQLDatabase {
            moved = try await MovedRecords.load(unit: line, metrics: change.metrics.map(\.name), from: previous.cut, to: snapshot.cut,
                                                file: try LeagueStore.metricsFile(), on: sql)
        }
        let page = LeagueUnitPage(context: PageContext(request), snapshot: snapshot, unit: line, change: change, moved: moved)
        return Page.html(page.document)
    }

    @Sendable func compute(_ request: Request) async throws -> Response {
        let user = try request.user
        guard try await Self.canCompute(user, on: request.db) else {
            throw Abort(.forbidden, reason: "只有省级审核员或审定人可以按平台数据计算")
        }
        guard request.parameters.get("scheme") == LeagueStore.schemeCode, let month = request.parameters.get("month"),
            try LeagueStore.cut(month) != nil
        else { throw Abort(.notFound, reason: "没有这个月份") }
        let board = request.application.scoreBoard
        let username = user.username
        _ = try await request.application.write { db in
            try await LeagueStore.compute(month: month, username: username, board: board, on: db)
        }
        return request.redirect(to: SiteURL.platformMonth(scheme: LeagueStore.schemeCode, month: month))
    }

    @Sendable func json(_ request: Request) async throws -> Response {
        if let year = Self.yearParameter(request) {
            let (table, visible) = try await Self.year(request, year)
            let scoped = LeagueYear(scheme: table.scheme, schemeName: table.schemeName, year: table.year, rule: table.rule,
                                    months: table.months, indicators: table.indicators, units: visible)
            return try Self.jsonResponse(scoped)
        }
        let user = try request.user
        let snapshot = try await Self.snapshot(request)
        let visible = Set(Self.visible(snapshot, user).map(\.code))
        guard !visible.isEmpty else { throw Abort(.notFound, reason: "您的范围内没有这个月的平台数据") }
        let scoped = LeagueSnapshot(scheme: snapshot.scheme, schemeName: snapshot.schemeName, month: snapshot.month, cut: snapshot.cut,
                                    takenAt: snapshot.takenAt, takenBy: snapshot.takenBy, mainMetrics: snapshot.mainMetrics,
                                    metricNames: snapshot.metricNames, indicators: snapshot.indicators,
                                    units: snapshot.units.filter { visible.contains($0.code) })
        return try Self.jsonResponse(scoped)
    }

    static func jsonResponse(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        var headers = HTTPHeaders()
        headers.contentType = .json
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: .ok, headers: headers, body: .init(data: try encoder.encode(value)))
    }
}
