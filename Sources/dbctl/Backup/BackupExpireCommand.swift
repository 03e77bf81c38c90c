import ArgumentParser
import Backup

struct BackupExpireCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expire", abstract: "GFS retention per location; dry run unless --execute.")
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Delete; without it, only the plan is printed.") var execute = false

    func run() async throws {
        try await BackupSession.run(options) { environment in
            for outcome in try await Expirer(environment: environment).run(execute: execute) {
                print("location \(outcome.location): keep \(outcome.keep.count), expire \(outcome.expire.count) "
                      + "backup(s) and \(outcome.expireBinlogs.count) binlog(s)")
                for (id, reason) in outcome.keep { print("  keep   \(id): \(reason)") }
                for (id, reason) in outcome.expire { print("  expire \(id): \(reason)") }
                for (name, reason) in outcome.expireBinlogs { print("  expire binlog \(name): \(reason)") }
                for problem in outcome.problems { print("  ✗ \(problem)") }
            }
            if !execute { print("dry run: nothing was deleted. Add --execute to expire.") }
        }
    }
}
