import Foundation
import MariaDB
import Testing

@Suite struct ConfigurationTests {
    @Test func parsesFullURL() throws {
        let c = try MariaDBConfiguration(url: "mysql://shop%40ops:p%3Ass%2Fw@db.example:3307/shop_db?sslmode=verify-identity&sslca=/etc/ssl/ca.pem&connect_timeout=3&read_timeout=30")
        #expect(c.username == "shop@ops")
        #expect(c.password == "p:ss/w")
        #expect(c.host == "db.example")
        #expect(c.port == 3307)
        #expect(c.database == "shop_db")
        #expect(c.tls.mode == .verifyIdentity)
        #expect(c.tls.caFile == "/etc/ssl/ca.pem")
        #expect(c.connectTimeout == 3)
        #expect(c.readTimeout == 30)
    }

    @Test func mariadbSchemeDefaultsAndLocalhostMeansTCP() throws {
        let c = try MariaDBConfiguration(url: "mariadb://root@localhost")
        #expect(c.host == "127.0.0.1")
        #expect(c.port == 3306)
        #expect(c.database == nil)
        #expect(c.password == nil)
        #expect(c.tls.mode == .disable)
        #expect(c.sqlMode.contains("STRICT_ALL_TABLES"))
        #expect(c.timeZone == "+00:00")
    }

    @Test(arguments: [
        ("postgres://u@h/db", "must start with mysql://"),
        ("mysql://h:3306/db", "has no user name"),
        ("mysql://u@h:70000/db", "outside 1-65535"),
        ("mysql://u@h/db?sslmode=sometimes", "is not one of"),
        ("mysql://u@h/db?sslmode=verify-ca", "needs sslca="),
        ("mysql://u@h/db?bogus=1", "unknown parameter 'bogus'"),
        ("mysql://u@h/db?connect_timeout=soon", "whole number of seconds"),
        ("not a url at all", "mysql://"),
    ])
    func rejectsBadURLs(url: String, expected: String) throws {
        let error = try #require(throws: MariaDBError.self) { try MariaDBConfiguration(url: url) }
        #expect(error.code == .configuration)
        #expect(error.description.contains(expected), "\(error.description)")
    }

    @Test func errorsAndDescriptionsNeverShowThePassword() throws {
        let error = try #require(throws: MariaDBError.self) {
            try MariaDBConfiguration(url: "mysql://u:SuperSecret42@h/db?oops=1")
        }
        #expect(!error.description.contains("SuperSecret42"))
        #expect(error.description.contains("u:***@h"))
        let c = try MariaDBConfiguration(url: "mysql://u:SuperSecret42@h/db")
        #expect(!c.description.contains("SuperSecret42"))
        #expect(!"\(c)".contains("SuperSecret42"))
        #expect(MariaDBConfiguration.redacted("mysql://u:pw@h/db") == "mysql://u:***@h/db")
    }

    @Test func passwordFileMustBePrivate() throws {
        let path = NSTemporaryDirectory() + "pw-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data("s3cret\n".utf8), attributes: [.posixPermissions: 0o644]))
        var c = MariaDBConfiguration(username: "u")
        let error = try #require(throws: MariaDBError.self) { try c.loadPassword(fromFile: path) }
        #expect(error.description.contains("chmod 600"))
        #expect(!error.description.contains("s3cret"))
        chmod(path, 0o600)
        try c.loadPassword(fromFile: path)
        #expect(c.password == "s3cret")
        let missing = try #require(throws: MariaDBError.self) { try c.loadPassword(fromFile: path + ".missing") }
        #expect(missing.description.contains(path + ".missing"))
    }
}
