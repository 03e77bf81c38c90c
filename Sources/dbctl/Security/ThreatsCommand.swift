import ArgumentParser
import AuditTrail
import DatabaseSecurity
import DbctlConfig
import Foundation

/// `dbctl security threats scan`: the threat rules over the last window of the audit stream, once.
struct ThreatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "threats", abstract: "Threat rules over the audit stream (security.threats).",
        subcommands: [ThreatsScanCommand.self])
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
        let audit = try AuditCommand.section(configuration, verb: "security threats scan")
        guard let threats = configuration.security?.threats else {
            throw ConfigurationError(
                .missingKey, file: configuration.file, key: "security.threats",
                "security threats scan needs a security.threats section")
        }
        var now = Date()
        if let at {
            guard let date = AuditSearch.time(at) else { throw ValidationError("--at \(at): not a time") }
            now = date
        }
        let stream = AuditSearch(section: audit).run(AuditSearch.Filter(), showValues: true)
        let alerts = ThreatRules(section: threats).evaluate(stream.events, now: now)
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
                "\(alerts.count) alerts over \(stream.events.count) audit events, window "
                    + "\(Int(threats.window)) s ending \(AuditTime.format(now))")
        }
        if !alerts.isEmpty { throw ExitCode(1) }
    }
}
