import AuditTrail
import DatabaseSecurity
import DbctlConfig
import Foundation
import HTTPTypes
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Notify
import Storefront
import Testing

/// The shop deployed as production runs it, against a real server that refuses plaintext: `STOREFRONT_ENV=
/// production`, `verify-identity` TLS, every secret in a 0600 file, the server audited (every statement) and
/// the shop's own audit log. Its normal day raises no threat alert — not its readiness probe, not SQL typed
/// into its forms; a scripted attacker on loopback raises the shop's alerts and, its payloads being bound
/// values, no injection alert; no secret is in the process's command line, environment or logs.
@Suite struct ProductionServeTests {
    struct Secrets {
        let shopPassword = "Shop-Svc-\(UUID().uuidString.prefix(12))"
        let adminKey = "prod-admin-\(UUID().uuidString)"
        let piiKeyLine = PIICodec.newKeyLine(version: 1)
        var all: [String] { [shopPassword, adminKey, String(piiKeyLine.split(separator: " ").last ?? "")] }
    }

    static func secretFile(_ path: String, _ text: String) {
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
    }

    @Test func aProductionShopOverVerifiedTLSIsQuietUntilAttacked() async throws {
        try await TestServer.withTLSServer({ $0.set("require_secure_transport", "ON") }) { certs, server in
            let folder = try ServeProcess.makeFolder()
            var serve: ServeProcess?
            defer {
                serve?.stop()
                try? FileManager.default.removeItem(atPath: folder)
            }
            let secrets = Secrets()
            let audit = AuditSection(
                serverLog: folder + "/server_audit.log", events: ["CONNECT", "QUERY"], appLogs: [folder + "/audit.log"])
            let setup = ServerAuditSetup(section: audit, admin: server.adminConfiguration())
            try await setup.apply(try await setup.plan())
            let admin = try await MariaDBConnection.connect(server.adminConfiguration())
            let hash = MariaDBAccount.nativePasswordHash(secrets.shopPassword)
            for statement in [
                "CREATE DATABASE shop",
                "CREATE USER shop_svc@'127.0.0.1' IDENTIFIED BY PASSWORD '\(hash)' REQUIRE SSL",
                "GRANT SELECT, INSERT, UPDATE, DELETE ON shop.* TO shop_svc@'127.0.0.1'",
            ] {
                _ = try await admin.execute(MariaDBQuery(unsafeSQL: statement))
            }
            try await admin.close()
            Self.secretFile(
                folder + "/db.cnf",
                DatabaseCredentials(user: "shop_svc", password: secrets.shopPassword)
                    .fileText)
            Self.secretFile(folder + "/admin.key", secrets.adminKey + "\n")
            Self.secretFile(folder + "/pii.keys", secrets.piiKeyLine + "\n")
            let tls = "sslmode=verify-identity&sslca=\(certs.caFile)"
            let (migrated, output) = try ServeProcess.run(
                ["migrate"],
                environment: [
                    "DATABASE_URL": "mysql://\(server.adminUser)@127.0.0.1:\(server.port)/shop?\(tls)",
                    "DATABASE_PASSWORD_FILE": server.adminPasswordFile,
                ])
            try #require(migrated == 0, "storefront migrate: \(output)")
            let production = [
                "STOREFRONT_ENV": "production", "DATABASE_URL": "mysql://shop_svc@127.0.0.1:\(server.port)/shop?\(tls)",
                "DATABASE_CREDENTIALS_FILE": folder + "/db.cnf", "ADMIN_API_KEY_FILE": folder + "/admin.key",
                "PII_KEY_FILE": folder + "/pii.keys", "AUDIT_LOG_FILE": folder + "/audit.log",
                "PASSWORD_HASH_COST": "10", "SIGNIN_FAILURES_PER_ACCOUNT": "5/900",
                "SIGNIN_ATTEMPTS_PER_ADDRESS": "200/60",
            ]
            let process = try await ServeProcess.start(environment: production, folder: folder, name: "serve")
            serve = process
            let shop = LiveCalls(port: process.port, adminKey: secrets.adminKey)

            // TLS is what lets the shop in: plaintext is refused, and a shop trusting another CA never gets ready.
            var plaintext = server.adminConfiguration(database: "shop")
            (plaintext.username, plaintext.password, plaintext.tls) = ("shop_svc", secrets.shopPassword, .disable)
            await #expect(throws: MariaDBError.self, "the server refuses plaintext") {
                try await MariaDBConnection.connect(plaintext).close()
            }
            var wrongCA = production
            wrongCA["DATABASE_URL"] =
                "mysql://shop_svc@127.0.0.1:\(server.port)/shop?sslmode=verify-identity&sslca=\(certs.otherCAFile)"
            let impostor = try ServeProcess.run(["migrate"], environment: wrongCA)
            #expect(impostor.0 != 0, "a certificate from another CA is refused: \(impostor.1)")
            #expect(impostor.1.lowercased().contains("certificate"), "\(impostor.1)")

            try await Task.sleep(for: .milliseconds(1100))  // server_audit stamps whole seconds
            let dayStart = Date()
            try await Self.normalDay(shop)
            try await Task.sleep(for: .milliseconds(1100))
            let dayEnd = Date()
            let rules = ThreatsSection(
                window: dayEnd.timeIntervalSince(dayStart) + 1, serviceAccounts: ["shop_svc"],
                admins: [server.adminUser])
            let day = AuditSearch(section: audit).run(AuditSearch.Filter(), showValues: true)
            #expect(day.unreadable.isEmpty, "\(day.unreadable.prefix(3))")
            let shopStatements = day.events.filter { $0.user == "shop_svc" && $0.event == "QUERY" }
            #expect(shopStatements.count > 50, "the shop's statements are audited: \(shopStatements.count)")
            #expect(shopStatements.contains { $0.object.hasPrefix("SHOW TABLES") }, "the readiness probe is audited")
            #expect(day.events.filter { $0.source == .app && $0.event == "signin" }.count >= 8)
            let quiet = ThreatRules(section: rules).evaluate(day.events, now: dayEnd)
            #expect(quiet.isEmpty, "a normal day: \(quiet.map { "\($0.id): \($0.summary)" })")

            let attackStart = Date()
            try await Self.attack(shop)
            try await Task.sleep(for: .milliseconds(1100))
            var attackRules = rules
            attackRules.window = Date().timeIntervalSince(attackStart) + 1
            let stream = AuditSearch(section: audit).run(AuditSearch.Filter(), showValues: true)
            let found = ThreatRules(section: attackRules).evaluate(stream.events, now: Date())
            let ids = found.map(\.id)
            #expect(ids.contains("security.shop.account_locked/customer:1"), "\(ids)")
            #expect(ids.contains("security.shop.credential_stuffing/127.0.0.1"), "\(ids)")
            #expect(ids.contains("security.shop.admin_key/127.0.0.1"), "\(ids)")
            #expect(!ids.contains { $0.hasPrefix("security.injection/") }, "payloads are bound values: \(ids)")

            let config = folder + "/dbctl.yaml"
            try """
            security:
              audit: {server_log: \(audit.serverLog), app_logs: [\(folder)/audit.log]}
              threats: {window: 1h, service_accounts: [shop_svc], admins: [\(server.adminUser)]}

            """.write(toFile: config, atomically: true, encoding: .utf8)
            let scan = try DbctlProcess.run(["security", "threats", "scan", "--config", config])
            #expect(scan.status == 1, "\(scan.output)")
            #expect(scan.output.contains("[warning] security.shop.account_locked/customer:1"), "\(scan.output)")
            #expect(scan.output.contains("[critical] security.shop.credential_stuffing/127.0.0.1"))

            // No secret where a process listing, a log or an audit trail shows it.
            let pid = process.pid
            let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
            #expect(!cmdline.isEmpty && !environ.isEmpty, "/proc/\(pid) is readable")
            let psOutput = try ProgramRunner.run("/bin/ps", ["-eo", "args"]).1
            let places = [
                ("cmdline", String(decoding: cmdline, as: UTF8.self)),
                ("environ", String(decoding: environ, as: UTF8.self)), ("ps", psOutput), ("serve log", process.log),
                ("audit log", (try? String(contentsOfFile: folder + "/audit.log", encoding: .utf8)) ?? ""),
                ("server audit log", (try? String(contentsOfFile: audit.serverLog, encoding: .utf8)) ?? ""),
                ("threats scan", scan.output),
            ]
            for (place, text) in places {
                for secret in secrets.all { #expect(!text.contains(secret), "a secret in the \(place)") }
            }
            #expect(!process.log.contains(Self.customerPassword), "no customer's password in the log")
        }
    }

