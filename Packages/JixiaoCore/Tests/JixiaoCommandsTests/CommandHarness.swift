import ArgumentParser
import Foundation
@testable import JixiaoCommands

/// What the command suites share: files written into the suite's own scratch directory, and a command
/// run in-process whose exit status is returned (0, or the ExitCode thrown; -1 for any other error).
protocol CommandHarness {
    var directory: String { get }
}

extension CommandHarness {
    static func scratchDirectory(_ prefix: String) -> String {
        let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func write(_ name: String, _ text: String) -> String {
        let path = directory + "/" + name
        try! Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func exitCode(_ arguments: [String]) -> Int32 {
        do {
            var command = try Jixiao.parseAsRoot(arguments)
            try command.run()
            return 0
        } catch let code as ExitCode {
            return code.rawValue
        } catch {
            return -1
        }
    }
}
