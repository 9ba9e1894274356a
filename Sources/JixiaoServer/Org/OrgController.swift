import Fluent
import Foundation
import Plot
import Vapor

/// The org tree below the user's node, and (for the scheme admin) import of units from CSV or xlsx.
struct OrgController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("org", use: tree)
        routes.on(.POST, "org", "import", body: .collect(maxSize: "5mb"), use: importTree)
        routes.get("api", "org", use: treeJSON)
    }

    struct UnitDTO: Content {
        let code: String
        let name: String
        let kind: String
        let path: String
    }

    private func units(_ request: Request) async throws -> [OrgUnit] {
        try await OrgUnit.query(on: request.db).within(try request.user.unitPath).sort(\.$path).all()
    }

    @Sendable func treeJSON(_ request: Request) async throws -> [UnitDTO] {
        try await units(request).map { UnitDTO(code: $0.code, name: $0.name, kind: $0.kind, path: $0.path) }
    }

    @Sendable func tree(_ request: Request) async throws -> Response {
        try await page(request, problems: [], status: .ok)
    }

    private func page(_ request: Request, problems: [String], status: HTTPResponseStatus) async throws -> Response {
        let units = try await units(request)
        let base = try request.user.unitPath.split(separator: "/").count
        let context = PageContext(request)
        let flash = request.session.data["flash"]
        request.session.data["flash"] = nil
        return Page.html(Page.document(
            title: "组织机构", context: context,
            .h1(.text("组织机构（\(units.count) 个单位）")),
            .unwrap(flash) { .p(.class("flash"), .text($0)) },
            .if(!problems.isEmpty, .group(.p(.class("bad"), .text("导入失败，未写入任何单位：")), .ul(.class("problems"), .id("problems"), .forEach(problems) { .li(.text($0)) }))),
            .if(try request.user.role == .schemeAdmin,
                .form(.method(.post), .action(SiteURL.orgImport), .attribute(named: "enctype", value: "multipart/form-data"), context.csrfField,
                      .text("导入单位（CSV 或 xlsx，表头：\(OrgImport.header.joined(separator: ","))）："),
                      .input(.type(.file), .name("file"), .attribute(named: "accept", value: ".csv,.xlsx")),
                      .button(.type(.submit), .text("导入")))),
            .table(
                .tr(.th("代码"), .th("名称"), .th("类型")),
                .forEach(units) { unit in
                    let depth = unit.path.split(separator: "/").count - base
                    return .tr(.td(.text(unit.code)), .td(.text(String(repeating: "\u{3000}", count: max(0, depth)) + unit.name)), .td(.text(unit.kind)))
                })
        ), status: status)
    }

    @Sendable func importTree(_ request: Request) async throws -> Response {
        guard try request.user.role == .schemeAdmin else { throw Abort(.forbidden, reason: "只有方案管理员可以导入组织机构") }
        struct Upload: Content { var file: File }
        let file = try request.content.decode(Upload.self).file
        let data = Data(buffer: file.data)
        let name = file.filename
        do {
            let rows: [OrgImport.Row] = try await request.application.uploadParsing.run {
                if name.lowercased().hasSuffix(".xlsx") { return try OrgImport.rows(xlsx: data, file: name) }
                guard let text = String(data: data, encoding: .utf8) else { throw InputProblems(problems: ["\(name)：不是 UTF-8 编码的 CSV"]) }
                return try OrgImport.rows(csv: text, file: name)
            }
            let scope = try request.user.unitPath
            let (added, updated) = try await request.application.write { db in
                try await OrgImport.save(rows, file: file.filename, scope: scope, on: db)
            }
            request.session.data["flash"] = "已导入：新增 \(added) 个单位，更新 \(updated) 个"
            return request.redirect(to: SiteURL.org)
        } catch let problems as InputProblems {
            return try await page(request, problems: problems.problems, status: .unprocessableEntity)
        }
    }
}
