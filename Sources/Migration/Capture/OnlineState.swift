import Foundation
import MariaDB

/// The online migration's state in the target (`_dbctl_online`, name → value): the phase, the snapshot's
/// position, the applied position. The applied position is written in the same transaction as the changes
/// it covers, so a run killed at any point resumes without loss or double effect.
public enum OnlineState {
    public static let table = "_dbctl_online"
    static var quoted: String { MariaDBIdentifier.quote(table) }

    public enum Phase: String, Sendable, Codable {
        case copying, applying, cutOver = "cut_over", finished, rolledBack = "rolled_back"
    }

    public static func create(on connection: BlockingConnection) throws {
        try connection.execute(
            MariaDBQuery(
                unsafeSQL: """
                    CREATE TABLE IF NOT EXISTS \(quoted) (name VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL,
                      updated_at DATETIME(6) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
                    """))
    }

    public static func exists(on connection: BlockingConnection) throws -> Bool {
        !(try connection.query(
            MariaDBQuery(
                unsafeSQL: """
                    SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?
                    """, binds: [.string(table)])
        ).rows.isEmpty)
    }

    public static func set(_ name: String, _ value: String, on connection: BlockingConnection) throws {
        try connection.execute(
            MariaDBQuery(
                unsafeSQL: """
                    INSERT INTO \(quoted) (name, value, updated_at) VALUES (?, ?, UTC_TIMESTAMP(6))
                      ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at)
                    """, binds: [.string(name), .string(value)]))
    }

    public static func all(on connection: BlockingConnection) throws -> [String: String] {
        guard try exists(on: connection) else { return [:] }
        var values: [String: String] = [:]
        for row in try connection.query(MariaDBQuery(unsafeSQL: "SELECT name, value FROM \(quoted)")).rows {
            values[try row.decode(0, as: String.self)] = try row.decode(1, as: String.self)
        }
        return values
    }

    public static func phase(on connection: BlockingConnection) throws -> Phase? {
        try all(on: connection)["phase"].flatMap(Phase.init(rawValue:))
    }

    public static func drop(on connection: BlockingConnection) throws {
        try connection.execute(MariaDBQuery(unsafeSQL: "DROP TABLE IF EXISTS \(quoted)"))
    }
}
