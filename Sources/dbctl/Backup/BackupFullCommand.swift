import ArgumentParser
import Backup

/// `dbctl backup full` and `dbctl backup incremental`: the same run, with or without a parent.
enum PhysicalBackupVerb {
    static func run(_ kind: BackupRecord.Kind, options: ConfigOptions, execute: Bool) async throws {
        try await BackupSession.run(options) { environment in
            let alerts = try BackupAlerts(environment: environment)
            let backup = PhysicalBackup(environment: environment, kind: kind)
            let plan = try await backup.plan()
            BackupSession.printChecks(plan.checks)
            guard execute else {
                print(plan.ready ? "dry run: nothing was written. Add --execute to take the \(kind.rawValue) backup."
                      : "dry run: \(plan.checks.failures.count) check(s) failed; fix them before --execute.")
                return
            }
            if execute { _ = try? await CatchUp(environment: environment).run() }
            do {
                let record = try await backup.execute(plan)
                await alerts.backupSucceeded(record)
                let missing = record.locations.filter { $0.value.status != .stored }
                print(missing.isEmpty ? "backup \(record.id) complete in \(record.locations.count) location(s)"
                      : "backup \(record.id) PARTIAL: missing in \(missing.keys.sorted().joined(separator: ", "))")
            } catch {
                await alerts.backupFailed(kind, error: error)
                throw error
            }
        }
    }
}

struct BackupFullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "full", abstract: "A hot physical backup (mariadb-backup), encrypted, in every location.")
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Take the backup; without it, only the checks are printed.") var execute = false

    func run() async throws { try await PhysicalBackupVerb.run(.full, options: options, execute: execute) }
}

struct BackupIncrementalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incremental", abstract: "Only the pages changed since the newest backup of the chain.")
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Take the backup; without it, only the checks are printed.") var execute = false

    func run() async throws { try await PhysicalBackupVerb.run(.incremental, options: options, execute: execute) }
}
