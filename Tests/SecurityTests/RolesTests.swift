import DatabaseSecurity
import DbctlConfig
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Testing

/// `security roles plan|apply` on a real TLS server: every job's account can do its job and, tried, nothing
/// else; apply is idempotent; what nobody configured is reported and left alone.
@Suite struct RolesTests {
    static func section(schema: String, directory: String) -> RolesSection {
        RolesSection(
            schema: schema,
            users: [
                RoleUser(user: "shop_a", role: "shop", host: "127.0.0.1", passwordFile: directory + "/shop_a.pw"),
                RoleUser(user: "shop_b", role: "shop", host: "127.0.0.1"),
                RoleUser(
                    user: "reporter", role: "reporting", host: "127.0.0.1", passwordFile: directory + "/reporter.pw"),
                RoleUser(
                    user: "migrator", role: "migration", host: "127.0.0.1", passwordFile: directory + "/migrator.pw"),
                RoleUser(user: "backup", role: "backup", host: "127.0.0.1", passwordFile: directory + "/backup.pw"),
                RoleUser(
                    user: "monitor", role: "monitoring", host: "127.0.0.1", passwordFile: directory + "/monitor.pw"),
            ])
    }

    /// The account's connection over TLS with the test CA, verifying the server's name.
    static func login(
        _ server: MariaDBServer, _ certs: TestCertificates, user: String, file: String?,
        database: String?, tls: MariaDBConfiguration.TLS.Mode = .verifyIdentity
    ) throws
        -> MariaDBConfiguration
    {
        var configuration = server.adminConfiguration(database: database)
        configuration.username = user
        configuration.password = nil
        if let file { try configuration.loadPassword(fromFile: file) }
        configuration.tls = .init(mode: tls, caFile: certs.caFile)
        return configuration
    }

    static func refused(
        _ sql: String, on connection: MariaDBConnection, sourceLocation: SourceLocation = #_sourceLocation
    )
        async
    {
        do {
            _ = try await connection.execute(MariaDBQuery(unsafeSQL: sql))
            Issue.record("`\(sql)` was allowed", sourceLocation: sourceLocation)
        } catch let error as MariaDBError {
            #expect(
                error.isAccessDenied || [1142, 1143, 1044, 1045, 1227, 1370].contains(error.errno),
                "`\(sql)`: \(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("`\(sql)`: \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func everyJobCanDoItsWorkAndTriedNothingElse() async throws {
        try await TestServer.withTLSServer { certs, server in
            let directory = certs.directory
            let admin = try BlockingConnection.connect(server.adminConfiguration())
            defer { admin.close() }
            try admin.execute("CREATE DATABASE shop")
            try admin.execute("CREATE TABLE shop.orders (id INT PRIMARY KEY, total DECIMAL(10,2))")
            try admin.execute("INSERT INTO shop.orders VALUES (1, 9.50)")
            let planner = RolesPlanner(
                section: Self.section(schema: "shop", directory: directory),
                admin: server.adminConfiguration())
            let plan = try await planner.plan()
            // Six roles, each created and granted (monitoring on two objects); six accounts, three steps each.
            let expected = 6 * 2 + 1 + 6 * 3
            #expect(plan.steps.count == expected, "\(plan.steps.map(\.shown))")
            #expect(!plan.steps.contains { $0.shown.contains("PASSWORD '*") }, "no password hash is shown")
            #expect(
                plan.steps.contains { $0.shown == "GRANT SELECT, INSERT, UPDATE, DELETE ON `shop`.* TO `dbctl_shop`" })
            #expect(
                plan.steps.contains {
                    $0.shown == "CREATE USER 'shop_b'@'127.0.0.1' IDENTIFIED BY PASSWORD '…' REQUIRE SSL ACCOUNT LOCK"
                })
            try await RolesApplier(admin: server.adminConfiguration()).apply(plan)
            for name in ["shop_a", "reporter", "migrator", "backup", "monitor"] {
                let mode = try FileManager.default.attributesOfItem(atPath: "\(directory)/\(name).pw")[
                    .posixPermissions]
                #expect(mode as? Int == 0o600, "\(name).pw")
            }
            let again = try await planner.plan()
            #expect(again.isEmpty, "a second apply has nothing to do: \(again.steps.map(\.shown))")
            #expect(again.unchanged.count == 6 + 6)

            // The shop: its rows, nothing else.
            let shop = try await MariaDBConnection.connect(
                Self.login(server, certs, user: "shop_a", file: "\(directory)/shop_a.pw", database: "shop"))
            #expect(try await shop.query("SELECT CURRENT_ROLE()").rows[0][0].text == "dbctl_shop")
            _ = try await shop.execute("INSERT INTO orders VALUES (2, 1.25)")
            _ = try await shop.execute("UPDATE orders SET total = 2.25 WHERE id = 2")
            _ = try await shop.execute("DELETE FROM orders WHERE id = 2")
            for sql in [
                "DROP TABLE orders", "CREATE TABLE other (id INT)", "ALTER TABLE orders ADD COLUMN x INT",
                "GRANT SELECT ON shop.* TO 'reporter'@'127.0.0.1'", "SELECT * FROM mysql.user",
                "SELECT * FROM mysql.global_priv", "SELECT * FROM orders INTO OUTFILE '/tmp/orders-out.txt'",
                "CREATE USER 'x'@'127.0.0.1'",
                "SET GLOBAL max_connections = 10", "SHOW BINARY LOGS",
            ] {
                await Self.refused(sql, on: shop)
            }
            let read = try await shop.query("SELECT LOAD_FILE('/etc/hostname')").rows[0][0]
            #expect(read.isNull, "without FILE the server reads no file for the account")
            try await shop.close()
            #expect(!FileManager.default.fileExists(atPath: "/tmp/orders-out.txt"))

            // Without TLS the shop's account is refused; the idle account is locked.
            await #expect(throws: MariaDBError.self, "REQUIRE SSL refuses a plaintext login") {
                try await MariaDBConnection.connect(
                    Self.login(
                        server, certs, user: "shop_a", file: "\(directory)/shop_a.pw", database: "shop",
                        tls: .disable)
                ).close()
            }
            let locked = await #expect(throws: MariaDBError.self) {
                try await MariaDBConnection.connect(
                    Self.login(server, certs, user: "shop_b", file: nil, database: "shop")
                ).close()
            }
            #expect(locked?.isAccessDenied == true || locked?.errno == 4151, "\(String(describing: locked))")

