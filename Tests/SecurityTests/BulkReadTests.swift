import DatabaseSecurity
import DbctlConfig
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Notify
import Testing

/// Bulk reads of personal data per session, from the server's statement history: a dump of `customers` by one
/// session is named with its account, connection id and rows; the shop's one-row reads, an exempt reporting
/// account and reads of other tables are not; a session that read and disconnected between two reads is
/// attributed by the per-account totals; a history that wrapped is said; the consumers off is a clear error.
@Suite struct BulkReadTests {
    static let pii: Set<String> = ["shop.customers", "shop.addresses"]

    @Test func statementsNameTheirPersonalDataTables() {
        func tables(_ text: String, _ schema: String? = nil) -> [String] {
            StatementSample.tables(in: text, currentSchema: schema, pii: Self.pii)
        }
        #expect(tables("SELECT * FROM `shop` . `customers`") == ["shop.customers"])
        #expect(tables("SELECT `email` FROM `customers` WHERE `id` = ?", "shop") == ["shop.customers"])
        #expect(tables("SELECT * FROM customers c JOIN addresses a ON a.customer_id = c.id", "shop").count == 2)
        #expect(tables("SELECT * FROM `customers`", "other").isEmpty, "another schema's customers")
        #expect(tables("SELECT * FROM `shop` . `orders` WHERE note = 'customers'", "shop").isEmpty, "a literal")
        #expect(tables("SELECT * FROM `other` . `customers`", "shop").isEmpty)
        #expect(tables("SELECT * FROM `SHOP` . `Customers`") == ["shop.customers"], "names fold case")
    }

    static func sample(
        thread: Int64, event: Int64, user: String?, rows: Int64, at time: Date, tables: [String] = ["shop.customers"]
    ) -> StatementSample {
        StatementSample(
            thread: thread, event: event, session: user == nil ? nil : thread + 100, user: user,
            host: user == nil ? nil : "127.0.0.1", text: "SELECT * FROM `shop` . `customers`", rowsSent: rows,
            time: time, tables: tables)
    }

    static func read(
        _ samples: [StatementSample], accounts: [String: Int64], ended: [String: Int64] = [:], held: Int = 10,
        capacity: Int = 1000, oldest: Date? = nil
    ) -> StatementHistory.Read {
        StatementHistory.Read(
            samples: samples, sessions: [:], accountRows: accounts, accountEnded: ended, capacity: capacity, held: held,
            oldest: oldest ?? samples.map(\.time).min(), newest: samples.map(\.time).max())
    }

    @Test func theRuleCountsPerSessionAndTheStoreAttributesEndedSessions() {
        let now = Date()
        let section = ThreatsSection(
            window: 300, piiTables: Array(Self.pii), bulkReadRows: 1000, bulkReadExempt: ["report_a"])
        let rule = BulkReadRule(section: section)
        let shop = (0..<300).map { Self.sample(thread: 1, event: Int64($0), user: "shop_a", rows: 1, at: now) }
        #expect(rule.evaluate(shop, now: now).isEmpty, "300 one-row reads")
        let dump = [Self.sample(thread: 2, event: 1, user: "intruder", rows: 5000, at: now)]
        let report = [Self.sample(thread: 3, event: 1, user: "report_a", rows: 9000, at: now)]
        let old = [Self.sample(thread: 4, event: 1, user: "early", rows: 9000, at: now.addingTimeInterval(-400))]
        let alerts = rule.evaluate(shop + dump + report + old, now: now)
        #expect(alerts.map(\.id) == ["security.pii.bulk_read/intruder@127.0.0.1"], "\(alerts.map(\.id))")
        #expect(alerts.first?.evidence["rows"] == "5000" && alerts.first?.evidence["sessions"] == "102")
        #expect(alerts.first?.severity == .critical && alerts.first?.source == "security.pii")
        // Split over two sessions under the threshold each: per session, so quiet.
        let split = [
            Self.sample(thread: 5, event: 1, user: "slow", rows: 600, at: now),
            Self.sample(thread: 6, event: 1, user: "slow", rows: 600, at: now),
        ]
        #expect(rule.evaluate(split, now: now).isEmpty)

        // The store: a session with no account is attributed when one account alone received its rows.
        var store = StatementStore(window: 300)
        store.add(Self.read([], accounts: ["shop_a@127.0.0.1": 10, "leaver@127.0.0.1": 0]), now: now)
        let left = Self.sample(thread: 7, event: 1, user: nil, rows: 2500, at: now.addingTimeInterval(4))
        // shop_a received as many rows but its pooled session is still open: only leaver had a session end.
        store.add(
            Self.read(
                [left], accounts: ["shop_a@127.0.0.1": 4000, "leaver@127.0.0.1": 2500],
                ended: ["leaver@127.0.0.1": 1]),
            now: now.addingTimeInterval(5))
        let attributed = rule.evaluate(store.samples, now: now.addingTimeInterval(5))
        #expect(attributed.map(\.id) == ["security.pii.bulk_read/leaver@127.0.0.1"], "\(attributed.map(\.id))")
        #expect(attributed.first?.evidence["attributed"]?.contains("only account") == true)
        // The same statement read again is counted once.
        store.add(
            Self.read([left], accounts: ["shop_a@127.0.0.1": 40, "leaver@127.0.0.1": 2500]),
            now: now.addingTimeInterval(10))
        #expect(store.samples.count == 1)
        // Two accounts that could have done it: unknown, and said so.
        var ambiguous = StatementStore(window: 300)
        ambiguous.add(Self.read([], accounts: ["a@h": 0, "b@h": 0]), now: now)
        ambiguous.add(
            Self.read(
                [Self.sample(thread: 8, event: 1, user: nil, rows: 2000, at: now)],
                accounts: ["a@h": 2000, "b@h": 3000]),
            now: now.addingTimeInterval(5))
        let unknown = rule.evaluate(ambiguous.samples, now: now.addingTimeInterval(5))
        #expect(unknown.map(\.id) == ["security.pii.bulk_read/unknown@unknown"])
        #expect(unknown.first?.summary.contains("account is unknown") == true)
        // A full history whose oldest statement is newer than the last read's newest: the rule may have missed some.
        ambiguous.add(
            Self.read([], accounts: [:], held: 1000, capacity: 1000, oldest: now.addingTimeInterval(60)),
            now: now.addingTimeInterval(65))
        let wrapped = rule.evaluate([], now: now.addingTimeInterval(65), gap: ambiguous.gap)
        #expect(wrapped.map(\.id) == ["security.pii.history_wrapped"])
    }

