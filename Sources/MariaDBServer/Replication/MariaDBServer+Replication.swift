import Foundation
import Logging
import MariaDB

extension MariaDBServer {
    /// Starts a new local server that replicates from this one with GTIDs (`MASTER_USE_GTID=slave_pos`),
    /// read-only, and waits until both replication threads run. When this server has certificates, the
    /// channel is TLS with the server's certificate checked against its CA and its name
    /// (`MASTER_SSL_VERIFY_SERVER_CERT`), and the replication account is `REQUIRE SSL`.
    public func startReplica(serverID: UInt32, options: Options = Options()) async throws -> MariaDBServer {
        let user = "storefront_repl"
        let password = try replicationPassword()
        let primary = try BlockingConnection.connect(adminConfiguration())
        defer { primary.close() }
        // Generated password (see `replicationPassword`); account statements take no placeholders.
        let requireSSL = self.options.tls == nil ? "" : " REQUIRE SSL"
        try primary.execute(
            MariaDBQuery(
                unsafeSQL: "CREATE USER IF NOT EXISTS '\(user)'@'127.0.0.1' IDENTIFIED BY '\(password)'\(requireSSL)"))
        try primary.execute(
            MariaDBQuery(unsafeSQL: "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '\(user)'@'127.0.0.1'"))

        var replicaOptions = options
        replicaOptions.serverID = serverID
        replicaOptions.overrides += [("read_only", "ON")]
        let replica = try await MariaDBServer.start(replicaOptions, logger: Logger(label: "storefront.mariadb-replica"))
        do {
            let connection = try BlockingConnection.connect(replica.adminConfiguration())
            defer { connection.close() }
            var channelTLS = ""
            if let tls = self.options.tls {
                let ca = tls.caFile.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "'", with: "\\'")
                channelTLS = ", MASTER_SSL = 1, MASTER_SSL_CA = '\(ca)', MASTER_SSL_VERIFY_SERVER_CERT = 1"
            }
            try connection.execute(
                MariaDBQuery(
                    unsafeSQL: """
                        CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = \(port), MASTER_USER = '\(user)',
                        MASTER_PASSWORD = '\(password)', MASTER_USE_GTID = slave_pos,
                        MASTER_CONNECT_RETRY = 1\(channelTLS)
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
                last =
                    "io=\(io) sql=\(sql) \(try row.decode("Last_IO_Error", as: String.self)) "
                    + (try row.decode("Last_SQL_Error", as: String.self))
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
        let password = GeneratedPassword.make()
        try MariaDBServer.write(password + "\n", to: path, mode: 0o600)
        return password
    }
}
