import AuditTrail
import DatabaseSecurity
import DbctlConfig
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Notify
import Testing

/// The threat rules: each fires on its scenario with evidence, and stays quiet on a shop's normal load —
/// on synthetic streams, and on a real server's audit log after a scripted attacker on loopback.
@Suite struct ThreatTests {
    static let t0 = Date(timeIntervalSince1970: 1_796_000_000)  // a Monday

    static func event(
        _ offset: TimeInterval, _ user: String, _ event: String, _ object: String = "", host: String = "10.0.0.5",
        outcome: String = "0", database: String = "shop", session: String = "1"
    ) -> AuditEvent {
        AuditEvent(
            time: t0.addingTimeInterval(offset), source: .server, user: user, host: host, event: event,
            database: database, object: object, outcome: outcome, session: session, origin: "test")
    }

    static let section = ThreatsSection(
        window: 300, failedLogins: 5, serviceAccounts: ["shop_a"], serviceHosts: ["10.0.0.5"],
        admins: ["storefront_admin"], maintenance: [ThreatsSection.Window(weekday: 1, start: 120, end: 240)])

    /// An hour of normal shop traffic before the window: logins, inserts with any text in their values.
    static var history: [AuditEvent] {
        (0..<20).flatMap { index -> [AuditEvent] in
            let at = TimeInterval(index * 60 - 3600)
            return [
                event(at, "shop_a", "CONNECT"),
                event(at + 1, "shop_a", "QUERY", "INSERT INTO reviews (body) VALUES ('UNION SELECT -- it''s; fine')"),
                event(at + 2, "storefront_admin", "CONNECT", host: "127.0.0.1"),
            ]
        }
    }

    @Test func normalLoadIsQuiet() {
        var window: [AuditEvent] = []
        for index in 0..<30 {
            window += [
                Self.event(TimeInterval(index * 5), "shop_a", "CONNECT"),
                Self.event(
                    TimeInterval(index * 5 + 1), "shop_a", "QUERY",
                    "SELECT * FROM products WHERE title LIKE '%1=1 OR ''a''=''a''%' AND id = 3"),
                Self.event(
                    TimeInterval(index * 5 + 2), "shop_a", "QUERY",
                    "INSERT INTO reviews (body) VALUES ('Robert''); DROP TABLE students;--')"),
            ]
        }
        let alerts = ThreatRules(section: Self.section).evaluate(
            Self.history + window, now: Self.t0.addingTimeInterval(200))
        #expect(alerts.isEmpty, "\(alerts.map(\.id))")
    }