    @Test func aDumpOnARealServerIsNamedAndTheShopIsNot() async throws {
        let directory = NSTemporaryDirectory() + "storefront-bulk-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await TestServer.start(MariaDBServer.Options())
        do {
            try await Self.scenario(server, directory: directory)
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    static func account(_ server: MariaDBServer, _ name: String) -> MariaDBConfiguration {
        var configuration = server.adminConfiguration(database: "shop")
        configuration.username = name
        configuration.password = "Bulk-Read-\(name)-1"
        return configuration
    }

    static func scenario(_ server: MariaDBServer, directory: String) async throws {
        let admin = try await MariaDBConnection.connect(server.adminConfiguration())
        _ = try await admin.execute(
            "UPDATE performance_schema.setup_consumers SET ENABLED = 'NO' WHERE NAME LIKE 'events_statements%'")
        for statement: MariaDBQuery in [
            "CREATE DATABASE shop",
            "CREATE TABLE shop.customers (id INT PRIMARY KEY, email VARCHAR(100))",
            "CREATE TABLE shop.products (id INT PRIMARY KEY, name VARCHAR(100))",
            "INSERT INTO shop.customers SELECT seq, CONCAT('c', seq, '@example.com') FROM shop.seq_1_to_3000",
            "INSERT INTO shop.products SELECT seq, CONCAT('p', seq) FROM shop.seq_1_to_3000",
        ] {
            _ = try await admin.execute(statement)
        }
        for name in ["shop_a", "intruder", "report_a", "leaver"] {
            // Fixed names and passwords of this test, not input.
            _ = try await admin.execute(
                "CREATE USER \(unsafeRaw: "'\(name)'@'127.0.0.1' IDENTIFIED BY 'Bulk-Read-\(name)-1'")")
            _ = try await admin.execute("GRANT SELECT ON shop.* TO \(unsafeRaw: "'\(name)'@'127.0.0.1'")")
        }
        try await admin.close()
        let config = directory + "/dbctl.yaml"
        try """
        server:
          url: "mysql://\(server.adminUser)@127.0.0.1:\(server.port)/"
          password_file: \(server.adminPasswordFile)
        security:
          threats: {window: 5m, pii_tables: [shop.customers], bulk_read_rows: 1000, bulk_read_exempt: [report_a]}

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let threats = try DbctlConfiguration.load(path: config).security!.threats!
        let history = StatementHistory(admin: server.adminConfiguration(), piiTables: threats.piiTables)

        // Off on a stock server: a clear error, and setup's dry run changes nothing.
        await #expect {
            _ = try await history.read()
        } throws: { error in
            "\(error)".contains("does not record statements") && "\(error)".contains("threats setup --execute")
        }
        let dry = try DbctlProcess.run(["security", "threats", "setup", "--config", config])
        #expect(
            dry.status == 0 && dry.output.contains("would run UPDATE performance_schema.setup_consumers"),
            "\(dry.output)")
        #expect(try await history.setupPlan().consumers.count == 2, "the dry run changed nothing")
        let apply = try DbctlProcess.run(["security", "threats", "setup", "--config", config, "--execute"])
        #expect(apply.status == 0 && apply.output.contains("statements are recorded from now on"), "\(apply.output)")
        #expect(try await history.setupPlan().consumers.isEmpty)

        var store = StatementStore(window: threats.window)
        store.add(try await history.read(), now: Date())
        // The shop: one customer per request, all day, on one pooled connection; and products in bulk.
        let shop = try await MariaDBConnection.connect(account(server, "shop_a"))
        for id in 1...200 { _ = try await shop.query("SELECT email FROM customers WHERE id = \(id)") }
        _ = try await shop.query("SELECT * FROM products")
        // Reporting reads everything, which is its job.
        let report = try await MariaDBConnection.connect(account(server, "report_a"))
        _ = try await report.query("SELECT * FROM customers")
        // The intruder dumps the table and stays connected.
        let intruder = try await MariaDBConnection.connect(account(server, "intruder"))
        let intruderID = try await intruder.query("SELECT CONNECTION_ID()").rows[0][0].text
        _ = try await intruder.query("SELECT id, email FROM shop.customers WHERE id > 0")
        // Another reads it and is gone before the next read.
        let leaver = try await MariaDBConnection.connect(account(server, "leaver"))
        _ = try await leaver.query("SELECT * FROM customers LIMIT 2500")
        try await leaver.close()
        try await Task.sleep(for: .milliseconds(300))
        store.add(try await history.read(), now: Date())

        let alerts = BulkReadRule(section: threats).evaluate(store.samples, now: Date().addingTimeInterval(1))
        let ids = alerts.map(\.id).sorted()
        #expect(
            ids == ["security.pii.bulk_read/intruder@127.0.0.1", "security.pii.bulk_read/leaver@127.0.0.1"], "\(ids)")
        let dump = try #require(alerts.first { $0.id.contains("intruder") })
        #expect(dump.evidence["rows"] == "3000" && dump.evidence["sessions"] == intruderID, "\(dump.evidence)")
        #expect(dump.evidence["tables"] == "shop.customers")
        #expect(dump.evidence["sample"]?.contains("?") == true && dump.evidence["sample"]?.contains("> 0") == false)
        let gone = try #require(alerts.first { $0.id.contains("leaver") })
        #expect(gone.evidence["rows"] == "2500" && gone.evidence["attributed"] != nil, "\(gone.evidence)")

        // The command line: one read, exit 1, the intruder named; the leaver's statement is in the history, but a
        // single read cannot attribute an ended session: the unknown account, with the accounts it may be.
        let scan = try DbctlProcess.run(["security", "threats", "scan", "--config", config])
        #expect(scan.status == 1, "\(scan.output)")
        #expect(scan.output.contains("[critical] security.pii.bulk_read/intruder@127.0.0.1"), "\(scan.output)")
        #expect(scan.output.contains("received 3000 rows of shop.customers"), "\(scan.output)")
        #expect(!scan.output.contains("shop_a@") && !scan.output.contains("report_a@"), "\(scan.output)")
        #expect(
            scan.output.contains("candidates=leaver@127.0.0.1 "), "the ended session's possible account: \(scan.output)"
        )
        try await Self.agentPhase(server, directory: directory)
        try await shop.close()
        try await report.close()
        try await intruder.close()
    }

    /// The real `dbctl agent`: a session that connects, dumps the table and disconnects at once is alerted on,
    /// named by its account, within seconds.
    static func agentPhase(_ server: MariaDBServer, directory: String) async throws {
        let admin = try await MariaDBConnection.connect(server.adminConfiguration())
        _ = try await admin.execute(
            "CREATE USER \(unsafeRaw: "'dumper'@'127.0.0.1' IDENTIFIED BY 'Bulk-Read-dumper-1'")")
        _ = try await admin.execute("GRANT SELECT ON shop.* TO \(unsafeRaw: "'dumper'@'127.0.0.1'")")
        try await admin.close()
        let received = directory + "/alerts.log"
        let config = directory + "/agent.yaml"
        try """
        server:
          url: "mysql://\(server.adminUser)@127.0.0.1:\(server.port)/"
          password_file: \(server.adminPasswordFile)
        agent: {state_dir: \(directory)/state, tick: 0.2s}
        alerts: [{type: command, run: /bin/sh, args: ["-c", "echo $DBCTL_ALERT_STATE $DBCTL_ALERT_ID >> \(received)"]}]
        security:
          threats:
            pii_tables: [shop.customers]
            bulk_read_exempt: [report_a]
            statement_poll: 0.2s

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let log = directory + "/agent.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DbctlProcess.path)
        process.arguments = ["agent", "--config", config]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = process.standardOutput
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        func lines() -> [String] {
            ((try? String(contentsOfFile: received, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        func wait(for line: String) async throws {
            let deadline = Date().addingTimeInterval(90)
            while Date() < deadline, !lines().contains(line) { try await Task.sleep(for: .milliseconds(100)) }
        }
        // The earlier intruder, still connected, is named from the agent's first read.
        try await wait(for: "firing security.pii.bulk_read/intruder@127.0.0.1")
        #expect(
            lines().contains("firing security.pii.bulk_read/intruder@127.0.0.1"),
            "agent log: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        let dumper = try await MariaDBConnection.connect(account(server, "dumper"))
        _ = try await dumper.query("SELECT * FROM customers")
        try await dumper.close()
        try await wait(for: "firing security.pii.bulk_read/dumper@127.0.0.1")
        #expect(lines().contains("firing security.pii.bulk_read/dumper@127.0.0.1"), "\(lines())")
        #expect(!lines().contains { $0.contains("shop_a@") || $0.contains("report_a@") }, "\(lines())")
        process.terminate()
        process.waitUntilExit()
    }
}
