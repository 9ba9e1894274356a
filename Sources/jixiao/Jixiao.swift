import ArgumentParser
import Foundation
import JixiaoCommands
import JixiaoServer

/// `jixiao`: the command line of Jixiao. The batch verbs live in JixiaoCommands; `serve` starts the web app.
@main
struct Jixiao: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jixiao",
        abstract: "绩效考核：方案校验、计分、核对与说明；serve 启动网页应用。",
        subcommands: JixiaoCommands.all + [Serve.self, Gen.self, PlatformCommand.self])
}

/// Every setting is an option or an environment variable (a systemd unit sets the latter), and `--help` names
/// them all, so an operator never has to read the code to deploy.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "启动网页应用（默认用 SQLite 文件；设置 DATABASE_URL=postgres://… 则用 PostgreSQL）。",
        discussion: """
            不加 --demo 即生产启动：不载入演示数据，也没有演示账号。
            数据库中还没有任何账号时，创建方案管理员账号 admin，挂在根单位上
            （组织机构为空时按 --root-code、--root-name、--root-kind 创建根单位）；
            其密码取自 JIXIAO_ADMIN_PASSWORD，未设置则随机生成，只在控制台显示这一次。
            方案与演示数据已编译进程序，可在任何目录启动。
            启动失败时在标准错误输出一行中文原因，退出码为 1。

            环境变量：
              DATABASE_URL
                  PostgreSQL 连接串，如 postgres://jixiao:密码@127.0.0.1:5432/jixiao；
                  设置后不用 SQLite，--database 不起作用
              JIXIAO_ADMIN_PASSWORD
                  首个账号 admin 的密码（至少 8 个字符），只在数据库中还没有账号时使用
              JIXIAO_ROOT_UNIT_CODE
                  同 --root-code
              JIXIAO_ROOT_UNIT_NAME
                  同 --root-name
              JIXIAO_ROOT_UNIT_KIND
                  同 --root-kind
              JIXIAO_BEHIND_HTTPS_PROXY
                  设为 1 同 --behind-https-proxy
              LOG_LEVEL
                  日志级别：trace、debug、info（默认）、notice、warning、error、critical
            """)

    @Option(help: "监听端口") var port = 8080
    @Option(help: "监听地址；0.0.0.0 为所有网卡（在反向代理之后请保持 127.0.0.1）") var hostname = "127.0.0.1"
    @Option(help: "SQLite 数据库文件（未设置 DATABASE_URL 时使用；相对路径相对当前目录）") var database = "jixiao.sqlite"
    @Option(help: "用此目录中的 schemes/、examples/、demo/ 代替内置的方案与演示数据") var content: String?
    @Flag(help: "数据库为空时载入演示数据：四川省组织机构、演示账号（密码公开，仅供试用）及考核") var demo = false
    @Option(help: "生产首次启动且组织机构为空时，所建根单位的代码（环境变量 JIXIAO_ROOT_UNIT_CODE；默认 \(FirstStart.defaultRootCode)）")
    var rootCode: String?
    @Option(help: "所建根单位的名称（环境变量 JIXIAO_ROOT_UNIT_NAME；默认 \(FirstStart.defaultRootName)）") var rootName: String?
    @Option(help: "所建根单位的类型：\(FirstStart.kinds.joined(separator: "、"))（环境变量 JIXIAO_ROOT_UNIT_KIND；默认 \(FirstStart.defaultRootKind)）")
    var rootKind: String?
    @Flag(help: "在 HTTPS 反向代理之后运行：信任代理发来的 X-Forwarded-Proto（环境变量 JIXIAO_BEHIND_HTTPS_PROXY=1）")
    var behindHttpsProxy = false

    func run() async throws {
        do {
            try await Server.run(hostname: hostname, port: port, settings: try settings(ProcessInfo.processInfo.environment))
        } catch let problem as StartupProblem {
            FileHandle.standardError.write(Data("启动失败：\(problem.message)\n".utf8))
            throw ExitCode(1)
        } catch {
            // Server.run turns every start-up failure into a StartupProblem; this is a failure while running.
            FileHandle.standardError.write(Data("网页应用异常退出：\(String(describing: error).split(whereSeparator: \.isNewline).joined(separator: " "))\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Options win over the environment, the environment over the defaults.
    func settings(_ environment: [String: String]) throws -> ServerSettings {
        var settings = ServerSettings(sqlitePath: database, databaseURL: environment["DATABASE_URL"], contentDirectory: content, demo: demo)
        settings.adminPassword = environment["JIXIAO_ADMIN_PASSWORD"]
        if let code = rootCode ?? environment["JIXIAO_ROOT_UNIT_CODE"], !code.isEmpty { settings.rootUnitCode = code }
        if let name = rootName ?? environment["JIXIAO_ROOT_UNIT_NAME"], !name.isEmpty { settings.rootUnitName = name }
        if let kind = rootKind ?? environment["JIXIAO_ROOT_UNIT_KIND"], !kind.isEmpty { settings.rootUnitKind = kind }
        settings.trustForwardedProto = try behindHttpsProxy || flag(environment, "JIXIAO_BEHIND_HTTPS_PROXY")
        return settings
    }

    private func flag(_ environment: [String: String], _ name: String) throws -> Bool {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespaces).lowercased(), !value.isEmpty else { return false }
        switch value {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw StartupProblem("环境变量 \(name) 的值 “\(value)” 无效：请设为 1 或 0")
        }
    }
}
