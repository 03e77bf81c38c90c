import FluentKit
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Storefront
import Testing

/// `POST /admin/database/switch` on a live shop: SQLite → MariaDB and back, every refusal leaving the old
/// database in use, and a replaced database kept open for the request still using it.
@Suite(.mariaDB) struct DatabaseSwitchTests {
    /// A fresh database on the suite's server, migrated by the shop's own migrations.
    static func migratedMariaDB() async throws -> (configuration: MariaDBConfiguration, url: String) {
        let configuration = try TestServer.freshDatabase("cut")
        let db = StorefrontDatabase(StorefrontConfiguration(database: .mariaDB(MariaDBConfigurationBox(configuration))))
        do { try await db.migrate() } catch {
            await db.shutdown()
            throw error
        }
        await db.shutdown()
        return (configuration, url(configuration))
    }

    static func url(_ configuration: MariaDBConfiguration) -> String {
        "mysql://\(configuration.username)@127.0.0.1:\(configuration.port)/\(configuration.database ?? "")"
    }

    /// Customers in a database, read directly (not through the shop).
    static func customers(in target: StorefrontConfiguration.DatabaseTarget) async throws -> [String] {
        let db = StorefrontDatabase(StorefrontConfiguration(database: target))
        do {
            let names = try await Customer.query(on: db.database()).sort(\.$id).all().map { try $0.name(.plain) }
            await db.shutdown()
            return names
        } catch {
            await db.shutdown()
            throw error
        }
    }

    static func newCustomer(_ shop: LiveShop, _ name: String) async throws -> Int {
        let body = #"{"email": "\#(name)@example.com", "name": "\#(name)", "password": "\#(ShopClient.password)"}"#
        let reply = try await shop.request(.post, "/customers", json: body)
        #expect(reply.status == 201, "\(reply.text)")
        return try #require(reply["id"] as? Int, "\(reply.text)")
    }