    static let customerPassword = "Meadow-Lantern-5521"

    /// Four customers' ordinary day: sign-up, a typo, sign-in, browsing and searching with whatever they type,
    /// an address, a cart, an order, a review; an operator adds products; the readiness probe polls.
    static func normalDay(_ shop: LiveCalls) async throws {
        let product = try await shop.call(
            .post, "/admin/products",
            ["sku": "T-1", "title": "Tea", "description": "", "price": "4.50", "stock": 1000], admin: true)
        let productID = try #require(product["id"] as? Int, "\(product.text)")
        for index in 1...4 {
            let email = "shopper\(index)@example.com"
            let created = try await shop.call(
                .post, "/customers", ["email": email, "name": "Shopper \(index)", "password": customerPassword])
            let id = try #require(created["id"] as? Int, "\(created.text)")
            let typo = try await shop.call(.post, "/sessions", ["email": email, "password": customerPassword + "x"])
            #expect(typo.status == 401)
            let session = try await shop.call(.post, "/sessions", ["email": email, "password": customerPassword])
            let token = try #require(session["token"] as? String, "\(session.text)")
            for query in ["tea", "O'Brien's -- best", "1=1 OR 'a'='a'", "\"; DROP TABLE products; --"] {
                let found = try await shop.call(
                    .get, "/products?q=" + (query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
                #expect(found.status == 200, "\(query): \(found.text)")
            }
            _ = try await shop.call(.get, "/products/\(productID)")
            let address = try await shop.call(
                .post, "/customers/\(id)/addresses",
                [
                    "line1": "1 Union Select Street; #3", "city": "Sleep(5)ville", "postal_code": "1000",
                    "country": "DE",
                ],
                token: token)
            #expect(address.status == 201, "\(address.text)")
            let cart = try await shop.call(.post, "/carts", [:], token: token)
            let cartID = try #require(cart["id"] as? Int, "\(cart.text)")
            _ = try await shop.call(
                .put, "/carts/\(cartID)/items", ["product_id": productID, "quantity": 1], token: token)
            let order = try await shop.call(
                .post, "/carts/\(cartID)/checkout", ["payment_method": "card"], token: token)
            #expect(order.status == 201, "\(order.text)")
            let review = try await shop.call(
                .post, "/products/\(productID)/reviews",
                ["rating": 5, "body": "Best tea -- really; ' OR '1'='1 UNION SELECT joy"], token: token)
            #expect(review.status == 201, "\(review.text)")
            _ = try await shop.call(.get, "/customers/me", token: token)
            let ready = try await shop.call(.get, "/health/ready")
            #expect(ready.status == 200, "\(ready.text)")
        }
        let customer = try await shop.call(.get, "/admin/customers/1", admin: true)
        #expect(customer.status == 200, "\(customer.text)")
    }

    /// Guesses one customer's password until locked, tries emails of no one with SQL in them, and guesses the
    /// admin key.
    static func attack(_ shop: LiveCalls) async throws {
        var answers: [Int] = []
        for guess in [
            "password1234", "Shopper1-2026", "letmein-please", "Meadow-Lantern", "qwerty-12345", "x1y2z3w4q5",
        ] {
            answers.append(
                try await shop.call(.post, "/sessions", ["email": "shopper1@example.com", "password": guess]).status)
        }
        #expect(answers == [401, 401, 401, 401, 401, 429], "\(answers)")
        for payload in [
            "' OR '1'='1", "x' UNION SELECT email FROM customers -- ", "a'; SELECT SLEEP(3); #",
            "admin@example.com' --", "nobody@example.com",
        ] {
            let reply = try await shop.call(.post, "/sessions", ["email": payload, "password": payload])
            #expect(reply.status == 401, "\(payload): \(reply.status)")
        }
        for guess in 0..<5 {
            let reply = try await LiveShop.request(port: shop.port, .get, "/admin/customers/1", key: "guess-\(guess)-key")
            #expect(reply.status == 401, "\(reply.status)")
        }
    }
}

/// JSON calls to a running shop, signed in or with its admin key.
struct LiveCalls: Sendable {
    let port: Int
    let adminKey: String

    func call(
        _ method: HTTPRequest.Method, _ path: String, _ body: [String: Any]? = nil, token: String? = nil,
        admin: Bool = false
    ) async throws -> ShopClient.Reply {
        let json = try body.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        return try await LiveShop.request(
            port: port, method, path, json: json, key: admin ? adminKey : nil, token: token)
    }
}
