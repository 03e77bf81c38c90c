import ArgumentParser
import DatabaseSecurity
import DbctlConfig
import Foundation
import MariaDB

/// `dbctl security tls init|rotate|status`: the private CA and the certificates of `security.tls`.
struct TLSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tls", abstract: "A private CA, the server's and clients' certificates (security.tls).",
        subcommands: [TLSInitCommand.self, TLSRotateCommand.self, TLSStatusCommand.self])

    static func section(_ configuration: DbctlConfiguration, verb: String) throws -> TLSSection {
        guard let section = configuration.security?.tls else {
            throw ConfigurationError(
                .missingKey, file: configuration.file, key: "security.tls", "\(verb) needs a security.tls section")
        }
        return section
    }

    static func admin(_ configuration: DbctlConfiguration, verb: String) throws -> MariaDBConfiguration {
        try configuration.requireServer(for: verb).adminConfiguration()
    }
}

struct TLSInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write the CA, server and client certificates that are missing (dry run without --execute).",
        discussion: """
            Files that exist are kept (tls rotate renews the server's). Prints the server's my.cnf lines and \
            the URL options clients use to verify the server's identity.
            """)
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Write the files (without it: the plan only).") var execute = false

    func run() async throws {
        let configuration = try options.load()
        let initializer = TLSInitializer(section: try TLSCommand.section(configuration, verb: "security tls init"))
        let plan = try initializer.plan()
        for line in plan.kept { print("✓ " + line) }
        for line in plan.writes { print((execute ? "write " : "would write ") + line) }
        if plan.isEmpty {
            print("nothing to write: every certificate of security.tls exists")
        } else if execute {
            let written = try initializer.execute()
            print("wrote \(written.count) files in \(initializer.directory.path)")
        } else {
            print("dry run: nothing written; add --execute to write the files")
        }
        print("\nserver my.cnf, [mariadb] section (then restart once; later rotations need none):")
        for line in initializer.serverSettings() { print("  " + line) }
        print("\nclients: add to the database URL")
        print("  ?" + initializer.clientOptions())
        for client in initializer.section.clients {
            print("  client \(client) (accounts with REQUIRE X509): ?" + initializer.clientOptions(client: client))
        }
    }
}

struct TLSRotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Renew the server's certificate and load it with FLUSH SSL, no restart (dry run without --execute).",
        discussion: """
            Connects as server.url. A certificate with more than security.tls.renew_before left is renewed \
            only with --force. Connections already open keep their session; new ones get the new certificate. \
            With --ca, runs the next stage of replacing the CA: trust (both CAs trusted), issue (certificates \
            from the new CA), retire (the old CA removed); each run does one stage.
            """)
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Renew the certificate (without it: the plan only).") var execute = false
    @Flag(help: "Renew even when more than renew_before is left.") var force = false
    @Flag(help: "Replace the CA itself, in three runs: trust, issue, retire (docs/security.md).") var ca = false

    func run() async throws {
        let configuration = try options.load()
        let section = try TLSCommand.section(configuration, verb: "security tls rotate")
        if ca {
            return try await rotateCA(section, admin: try TLSCommand.admin(configuration, verb: "security tls rotate"))
        }
        let rotation = TLSRotation(
            section: section, admin: try TLSCommand.admin(configuration, verb: "security tls rotate"))
        let plan = try await rotation.plan()
        for check in plan.checks { print(check.hasPrefix("!") ? check : "✓ " + check) }
        print("steps:")
        for (index, step) in plan.steps.enumerated() { print("  \(index + 1). \(step)") }
        if let notDue = plan.notDue, !force {
            print("not due: \(notDue); add --force to renew now")
            return
        }
        guard execute else {
            print("dry run: nothing changed; add --execute to renew")
            return
        }
        let outcome = try await rotation.execute(plan) { print("  · " + $0) }
        print(
            "rotated: the server serves a certificate valid until \(Self.day(outcome.current.notAfter)) "
                + "(was \(Self.day(outcome.previous.notAfter)))")
    }

    /// One stage of a CA rotation: the one the files are in.
    func rotateCA(_ section: TLSSection, admin: MariaDBConfiguration) async throws {
        let rotation = CARotation(section: section, admin: admin)
        let plan = try await rotation.plan()
        print("CA rotation, stage \(plan.stage.rawValue):")
        for check in plan.checks { print(check.hasPrefix("!") ? check : "✓ " + check) }
        print("steps:")
        for (index, step) in plan.steps.enumerated() { print("  \(index + 1). \(step)") }
        guard execute else {
            print("dry run: nothing changed; add --execute to run stage \(plan.stage.rawValue)")
            return
        }
        try await rotation.execute(plan) { print("  · " + $0) }
        print("stage \(plan.stage.rawValue) done; next: \(plan.next)")
    }

    static func day(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}

struct TLSStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "The certificates of security.tls: names, expiry, days left.")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try options.load()
        let section = try TLSCommand.section(configuration, verb: "security tls status")
        let directory = TLSDirectory(path: section.directory)
        var due = false
        var files = [("ca", directory.caCertificate), ("server", directory.serverCertificate)]
        files += section.clients.map { ("client \($0)", directory.clientCertificate($0)) }
        for (name, file) in files {
            for (index, facts) in try CertificateFacts.readAll(file).enumerated() {
                let days = facts.daysLeft()
                let soon = Double(days) * 86_400 < section.renewBefore
                due = due || soon
                let names = facts.names.isEmpty ? "" : " for \(facts.names.joined(separator: ", "))"
                print(
                    "\(soon ? "!" : "✓") \(index == 0 ? name : name + " (new)"): \(file)\(names), until "
                        + "\(TLSRotateCommand.day(facts.notAfter)), \(days) days left")
            }
        }
        let stage = try CARotation.stage(of: directory)
        if stage != .trust {
            print("CA rotation in progress: next stage \(stage.rawValue) (dbctl security tls rotate --ca)")
        }
        if due { throw ExitCode(1) }
    }
}
