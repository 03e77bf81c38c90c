import ArgumentParser
import Backup
import Foundation

struct BackupRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore into an empty directory: a backup, or a point in time (GTID or time) with binlog replay.")
    @OptionGroup var options: ConfigOptions
    @Option(name: .customLong("to-dir"), help: "An empty or new directory for the restored data.") var toDir: String
    @Option(help: "Point in time, ISO 8601 (2026-12-02T10:15:00Z); turned into a GTID from the archived binlogs.")
    var time: String?
    @Option(help: "GTID position to stop at (inclusive), e.g. 0-1-1234.") var gtid: String?
    @Option(help: "A backup id (no binlog replay).") var backup: String?
    @Flag(help: "Roll forward through every archived binlog.") var latest = false
    @Option(help: "The location to restore from (default: the first that holds the chain).") var location: String?
    @Flag(help: "Leave a server running on the restored directory (needs --port).") var start = false
    @Option(help: "Loopback port for --start.") var port: Int?
    @Flag(help: "Restore; without it, only the plan is printed.") var execute = false

    func target() throws -> RestorePlanner.Target {
        let given = [time != nil, gtid != nil, backup != nil, latest].filter { $0 }.count
        guard given <= 1 else { throw ValidationError("give at most one of --time, --gtid, --backup, --latest") }
        if let time {
            guard let date = ISO8601DateFormatter().date(from: time) else {
                throw ValidationError("--time \(time) is not ISO 8601 with a zone, e.g. 2026-12-02T10:15:00Z")
            }
            return .time(date)
        }
        if let gtid {
            guard let position = GTIDPosition(gtid), !position.isEmpty else {
                throw ValidationError("--gtid \(gtid) is not a GTID position such as 0-1-1234")
            }
            return .gtid(position)
        }
        if let backup { return .backup(backup) }
        return latest ? .latestArchived : .latestBackup
    }

    func validate() throws {
        if start, port == nil { throw ValidationError("--start needs --port") }
    }

    func run() async throws {
        let target = try target()
        try RestoreRunner.checkTarget(toDir)
        try await BackupSession.run(options) { environment in
            let catalog = try await BackupCatalog.load(environment)
            let source =
                try location.map { try environment.location(named: $0) }
                ?? BackupCatalog.firstHolding(catalog, environment)
            let plan = try RestorePlanner(catalog: catalog, location: source.name).plan(target)
            print(
                "restore from \(source.name): "
                    + plan.chain.map { "\($0.id) (\($0.kind.rawValue))" }
                    .joined(separator: " → "))
            print(
                "  backup consistent at GTID \(plan.backup.gtid.isEmpty ? "-" : plan.backup.gtid), "
                    + Format.time(plan.backup.ended))
            if !plan.binlogs.isEmpty {
                let stop = plan.stopGTID.map { "GTID \($0)" } ?? plan.stopTime.map { "time \(Format.time($0))" } ?? "-"
                print(
                    "  then \(plan.binlogs.count) binlog(s) \(plan.binlogs.first!.name) … \(plan.binlogs.last!.name)"
                        + ", replayed up to \(stop)")
            }
            guard execute else {
                print("dry run: nothing was written. Add --execute to restore into \(toDir).")
                return
            }
            let outcome = try await RestoreRunner(environment: environment)
                .run(plan, location: source, into: toDir, startPort: start ? port : nil)
            print(
                "restored into \(outcome.directory) in \(Format.seconds(outcome.seconds)), at GTID "
                    + (outcome.reachedGTID.isEmpty ? "-" : outcome.reachedGTID))
            if let pid = outcome.serverPID, let port = outcome.port {
                print(
                    "server running on 127.0.0.1:\(port) (pid \(pid), config \(outcome.directory).server/my.cnf); "
                        + "stop it with: kill \(pid)")
            }
        }
    }
}
