import ArgumentParser
import Foundation
import MariaDB
import Migration

/// `--target` (+ password) for the verbs that only need the target.
struct TargetEndpoint: ParsableArguments {
    @Option(help: "mysql://user@host:port/database (password via --password-file or MYSQL_PWD).") var target: String
    @Option(help: "File holding the target password (mode 0600).") var passwordFile: String?

    func configuration() throws -> MariaDBConfiguration {
        var configuration = try MariaDBConfiguration(url: target)
        if let passwordFile {
            try configuration.loadPassword(fromFile: passwordFile)
        } else if configuration.password == nil, let password = ProcessInfo.processInfo.environment["MYSQL_PWD"] {
            configuration.password = password
        }
        return configuration
    }
}

struct MigrateStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "An online migration's phase, applied position, lag (changes, seconds) and last pause.")
    @OptionGroup var endpoint: TargetEndpoint
    @Option(help: "The SQLite source (default: the one the migration recorded), for the live lag.") var source: String?
    @Option(help: "text or json") var output = "text"

    func run() throws {
        let status = try OnlineMaintenance.status(target: try endpoint.configuration(), sourcePath: source)
        if output == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(status), as: UTF8.self))
        } else {
            print(status.text)
        }
    }
}

struct MigrateFinishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finish",
        abstract: "End the rollback window after a cut-over: remove the change capture on both sides.")
    @OptionGroup var endpoints: MigrationEndpoints
    @Flag(help: "Do it; without it, print what would be done.") var execute = false

    func run() throws {
        let steps = try OnlineMaintenance.finish(
            sourcePath: endpoints.sourcePath, target: try endpoints.targetConfiguration(), execute: execute)
        for step in steps { print((execute ? "done: " : "would ") + step) }
        print(execute ? "the rollback window is closed" : "dry run: nothing was changed. Add --execute to finish.")
    }
}

struct MigrateAbortCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abort",
        abstract: "Stop an online migration before its cut-over: the shop stays exactly as it was, on SQLite.")
    @OptionGroup var endpoints: MigrationEndpoints
    @Flag(help: "Do it; without it, print what would be done.") var execute = false

    func run() throws {
        let steps = try OnlineMaintenance.abort(
            sourcePath: endpoints.sourcePath, target: try endpoints.targetConfiguration(), execute: execute)
        for step in steps { print((execute ? "done: " : "would ") + step) }
        print(
            execute
                ? "aborted: the shop runs on SQLite as before" : "dry run: nothing was changed. Add --execute to abort."
        )
    }
}
