import ArgumentParser
import DatabaseSecurity
import DbctlConfig
import Foundation
import MariaDB

/// `dbctl security credentials rotate --set shop [--execute]`: a new password without downtime, by turns.
struct CredentialsRotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Give the idle account of a credential set a new password, publish it, lock the old account.",
        discussion: """
            The two accounts of security.credentials[name] take turns: the idle one gets a new random password \
            and is unlocked, the application's secret file is replaced with it (the storefront follows its \
            DATABASE_CREDENTIALS_FILE without a restart), and the other is locked once its last session has \
            ended. Dry run by default: prints the checks and the steps.
            """)
    @OptionGroup var options: ConfigOptions
    @Option(name: .customLong("set"), help: "The credential set's name in security.credentials.")
    var name: String
    @Flag(help: "Carry it out (without it: checks and steps only).") var execute = false

    func run() async throws {
        let configuration = try options.load()
        let set = try configuration.requireCredentials(name, for: "security credentials rotate")
        let server = try configuration.requireServer(for: "security credentials rotate")
        var admin = try MariaDBConfiguration(url: server.url)
        if let file = server.passwordFile { try admin.loadPassword(fromFile: file) }
        let rotation = CredentialRotation(set: set, admin: admin)
        let plan = try await rotation.plan()
        for check in plan.checks { print("✓ " + check) }
        print("\(execute ? "rotating" : "would rotate") \(plan.active.user) → \(plan.idle.user):")
        for (number, step) in plan.steps.enumerated() { print("  \(number + 1). \(step)") }
        guard execute else {
            print("dry run: nothing changed; add --execute to rotate")
            return
        }
        let outcome = try await rotation.execute(plan) { print("  · " + $0) }
        print(outcome)
    }
}
