import Foundation
import MariaDB

/// The least-privilege account backups run under: `RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR` for
/// mariadb-backup, `REPLICATION SLAVE` to read binlogs; nothing on any table's data.
public struct BackupAccount: Sendable {
    public static let privileges = ["RELOAD", "PROCESS", "LOCK TABLES", "BINLOG MONITOR", "REPLICATION SLAVE"]

    public let user: String
    public let host: String

    public init(user: String, host: String) {
        self.user = user
        self.host = host
    }

    /// The statements, as printed (the password is never shown).
    public var statements: [String] {
        [
            "CREATE USER IF NOT EXISTS '\(user)'@'\(host)' IDENTIFIED BY '…'",
            "ALTER USER '\(user)'@'\(host)' IDENTIFIED BY '…'",
            "GRANT \(Self.privileges.joined(separator: ", ")) ON *.* TO '\(user)'@'\(host)'",
        ]
    }

    static func nativeHash(_ password: String) -> String { MariaDBAccount.nativePasswordHash(password) }

    static func isPlainName(_ text: String) -> Bool { MariaDBAccount.isPlainName(text) }

    public func apply(admin: MariaDBConfiguration, password: String) async throws {
        guard Self.isPlainName(user), Self.isPlainName(host) else {
            throw BackupError(
                .invalidArgument, "account \(user)@\(host): user and host must be letters, digits, _ . - % :")
        }
        let account = "'\(user)'@'\(host)'"
        let hash = Self.nativeHash(password)
        let connection = try await MariaDBConnection.connect(admin)
        do {
            _ = try await connection.execute(
                MariaDBQuery(
                    unsafeSQL: "CREATE USER IF NOT EXISTS \(account) IDENTIFIED BY PASSWORD '\(hash)'"))
            _ = try await connection.execute(
                MariaDBQuery(unsafeSQL: "ALTER USER \(account) IDENTIFIED BY PASSWORD '\(hash)'"))
            _ = try await connection.execute(
                MariaDBQuery(
                    unsafeSQL: "GRANT \(Self.privileges.joined(separator: ", ")) ON *.* TO \(account)"))
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw BackupError(
                .privilege,
                "creating the backup account \(user)@\(host) on \(admin.endpoint) failed: "
                    + "\(error)")
        }
    }
}