    @Test func eachRuleFiresOnItsScenario() throws {
        var attack: [AuditEvent] = []
        for index in 0..<6 {
            attack.append(Self.event(TimeInterval(index), "shop_a", "FAILED_CONNECT", outcome: "1045"))
        }
        attack.append(Self.event(7, "shop_a", "FAILED_CONNECT", outcome: "4150"))
        for (index, user) in ["admin", "root", "test", "oracle", "backup"].enumerated() {
            attack.append(
                Self.event(10 + TimeInterval(index), user, "FAILED_CONNECT", host: "203.0.113.9", outcome: "1045"))
        }
        attack.append(Self.event(20, "shop_a", "CONNECT", host: "192.168.1.50"))
        attack.append(Self.event(21, "intruder", "CONNECT", host: "10.0.0.5"))
        attack.append(Self.event(22, "shop_a", "QUERY", "SELECT * FROM customers WHERE email = '' OR '1'='1'"))
        attack.append(
            Self.event(23, "shop_a", "QUERY", "SELECT id FROM products WHERE id = 1 UNION SELECT password FROM users"))
        attack.append(Self.event(24, "shop_a", "QUERY", "SELECT * FROM orders WHERE id = 1 AND SLEEP(5)"))
        attack.append(Self.event(25, "shop_a", "QUERY", "SELECT * FROM orders WHERE id = 1; DROP TABLE orders"))
        attack.append(Self.event(26, "shop_a", "QUERY", "SELECT table_name FROM information_schema.tables"))
        attack.append(Self.event(27, "shop_a", "QUERY", "SELECT * FROM customers WHERE email = 'x' -- '"))
        attack.append(Self.event(28, "shop_a", "QUERY", "SELECT * FROM mysql.user", outcome: "1142"))
        attack.append(Self.event(29, "shop_a", "QUERY", "GRANT ALL ON *.* TO 'shop_a'@'%'", outcome: "1045"))
        attack.append(
            Self.event(
                30, "storefront_admin", "QUERY", "CREATE USER 'x'@'10.0.0.7' IDENTIFIED BY *****", host: "127.0.0.1"))
        attack.append(
            Self.event(31, "storefront_admin", "QUERY", "ALTER TABLE orders ADD COLUMN note TEXT", host: "127.0.0.1"))
        let alerts = ThreatRules(section: Self.section).evaluate(
            Self.history + attack, now: Self.t0.addingTimeInterval(60))
        func find(_ prefix: String) -> Alert? { alerts.first { $0.id.hasPrefix(prefix) } }
        #expect(find("security.login.failures/shop_a@10.0.0.5")?.evidence["count"] == "7")
        #expect(find("security.login.blocked/shop_a@10.0.0.5")?.severity == .critical)
        #expect(find("security.login.spray/203.0.113.9")?.severity == .critical)
        #expect(
            find("security.login.new/shop_a@192.168.1.50")?.summary.contains("from a host never seen before") == true)
        #expect(find("security.login.new/intruder@10.0.0.5")?.summary.contains("never seen before") == true)
        #expect(find("security.service_account.elsewhere/shop_a@192.168.1.50")?.severity == .critical)
        let injection = try #require(find("security.injection/shop_a@10.0.0.5"), "\(alerts.map(\.id))")
        #expect(injection.evidence["count"] == "6", "\(injection.evidence)")
        for kind in ["UNION-based", "tautology", "time-based", "stacked query", "information_schema", "comment"] {
            #expect(injection.evidence["signatures"]?.contains(kind) == true, "\(kind): \(injection.evidence)")
        }
        #expect(injection.evidence["samples"]?.contains("email = '?' OR '?'='?'") == true, "values masked")
        #expect(find("security.grant_tables/shop_a@10.0.0.5")?.severity == .critical)
        let privileges = alerts.filter { $0.id.hasPrefix("security.privileges/") }
        #expect(privileges.count == 2)
        #expect(privileges.first { $0.id.contains("shop_a") }?.severity == .critical)
        #expect(privileges.first { $0.id.contains("shop_a") }?.summary.contains("tried (error 1045)") == true)
        #expect(privileges.first { $0.id.contains("storefront_admin") }?.severity == .warning, "an admin: warned")
        #expect(find("security.ddl.outside_window/storefront_admin@127.0.0.1") != nil, "Monday, not Sunday 02-04")
        // Nothing is judged "new" without a history older than the window.
        let fresh = ThreatRules(section: Self.section).evaluate(attack, now: Self.t0.addingTimeInterval(60))
        #expect(!fresh.contains { $0.id.hasPrefix("security.login.new/") })
    }

    static func shop(
        _ offset: TimeInterval, _ action: String, _ outcome: String, object: String = "", actor: String = "anonymous",
        client: String = "198.51.100.7"
    ) -> AuditEvent {
        AuditEvent(
            time: t0.addingTimeInterval(offset), source: .app, user: actor, host: client, event: action,
            database: "", object: object, outcome: outcome, session: "req-\(Int(offset))", origin: "audit.log")
    }

    /// The shop's own refusals (its audit log): each kind an alert, and a customer's few typos none.
    @Test func theShopsRefusalsAreAlerts() throws {
        var events: [AuditEvent] = []
        // Customers on a normal day: a typo, then in; an admin doing its job.
        for index in 0..<20 {
            let at = TimeInterval(index * 10)
            events.append(Self.shop(at, "signin", "failed: wrong password", object: "customer:\(index)",
                                    client: "10.1.0.\(index)"))
            events.append(Self.shop(at + 1, "signin", "ok", object: "customer:\(index)", actor: "customer:\(index)",
                                    client: "10.1.0.\(index)"))
            events.append(Self.shop(at + 2, "POST /admin/products", "201", actor: "admin:ops", client: "10.0.0.2"))
        }
        let quiet = ThreatRules(section: Self.section).evaluate(events, now: Self.t0.addingTimeInterval(250))
        #expect(quiet.isEmpty, "\(quiet.map(\.id))")

        var attack = events
        for index in 0..<6 {  // one account guessed, then locked
            attack.append(Self.shop(100 + Double(index), "signin", "failed: wrong password", object: "customer:3"))
        }
        attack.append(Self.shop(107, "signin", "locked", object: "customer:3"))
        attack.append(Self.shop(108, "signin", "locked", object: "customer:3"))
        for index in 0..<5 {  // stuffing from another address: many accounts, and emails of no one
            attack.append(
                Self.shop(110 + Double(index), "signin", "failed: wrong password", object: "customer:\(index)",
                          client: "203.0.113.50"))
            attack.append(Self.shop(120 + Double(index), "signin", "failed: unknown email", client: "203.0.113.51"))
        }
        attack.append(Self.shop(130, "signin", "limited", client: "203.0.113.51"))
        attack.append(Self.shop(131, "customer.create", "limited", client: "203.0.113.51"))
        for index in 0..<5 {
            attack.append(Self.shop(140 + Double(index), "GET /admin/orders", "unauthorized", client: "203.0.113.60"))
        }
        attack.append(Self.shop(150, "DELETE /admin/products/1", "denied: scope catalog", actor: "admin:reports"))
        let alerts = ThreatRules(section: Self.section).evaluate(attack, now: Self.t0.addingTimeInterval(250))
        func find(_ id: String) -> Alert? { alerts.first { $0.id == id } }
        let failures = try #require(find("security.shop.signin_failures/198.51.100.7"), "\(alerts.map(\.id))")
        #expect(failures.evidence["count"] == "6" && failures.evidence["targets"] == "customer:3", "\(failures)")
        let locked = try #require(find("security.shop.account_locked/customer:3"))
        #expect(locked.evidence["count"] == "2" && locked.evidence["clients"] == "198.51.100.7")
        #expect(find("security.shop.credential_stuffing/203.0.113.50")?.evidence["accounts"] == "5")
        #expect(find("security.shop.credential_stuffing/203.0.113.51")?.evidence["unknown_emails"] == "5")
        #expect(find("security.shop.rate_limited/203.0.113.51")?.summary.contains("sign-ins and sign-ups") == true)
        #expect(find("security.shop.admin_key/203.0.113.60")?.severity == .critical)
        #expect(find("security.shop.admin_scope/admin:reports")?.evidence["count"] == "1")
        #expect(alerts.count == 7, "\(alerts.map(\.id))")
        #expect(alerts.allSatisfy { $0.source == "security.threats" })
        // Outside the window: nothing.
        let later = ThreatRules(section: Self.section).evaluate(attack, now: Self.t0.addingTimeInterval(1000))
        #expect(later.isEmpty, "\(later.map(\.id))")
    }

    /// A scripted attacker on loopback against a real server's audit log, then the shop's normal load.
    @Test func aScriptedAttackerIsDetectedAndTheShopLoadIsNot() async throws {
        let directory = NSTemporaryDirectory() + "storefront-threats-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await TestServer.start(MariaDBServer.Options())
        do {
            try await Self.attack(server, directory: directory)
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    static func attack(_ server: MariaDBServer, directory: String) async throws {
        let audit = AuditSection(
            serverLog: directory + "/server_audit.log", events: ["CONNECT", "QUERY_DDL", "QUERY_DCL", "QUERY_DML"])
        let setup = ServerAuditSetup(section: audit, admin: server.adminConfiguration())
        try await setup.apply(try await setup.plan())
        let admin = try await MariaDBConnection.connect(server.adminConfiguration())
        for statement: MariaDBQuery in [
            "CREATE DATABASE shop", "CREATE TABLE shop.customers (id INT PRIMARY KEY, email VARCHAR(100))",
            "CREATE TABLE shop.reviews (id INT AUTO_INCREMENT PRIMARY KEY, body TEXT)",
            "CREATE USER 'shop_a'@'127.0.0.1' IDENTIFIED BY 'Shop-Pass-1234'",
            "GRANT SELECT, INSERT ON shop.* TO 'shop_a'@'127.0.0.1'",
        ] {
            _ = try await admin.execute(statement)
        }
        try await admin.close()
        var shop = server.adminConfiguration(database: "shop")
        shop.username = "shop_a"
        shop.password = "Shop-Pass-1234"
        // Some history: the shop logs in as it always does.
        try await MariaDBConnection.connect(shop).close()
        try await Task.sleep(for: .milliseconds(1100))
        // The attacker: guesses, an injection-shaped query, the grant tables, a privilege grab.
        var guess = shop
        for index in 0..<6 {
            guess.password = "guess-\(index)"
            _ = try? await MariaDBConnection.connect(guess)
        }
        let hijacked = try await MariaDBConnection.connect(shop)
        _ = try await hijacked.query("SELECT * FROM customers WHERE email = '' OR '1'='1'")
        _ = try? await hijacked.query("SELECT * FROM mysql.user")
        _ = try? await hijacked.execute("GRANT ALL ON *.* TO 'shop_a'@'127.0.0.1'")
        try await hijacked.close()
        let attackEnd = Date()
        try await Task.sleep(for: .milliseconds(11_000))
        // The shop's normal load: values with SQL in them, bound.
        let normal = try await MariaDBConnection.connect(shop)
        for index in 0..<10 {
            let body = "Great -- UNION SELECT fans; ' OR '1'='1 #\(index)"
            _ = try await normal.execute("INSERT INTO reviews (body) VALUES (\(body))")
            _ = try await normal.query("SELECT id FROM reviews WHERE body = \(body)")
        }
        try await normal.close()
        let stream = AuditSearch(section: audit).run(AuditSearch.Filter(), showValues: true)
        #expect(stream.unreadable.isEmpty, "\(stream.unreadable)")

        var quietRules = ThreatsSection(window: 10, serviceAccounts: ["shop_a"], admins: [server.adminUser])
        let quiet = ThreatRules(section: quietRules).evaluate(stream.events, now: Date())
        #expect(quiet.isEmpty, "the normal load: \(quiet.map { "\($0.id): \($0.summary)" })")
        quietRules.window = Date().timeIntervalSince(attackEnd) + 30
        let found = ThreatRules(section: quietRules).evaluate(stream.events, now: Date())
        let ids = found.map(\.id)
        #expect(ids.contains("security.login.failures/shop_a@127.0.0.1"), "\(ids)")
        #expect(ids.contains("security.grant_tables/shop_a@127.0.0.1"), "\(ids)")
        #expect(ids.contains { $0.hasPrefix("security.privileges/shop_a@127.0.0.1/") }, "\(ids)")
        let injection = found.first { $0.id == "security.injection/shop_a@127.0.0.1" }
        #expect(injection?.evidence["count"] == "1", "only the attacker's query: \(String(describing: injection))")
        #expect(injection?.evidence["samples"]?.contains("'?' OR '?'='?'") == true)

        // The command line: exit 1 with the alerts.
        let config = directory + "/dbctl.yaml"
        try """
        security:
          audit: {server_log: \(audit.serverLog)}
          threats: {window: 1h, service_accounts: [shop_a], admins: [\(server.adminUser)]}

        """.write(toFile: config, atomically: true, encoding: .utf8)
        let scan = try SecurityCheckTests.dbctl(["security", "threats", "scan", "--config", config])
        #expect(scan.status == 1, "\(scan.output)")
        #expect(scan.output.contains("[warning] security.login.failures/shop_a@127.0.0.1"), "\(scan.output)")
        #expect(scan.output.contains("[critical] security.injection/shop_a@127.0.0.1"), "\(scan.output)")
        #expect(!scan.output.contains("Shop-Pass-1234"))
    }
}