            // Reporting reads; the monitor and backup accounts read no table data.
            let reporter = try await MariaDBConnection.connect(
                Self.login(server, certs, user: "reporter", file: "\(directory)/reporter.pw", database: "shop"))
            #expect(try await reporter.query("SELECT COUNT(*) FROM orders").rows[0][0].text == "1")
            await Self.refused("INSERT INTO orders VALUES (3, 1)", on: reporter)
            try await reporter.close()
            let monitor = try await MariaDBConnection.connect(
                Self.login(server, certs, user: "monitor", file: "\(directory)/monitor.pw", database: nil))
            #expect(
                try await monitor.query(
                    "SELECT COUNT(*) FROM performance_schema.events_statements_summary_by_digest"
                ).rows.count == 1)
            #expect(try await monitor.query("SHOW PROCESSLIST").rows.count >= 2, "PROCESS shows the others' sessions")
            _ = try await monitor.query("SHOW ALL SLAVES STATUS")
            await Self.refused("SELECT * FROM shop.orders", on: monitor)
            try await monitor.close()
            let backup = try await MariaDBConnection.connect(
                Self.login(server, certs, user: "backup", file: "\(directory)/backup.pw", database: nil))
            #expect(try await backup.query("SHOW BINARY LOGS").rows.count >= 1)
            _ = try await backup.execute("FLUSH TABLES WITH READ LOCK")
            _ = try await backup.execute("UNLOCK TABLES")
            await Self.refused("SELECT * FROM shop.orders", on: backup)
            try await backup.close()

            // Migration builds the schema.
            let migrator = try await MariaDBConnection.connect(
                Self.login(server, certs, user: "migrator", file: "\(directory)/migrator.pw", database: "shop"))
            _ = try await migrator.execute(
                "CREATE TABLE order_lines (id INT PRIMARY KEY, order_id INT, FOREIGN KEY (order_id) REFERENCES orders (id))"
            )
            _ = try await migrator.execute("CREATE INDEX ix_lines_order ON order_lines (order_id)")
            _ = try await migrator.execute("CREATE VIEW totals AS SELECT SUM(total) AS total FROM orders")
            await Self.refused("SELECT * FROM mysql.user", on: migrator)
            await Self.refused("CREATE DATABASE elsewhere", on: migrator)
            try await migrator.close()
        }
    }

    @Test func privilegesNobodyConfiguredAreReportedAndKept() async throws {
        try await TestServer.withTLSServer { certs, server in
            let admin = try BlockingConnection.connect(server.adminConfiguration())
            defer { admin.close() }
            try admin.execute("CREATE DATABASE shop")
            let section = RolesSection(
                schema: "shop", users: [RoleUser(user: "shop_a", role: "shop", host: "127.0.0.1")])
            let planner = RolesPlanner(section: section, admin: server.adminConfiguration())
            try await RolesApplier(admin: server.adminConfiguration()).apply(try await planner.plan())
            // By hand: DROP for the role, FILE and a direct grant for the account, the same user from anywhere.
            try admin.execute("GRANT DROP ON shop.* TO dbctl_shop")
            try admin.execute("GRANT FILE ON *.* TO 'shop_a'@'127.0.0.1'")
            try admin.execute("CREATE USER 'shop_a'@'%' IDENTIFIED BY 'Elsewhere-Pass-1'")
            let plan = try await planner.plan()
            #expect(plan.isEmpty, "nothing is revoked or dropped: \(plan.steps.map(\.shown))")
            let findings = plan.findings.map(\.description)
            #expect(findings.contains { $0.hasPrefix("role dbctl_shop: also holds DROP ON shop.*") }, "\(findings)")
            #expect(findings.contains { $0.contains("holds FILE ON *.* directly") }, "\(findings)")
            #expect(findings.contains { $0.contains("also exists as shop_a@%") }, "\(findings)")
            let grants = try admin.query("SHOW GRANTS FOR dbctl_shop").rows.map { try $0.decode(0, as: String.self) }
            #expect(grants.contains { $0.contains("DROP") }, "still there: \(grants)")
            _ = certs
        }
    }

    @Test func aServerWithBinaryLoggingNamesTheTriggerSetting() async throws {
        try await TestServer.withTLSServer { _, server in
            let section = RolesSection(
                schema: "shop",
                users: [
                    RoleUser(user: "migrator", role: "migration", host: "127.0.0.1")
                ])
            let plan = try await RolesPlanner(section: section, admin: server.adminConfiguration()).plan()
            let admin = try BlockingConnection.connect(server.adminConfiguration())
            defer { admin.close() }
            let logBin = try admin.query("SELECT @@log_bin").rows[0].decode(0, as: Int.self)
            #expect(logBin == 1, "the test server logs binlogs")
            #expect(
                plan.findings.contains { $0.message.contains("SET GLOBAL log_bin_trust_function_creators = ON") },
                "\(plan.findings)")
        }
    }
}
