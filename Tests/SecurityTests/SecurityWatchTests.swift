import DatabaseSecurity
import DbctlConfig
import Foundation
import Notify
import Testing

/// The agent's security watch: certificates inside `renew_before` of their end and secrets near or past
/// `max_age` are alerts with the fix; the real `dbctl agent` process sends them through the configured channel
/// and resolves them once the certificate is renewed.
@Suite struct SecurityWatchTests {
    static func temporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "storefront-watch-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A secret file last changed `age` ago.
    static func secret(_ path: String, age: TimeInterval) throws {
        FileManager.default.createFile(
            atPath: path, contents: Data("[client]\nuser=shop_a\npassword=x\n".utf8),
            attributes: [.posixPermissions: 0o600])
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: path)
    }

    @Test func certificatesAndSecretsAreWatchedWithTheirFix() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tls = TLSSection(directory: directory + "/tls", hosts: ["127.0.0.1"], clients: ["storefront"])
        try TLSInitializer(section: tls).execute()
        try Self.secret(directory + "/shop.cnf", age: 85 * 86_400)
        try Self.secret(directory + "/report.cnf", age: 10 * 86_400)
        let sets = [
            CredentialSet(
                name: "shop", accounts: ["shop_a", "shop_b"], host: "10.0.0.%", file: directory + "/shop.cnf"),
            CredentialSet(
                name: "report", accounts: ["report_a", "report_b"], host: "10.0.0.%", file: directory + "/report.cnf"),
        ]
        let configuration = DbctlConfiguration(
            file: "dbctl.yaml", security: SecuritySection(credentials: sets, tls: tls))
        let conditions = SecurityConditions(configuration: configuration)
        func ids(_ alerts: [Alert]) -> [String] { alerts.map(\.id).sorted() }

        let today = conditions.evaluate(now: Date())
        #expect(ids(today) == ["security.credentials.age/shop"], "85 of 90 days: warned a week ahead")
        #expect(today.first?.severity == .warning)
        #expect(today.first?.summary.contains("dbctl security credentials rotate --set shop --execute") == true)

        let soon = conditions.evaluate(now: Date().addingTimeInterval(370.5 * 86_400))
        #expect(
            ids(soon) == [
                "security.credentials.age/report", "security.credentials.age/shop",
                "security.tls.expiry/client-storefront",
                "security.tls.expiry/server",
            ])
        let server = try #require(soon.first { $0.id == "security.tls.expiry/server" })
        #expect(server.severity == .warning && server.summary.contains("expires in 26 days"), "\(server.summary)")
        #expect(server.summary.contains("dbctl security tls rotate --execute"))
        #expect(server.evidence["days_left"] == "26")
        #expect(soon.first { $0.id == "security.credentials.age/shop" }?.severity == .critical, "past max_age")

        let late = conditions.evaluate(now: Date().addingTimeInterval(400 * 86_400))
        let expired = try #require(late.first { $0.id == "security.tls.expiry/server" })
        #expect(expired.severity == .critical && expired.summary.contains("expired on"), "\(expired.summary)")
        // The served certificate counts too: a server still serving an old one is named.
        let serving = conditions.evaluate(now: Date(), serving: Date().addingTimeInterval(3 * 86_400))
        #expect(serving.first { $0.id == "security.tls.expiry/serving" }?.severity == .critical)
        // A secret file that cannot be read is an alert, not a silent pass.
        try FileManager.default.removeItem(atPath: directory + "/report.cnf")
        #expect(ids(conditions.evaluate(now: Date())).contains("security.credentials.unreadable/report"))
    }

    @Test func theAgentProcessAlertsAndResolves() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A certificate issued 380 days ago: 17 days left of 397.
        let tls = TLSSection(directory: directory + "/tls", hosts: ["127.0.0.1"])
        try TLSInitializer(section: tls).execute(now: Date().addingTimeInterval(-380 * 86_400))
        let received = directory + "/alerts.log"
        let config = directory + "/dbctl.yaml"
        try """
        agent: {state_dir: \(directory)/state, tick: 0.2s}
        alerts: [{type: command, run: /bin/sh, args: ["-c", "echo $DBCTL_ALERT_STATE $DBCTL_ALERT_ID >> \(received)"]}]
        security:
          tls: {directory: \(tls.directory), hosts: [127.0.0.1]}

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SecurityCheckTests.dbctl)
        process.arguments = ["agent", "--config", config]
        let log = directory + "/agent.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = process.standardOutput
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        func lines() -> [String] {
            ((try? String(contentsOfFile: received, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !lines().contains("firing security.tls.expiry/server") {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(
            lines().contains("firing security.tls.expiry/server"),
            "agent log: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "SIGTERM ends the agent gracefully")
        // Renewed (a new pair in place), the next agent resolves the alert it remembers.
        try FileManager.default.removeItem(atPath: TLSDirectory(path: tls.directory).serverCertificate)
        try FileManager.default.removeItem(atPath: TLSDirectory(path: tls.directory).serverKey)
        try TLSInitializer(section: tls).execute()
        let again = Process()
        again.executableURL = process.executableURL
        again.arguments = process.arguments
        again.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        again.standardError = again.standardOutput
        try again.run()
        defer { if again.isRunning { again.terminate() } }
        let second = Date().addingTimeInterval(60)
        while Date() < second, !lines().contains("resolved security.tls.expiry/server") {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(lines().contains("resolved security.tls.expiry/server"), "\(lines())")
        #expect(lines().filter { $0 == "firing security.tls.expiry/server" }.count == 1, "fired once: \(lines())")
        again.terminate()
        again.waitUntilExit()
    }
}
