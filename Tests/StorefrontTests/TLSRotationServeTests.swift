import DatabaseSecurity
import DbctlConfig
import Foundation
import HTTPTypes
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Storefront
import Testing

/// A running shop over `verify-identity` TLS while the server's certificate is rotated and then its CA is
/// replaced in three stages (`dbctl security tls rotate`, `rotate --ca`), with no restart of the server or the
/// shop: orders keep coming and not one request fails. The shop's pool retires connections after a second,
/// so new TLS handshakes (verified against `ca.pem` as it is at that moment) happen throughout.
@Suite struct TLSRotationServeTests {
    static let adminKey = "tls-rotation-admin-key-0123"

    @Test func theShopKeepsTakingOrdersWhileCertificatesAndTheCAAreReplaced() async throws {
        let folder = try ServeProcess.makeFolder()
        var serve: ServeProcess?
        defer {
            serve?.stop()
            try? FileManager.default.removeItem(atPath: folder)
        }
        let section = TLSSection(
            directory: folder + "/tls", hosts: ["127.0.0.1", "localhost"], clients: ["storefront"])
        let files = TLSDirectory(path: section.directory)
        try TLSInitializer(section: section).execute()
        var options = MariaDBServer.Options()
        options.tls = .init(
            caFile: files.caCertificate, certificateFile: files.serverCertificate, keyFile: files.serverKey)
        for line in TLSInitializer(section: section).serverSettings().dropFirst(3) {
            let parts = line.components(separatedBy: " = ")
            options.set(parts[0], parts[1])
        }
        let server = try await TestServer.start(options)
        do {
            var admin = server.adminConfiguration()
            admin.tls = .init(mode: .verifyIdentity, caFile: files.caCertificate)
            serve = try await Self.rotateUnderOrders(server: server, admin: admin, section: section, folder: folder)
        } catch {
            serve?.stop()
            try? await server.stop()
            throw error
        }
        serve?.stop()
        try await server.stop()
    }

