import Foundation
import Storefront
import Testing

/// `STOREFRONT_ENV`: which `.env` files are read, in which order, and what production refuses.
@Suite struct EnvironmentTests {
    /// A folder with the given dot-env files, removed after `body`.
    static func withFiles(_ files: [String: String], _ body: (String) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "storefront-env-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, text) in files { try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8) }
        try body(directory)
    }

    static let goodProduction = [
        "STOREFRONT_ENV": "production", "DATABASE_URL": "mysql://shop@db.internal:3306/shop?sslmode=verify-identity&sslca=/etc/ssl/ca.pem",
        "ADMIN_API_KEY": "0123456789abcdef",
    ]

    /// `goodProduction` with a PII key file (0600) that exists during `body`.
    static func withGoodProduction(_ body: ([String: String]) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "storefront-pii-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/pii.keys"
        FileManager.default.createFile(atPath: file, contents: Data((PIICodec.newKeyLine(version: 1) + "\n").utf8),
                                       attributes: [.posixPermissions: 0o600])
        try body(goodProduction.merging(["PII_KEY_FILE": file]) { $1 })
    }

    @Test func defaultsToDevelopment() throws {
        let plain = try StorefrontConfiguration.fromEnvironment([:], dotEnvDirectory: "/nonexistent")
        #expect(plain.environment == .development)
        let staging = try StorefrontConfiguration.fromEnvironment(["STOREFRONT_ENV": "staging"],
                                                                  dotEnvDirectory: "/nonexistent")
        #expect(staging.environment == .staging)
    }

