import ArgumentParser
import DatabaseSecurity
import Foundation
import MariaDB

/// `dbctl security check --url …`: the server's security posture, one finding per problem with its fix.
struct SecurityCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Lint a server's accounts, privileges, TLS, files, audit and password policy (reads only).",
        discussion: """
            Exit status 1 when a finding is at or above --fail-on (high by default), 0 otherwise. Connect as an \
            administrator: the check reads mysql.user and every account's grants.
            """)
    @OptionGroup var connection: ConnectionOptions
    @Option(name: .customLong("admin"), help: "A further administrator account name (repeatable).")
    var administrators: [String] = []
    @Option(help: "text or json") var output: OutputFormat = .text
    @Option(help: "Lowest severity that makes the exit status 1: high, medium or low.")
    var failOn: String = "high"

    func run() async throws {
        guard let threshold = SecurityFinding.Severity(rawValue: failOn) else {
            throw ValidationError("--fail-on \(failOn): expected high, medium or low")
        }
        let configuration = try connection.configuration()
        let findings = try await SecurityCheck(connection: configuration, administrators: Set(administrators)).run()
        switch output {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let report = Report(
                server: configuration.endpoint, findings: findings,
                counts: Dictionary(grouping: findings, by: \.severity.rawValue).mapValues(\.count))
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        case .text:
            for finding in findings { print(finding) }
            let counts = SecurityFinding.Severity.allCases.reversed().map { severity in
                "\(findings.filter { $0.severity == severity }.count) \(severity.rawValue)"
            }
            print("\(configuration.endpoint): \(findings.count) findings (\(counts.joined(separator: ", ")))")
        }
        fflush(nil)
        if findings.contains(where: { $0.severity >= threshold }) { throw ExitCode(1) }
    }

    struct Report: Encodable {
        let server: String
        let findings: [SecurityFinding]
        let counts: [String: Int]
    }
}
