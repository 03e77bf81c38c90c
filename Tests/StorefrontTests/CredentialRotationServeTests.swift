import DatabaseSecurity
import DbctlConfig
import Foundation
import HTTPTypes
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Storefront
import Testing

/// A server that blocks an account after three wrong passwords.
private let lockingServer: MariaDBServer.Options = {
    var options = MariaDBServer.Options()
    options.set("max-password-errors", "3")
    return options
}()

/// Credential rotation against a real `storefront serve` taking orders: the password changes twice (shop_a →
/// shop_b → shop_a) and not one request fails; a secret file with a wrong password is tried once and the shop
/// keeps its working account. The server locks accounts after three wrong passwords, as production should.
@Suite(.mariaDB(lockingServer)) struct CredentialRotationServeTests {
    static let adminKey = "rotation-test-admin-key-0123"

    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var orders = 0
        private var failures: [String] = []
        func order() { lock.withLock { orders += 1 } }
        func fail(_ what: String) { lock.withLock { failures.append(what) } }
        var snapshot: (orders: Int, failures: [String]) { lock.withLock { (orders, failures) } }
    }

    @Test func passwordsChangeTwiceUnderOrderLoadWithoutAFailedRequest() async throws {
        let server = try TestServer.require()
        let target = try TestServer.freshDatabase("rot")
        let database = try #require(target.database)
        let folder = try ServeProcess.makeFolder()
        var serve: ServeProcess?
        defer {
            serve?.stop()
            try? FileManager.default.removeItem(atPath: folder)
        }
        // Two accounts with one role: the shop's DML on its database, nothing else.
        let admin = try await MariaDBConnection.connect(server.adminConfiguration())
        let first = "First-pass-\(UUID().uuidString.prefix(8))"
        for statement in [
            "CREATE ROLE shop_rw", "GRANT SELECT, INSERT, UPDATE, DELETE ON `\(database)`.* TO shop_rw",
            "CREATE USER shop_a@'127.0.0.1' IDENTIFIED BY PASSWORD '\(MariaDBAccount.nativePasswordHash(first))'",
            "CREATE USER shop_b@'127.0.0.1' IDENTIFIED BY PASSWORD '\(MariaDBAccount.nativePasswordHash(first))' ACCOUNT LOCK",
            "GRANT shop_rw TO shop_a@'127.0.0.1'", "GRANT shop_rw TO shop_b@'127.0.0.1'",
            "SET DEFAULT ROLE shop_rw FOR shop_a@'127.0.0.1'", "SET DEFAULT ROLE shop_rw FOR shop_b@'127.0.0.1'",
        ] {
            _ = try await admin.execute(MariaDBQuery(unsafeSQL: statement))
        }
        let secretFile = folder + "/db.cnf"
        FileManager.default.createFile(
            atPath: secretFile,
            contents: Data(
                DatabaseCredentials(user: "shop_a", password: first).fileText.utf8),
            attributes: [.posixPermissions: 0o600])

        let url = "mysql://shop_a@127.0.0.1:\(server.port)/\(database)"
        let (migrated, output) = try ServeProcess.run(
            ["migrate"],
            environment: [
                "DATABASE_URL": "mysql://\(server.adminUser)@127.0.0.1:\(server.port)/\(database)",
                "DATABASE_PASSWORD_FILE": server.adminPasswordFile,
            ])
        try #require(migrated == 0, "storefront migrate: \(output)")
        let process = try await ServeProcess.start(
            environment: [
                "DATABASE_URL": url, "DATABASE_CREDENTIALS_FILE": secretFile, "ADMIN_API_KEY": Self.adminKey,
            ], folder: folder, name: "serve")
        serve = process
        let shop = LiveCalls(port: process.port, adminKey: Self.adminKey)
        func call(
            _ method: HTTPRequest.Method, _ path: String, _ body: [String: Any]? = nil, token: String? = nil,
            admin: Bool = false
        ) async throws -> ShopClient.Reply {
            try await shop.call(method, path, body, token: token, admin: admin)
        }
        let product = try await call(
            .post, "/admin/products",
            [
                "sku": "R-1", "title": "Tea", "description": "",
                "price": "1.00", "stock": 1_000_000,
            ], admin: true)
        let productID = try #require(product["id"] as? Int, "\(product.text)")

        let tally = Tally()
        let stop = Tally()
        let shoppers = (0..<3).map { n in
            Task {
                let email = "rot\(n)@example.com"
                _ = try await call(
                    .post, "/customers", ["email": email, "name": "R \(n)", "password": ShopClient.password])
                let session = try await call(.post, "/sessions", ["email": email, "password": ShopClient.password])
                let token = try #require(session["token"] as? String, "\(session.text)")
                while stop.snapshot.orders == 0 {
                    do {
                        let cart = try await call(.post, "/carts", [:], token: token)
                        let cartID = cart["id"] as? Int ?? 0
                        let item = try await call(
                            .put, "/carts/\(cartID)/items", ["product_id": productID, "quantity": 1],
                            token: token)
                        let order = try await call(
                            .post, "/carts/\(cartID)/checkout", ["payment_method": "card"],
                            token: token)
                        for reply in [cart, item, order] where reply.status >= 500 || reply.status == 0 {
                            tally.fail("\(reply.status) \(reply.text.prefix(200))")
                        }
                        if order.status == 201 { tally.order() }
                    } catch {
                        tally.fail("\(error)")
                    }
                }
            }
        }
        // Rotate once orders are flowing (a loaded machine may take a while to get there).
        let deadline = ContinuousClock.now + .seconds(120)
        while tally.snapshot.orders < 3, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let flowing = tally.snapshot.orders

        let set = CredentialSet(
            name: "shop", accounts: ["shop_a", "shop_b"], host: "127.0.0.1", file: secretFile,
            drainTimeout: 60)
        let rotation = CredentialRotation(set: set, admin: server.adminConfiguration())
        var shopB: DatabaseCredentials?
        for expected in ["shop_b", "shop_a"] {
            let previous = try DatabaseCredentials.load(secretFile)
            if previous.user == "shop_b" { shopB = previous }
            let plan = try await rotation.plan()
            #expect(plan.idle.user == expected)
            let outcome = try await rotation.execute(plan)
            #expect(outcome.to.user == expected, "\(outcome)")
            try await Task.sleep(for: .milliseconds(500))
            // The old account is locked: its password no longer lets anyone in.
            let locked = try await Self.signIn(
                as: outcome.from.user, previous.password, server: server,
                database: database)
            #expect(locked.contains("locked"), "\(locked)")
        }
        let before = tally.snapshot.orders

        // A file with a wrong password: tried once, reported, and the shop keeps serving on shop_a.
        try DatabaseCredentials(user: "shop_b", password: "not-the-password").fileText
            .write(toFile: secretFile + ".tmp", atomically: false, encoding: .utf8)
        chmod(secretFile + ".tmp", 0o600)
        rename(secretFile + ".tmp", secretFile)
        let tried = ContinuousClock.now + .seconds(120)
        while !process.log.contains("the new account cannot sign in"), ContinuousClock.now < tried {
            try await Task.sleep(for: .milliseconds(200))
        }
        let settled = tally.snapshot.orders
        while tally.snapshot.orders < settled + 2, ContinuousClock.now < tried {
            try await Task.sleep(for: .milliseconds(100))
        }
        stop.order()
        for shopper in shoppers { try await shopper.value }

        let (orders, failures) = tally.snapshot
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(flowing >= 3, "orders were flowing before the first rotation: \(flowing)")
        #expect(before > flowing, "and kept coming through both rotations: \(before)")
        #expect(orders > before, "and after the bad file: \(orders)")
        process.stop()
        let log = process.log
        #expect(log.components(separatedBy: "database credentials changed").count - 1 == 2, "\(log.suffix(1500))")
        #expect(log.components(separatedBy: "the new account cannot sign in").count - 1 == 1, "tried once")
        #expect(!log.contains(first), "no password in the log")
        // One wrong password, not the three that would block shop_b: unlocked, its real password still signs in
        // (a blocked account is refused with 4150 whatever the password, until FLUSH PRIVILEGES).
        let realB = try #require(shopB, "the first rotation published shop_b")
        _ = try await admin.execute("ALTER USER shop_b@'127.0.0.1' ACCOUNT UNLOCK")
        let unblocked = try await Self.signIn(as: "shop_b", realB.password, server: server, database: database)
        #expect(unblocked == "signed in", "shop_b was not blocked by the shop's tries: \(unblocked)")
        // The check can fail: three wrong passwords do block it.
        for _ in 0..<3 { _ = try await Self.signIn(as: "shop_b", "wrong", server: server, database: database) }
        let blocked = try await Self.signIn(as: "shop_b", realB.password, server: server, database: database)
        #expect(blocked.contains("4150") || blocked.contains("blocked"), "\(blocked)")
        try? await admin.close()
    }

    /// The dbctl verb without --execute: the checks and the steps, and nothing changed.
    @Test func theDryRunChecksAndChangesNothing() async throws {
        let server = try TestServer.require()
        let folder = try ServeProcess.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let admin = try await MariaDBConnection.connect(server.adminConfiguration())
        for statement in [
            "CREATE USER dry_a@'127.0.0.1' IDENTIFIED BY PASSWORD '\(MariaDBAccount.nativePasswordHash("x-pass-1"))'",
            "CREATE USER dry_b@'127.0.0.1' ACCOUNT LOCK", "GRANT SELECT ON mysql.db TO dry_a@'127.0.0.1'",
        ] {
            _ = try await admin.execute(MariaDBQuery(unsafeSQL: statement))
        }
        let secretFile = folder + "/db.cnf"
        let original = DatabaseCredentials(user: "dry_a", password: "x-pass-1").fileText
        FileManager.default.createFile(
            atPath: secretFile, contents: Data(original.utf8),
            attributes: [.posixPermissions: 0o600])
        let config = folder + "/dbctl.yaml"
        try """
        server: {url: "mysql://\(server.adminUser)@127.0.0.1:\(server.port)/", password_file: \(server.adminPasswordFile)}
        security:
          credentials:
            - {name: shop, accounts: [dry_a, dry_b], host: "127.0.0.1", file: \(secretFile)}
        """.write(toFile: config, atomically: false, encoding: .utf8)
        let dbctl = URL(fileURLWithPath: ServeProcess.binary).deletingLastPathComponent()
            .appendingPathComponent("dbctl").path
        // The grants differ: refused before anything is written, naming both accounts.
        let (refused, refusal) = try ProgramRunner.run(
            dbctl,
            [
                "security", "credentials", "rotate", "--config", config,
                "--set", "shop",
            ], environment: [:])
        #expect(refused != 0)
        #expect(refusal.contains("dry_a@127.0.0.1 and dry_b@127.0.0.1 do not have the same grants"), "\(refusal)")
        _ = try await admin.execute("GRANT SELECT ON mysql.db TO dry_b@'127.0.0.1'")
        let (status, output) = try ProgramRunner.run(
            dbctl,
            [
                "security", "credentials", "rotate", "--config", config,
                "--set", "shop",
            ], environment: [:])
        #expect(status == 0, "\(output)")
        #expect(output.contains("✓ secret file"), "\(output)")
        #expect(output.contains("would rotate dry_a → dry_b"))
        #expect(output.contains("ACCOUNT LOCK") && output.contains("dry run: nothing changed"))
        #expect(!output.contains("x-pass-1"))
        #expect(try String(contentsOfFile: secretFile, encoding: .utf8) == original)
        let stillLocked = try await Self.signIn(as: "dry_b", "anything", server: server, database: "mysql")
        #expect(stillLocked != "signed in")
        try? await admin.close()
    }

    /// "signed in", or the error text of signing in as `user` with `password`.
    static func signIn(as user: String, _ password: String, server: MariaDBServer, database: String) async throws
        -> String
    {
        var configuration = server.adminConfiguration(database: database)
        configuration.username = user
        configuration.password = password
        do {
            let connection = try await MariaDBConnection.connect(configuration)
            try? await connection.close()
            return "signed in"
        } catch {
            return "\(error)"
        }
    }
}
