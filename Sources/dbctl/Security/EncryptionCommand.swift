import ArgumentParser
import DatabaseSecurity
import DbctlConfig
import Foundation

/// `dbctl security encryption init|plan|apply`: data at rest on the server (security.encryption).
struct EncryptionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encryption", abstract: "Tablespace, redo log, binlog and temporary-file encryption.",
        subcommands: [EncryptionInitCommand.self, EncryptionPlanCommand.self, EncryptionApplyCommand.self])

    static func section(_ configuration: DbctlConfiguration, verb: String) throws -> EncryptionSection {
        guard let section = configuration.security?.encryption else {
            throw ConfigurationError(
                .missingKey, file: configuration.file, key: "security.encryption",
                "\(verb) needs a security.encryption section")
        }
        return section
    }

    static func show(_ plan: StorageEncryption.Plan) {
        for line in plan.unchanged { print("✓ " + line) }
        for line in plan.needsRestart { print("! needs my.cnf and a restart: " + line) }
        for table in plan.optedOut {
            print(
                "! \(table) was created ENCRYPTED=NO and stays in clear "
                    + "(ALTER TABLE \(table) ENCRYPTED=YES to include it)"
            )
        }
        let spaces = plan.tablespaces
        print(
            "tablespaces: \(spaces.encrypted) of \(spaces.total) encrypted"
                + (spaces.rotating > 0 ? ", \(spaces.rotating) in progress" : "")
        )
        if plan.statements.isEmpty {
            print("nothing to change at run time")
        } else {
            print("statements (\(plan.statements.count)):")
            for statement in plan.statements { print("  \(statement);") }
        }
    }
}

struct EncryptionInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Write the file key and the encrypted key file; print the server's my.cnf lines."
    )
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Write the files (without it: the plan only).") var execute = false

    func run() async throws {
        let configuration = try options.load()
        let keys = EncryptionKeys(
            section: try EncryptionCommand.section(configuration, verb: "security encryption init"))
        if keys.exist {
            print("✓ keys exist (\(keys.section.keyFile), \(keys.section.filekeyFile)); they are never replaced")
        } else if execute {
            try keys.create()
            print("wrote \(keys.section.filekeyFile) (0600) and \(keys.section.keyFile) (0600, AES-256-CBC with it)")
            print("keep a copy of the file key off this host: without it the data cannot be read")
        } else {
            print(
                "would write \(keys.section.filekeyFile) (a random file key, 0600) and \(keys.section.keyFile) "
                    + "(key 1, AES-256-CBC encrypted with the file key, 0600)")
            print("dry run: nothing written; add --execute to write the files")
        }
        print("\nserver my.cnf, [mariadb] section (then restart once):")
        for line in keys.serverSettings() { print("  " + line) }
    }
}

struct EncryptionPlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "What is encrypted on the server, and what would change.")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try options.load()
        let encryption = StorageEncryption(
            section: try EncryptionCommand.section(configuration, verb: "security encryption plan"),
            admin: try TLSCommand.admin(configuration, verb: "security encryption plan"))
        EncryptionCommand.show(try await encryption.plan())
    }
}

struct EncryptionApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Turn on tablespace encryption and follow it to the end (dry run without --execute).")
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Run the statements (without it: the plan only).") var execute = false
    @Option(help: "Seconds to wait for the last tablespace.") var timeout: Double = 3600

    func run() async throws {
        let configuration = try options.load()
        let encryption = StorageEncryption(
            section: try EncryptionCommand.section(configuration, verb: "security encryption apply"),
            admin: try TLSCommand.admin(configuration, verb: "security encryption apply"))
        let plan = try await encryption.plan()
        EncryptionCommand.show(plan)
        if plan.statements.isEmpty && plan.tablespaces.done { return }
        guard execute else {
            print("dry run: nothing changed; add --execute to run the statements")
            return
        }
        let done = try await encryption.apply(plan, timeout: timeout) { progress in
            print("  · \(progress.encrypted) of \(progress.total) tablespaces encrypted")
        }
        print("encrypted: \(done.encrypted) of \(done.total) tablespaces")
        if !plan.needsRestart.isEmpty { throw ExitCode(1) }
    }
}
