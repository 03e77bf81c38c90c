import Foundation
import MariaDB

/// What a backup needs to know about the server, read over one connection: version, ids, binlog settings,
/// the current GTID position, the data directory and the account's privileges.
struct ServerFacts: Sendable {
    var version: String
    var serverID: UInt32
    var logBin: Bool
    var binlogFormat: String
    var gtidBinlogPos: String
    var dataDirectory: String
    var grants: [String]
    var binaryLogs: [(name: String, size: UInt64)]

    /// "10.11"
    var majorMinor: String { version.split(separator: ".").prefix(2).joined(separator: ".") }

    /// Privileges a physical backup and binlog archiving need, missing from the account's grants.
    func missingPrivileges(_ needed: [String]) -> [String] {
        let text = grants.joined(separator: " ").uppercased()
        if text.contains("GRANT ALL PRIVILEGES ON *.*") { return [] }
        return needed.filter { !text.contains($0) }
    }
}

enum ServerProbe {
    static func facts(_ configuration: MariaDBConfiguration) async throws -> ServerFacts {
        let connection: MariaDBConnection
        do {
            connection = try await MariaDBConnection.connect(configuration)
        } catch {
            throw BackupError(.precondition, "cannot connect to \(configuration.endpoint): \(error)")
        }
        do {
            let facts = try await read(connection)
            try? await connection.close()
            return facts
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private static func read(_ connection: MariaDBConnection) async throws -> ServerFacts {
        let row = try await connection.query(
            """
            SELECT @@version, @@server_id, @@log_bin, @@binlog_format, @@gtid_binlog_pos, @@datadir
            """
        ).rows[0]
        let grants = try await connection.query("SHOW GRANTS").rows.map { $0[0].text }
        var logs: [(String, UInt64)] = []
        if row[2].text == "1" {
            logs = try await connection.query("SHOW BINARY LOGS").rows.map { ($0[0].text, UInt64($0[1].text) ?? 0) }
        }
        return ServerFacts(
            version: row[0].text, serverID: UInt32(row[1].text) ?? 0, logBin: row[2].text == "1",
            binlogFormat: row[3].text, gtidBinlogPos: row[4].text, dataDirectory: row[5].text,
            grants: grants, binaryLogs: logs)
    }
}
