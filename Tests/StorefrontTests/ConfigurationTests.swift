import Foundation
import Storefront
import Testing

@Suite struct StorefrontConfigurationTests {
    @Test func defaultsToALocalSQLiteFile() throws {
        let c = try StorefrontConfiguration.fromEnvironment([:], dotEnvDirectory: "/nonexistent")
        #expect(c.database == .sqlite(path: "./storefront.sqlite"))
        #expect(c.poolMaximum == 10)
        #expect(c.adminAPIKey == nil)
    }

    @Test func mysqlURLReplicasAndPoolFromTheEnvironment() throws {
        let c = try StorefrontConfiguration.fromEnvironment([
            "DATABASE_URL": "mysql://shop:pw@db.internal:3307/shop",
            "DATABASE_REPLICA_URLS": "mysql://shop:pw@r1:3306/shop, mysql://shop:pw@r2:3306/shop",
            "DB_POOL_MIN": "2", "DB_POOL_MAX": "20", "DB_POOL_ACQUIRE_TIMEOUT_MS": "250",
        ], dotEnvDirectory: "/nonexistent")
        guard case .mariaDB(let box) = c.database else { Issue.record("expected MariaDB"); return }
        #expect(box.configuration.host == "db.internal")
        #expect(box.configuration.port == 3307)
        #expect(c.replicas.map(\.host) == ["r1", "r2"])
        #expect(c.poolMinimum == 2)
        #expect(c.poolMaximum == 20)
        #expect(c.poolAcquireTimeout == .milliseconds(250))
    }

    @Test func dotEnvFileIsReadAndTheEnvironmentWins() throws {
        let directory = NSTemporaryDirectory() + "envtest-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "# shop settings\nDATABASE_URL=\"sqlite:///var/shop.sqlite\"\nADMIN_API_KEY=from-file\nDB_POOL_MAX=7\n"
            .write(toFile: directory + "/.env", atomically: true, encoding: .utf8)
        let c = try StorefrontConfiguration.fromEnvironment(["ADMIN_API_KEY": "from-env"], dotEnvDirectory: directory)
        #expect(c.database == .sqlite(path: "/var/shop.sqlite"))
        #expect(c.adminAPIKey == "from-env")
        #expect(c.poolMaximum == 7)
        try "garbage line\n".write(toFile: directory + "/.env", atomically: true, encoding: .utf8)
        let error = try #require(throws: StorefrontConfigurationError.self) { try StorefrontConfiguration.fromEnvironment([:], dotEnvDirectory: directory) }
        #expect(error.description.contains(".env:1"))
    }

    @Test(arguments: [
        (["DATABASE_URL": "postgres://x@y/z"], "must start with sqlite:// or mysql://"),
        (["DATABASE_URL": "mysql://u:secret@h/db?bogus=1"], "unknown parameter"),
        (["DB_POOL_MAX": "0"], "DB_POOL_MAX"),
        (["DB_POOL_MIN": "5", "DB_POOL_MAX": "2"], "DB_POOL_MIN"),
        (["DB_POOL_MAX": "many"], "DB_POOL_MAX=many"),
        (["DATABASE_REPLICA_URLS": "sqlite:///tmp/x"], "mysql://"),
    ])
    func badSettingsAreNamed(environment: [String: String], expected: String) throws {
        do {
            _ = try StorefrontConfiguration.fromEnvironment(environment, dotEnvDirectory: "/nonexistent")
            Issue.record("expected an error for \(environment)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
            #expect(!"\(error)".contains("secret"))
        }
    }
}
