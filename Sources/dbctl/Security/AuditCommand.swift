import ArgumentParser
import AuditTrail
import DatabaseSecurity
import DbctlConfig
import Foundation
import MariaDB

/// `dbctl security audit plan|apply|search|verify`: the server's audit plugin and the audit stream.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "server_audit set up, the audit stream searched and verified (security.audit).",
        subcommands: [AuditPlanCommand.self, AuditApplyCommand.self, AuditSearchCommand.self, AuditVerifyCommand.self])

    static func section(_ configuration: DbctlConfiguration, verb: String) throws -> AuditSection {
        guard let section = configuration.security?.audit else {
            throw ConfigurationError(
                .missingKey, file: configuration.file, key: "security.audit", "\(verb) needs a security.audit section")
        }
        return section
    }

    static func setup(_ options: ConfigOptions, verb: String) async throws -> (ServerAuditSetup, ServerAuditSetup.Plan)
    {
        let configuration = try options.load()
        let setup = ServerAuditSetup(
            section: try section(configuration, verb: verb), admin: try TLSCommand.admin(configuration, verb: verb))
        let plan = try await setup.plan()
        for line in plan.unchanged { print("✓ " + line) }
        if plan.isEmpty {
            print("nothing to change: server_audit runs as security.audit says")
        } else {
            print("statements (\(plan.steps.count)):")
            for step in plan.steps { print("  \(step.shown);") }
        }
        return (setup, plan)
    }

    static func printSettings(_ setup: ServerAuditSetup) {
        print("\nmy.cnf, [mariadb] section, to keep it across restarts:")
        for line in setup.serverSettings() { print("  " + line) }
    }
}

struct AuditPlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Print what would make server_audit log as security.audit says.")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let (setup, _) = try await AuditCommand.setup(options, verb: "security audit plan")
        AuditCommand.printSettings(setup)
    }
}

struct AuditApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Load and set up server_audit (dry run without --execute).")
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Run the statements (without it: the plan only).") var execute = false

    func run() async throws {
        let (setup, plan) = try await AuditCommand.setup(options, verb: "security audit apply")
        if !plan.isEmpty {
            guard execute else {
                print("dry run: nothing changed; add --execute to run the statements")
                AuditCommand.printSettings(setup)
                return
            }
            try await setup.apply(plan) { print("  · " + $0) }
            print("server_audit writes \(setup.section.serverLog)")
        }
        AuditCommand.printSettings(setup)
    }
}

struct AuditSearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "The server's audit files and the shop's audit logs as one time-ordered stream.",
        discussion: """
            Reads server_audit's file and its rotated ones (.1 … .N), and security.audit.app_logs. Filters \
            combine; each may repeat. Statements show string literals as '?' unless --show-values.
            """)
    @OptionGroup var options: ConfigOptions
    @Option(name: .customLong("user"), help: "An account or actor (repeatable).") var users: [String] = []
    @Option(name: .customLong("host"), help: "A client address (repeatable).") var hosts: [String] = []
    @Option(name: .customLong("event"), help: "CONNECT, FAILED_CONNECT, QUERY, READ, WRITE, signin, … (repeatable).")
    var events: [String] = []
    @Option(help: "A table, a statement's text or an object such as customer:7.") var object: String?
    @Option(help: "From: RFC 3339 (2026-12-03T06:00:00Z) or an age (90m, 2h, 7d).") var since: String?
    @Option(help: "Until: as --since.") var until: String?
    @Option(help: "server or app.") var source: String?
    @Option(help: "text or json (one object per line).") var output = "text"
    @Flag(help: "Show the literals in statements.") var showValues = false

    func run() async throws {
        let configuration = try options.load()
        let section = try AuditCommand.section(configuration, verb: "security audit search")
        var filter = AuditSearch.Filter()
        filter.users = Set(users)
        filter.hosts = Set(hosts)
        filter.events = Set(events.map { $0.lowercased() })
        filter.object = object
        if let since {
            guard let date = AuditSearch.time(since) else { throw ValidationError("--since \(since): not a time") }
            filter.since = date
        }
        if let until {
            guard let date = AuditSearch.time(until) else { throw ValidationError("--until \(until): not a time") }
            filter.until = date
        }
        if let source {
            guard let value = AuditEvent.Source(rawValue: source) else { throw ValidationError("--source server|app") }
            filter.source = value
        }
        guard ["text", "json"].contains(output) else { throw ValidationError("--output text|json") }
        let result = AuditSearch(section: section).run(filter, showValues: showValues)
        if output == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .custom { date, encoder in
                var container = encoder.singleValueContainer()
                try container.encode(AuditTime.format(date))
            }
            for event in result.events { print(String(decoding: try encoder.encode(event), as: UTF8.self)) }
        } else {
            for event in result.events {
                let object = event.database.isEmpty ? event.object : "\(event.database) \(event.object)"
                print(
                    "\(AuditTime.format(event.time)) \(event.source.rawValue) \(event.account) \(event.event) "
                        + "\(object) → \(event.outcome)")
            }
        }
        let skipped =
            result.unreadable.isEmpty
            ? ""
            : "; \(result.unreadable.count) unreadable lines, first "
                + result.unreadable[0]
        FileHandle.standardError.write(
            Data(
                "\(result.events.count) events from \(result.files.count) files\(skipped)\n".utf8))
    }
}

struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the shop's audit chains and that every server audit line reads; exit 1 on a problem.")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try options.load()
        let section = try AuditCommand.section(configuration, verb: "security audit verify")
        var broken = false
        for log in section.appLogs {
            let report = try AuditVerifier.verify(path: log, keyFile: section.appKeyFile)
            if let problem = report.problem {
                print("✗ \(log): broken after \(report.records) intact records: \(problem)")
                broken = true
            } else {
                print("✓ \(log): \(report.records) records, chain intact, last hash \(report.lastHash.prefix(16))…")
            }
        }
        let server = ServerAuditReader(path: section.serverLog)
        let read = server.read()
        if read.unreadable.isEmpty {
            let span =
                read.events.first.map { first in
                    " from \(AuditTime.format(first.time)) to \(AuditTime.format(read.events.last!.time))"
                } ?? ""
            print("✓ \(section.serverLog): \(read.events.count) events in \(server.files().count) files\(span)")
        } else {
            print(
                "✗ \(section.serverLog): \(read.unreadable.count) lines are not audit records, first "
                    + read.unreadable[0])
            broken = true
        }
        if broken { throw ExitCode(1) }
    }
}
