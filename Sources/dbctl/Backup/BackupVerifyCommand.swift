import ArgumentParser
import Backup

struct BackupVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every object, manifest, chain and the binlog archive; exits non-zero on any problem.")
    @OptionGroup var options: ConfigOptions
    @Option(help: "Only this location.") var location: String?
    @Option(help: "Only this backup.") var backup: String?
    @Option(help: "text or json") var output: OutputFormat = .text

    func run() async throws {
        let failed = try await BackupSession.run(options, quiet: output == .json) { environment -> Bool in
            let alerts = try BackupAlerts(environment: environment)
            let locations = try location.map { [try environment.location(named: $0)] } ?? environment.locations
            var reports: [Verifier.Report] = []
            for location in locations {
                reports.append(
                    try await Verifier(environment: environment).verify(location: location, backupID: backup))
            }
            await alerts.verified(reports)
            if output == .json {
                print(try BackupSession.json(reports))
            } else {
                for report in reports {
                    print(
                        "\(report.ok ? "✓" : "✗") \(report.location): \(report.backupsChecked) backups, "
                            + "\(report.binlogsChecked) binlogs, \(report.objectsChecked) objects checked"
                            + (report.ok ? "" : ", \(report.problems.count) problem(s)"))
                    for problem in report.problems { print("  ✗ \(problem)") }
                }
            }
            return reports.contains { !$0.ok }
        }
        if failed { throw ExitCode(1) }
    }
}
