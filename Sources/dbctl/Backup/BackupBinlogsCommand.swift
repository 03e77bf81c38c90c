import ArgumentParser
import Backup
import Foundation

struct BackupBinlogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "binlogs",
        abstract: "Archive the server's closed binlogs (checked, indexed by GTID, encrypted, in every location).")
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Keep archiving: rotate the open binlog every backup.binlog_rotate and archive it, until stopped.")
    var follow = false
    @Flag(help: "Archive; without it, only what would be archived is printed.") var execute = false

    func run() async throws {
        try await BackupSession.run(options) { environment in
            let alerts = try BackupAlerts(environment: environment)
            repeat {
                do {
                    if execute { _ = try? await CatchUp(environment: environment).run() }
                    let outcome = try await BinlogArchiver(environment: environment).archive(execute: execute)
                    await alerts.binlogsArchived(outcome)
                    for problem in outcome.problems + outcome.gaps { print("! \(problem)") }
                    if !execute { print("dry run: nothing was written. Add --execute to archive.") }
                    if !(follow && execute), !outcome.problems.isEmpty { throw ExitCode(1) }
                } catch let exit as ExitCode {
                    throw exit
                } catch {
                    await alerts.binlogsFailed(error)
                    if !(follow && execute) { throw error }
                    print("! \(error)")
                }
                if follow && execute { try await Task.sleep(for: .seconds(min(environment.section.binlogRotate, 10))) }
            } while follow && execute
        }
    }
}
