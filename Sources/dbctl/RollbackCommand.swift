import ArgumentParser
import Foundation
import MariaDB
import Migration

struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "After an online cut-over: move the running shop back to SQLite with every change made on MariaDB.")
    @OptionGroup var endpoints: MigrationEndpoints
    @Option(name: .customLong("app"), help: "A running storefront instance (base URL); repeat for every instance.")
    var apps: [String] = []
    @Option(help: "File holding the instances' admin key (ADMIN_API_KEY).") var appKeyFile: String?
    @Option(help: "Writes are paused at most this long per attempt.") var maxPauseMs = 500
    @Flag(help: "Do it; without it, print the checks and what would be done.") var execute = false
    @Option(help: "Write the outcome as JSON here.") var report: String?

    func run() throws {
        var instances: [AppInstance] = []
        if !apps.isEmpty {
            guard let appKeyFile else {
                throw ValidationError("--app needs --app-key-file (the instances' ADMIN_API_KEY)")
            }
            let key = try SecretFile.read(appKeyFile, what: "--app-key-file")
            instances = apps.map { AppInstance(url: $0, key: key) }
        }
        var rollback = Rollback(
            sourcePath: endpoints.sourcePath, target: try endpoints.targetConfiguration(), apps: instances)
        rollback.maxPauseMs = maxPauseMs
        let checks = try rollback.inspect()
        printChecks(checks)
        let failed = checks.filter { $0.status == .failed }
        guard execute, failed.isEmpty else {
            print(
                """

                rollback plan: apply MariaDB's captured changes to \(endpoints.sourcePath) while the shop runs; then freeze, \
                drain, compare counts, lift the SQLite fence, switch every instance to SQLite, thaw (≤ \(maxPauseMs) ms)
                """)
            print(
                failed.isEmpty
                    ? "dry run: nothing was changed. Add --execute to roll back."
                    : "\(failed.count) check(s) failed; nothing was changed.")
            if !failed.isEmpty { throw ExitCode(2) }
            return
        }
        fflush(nil)
        let outcome = try rollback.run { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        print(
            "rolled back: \(outcome.appliedChanges) changes made on MariaDB applied to \(endpoints.sourcePath); "
                + String(format: "writes paused %.0f ms; the shop writes to SQLite again", outcome.pauseMs ?? 0))
        if let report {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(outcome).write(to: URL(fileURLWithPath: report))
        }
    }
}
