import Foundation
import Glibc
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Migration
import Testing

/// A Django project under Tests/MigrationTests with its own venv (.venv/<name>, git-ignored) built from the
/// project's requirements.txt, pinned versions from PyPI. The venv is rebuilt when requirements.txt changes.
struct DjangoProject: Sendable {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    let directory: String
    let venv: String

    init(_ folder: String, venv: String) {
        directory = Self.root + "/Tests/MigrationTests/" + folder
        self.venv = Self.root + "/.venv/" + venv
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws -> String {
        let (status, text) = try ProgramRunner.run(executable, arguments, environment: environment, directory: directory)
        guard status == 0 else {
            throw MigrationError("\(arguments.first ?? executable) \(arguments.dropFirst().prefix(2).joined(separator: " ")) exited \(status): \(text.suffix(3000))")
        }
        return text
    }

    /// The venv's python, after building the venv if it is missing or was built from other requirements.
    /// An exclusive `flock` on .venv/<name>.lock serialises builders across tests and test processes.
    func python() throws -> String {
        let python = venv + "/bin/python"
        let stamp = venv + "/requirements.txt"
        let wanted = try String(contentsOfFile: directory + "/requirements.txt", encoding: .utf8)
        try FileManager.default.createDirectory(atPath: Self.root + "/.venv", withIntermediateDirectories: true)
        let lock = open(venv + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw MigrationError("cannot open \(venv).lock: errno \(errno)") }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else { throw MigrationError("cannot lock \(venv).lock: errno \(errno)") }
        defer { flock(lock, LOCK_UN) }
        if FileManager.default.isExecutableFile(atPath: python), (try? String(contentsOfFile: stamp, encoding: .utf8)) == wanted {
            return python
        }
        try Self.run("/usr/bin/env", ["python3", "-m", "venv", "--clear", venv])
        try Self.run(venv + "/bin/pip", ["install", "-q", "--disable-pip-version-check", "-r", directory + "/requirements.txt"])
        try wanted.write(toFile: stamp, atomically: true, encoding: .utf8)
        return python
    }

    @discardableResult
    func manage(_ arguments: [String], _ database: [String: String]) throws -> String {
        try Self.run(try python(), ["manage.py"] + arguments, environment: database, directory: directory)
    }

    static func sqlite(_ path: String) -> [String: String] { ["SHOP_DB": "sqlite", "SHOP_SQLITE": path] }

    /// Settings read the MariaDB connection from a 0600 client.cnf in `directory` (the password stays off
    /// the command line and out of the environment).
    static func mysql(_ configuration: MariaDBConfiguration, directory: String) throws -> [String: String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cnf = directory + "/client-\(configuration.database ?? "none").cnf"
        let text = "[client]\nhost=127.0.0.1\nport=\(configuration.port)\nuser=\(configuration.username)\npassword=\(configuration.password ?? "")\ndatabase=\(configuration.database ?? "")\n"
        guard FileManager.default.createFile(atPath: cnf, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw MigrationError("cannot write \(cnf)")
        }
        return ["SHOP_DB": "mysql", "SHOP_MYSQL_CNF": cnf]
    }

    /// Everything the database's schema consists of, one sorted line per fact: tables (type, engine,
    /// collation), columns, indexes (order, prefix, type), foreign keys, check constraints, triggers and
    /// routines. Nothing is excluded: a table the migration tool left behind is a difference.
    static func schema(_ configuration: MariaDBConfiguration) throws -> [String] {
        let queries: [MariaDBQuery] = [
            """
            SELECT CONCAT_WS('|', 'table', TABLE_NAME, TABLE_TYPE, IFNULL(ENGINE, ''), IFNULL(TABLE_COLLATION, ''), IFNULL(CREATE_OPTIONS, ''))
            FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
            """,
            """
            SELECT CONCAT_WS('|', 'column', TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, IFNULL(COLUMN_DEFAULT, '∅'),
                             EXTRA, IFNULL(CHARACTER_SET_NAME, ''), IFNULL(COLLATION_NAME, ''))
            FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
            """,
            """
            SELECT CONCAT_WS('|', 'index', TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, IFNULL(COLLATION, ''),
                             IFNULL(SUB_PART, ''), INDEX_TYPE)
            FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
            """,
            """
            SELECT CONCAT_WS('|', 'fk', k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME,
                             r.DELETE_RULE, r.UPDATE_RULE)
            FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r
              ON r.CONSTRAINT_SCHEMA = k.TABLE_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
            WHERE k.TABLE_SCHEMA = DATABASE()
            """,
            """
            SELECT CONCAT_WS('|', 'check', TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE)
            FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()
            """,
            "SELECT CONCAT_WS('|', 'trigger', EVENT_OBJECT_TABLE, TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()",
            "SELECT CONCAT_WS('|', 'routine', ROUTINE_TYPE, ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()",
        ]
        return try queries.flatMap { try query(configuration, $0).map { try $0.decode(0, as: String.self) } }.sorted()
    }

    /// Row counts of the given tables.
    static func rowCounts(_ configuration: MariaDBConfiguration, _ tables: [String]) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in tables {
            counts[table] = try query(configuration, MariaDBQuery(unsafeSQL: "SELECT COUNT(*) FROM \(MariaDBIdentifier.quote(table))"))[0].decode(0, as: Int.self)
        }
        return counts
    }

    /// Lines of `before` missing from `after` (−) and new in `after` (+), for a readable failure message.
    static func difference(_ before: [String], _ after: [String]) -> String {
        let a = Set(before), b = Set(after)
        return (a.subtracting(b).sorted().map { "− \($0)" } + b.subtracting(a).sorted().map { "+ \($0)" }).joined(separator: "\n")
    }
}