    @Test func switchesFromSQLiteToMariaDBAndBack() async throws {
        try await LiveShop.run(.sqlite) { shop in
            guard case .sqlite(let path) = shop.services.configuration.database else { return }
            _ = try await Self.newCustomer(shop, "before")
            let (mariaDB, url) = try await Self.migratedMariaDB()
            let server = try TestServer.require()
            let original = shop.services.db

            #expect(try await shop.admin(.post, "/admin/database/freeze", json: #"{"lease_ms": 30000}"#).status == 200)
            let body = #"{"url": "\#(url)", "password_file": "\#(server.adminPasswordFile)"}"#
            let switched = try await shop.admin(.post, "/admin/database/switch", json: body)
            #expect(switched.status == 200, "\(switched.text)")
            #expect(switched["backend"] as? String == "mariadb")
            #expect(switched["database"] as? String == "127.0.0.1:\(server.port)/\(mariaDB.database ?? "")")
            #expect(switched["generation"] as? Int == 1)
            #expect(switched["frozen"] as? Bool == true, "a switch does not thaw")
            #expect(!switched.text.contains(mariaDB.password ?? "no password"), "never echoes the password")
            #expect(try await shop.admin(.post, "/admin/database/thaw").status == 200)

            let id = try await Self.newCustomer(shop, "after")
            #expect(try await Self.customers(in: .mariaDB(MariaDBConfigurationBox(mariaDB))) == ["after"])
            #expect(try await Self.customers(in: .sqlite(path: path)) == ["before"])
            #expect(try await shop.admin(.get, "/admin/customers/\(id)")["name"] as? String == "after")
            #expect(try await shop.request(.get, "/health/ready")["database"] as? String == "mariadb")
            let status = try await shop.admin(.get, "/admin/database")
            #expect(status["backend"] as? String == "mariadb")
            #expect(status["generation"] as? Int == 1)
            try await Self.waitUntil("the replaced SQLite database is shut down") { original.hasShutDown }

            // And back, the same way.
            #expect(try await shop.admin(.post, "/admin/database/freeze", json: #"{"lease_ms": 60000}"#).status == 200)
            let back = try await shop.admin(.post, "/admin/database/switch", json: #"{"url": "sqlite://\#(path)"}"#)
            #expect(back.status == 200, "\(back.text)")
            #expect(back["backend"] as? String == "sqlite")
            #expect(back["database"] as? String == path)
            #expect(back["generation"] as? Int == 2)
            #expect(try await shop.admin(.post, "/admin/database/thaw").status == 200)
            _ = try await Self.newCustomer(shop, "home")
            #expect(try await Self.customers(in: .sqlite(path: path)) == ["before", "home"])
            #expect(try await Self.customers(in: .mariaDB(MariaDBConfigurationBox(mariaDB))) == ["after"])
            #expect(try await shop.request(.get, "/health/ready")["database"] as? String == "sqlite")
        }
    }

    @Test func refusedSwitchesLeaveTheOldDatabaseServing() async throws {
        try await LiveShop.run(.sqlite) { shop in
            guard case .sqlite(let path) = shop.services.configuration.database else { return }
            let id = try await Self.newCustomer(shop, "kept")
            let (_, url) = try await Self.migratedMariaDB()
            let passwordFile = try TestServer.require().adminPasswordFile
            func attempt(_ body: String) async throws -> ShopClient.Reply {
                try await shop.admin(.post, "/admin/database/switch", json: body)
            }

            let notFrozen = try await attempt(#"{"url": "\#(url)", "password_file": "\#(passwordFile)"}"#)
            #expect(notFrozen.status == 409, "\(notFrozen.text)")
            #expect(notFrozen.errorCode == "not_frozen")

            #expect(try await shop.admin(.post, "/admin/database/freeze", json: #"{"lease_ms": 60000}"#).status == 200)
            let bare = Self.url(try TestServer.freshDatabase("bare"))
            let unmigrated = try await attempt(#"{"url": "\#(bare)", "password_file": "\#(passwordFile)"}"#)
            #expect(unmigrated.status == 409, "\(unmigrated.text)")
            #expect(unmigrated.errorCode == "migrations_pending")

            let port = try FreePort.pick()
            let unreachable = try await attempt(#"{"url": "mysql://shop@127.0.0.1:\#(port)/shop"}"#)
            #expect(unreachable.status == 502, "\(unreachable.text)")
            #expect(unreachable.errorCode == "database_unreachable")
            #expect(unreachable.errorMessage.contains("127.0.0.1:\(port)/shop"), "names the host: \(unreachable.text)")

            let missingFile = try await attempt(#"{"url": "sqlite:///nonexistent/shop.sqlite"}"#)
            #expect(missingFile.status == 502, "\(missingFile.text)")
            #expect(missingFile.errorMessage.contains("/nonexistent/shop.sqlite"), "\(missingFile.text)")

            let openFile = NSTemporaryDirectory() + "storefront-readable-\(UUID().uuidString.prefix(8))"
            try "secret\n".write(toFile: openFile, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: openFile) }
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: openFile)
            let badFields: [(String, String)] = [
                (#"{"url": "postgres://shop@db/shop"}"#, "url"),
                (#"{"url": "mysql://shop:hunter2@127.0.0.1/shop"}"#, "url"),
                (#"{"url": "mysql://shop@127.0.0.1:99999/shop"}"#, "url"),
                (#"{"url": "sqlite::memory:"}"#, "url"),
                (#"{"url": 42}"#, "url"),
                (#"{}"#, "url"),
                (#"{"url": "\#(url)", "pasword_file": "x"}"#, "pasword_file"),
                (#"{"url": "\#(url)", "password_file": "\#(openFile)"}"#, "password_file"),
                (#"{"url": "sqlite://\#(path)", "replica_urls": ["mysql://r@127.0.0.1/shop"]}"#, "replica_urls"),
                (#"{"url": "\#(url)", "replica_urls": ["sqlite:///tmp/x.sqlite"]}"#, "replica_urls"),
            ]
            for (body, field) in badFields {
                let reply = try await attempt(body)
                #expect(reply.status == 400, "\(body): \(reply.text)")
                #expect(reply.errorField == field, "\(body): \(reply.text)")
                #expect(!reply.text.contains("hunter2"), "never echoes a password")
            }

            let status = try await shop.admin(.get, "/admin/database")
            #expect(status["backend"] as? String == "sqlite")
            #expect(status["database"] as? String == path)
            #expect(status["generation"] as? Int == 0)
            #expect(try await shop.admin(.get, "/admin/customers/\(id)")["name"] as? String == "kept")
            #expect(try await shop.admin(.post, "/admin/database/thaw").status == 200)
            _ = try await Self.newCustomer(shop, "later")
            #expect(try await Self.customers(in: .sqlite(path: path)) == ["kept", "later"])
        }
    }

    @Test func aReplacedDatabaseStaysOpenForTheRequestStillUsingIt() async throws {
        try await LiveShop.run(.mariadb) { shop in
            guard case .mariaDB(let box) = shop.services.configuration.database else { return }
            let id = try await Self.newCustomer(shop, "held")
            let original = shop.services.db
            let target = try await SQLiteFiles.migrated()
            defer { SQLiteFiles.remove(target) }

            // The read below waits for this lock: it starts on MariaDB and is still running during the switch.
            let lock = try await OutsideLock.mariaDBTable("customers", configuration: box.configuration)
            let read = Task { try await shop.admin(.get, "/admin/customers/\(id)") }
            try await Task.sleep(for: .milliseconds(300))

            #expect(try await shop.admin(.post, "/admin/database/freeze", json: #"{"lease_ms": 60000}"#).status == 200)
            let switched = try await shop.admin(.post, "/admin/database/switch",
                                                json: #"{"url": "sqlite://\#(target)"}"#)
            #expect(switched.status == 200, "\(switched.text)")
            #expect(try await shop.admin(.post, "/admin/database/thaw").status == 200)
            #expect(shop.services.databases.replacedStillInUse == 1)
            #expect(!original.hasShutDown, "MariaDB stays open for the read")
            #expect(try await shop.admin(.get, "/admin/customers/\(id)").status == 404, "new requests use SQLite")

            await lock.release()
            let reply = try await read.value
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply["name"] as? String == "held")
            try await Self.waitUntil("the replaced MariaDB database is shut down") { original.hasShutDown }
            #expect(shop.services.databases.replacedStillInUse == 0)
        }
    }

    static func waitUntil(_ what: String, timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out: \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
