import ArgumentParser
import Foundation

@main
struct DBCtl: AsyncParsableCommand {
    /// Standard output is flushed before an error goes to standard error, so the error always follows the
    /// checks and progress it belongs to, also when both go to one file or pipe.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand { try await command.run() } else { try command.run() }
        } catch {
            fflush(nil)
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "dbctl",
        abstract: "Database operations for Storefront: SQLite → MySQL migration, backups and restores, local servers.",
        subcommands: [
            MigrateGroup.self, BackupCommand.self, AgentCommand.self, RollbackCommand.self, RehearseCommand.self,
            VerifyCommand.self, ServerCommand.self, PingCommand.self, DemoCommand.self, SecurityCommand.self,
        ]
    )
}
