import Foundation
import HTTPTypes
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Storefront
import Testing

/// The real `storefront serve` process cut over from SQLite to MariaDB through its control API, the way
/// `dbctl migrate --online` drives it: freeze, switch, thaw over HTTP, the password from the instance's
/// `DATABASE_PASSWORD_FILE`.
@Suite(.mariaDB) struct DatabaseControlServeTests {
    static let adminKey = "serve-control-key-0123"

    @Test func aServeProcessSwitchesFromSQLiteToMariaDBOverHTTP() async throws {
        let server = try TestServer.require()
        let folder = try ServeProcess.makeFolder()
        let environment = [
            "DATABASE_URL": "sqlite://\(folder)/shop.sqlite", "ADMIN_API_KEY": Self.adminKey,
            "DATABASE_PASSWORD_FILE": server.adminPasswordFile,
        ]
        var serve: ServeProcess?
        defer {
            serve?.stop()
            try? FileManager.default.removeItem(atPath: folder)
        }
        let (status, output) = try ServeProcess.run(["migrate"], environment: environment)
        try #require(status == 0, "storefront migrate: \(output)")
        let process = try await ServeProcess.start(environment: environment, folder: folder, name: "serve")
        serve = process
        func call(_ method: HTTPRequest.Method, _ path: String, _ json: String? = nil, admin: Bool = false)
            async throws -> ShopClient.Reply {
            try await LiveShop.request(port: process.port, method, path, json: json, key: admin ? Self.adminKey : nil)
        }

        let before = try await call(.post, "/customers", #"{"email": "a@example.com", "name": "on SQLite", "password": "Kestrel-Umber-4417"}"#)
        #expect(before.status == 201, "\(before.text)")
        let (mariaDB, url) = try await DatabaseSwitchTests.migratedMariaDB()

        let frozen = try await call(.post, "/admin/database/freeze", #"{"lease_ms": 30000}"#, admin: true)
        #expect(frozen.status == 200, "\(frozen.text)")
        let switched = try await call(.post, "/admin/database/switch", #"{"url": "\#(url)"}"#, admin: true)
        #expect(switched.status == 200, "\(switched.text)")
        #expect(switched["backend"] as? String == "mariadb")
        #expect(switched["generation"] as? Int == 1)
        let thawed = try await call(.post, "/admin/database/thaw", admin: true)
        #expect(thawed.status == 200, "\(thawed.text)")
        #expect(thawed["paused_ms"] as? Double != nil)

        let after = try await call(.post, "/customers", #"{"email": "b@example.com", "name": "on MariaDB", "password": "Kestrel-Umber-4417"}"#)
        #expect(after.status == 201, "\(after.text)")
        let onMariaDB = try await DatabaseSwitchTests.customers(in: .mariaDB(MariaDBConfigurationBox(mariaDB)))
        #expect(onMariaDB == ["on MariaDB"])
        #expect(try await DatabaseSwitchTests.customers(in: .sqlite(path: folder + "/shop.sqlite")) == ["on SQLite"])
        #expect(try await call(.get, "/health/ready")["database"] as? String == "mariadb")
        let current = try await call(.get, "/admin/database", admin: true)
        #expect(current["database"] as? String == "127.0.0.1:\(server.port)/\(mariaDB.database ?? "")")

        process.stop()
        #expect(!process.log.contains(mariaDB.password ?? "no password"), "the password never reaches the log")
        #expect(process.log.contains("database switched"), "\(process.log.suffix(600))")
    }
}
