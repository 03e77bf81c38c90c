import ArgumentParser
import AuditTrail
import DatabaseSecurity
import DbctlConfig
import Foundation
import Notify

/// `dbctl security threats scan`: the threat rules over the last window of the audit stream, once.
struct ThreatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "threats", abstract: "Threat rules over the audit stream (security.threats).",
        subcommands: [ThreatsScanCommand.self, ThreatsSetupCommand.self])

    static func section(_ configuration: DbctlConfiguration, verb: String) throws -> ThreatsSection {
        guard let threats = configuration.security?.threats else {
            throw ConfigurationError(
                .missingKey, file: configuration.file, key: "security.threats",
                "\(verb) needs a security.threats section")
        }
        return threats
    }

    static func history(_ configuration: DbctlConfiguration, _ threats: ThreatsSection, verb: String) throws
        -> StatementHistory
    {
        StatementHistory(
            admin: try configuration.requireServer(for: verb).adminConfiguration(), piiTables: threats.piiTables)
    }
}

/// `dbctl security threats setup`: the statement history the bulk-read rule reads, turned on.
struct ThreatsSetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Turn on the statement history the bulk-read rule needs (dry run without --execute).",
        discussion: """
            Connects as server.url. Turns on performance_schema's statement consumers at once; prints the \
            my.cnf lines that keep them on after a restart. performance_schema itself needs a restart.
            """)
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Turn the consumers on (without it: the plan only).") var execute = false

    func run() async throws {
        let configuration = try options.load()
        let threats = try ThreatsCommand.section(configuration, verb: "security threats setup")
        let history = try ThreatsCommand.history(configuration, threats, verb: "security threats setup")
        let plan = try await history.setupPlan()
        for check in plan.checks { print("✓ " + check) }
        for name in plan.consumers {
            print(
                (execute ? "" : "would run ") + "UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' "
                    + "WHERE NAME = '\(name)'")
        }
        if plan.consumers.isEmpty {
            print("nothing to change: statements are recorded")
        } else if execute {
            try await history.setup(plan)
            print("statements are recorded from now on")
        } else {
            print("dry run: nothing changed; add --execute to turn the consumers on")
        }
        print("\nmy.cnf, [mariadb] section, to keep it after a restart:")
        for line in plan.settings { print("  " + line) }
    }
}

struct ThreatsScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Evaluate the threat rules over the audit stream's last window; exit 1 when one fires.",
        discussion: """
            Reads security.audit's files (the agent runs the same rules every minute and alerts). The window is \
            security.threats.window, ending now or at --at.
            """)
    @OptionGroup var options: ConfigOptions
    @Option(help: "The end of the window: RFC 3339 or an age (2h); default now.") var at: String?
    @Option(help: "text or json.") var output = "text"

    func run() async throws {
        let configuration = try options.load()
        let threats = try ThreatsCommand.section(configuration, verb: "security threats scan")
        var now = Date()
        if let at {
            guard let date = AuditSearch.time(at) else { throw ValidationError("--at \(at): not a time") }
            now = date
        }
        var alerts: [Alert] = []
        var scanned: [String] = []
        if configuration.security?.audit != nil || threats.piiTables.isEmpty {
            let audit = try AuditCommand.section(configuration, verb: "security threats scan")
            let stream = AuditSearch(section: audit).run(AuditSearch.Filter(), showValues: true)
            alerts += ThreatRules(section: threats).evaluate(stream.events, now: now)
            scanned.append("\(stream.events.count) audit events")
        }
        if !threats.piiTables.isEmpty {
            let read = try await ThreatsCommand.history(configuration, threats, verb: "security threats scan").read()
            // One read: ended sessions get the accounts that may have run them, not an attribution.
            var store = StatementStore(window: threats.window)
            store.add(read, now: now)
            alerts += BulkReadRule(section: threats).evaluate(store.samples, now: now)
            scanned.append(
                "\(read.held) statements of the server's history"
                    + (read.oldest.map { " (since \(AuditTime.format($0)))" } ?? ""))
        }
        if output == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for alert in alerts { print(String(decoding: try encoder.encode(alert), as: UTF8.self)) }
        } else {
            for alert in alerts {
                print("[\(alert.severity.rawValue)] \(alert.id): \(alert.summary)")
                let facts = alert.evidence.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                print("    " + facts.joined(separator: " "))
            }
            print(
                "\(alerts.count) alerts over \(scanned.joined(separator: " and ")), window "
                    + "\(Int(threats.window)) s ending \(AuditTime.format(now))")
        }
        if !alerts.isEmpty { throw ExitCode(1) }
    }
}
