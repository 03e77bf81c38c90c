import ArgumentParser
import Backup

struct BackupDrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Restore the newest chain into a scratch server, CHECK TABLE, compare checksums, measure the RTO.")
    @OptionGroup var options: ConfigOptions
    @Option(help: "The location to restore from (default: every location in turn).") var location: String?
    @Flag(name: .customLong("point-in-time"), help: "Also roll forward to a random GTID of the window.")
    var pointInTime = false

    func run() async throws {
        let failed = try await BackupSession.run(options) { environment -> Bool in
            let alerts = try BackupAlerts(environment: environment)
            let locations = try location.map { [try environment.location(named: $0)] } ?? environment.locations
            var failed = false
            for location in locations {
                let record = try await Drill(environment: environment).run(location: location, pointInTime: pointInTime)
                await alerts.drilled(record)
                print("\(record.succeeded ? "✓" : "✗") drill from \(location.name): \(record.backupID)"
                      + (record.targetGTID.map { " rolled forward to GTID \($0)" } ?? "")
                      + ", restored and queryable in \(Format.seconds(record.restoreSeconds)) (RTO), "
                      + "\(record.tablesChecked) tables checked")
                for problem in record.problems { print("  ✗ \(problem)") }
                failed = failed || !record.succeeded
            }
            return failed
        }
        if failed { throw ExitCode(1) }
    }
}
