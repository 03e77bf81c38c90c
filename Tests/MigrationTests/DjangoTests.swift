import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Migration
import Testing

/// A real Django project (Tests/MigrationTests/DjangoShop, Django + mysqlclient from PyPI in a venv the
/// test builds under .venv/django): its SQLite database is migrated with dbctl into the schema Django
/// creates on MariaDB; afterwards Django finds nothing to do and reads exactly the same objects.
@Suite(.mariaDB) struct DjangoTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let project = root.appendingPathComponent("Tests/MigrationTests/DjangoShop").path
    static let venv = root.appendingPathComponent(".venv/django").path

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws -> String {
        let (status, text) = try ProgramRunner.run(executable, arguments, environment: environment, directory: directory)
        guard status == 0 else {
            throw MigrationError("\(arguments.first ?? executable) \(arguments.dropFirst().prefix(2).joined(separator: " ")) exited \(status): \(text.suffix(2000))")
        }
        return text
    }

    /// Builds the venv once (Django + mysqlclient); the lock keeps parallel tests from racing.
    static func python() throws -> String {
        let python = venv + "/bin/python"
        let lock = NSLock()
        lock.lock(); defer { lock.unlock() }
        if !FileManager.default.isExecutableFile(atPath: python) || (try? run(python, ["-c", "import django, MySQLdb"])) == nil {
            try run("/usr/bin/env", ["python3", "-m", "venv", venv])
            try run(venv + "/bin/pip", ["install", "-q", "Django>=5.2,<5.3", "mysqlclient"])
        }
        return python
    }

    func manage(_ python: String, _ arguments: [String], database: [String: String]) throws -> String {
        try Self.run(python, ["manage.py"] + arguments, environment: database, directory: Self.project)
    }

    func mysqlEnvironment(_ configuration: MariaDBConfiguration, directory: String) throws -> [String: String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cnf = directory + "/client.cnf"
        let text = "[client]\nhost=127.0.0.1\nport=\(configuration.port)\nuser=\(configuration.username)\npassword=\(configuration.password ?? "")\ndatabase=\(configuration.database ?? "")\n"
        guard FileManager.default.createFile(atPath: cnf, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw MigrationError("cannot write \(cnf)")
        }
        return ["SHOP_DB": "mysql", "SHOP_MYSQL_CNF": cnf]
    }

    static func schema(_ configuration: MariaDBConfiguration) throws -> [String] {
        let columns = try query(configuration, """
            SELECT CONCAT_WS('|', TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, IFNULL(COLUMN_DEFAULT, '∅'), EXTRA, IFNULL(COLLATION_NAME, ''))
            FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
            """).map { try $0.decode(0, as: String.self) }
        let indexes = try query(configuration, """
            SELECT CONCAT_WS('|', TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME)
            FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
            """).map { try $0.decode(0, as: String.self) }
        let foreignKeys = try query(configuration, """
            SELECT CONCAT_WS('|', k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.DELETE_RULE, r.UPDATE_RULE)
            FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r
              ON r.CONSTRAINT_SCHEMA = k.TABLE_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
            WHERE k.TABLE_SCHEMA = DATABASE()
            """).map { try $0.decode(0, as: String.self) }
        return (columns + indexes + foreignKeys).sorted()
    }

    @Test func djangoShopMigratesAndDjangoAgrees() throws {
        let python = try Self.python()
        let directory = NSTemporaryDirectory() + "django-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sqlite = ["SHOP_DB": "sqlite", "SHOP_SQLITE": directory + "/shop.sqlite3"]
        try manage(python, ["migrate", "-v0"], database: sqlite)
        try manage(python, ["fill", "--scale", "150"], database: sqlite)

        // The application creates its schema on MariaDB; dbctl copies the data into it.
        let target = try TestServer.freshDatabase("django")
        let mysql = try mysqlEnvironment(target, directory: directory)
        try manage(python, ["migrate", "-v0"], database: mysql)
        let (report, _) = try migrate(SQLiteFixture(unchecked: directory + "/shop.sqlite3"), schema: .auto, target: target)
        #expect(report.mode == "existing")
        #expect(report.verified, "\(report.text)")
        #expect(report.text.contains("rows the target's migrations had created in auth_permission"), "\(report.text)")

        // Django finds nothing to do on the migrated database…
        _ = try manage(python, ["migrate", "--check"], database: mysql)
        _ = try manage(python, ["makemigrations", "--check", "--dry-run"], database: mysql)
        // …reads exactly the objects it wrote on SQLite (decimals, µs datetimes, UUIDs, JSON, booleans)…
        let before = try manage(python, ["digest"], database: sqlite)
        let after = try manage(python, ["digest"], database: mysql)
        #expect(before == after)
        // …and the schema equals what Django creates on an empty MariaDB database.
        let fresh = try TestServer.freshDatabase("djfresh")
        try manage(python, ["migrate", "-v0"], database: try mysqlEnvironment(fresh, directory: directory + "-fresh"))
        try? FileManager.default.removeItem(atPath: directory + "-fresh")
        #expect(try Self.schema(target) == Self.schema(fresh))
    }
}