    @Test func anUnknownEnvironmentIsNamed() throws {
        let error = try #require(throws: StorefrontConfigurationError.self) {
            try StorefrontConfiguration.fromEnvironment(["STOREFRONT_ENV": "prod"], dotEnvDirectory: "/nonexistent")
        }
        #expect(error.description.contains("STOREFRONT_ENV=prod"), "\(error)")
        #expect(error.description.contains("production"), "lists the known names: \(error)")
    }

    @Test func theEnvironmentFileOverridesDotEnvAndTheProcessOverridesBoth() throws {
        try Self.withFiles([
            ".env": "DB_POOL_MIN=1\nDB_POOL_MAX=5\nCATALOG_CACHE_TTL_SECONDS=5\n",
            ".env.staging": "DB_POOL_MAX=6\nCATALOG_CACHE_TTL_SECONDS=6\n",
            ".env.development": "DB_POOL_MAX=99\n",
        ]) { directory in
            let c = try StorefrontConfiguration.fromEnvironment(
                ["STOREFRONT_ENV": "staging", "CATALOG_CACHE_TTL_SECONDS": "7"], dotEnvDirectory: directory)
            #expect(c.environment == .staging)
            #expect(c.poolMinimum == 1, "from .env")
            #expect(c.poolMaximum == 6, ".env.staging wins over .env")
            #expect(c.catalogCacheTTL == .seconds(7), "the process environment wins over both")
            let development = try StorefrontConfiguration.fromEnvironment([:], dotEnvDirectory: directory)
            #expect(development.poolMaximum == 99, "the default environment reads .env.development")
        }
    }

    @Test func dotEnvMayNameTheEnvironment() throws {
        try Self.withFiles([".env": "STOREFRONT_ENV=staging\n", ".env.staging": "DB_POOL_MAX=3\n"]) { directory in
            let c = try StorefrontConfiguration.fromEnvironment([:], dotEnvDirectory: directory)
            #expect(c.environment == .staging)
            #expect(c.poolMaximum == 3)
        }
    }

    @Test func productionAcceptsASafeConfiguration() throws {
        try Self.withGoodProduction { environment in
            let c = try StorefrontConfiguration.fromEnvironment(environment, dotEnvDirectory: "/nonexistent")
            #expect(c.environment == .production)
            #expect(c.pii.encrypts)
        }
    }

    @Test(arguments: [
        (["DATABASE_URL": "sqlite:///tmp/shop.sqlite"], "temporary directory"),
        (["DATABASE_URL": "sqlite://" + NSTemporaryDirectory() + "shop.sqlite"], "temporary directory"),
        (["DATABASE_URL": "sqlite::memory:"], "in memory"),
        (["DATABASE_URL": "mysql://shop@db.internal:3306/shop"], "sslmode=disable"),
        (["DATABASE_URL": "mysql://shop@db.internal:3306/shop?sslmode=prefer"], "sslmode=prefer"),
        (["DATABASE_URL": "mysql://shop@db.internal:3306/shop?sslmode=require"], "does not verify the server's name"),
        (["DATABASE_URL": "mysql://shop@db.internal:3306/shop?sslmode=verify-ca&sslca=/etc/ssl/ca.pem"],
         "(sslmode=verify-ca)"),
        (["DATABASE_REPLICA_URLS": "mysql://shop@replica:3306/shop"], "DATABASE_REPLICA_URLS"),
        (["ADMIN_API_KEY": ""], "ADMIN_API_KEY is not set"),
        (["ADMIN_API_KEY": "short-key"], "at least 16"),
        (["PASSWORD_HASH_COST": "8"], "PASSWORD_HASH_COST=8"),
        (["PII_KEY_FILE": nil], "PII_KEY_FILE is not set"),
        (
            ["DATABASE_URL": "mysql://shop:Secret-1@db:3306/shop?sslmode=verify-identity&sslca=/etc/ca.pem"],
            "DATABASE_URL holds a password"
        ),
        (
            ["DATABASE_REPLICA_URLS": "mysql://shop:Secret-1@r:3306/shop?sslmode=verify-identity&sslca=/etc/ca.pem"],
            "DATABASE_REPLICA_URLS holds a password"
        ),
    ])
    func productionRefuses(change: [String: String?], expected: String) throws {
        try Self.withGoodProduction { good in
            var environment = good
            for (key, value) in change { environment[key] = value }
            try Self.refuses(environment, expected: expected)
        }
    }

    static func refuses(_ environment: [String: String], expected: String) throws {
        let error = try #require(throws: StorefrontConfigurationError.self) {
            try StorefrontConfiguration.fromEnvironment(environment, dotEnvDirectory: "/nonexistent")
        }
        #expect(error.problems.count == 1, "\(error)")
        #expect(error.description.contains(expected), "\(error)")
        #expect(error.description.hasPrefix("STOREFRONT_ENV=production: "), "\(error)")
        #expect(!error.description.contains("\n"), "one line: \(error)")
    }

    /// The admin key from a file: read when only its owner can, refused with the file's mode otherwise; a
    /// password in a URL is refused in production only and never echoed.
    @Test func theAdminKeyFileMustBePrivate() throws {
        try Self.withGoodProduction { good in
            let file = NSTemporaryDirectory() + "storefront-admin-\(UUID().uuidString.prefix(8)).key"
            defer { try? FileManager.default.removeItem(atPath: file) }
            var environment = good
            environment["ADMIN_API_KEY"] = nil
            environment["ADMIN_API_KEY_FILE"] = file
            FileManager.default.createFile(
                atPath: file, contents: Data("admin-key-from-a-file-0123\n".utf8),
                attributes: [.posixPermissions: 0o600])
            let read = try StorefrontConfiguration.fromEnvironment(environment, dotEnvDirectory: "/nonexistent")
            #expect(read.adminAPIKey == "admin-key-from-a-file-0123")
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
            let error = try #require(throws: StorefrontConfigurationError.self) {
                try StorefrontConfiguration.fromEnvironment(environment, dotEnvDirectory: "/nonexistent")
            }
            #expect(error.description.contains("ADMIN_API_KEY_FILE \(file)"), "\(error)")
            #expect(error.description.contains("mode 644"), "\(error)")
            #expect(!error.description.contains("admin-key-from-a-file"))
        }
        let url = "mysql://shop:Url-Secret-9@db.internal:3306/shop"
        let development = try StorefrontConfiguration.fromEnvironment(["DATABASE_URL": url], dotEnvDirectory: "/x")
        #expect(development.passwordsInURLs == ["DATABASE_URL"])
        try Self.withGoodProduction { good in
            let error = try #require(throws: StorefrontConfigurationError.self) {
                try StorefrontConfiguration.fromEnvironment(
                    good.merging(["DATABASE_URL": url + "?sslmode=verify-identity&sslca=/c.pem"]) { $1 },
                    dotEnvDirectory: "/nonexistent")
            }
            #expect(!error.description.contains("Url-Secret-9"), "\(error)")
        }
    }

    @Test func thePoolsLifetimeIsRead() throws {
        let set = try StorefrontConfiguration.fromEnvironment(
            ["DB_POOL_MAX_LIFETIME_SECONDS": "60"], dotEnvDirectory: "/nonexistent")
        #expect(set.poolMaximumLifetime == .seconds(60))
        let unset = try StorefrontConfiguration.fromEnvironment([:], dotEnvDirectory: "/x")
        #expect(unset.poolMaximumLifetime == .seconds(1800))
        let error = try #require(throws: StorefrontConfigurationError.self) {
            try StorefrontConfiguration.fromEnvironment(["DB_POOL_MAX_LIFETIME_SECONDS": "0"], dotEnvDirectory: "/x")
        }
        #expect(error.description.contains("DB_POOL_MAX_LIFETIME_SECONDS"), "\(error)")
    }

    @Test func productionListsEveryProblemAtOnce() throws {
        let error = try #require(throws: StorefrontConfigurationError.self) {
            try StorefrontConfiguration.fromEnvironment(
                ["STOREFRONT_ENV": "production", "DATABASE_URL": "sqlite:///tmp/shop.sqlite"],
                dotEnvDirectory: "/nonexistent")
        }
        #expect(error.problems.count == 3, "\(error)")
        #expect(error.description.split(separator: "\n").count == 3)
        #expect(error.description.contains("PII_KEY_FILE"))
        #expect(error.description.contains("temporary directory"))
        #expect(error.description.contains("ADMIN_API_KEY"))
    }

    @Test func productionIsNotForcedOnOtherEnvironments() throws {
        for name in ["development", "staging"] {
            let c = try StorefrontConfiguration.fromEnvironment(
                ["STOREFRONT_ENV": name, "DATABASE_URL": "sqlite:///tmp/shop.sqlite"], dotEnvDirectory: "/nonexistent")
            #expect(c.database == .sqlite(path: "/tmp/shop.sqlite"))
        }
    }

    @Test func aProductionServeRefusesToStartWithOneLinePerProblem() throws {
        let folder = try ServeProcess.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (status, output) = try ServeProcess.run(["serve"], environment: [
            "STOREFRONT_ENV": "production", "DATABASE_URL": "sqlite:///tmp/storefront-never.sqlite",
            "ADMIN_API_KEY": "short",
        ])
        #expect(status != 0)
        #expect(output.contains("temporary directory"), "\(output)")
        #expect(output.contains("at least 16"), "\(output)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/storefront-never.sqlite"))
    }
}