    static func rotateUnderOrders(
        server: MariaDBServer, admin: MariaDBConfiguration, section: TLSSection, folder: String
    ) async throws -> ServeProcess {
        let files = TLSDirectory(path: section.directory)
        let setup = try await MariaDBConnection.connect(admin)
        _ = try await setup.execute("CREATE DATABASE shop")
        let password = "Tls-Shop-\(UUID().uuidString.prefix(8))"
        let passwordFile = folder + "/shop.pw"
        FileManager.default.createFile(
            atPath: passwordFile, contents: Data(password.utf8), attributes: [.posixPermissions: 0o600])
        let hash = MariaDBAccount.nativePasswordHash(password)
        _ = try await setup.execute(
            MariaDBQuery(unsafeSQL: "CREATE USER 'shop'@'127.0.0.1' IDENTIFIED BY PASSWORD '\(hash)' REQUIRE SSL"))
        _ = try await setup.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON shop.* TO 'shop'@'127.0.0.1'")
        let tls = "sslmode=verify-identity&sslca=\(files.caCertificate)"
        let (migrated, output) = try ServeProcess.run(
            ["migrate"],
            environment: [
                "DATABASE_URL": "mysql://\(server.adminUser)@127.0.0.1:\(server.port)/shop?\(tls)",
                "DATABASE_PASSWORD_FILE": server.adminPasswordFile,
            ])
        try #require(migrated == 0, "storefront migrate: \(output)")
        let environment = [
            "DATABASE_URL": "mysql://shop@127.0.0.1:\(server.port)/shop?\(tls)", "DATABASE_PASSWORD_FILE": passwordFile,
            "ADMIN_API_KEY": adminKey, "DB_POOL_MAX_LIFETIME_SECONDS": "1",
        ]
        let process = try await ServeProcess.start(environment: environment, folder: folder, name: "serve")
        let shop = LiveCalls(port: process.port, adminKey: adminKey)
        let product = try await shop.call(
            .post, "/admin/products",
            ["sku": "TLS-1", "title": "Tea", "description": "", "price": "2.00", "stock": 1_000_000], admin: true)
        let productID = try #require(product["id"] as? Int, "\(product.text)")

        let orders = SharedTally()
        let failures = SharedTally()
        let stop = SharedTally()
        let shoppers = (0..<2).map { n in
            Task {
                let email = "tls\(n)@example.com"
                _ = try await shop.call(
                    .post, "/customers", ["email": email, "name": "T \(n)", "password": ShopClient.password])
                let session = try await shop.call(
                    .post, "/sessions", ["email": email, "password": ShopClient.password])
                let token = try #require(session["token"] as? String, "\(session.text)")
                while stop.count == 0 {
                    do {
                        let cart = try await shop.call(.post, "/carts", [:], token: token)
                        let cartID = cart["id"] as? Int ?? 0
                        let item = try await shop.call(
                            .put, "/carts/\(cartID)/items", ["product_id": productID, "quantity": 1], token: token)
                        let order = try await shop.call(
                            .post, "/carts/\(cartID)/checkout", ["payment_method": "card"], token: token)
                        for reply in [cart, item, order] where reply.status >= 500 || reply.status == 0 {
                            failures.add("\(reply.status) \(reply.text.prefix(200))")
                        }
                        if order.status == 201 { orders.add("") }
                    } catch {
                        failures.add("\(error)")
                    }
                }
            }
        }
        func ordersFlow(_ what: String) async throws {
            let start = orders.count
            let deadline = ContinuousClock.now + .seconds(120)
            while orders.count < start + 5, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(orders.count >= start + 5, "orders kept coming \(what): \(orders.count - start)")
        }
        func uptime() async throws -> Int {
            Int(try await setup.query("SHOW GLOBAL STATUS LIKE 'Uptime'").rows.first?[1].text ?? "") ?? 0
        }
        // After each step the shop must have signed in afresh (a connection id above one opened after the step,
        // so a TLS handshake verified against ca.pem as it is now) and taken more orders.
        func reconnected(_ what: String) async throws {
            let probe = try await MariaDBConnection.connect(admin)
            let mark = Int(try await probe.query("SELECT CONNECTION_ID()").rows.first?[0].text ?? "") ?? 0
            try await probe.close()
            let deadline = ContinuousClock.now + .seconds(60)
            var fresh = 0
            while fresh == 0, ContinuousClock.now < deadline {
                let rows = try await setup.query(
                    "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'shop' AND ID > \(mark)"
                ).rows
                fresh = Int(rows.first?[0].text ?? "") ?? 0
                if fresh == 0 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(fresh > 0, "the shop made new verified connections \(what)")
            try await ordersFlow(what)
        }
        let startedAt = try await uptime()
        try await ordersFlow("before")

        let certificate = TLSRotation(section: section, admin: admin)
        _ = try await certificate.execute(try await certificate.plan())
        try await reconnected("after the server's certificate was replaced")
        let rotation = CARotation(section: section, admin: admin)
        for stage in [CARotation.Stage.trust, .issue, .retire] {
            let plan = try await rotation.plan()
            #expect(plan.stage == stage)
            _ = try await rotation.execute(plan)
            try await reconnected("after the CA's \(stage) stage")
        }
        stop.add("")
        for shopper in shoppers { try await shopper.value }

        #expect(failures.items.isEmpty, "\(failures.items.prefix(5))")
        #expect(try await uptime() >= startedAt, "the server was not restarted")
        let (verified, text) = try ProgramRunner.run(
            "/usr/bin/openssl", ["verify", "-CAfile", files.caCertificate, files.serverCertificate])
        #expect(verified == 0, "the server's certificate is the new CA's, which alone is trusted: \(text)")
        try await setup.close()
        return process
    }
}

/// Thread-safe list of what happened, for load tasks.
final class SharedTally: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ item: String) { lock.withLock { list.append(item) } }
    var count: Int { lock.withLock { list.count } }
    var items: [String] { lock.withLock { list } }
}
