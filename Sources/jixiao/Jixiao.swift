import ArgumentParser
import JixiaoCommands

/// `jixiao`: the command line of Jixiao. The verbs live in JixiaoCommands.
@main
struct Jixiao: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jixiao",
        abstract: "绩效考核：方案校验、计分、核对与说明。",
        subcommands: JixiaoCommands.all)
}
