import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MariaDB
import MariaDBTestSupport
import NIOCore
import Storefront
import Testing

/// The shop served on a real listener (HummingbirdTesting `.live`), reached over a new connection per
/// request, so requests that wait (at the write gate, on a lock) never hold up the others.
struct LiveShop: Sendable {
    let port: Int
    let services: StorefrontServices
    let adminKey: String

    /// A fresh, migrated shop on `backend`; `configure` adjusts the configuration first.
    static func run(_ backend: Backend, adminKey: String = "test-admin-key",
                    configure: @Sendable (inout StorefrontConfiguration) -> Void = { _ in },
                    _ body: @escaping @Sendable (LiveShop) async throws -> Void) async throws {
        StorefrontMetrics.bootstrap()
        var file: String?
        var configuration: StorefrontConfiguration
        switch backend {
        case .sqlite:
            file = NSTemporaryDirectory() + "storefront-control-\(UUID().uuidString.prefix(8)).sqlite"
            configuration = StorefrontConfiguration(database: .sqlite(path: file!))
        case .mariadb, .mariadbLatin1:
            let database = try TestServer.freshDatabase("shop")
            configuration = StorefrontConfiguration(database: .mariaDB(MariaDBConfigurationBox(database)))
        }
        configuration.poolMinimum = 0
        configuration.adminAPIKey = adminKey
        configuration.forTests()
        configure(&configuration)
        let db = StorefrontDatabase(configuration)
        let services = StorefrontServices(configuration: configuration, db: db)
        let sqliteFile = file
        do {
            try await db.migrate()
            let app = Application(router: StorefrontApplication.router(services: services))
            try await app.test(.live) { client in
                try await body(LiveShop(port: try #require(client.port), services: services, adminKey: adminKey))
            }
        } catch {
            await services.shutdown()
            if let sqliteFile { SQLiteFiles.remove(sqliteFile) }
            throw error
        }
        await services.shutdown()
        if let sqliteFile { SQLiteFiles.remove(sqliteFile) }
    }

    func request(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, key: String? = nil)
        async throws -> ShopClient.Reply {
        try await Self.request(port: port, method, uri, json: json, key: key)
    }

    /// `X-API-Key` is the shop's admin key.
    func admin(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil) async throws -> ShopClient.Reply {
        try await request(method, uri, json: json, key: adminKey)
    }

    static func request(port: Int, _ method: HTTPRequest.Method, _ uri: String, json: String? = nil,
                        key: String? = nil, token: String? = nil) async throws -> ShopClient.Reply {
        var fields: HTTPFields = [.contentType: "application/json"]
        if let key { fields[HTTPField.Name("X-API-Key")!] = key }
        if let token { fields[.authorization] = "Bearer " + token }
        let headers = fields
        // Far above any wait the tests cause (a freeze lease is at most 60 s), so only a hang times out.
        let configuration = TestClient.Configuration(timeout: .seconds(180))
        return try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: configuration) { client in
            let response = try await client.execute(.init(uri, method: method, headers: headers,
                                                           body: json.map { ByteBuffer(string: $0) }))
            let text = response.body.map { String(buffer: $0) } ?? ""
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8))
            return ShopClient.Reply(status: Int(response.status.code), json: object as? [String: Any] ?? [:],
                                    array: object as? [Any] ?? [], headers: response.headers, text: text)
        }
    }

    func customer(_ email: String) async throws -> Int {
        let reply = try await request(.post, "/customers", json: #"{"email": "\#(email)", "name": "Kim", "password": "Kestrel-Umber-4417"}"#)
        #expect(reply.status == 201, "\(reply.text)")
        return try #require(reply["id"] as? Int, "\(reply.status) \(reply.text)")
    }

    /// Polls `GET /admin/database` until `condition` holds (fails the test after `timeout`).
    @discardableResult
    func waitForStatus(timeout: Duration = .seconds(60), _ what: String,
                       _ condition: (ShopClient.Reply) -> Bool) async throws -> ShopClient.Reply {
        let deadline = ContinuousClock.now + timeout
        while true {
            let status = try await admin(.get, "/admin/database")
            if condition(status) { return status }
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what): \(status.text)")
                return status
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

enum SQLiteFiles {
    static func remove(_ file: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
    }

    /// A migrated shop database in a new SQLite file, for a shop to switch to.
    static func migrated() async throws -> String {
        let file = NSTemporaryDirectory() + "storefront-target-\(UUID().uuidString.prefix(8)).sqlite"
        let db = StorefrontDatabase(StorefrontConfiguration(database: .sqlite(path: file)))
        do { try await db.migrate() } catch {
            await db.shutdown()
            throw error
        }
        await db.shutdown()
        return file
    }
}
