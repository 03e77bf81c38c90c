import Foundation
import MariaDB

extension MariaDBServer {
    /// Starts a new local server that replicates from this one with GTIDs (`MASTER_USE_GTID=slave_pos`),
    /// read-only, and waits until both replication threads run.
    public func startReplica(serverID: UInt32, options: Options = Options()) async throws -> MariaDBServer {
        let user = "storefront_repl"
        let password = try replicationPassword()
        let primary = try BlockingConnection.connect(adminConfiguration())
        defer { primary.close() }
        // Generated hex password (see `replicationPassword`); account statements take no placeholders.
        try primary.execute(MariaDBQuery(unsafeSQL: "CREATE USER IF NOT EXISTS '\(user)'@'127.0.0.1' IDENTIFIED BY '\(password)'"))
        try primary.execute(MariaDBQuery(unsafeSQL: "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '\(user)'@'127.0.0.1'"))

        var replicaOptions = options
        replicaOptions.serverID = serverID
        replicaOptions.overrides += [("read_only", "ON")]
        let replica = try await MariaDBServer.start(replicaOptions, logger: Logger(label: "storefront.mariadb-replica"))
        do {
            let connection = try BlockingConnection.connect(replica.adminConfiguration())
            defer { connection.close() }
            try connection.execute(MariaDBQuery(unsafeSQL: """
                CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = \(port), MASTER_USER = '\(user)',
                MASTER_PASSWORD = '\(password)', MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1
                """))
            try connection.execute("START SLAVE")
            try await replica.waitForReplication(timeout: 30)
        } catch {
            try? await replica.stop()
            throw error
        }
        return replica
    }

    /// Waits until the replica's IO and SQL threads both run.
    public func waitForReplication(timeout: TimeInterval) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            let connection = try BlockingConnection.connect(adminConfiguration())
            let row = try connection.query("SHOW SLAVE STATUS").rows.first
            connection.close()
            if let row {
                let io = try row.decode("Slave_IO_Running", as: String.self)
                let sql = try row.decode("Slave_SQL_Running", as: String.self)
                if io == "Yes" && sql == "Yes" { return }
                last = "io=\(io) sql=\(sql) \(try row.decode("Last_IO_Error", as: String.self)) \(try row.decode("Last_SQL_Error", as: String.self))"
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw MariaDBServerError("replica on port \(port) did not start replicating within \(Int(timeout)) s: \(last)")
    }

    /// The replication account's password, generated once per primary and kept 0600 next to its data.
    private func replicationPassword() throws -> String {
        let path = baseDirectory + "/replication.password"
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var generator = SystemRandomNumberGenerator()
        let password = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        try MariaDBServer.write(password + "\n", to: path, mode: 0o600)
        return password
    }
}

import Logging
