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
        subcommands: JixiaoCommands.all + [Serve.self])
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "启动网页应用（默认 SQLite；设置 DATABASE_URL=postgres://… 则用 PostgreSQL）。")

    @Option(help: "端口") var port = 8080
    @Option(help: "监听地址") var hostname = "127.0.0.1"
    @Option(help: "SQLite 数据库文件") var database = "jixiao.sqlite"
    @Option(help: "方案与示例数据所在目录（含 schemes/、examples/ 与 demo/）") var content = FileManager.default.currentDirectoryPath
    @Flag(inversion: .prefixedNo, help: "数据库为空时载入演示数据（四川省组织机构、演示账号、考核）") var demo = true

    func run() async throws {
        let settings = ServerSettings(
            sqlitePath: database, databaseURL: ProcessInfo.processInfo.environment["DATABASE_URL"], contentDirectory: content, demo: demo)
        try await Server.run(hostname: hostname, port: port, settings: settings)
    }
}
