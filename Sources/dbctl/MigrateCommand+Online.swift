import ArgumentParser
import Foundation
import MariaDB
import Migration

/// The options `migrate --online` adds.
struct OnlineArguments: ParsableArguments {
    @Flag(help: "Migrate while the shop keeps writing: capture changes, copy a snapshot, apply, cut over.") var online =
        false
    @Option(
        name: .customLong("app"),
        help: "A running storefront instance (base URL); repeat for every instance on the file.")
    var apps: [String] = []
    @Option(help: "File holding the instances' admin key (ADMIN_API_KEY).") var appKeyFile: String?
    @Option(help: "The database URL the instances switch to (default: the target's, without password).")
    var appTargetUrl: String?
    @Option(help: "The password file the instances read for the new database (default: their DATABASE_PASSWORD_FILE).")
    var appPasswordFile: String?
    @Option(
        help: ArgumentHelp(
            "Any other application: a command run while dbctl holds SQLite's write lock at the "
                + "cut-over; it repoints the application to MariaDB and reloads it.")) var cutoverHook: String?
    @Option(help: "Writes are paused at most this long per cut-over attempt.") var maxPauseMs = 500
    @Option(help: "Cut over only when at most this many changes wait.") var maxLagRows = 1_000
    @Option(help: "An instance's freeze opens by itself after this long if dbctl stops (dies).") var leaseMs = 3_000
    @Option(help: "While this file exists, keep applying changes and do not cut over.") var postponeCutOverFlagFile:
        String?
    @Option(help: "Run before each cut-over attempt (non-zero exit stops the run).") var hookBeforeCutOver: String?
    @Option(help: "Run after the cut-over succeeded.") var hookSuccess: String?
    @Option(help: "Run when the online migration fails.") var hookFailure: String?
    @Option(help: "Where the snapshot copy goes (default: next to the source).") var snapshotFile: String?
    @Option(help: "Cut-over attempts before giving up.") var maxAttempts = 30
    @Option(
        help: "After each batch of changes, sleep this many times the batch's duration (throttle on a busy machine).")
    var niceRatio = 0.0

    func options(targetURL: String) throws -> OnlineOptions {
        var options = OnlineOptions()
        if !apps.isEmpty {
            guard let appKeyFile else {
                throw ValidationError("--app needs --app-key-file (the instances' ADMIN_API_KEY)")
            }
            let key = try SecretFile.read(appKeyFile, what: "--app-key-file")
            options.apps = apps.map { AppInstance(url: $0, key: key) }
        }
        options.appTargetURL = appTargetUrl ?? SecretFile.withoutPassword(targetURL)
        options.appPasswordFile = appPasswordFile
        options.hooks.cutOver = cutoverHook
        options.hooks.beforeCutOver = hookBeforeCutOver
        options.hooks.success = hookSuccess
        options.hooks.failure = hookFailure
        options.maxPauseMs = maxPauseMs
        options.maxLagRows = maxLagRows
        options.leaseMs = leaseMs
        options.postponeFlagFile = postponeCutOverFlagFile
        options.snapshotPath = snapshotFile
        options.maxAttempts = maxAttempts
        options.niceRatio = niceRatio
        return options
    }
}

enum SecretFile {
    /// A secret file's first line; refuses files others can read.
    static func read(_ path: String, what: String) throws -> String {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let text = try? String(contentsOfFile: path, encoding: .utf8)
        else {
            throw ValidationError("\(what) \(path): cannot read the file")
        }
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw ValidationError("\(what) \(path): mode \(String(mode, radix: 8)) lets others read it; chmod 600 it")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `mysql://user:secret@host/db` → `mysql://user@host/db`.
    static func withoutPassword(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.password = nil
        return components.string ?? url
    }
}

extension MigrateCommand {
    func runOnline(session: MigrationSession, copyOptions: MigrationOptions) throws {
        let started = Date()
        let migration = OnlineMigration(session: session, options: try online.options(targetURL: endpoints.target))
        let inspection = try migration.inspect()
        printChecks(inspection.checks)
        fflush(nil)
        guard execute else {
            let plan = inspection.plan
            let interrupted = inspection.checks.contains { $0.name == "online.interrupted" }
            if interrupted {
                print(
                    "\nplan: freeze, switch and thaw each instance still on the fenced file, then record the cut-over "
                        + "in \(session.target.endpoint)")
            } else {
                print(
                    """

                    online plan: \(plan.tables.count) tables, \(plan.estimatedRows) rows
                      1. install change capture (3 triggers per table, change log _dbctl_changes) in \
                    \(session.sourcePath)
                      2. snapshot the file (VACUUM INTO) and copy it into \(session.target.endpoint) \
                    (the offline path, verified)
                      3. apply the captured changes in order, checkpointed in the target (_dbctl_online)
                      4. when ≤ \(online.maxLagRows) changes wait: freeze \(online.apps.isEmpty ? "(the --cutover-hook "
                          + "application)" : online.apps.joined(separator: ", ")), \
                    drain, compare counts, fence SQLite, switch, thaw — at most \(online.maxPauseMs) ms, else thaw on SQLite and retry
                    """)
            }
            let failed = inspection.failed
            print(
                !failed.isEmpty
                    ? "dry run: \(failed.count) check(s) failed; fix them before --execute."
                    : interrupted
                        ? "dry run: nothing was changed. Add --execute to finish the cut-over."
                        : "dry run: nothing was written. Add --execute to migrate online.")
            if !failed.isEmpty { throw ExitCode(2) }
            return
        }
        var result = try migration.run(inspection, copyOptions: copyOptions) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        result.totalSeconds = Date().timeIntervalSince(started)
        print(result.text)
        if let path = report { try result.json().write(to: URL(fileURLWithPath: path)) }
    }
}
