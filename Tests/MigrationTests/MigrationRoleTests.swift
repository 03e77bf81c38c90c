import DatabaseSecurity
import DbctlConfig
import Foundation
import MariaDB
import MariaDBTestSupport
import Migration
import Testing

/// `dbctl migrate` under the migration role that `security roles apply` creates, over verified TLS: the
/// role's privileges are enough for tables, keys, indexes, a view and a trigger, and the privilege checks see
/// privileges that come through a role.
@Suite struct MigrationRoleTests {
    @Test func theMigrationRoleMigratesAndVerifies() async throws {
        try await TestServer.withTLSServer { certs, server in
            let admin = try BlockingConnection.connect(server.adminConfiguration())
            defer { admin.close() }
            try admin.execute("CREATE DATABASE shop")
            let passwordFile = certs.directory + "/migrator.pw"
            let section = RolesSection(
                schema: "shop",
                users: [
                    RoleUser(user: "migrator", role: "migration", host: "127.0.0.1", passwordFile: passwordFile)
                ])
            let plan = try await RolesPlanner(section: section, admin: server.adminConfiguration()).plan()
            try await RolesApplier(admin: server.adminConfiguration()).apply(plan)
            // The server logs binlogs: the plan named the setting triggers need, and this is its fix.
            #expect(plan.findings.contains { $0.message.contains("log_bin_trust_function_creators") })
            try admin.execute("SET GLOBAL log_bin_trust_function_creators = ON")

            let fixture = try SQLiteFixture(
                """
                CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);
                CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
                                     total NUMERIC(10,2) NOT NULL, updated TEXT);
                CREATE INDEX ix_orders_customer ON orders (customer_id);
                CREATE VIEW order_totals AS SELECT customer_id, SUM(total) AS spent FROM orders GROUP BY customer_id;
                CREATE TABLE order_log (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, note TEXT NOT NULL);
                CREATE TRIGGER orders_log AFTER UPDATE ON orders
                  BEGIN INSERT INTO order_log (order_id, note) VALUES (NEW.id, 'changed'); END;
                INSERT INTO customers VALUES (1, 'a@example.com'), (2, 'b@example.com');
                INSERT INTO orders VALUES (1, 1, 9.50, NULL), (2, 1, 3.25, NULL), (3, 2, 12.00, NULL);
                """)
            defer { fixture.remove() }
            var target = server.adminConfiguration(database: "shop")
            target.username = "migrator"
            try target.loadPassword(fromFile: passwordFile)
            target.tls = .init(mode: .verifyIdentity, caFile: certs.caFile)
            let (report, _) = try migrate(fixture, target: target)
            #expect(report.verified, "\(report.text)")
            let spent = try query(target, "SELECT spent FROM order_totals WHERE customer_id = 1")
            #expect(try spent.first?.decode(0, as: String.self) == "12.75")
            let session = try BlockingConnection.connect(target)
            defer { session.close() }
            try session.execute("UPDATE orders SET total = 10.00 WHERE id = 1")
            #expect(
                try session.query("SELECT COUNT(*) FROM order_log").rows[0].decode(0, as: Int.self) == 1,
                "the trigger was created and fires")
            #expect(try session.query("SELECT CURRENT_ROLE()").rows[0].decode(0, as: String.self) == "dbctl_migration")
            #expect(throws: MariaDBError.self, "the role reads no grant table") {
                try session.query("SELECT * FROM mysql.user")
            }
        }
    }
}
