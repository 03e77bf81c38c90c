import AuditTrail
import DatabaseSecurity
import DbctlConfig
import Foundation
import Logging
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Testing

/// `security audit apply|search|verify` on a stock server: server_audit installed and set up idempotently,
/// failed logins, DDL, DCL and DML logged to rotated files, read with the shop's own audit log as one ordered
/// stream, values masked; a changed app log line and a foreign line in the server log are named.
@Suite struct AuditTests {
    @Test func theServerAndTheShopAreOneAuditStream() async throws {
        let directory = NSTemporaryDirectory() + "storefront-audit-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await TestServer.start(MariaDBServer.Options())
        do {
            try await Self.stream(server, directory: directory)
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    static func stream(_ server: MariaDBServer, directory: String) async throws {
        let appLog = directory + "/shop-audit.log"
        let section = AuditSection(
            serverLog: directory + "/server_audit.log", excludeUsers: ["monitor"], appLogs: [appLog])
        let setup = ServerAuditSetup(section: section, admin: server.adminConfiguration())
        let plan = try await setup.plan()
        #expect(plan.steps.first?.shown == "INSTALL SONAME 'server_audit'", "\(plan.steps.map(\.shown))")
        try await setup.apply(plan)
        #expect(try await setup.plan().isEmpty, "a second plan has nothing to do")

        // The shop's log, before and after the server's events.
        let shop = try AuditLog(path: appLog, keyFile: nil)
        let logger = Logger(label: "test")
        shop.record(
            actor: "anonymous", action: "signin", object: "customer:2", outcome: "failed: wrong password",
            client: "10.0.0.9", requestID: "r1", logger: logger)
        try await Task.sleep(for: .milliseconds(1100))  // the server's log has whole seconds
        var wrong = server.adminConfiguration()
        wrong.password = "not-the-password"
        for _ in 0..<2 { _ = try? await MariaDBConnection.connect(wrong) }
        let admin = try await MariaDBConnection.connect(server.adminConfiguration())
        _ = try await admin.execute("CREATE DATABASE shop")
        _ = try await admin.execute("CREATE TABLE shop.customers (id INT PRIMARY KEY, email VARCHAR(100))")
        _ = try await admin.execute("INSERT INTO shop.customers VALUES (1, 'ada@example.com')")
        // Rotated: the search reads the rotated file as well.
        _ = try await admin.execute("SET GLOBAL server_audit_file_rotate_now = ON")
        _ = try await admin.execute("GRANT SELECT ON shop.* TO 'storefront_admin'@'127.0.0.1'")
        try await admin.close()
        try await Task.sleep(for: .milliseconds(1100))
        shop.record(
            actor: "admin:ops", action: "admin", object: "POST /admin/products", outcome: "201",
            client: "10.0.0.9", requestID: "r2", logger: logger)

        let search = AuditSearch(section: section)
        let all = search.run(AuditSearch.Filter())
        #expect(all.unreadable.isEmpty, "\(all.unreadable)")
        #expect(all.files.count == 3, "\(all.files)")
        let signin = all.events.firstIndex { $0.event == "signin" } ?? Int.max
        let firstFailure = all.events.firstIndex { $0.event == "FAILED_CONNECT" } ?? -1
        #expect(signin < firstFailure && all.events.last?.event == "admin", "time order across files")
        #expect(zip(all.events, all.events.dropFirst()).allSatisfy { $0.time <= $1.time })
        var failed = AuditSearch.Filter()
        failed.events = ["failed_connect"]
        let refused = search.run(failed).events
        #expect(refused.count == 2 && refused.allSatisfy { $0.outcome == "1045" }, "\(refused)")
        var statements = AuditSearch.Filter()
        statements.object = "shop.customers"
        statements.source = .server
        let masked = search.run(statements).events
        #expect(masked.contains { $0.object.contains("INSERT INTO shop.customers VALUES (1, '?')") }, "\(masked)")
        #expect(!masked.contains { $0.object.contains("ada@example.com") }, "values masked")
        #expect(search.run(statements, showValues: true).events.contains { $0.object.contains("ada@example.com") })
        var grants = AuditSearch.Filter()
        grants.object = "GRANT"
        #expect(search.run(grants).events.count == 1)
        var later = AuditSearch.Filter()
        later.since = Date().addingTimeInterval(60)
        #expect(search.run(later).events.isEmpty)

        // The command line reads the same, as JSON lines.
        let config = directory + "/dbctl.yaml"
        try """
        security:
          audit: {server_log: \(section.serverLog), app_logs: [\(appLog)]}

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let cli = try SecurityCheckTests.dbctl(
            ["security", "audit", "search", "--config", config, "--event", "FAILED_CONNECT", "--output", "json"])
        #expect(cli.status == 0, "\(cli.output)")
        #expect(cli.output.split(separator: "\n").filter { $0.hasPrefix("{") }.count == 2, "\(cli.output)")
        let verified = try SecurityCheckTests.dbctl(["security", "audit", "verify", "--config", config])
        #expect(verified.status == 0 && verified.output.contains("2 records, chain intact"), "\(verified.output)")

        // Tampering: a changed shop line breaks its chain; a foreign line in the server log is named.
        var text = try String(contentsOfFile: appLog, encoding: .utf8)
        text = text.replacingOccurrences(of: "failed: wrong password", with: "ok")
        try text.write(toFile: appLog, atomically: true, encoding: .utf8)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: section.serverLog))
        handle.seekToEndOfFile()
        handle.write(Data("not an audit line\n".utf8))
        try handle.close()
        let tampered = try SecurityCheckTests.dbctl(["security", "audit", "verify", "--config", config])
        #expect(tampered.status == 1, "\(tampered.output)")
        #expect(tampered.output.contains("\(appLog):1: record 1 was changed"), "\(tampered.output)")
        #expect(
            tampered.output.contains("lines are not audit records, first \(section.serverLog):"), "\(tampered.output)")
    }
}
