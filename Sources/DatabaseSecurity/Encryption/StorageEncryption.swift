import DbctlConfig
import Foundation
import MariaDB

/// `dbctl security encryption plan|apply`: with `file_key_management` loaded (my.cnf, one restart), turns on
/// tablespace encryption at run time and follows the background threads in `INNODB_TABLESPACES_ENCRYPTION`
/// until every tablespace is encrypted. The count comes from `INNODB_SYS_TABLESPACES` (the temporary one is
/// encrypted by `innodb_encrypt_temporary_tables` at start): the encryption table lists a tablespace only once
/// the threads have reached it, so its own count would call a half-done job finished. What only a restart
/// turns on (redo log, binlog, temporary files) is checked and named.
public struct StorageEncryption: Sendable {
    public let section: EncryptionSection
    public let admin: MariaDBConfiguration

    public init(section: EncryptionSection, admin: MariaDBConfiguration) {
        self.section = section
        self.admin = admin
    }

    public struct Plan: Sendable {
        public var statements: [String] = []
        /// Settings a restart must change, with their my.cnf line.
        public var needsRestart: [String] = []
        public var unchanged: [String] = []
        /// Tables created with `ENCRYPTED=NO`: an explicit choice, left as it is and named.
        public var optedOut: [String] = []
        public var tablespaces: Progress
    }

    public struct Progress: Sendable, Equatable {
        public var total: Int
        public var encrypted: Int
        /// Tablespaces the threads are still working on.
        public var rotating: Int
        public var done: Bool { total > 0 && encrypted == total && rotating == 0 }
    }

    public func plan() async throws -> Plan {
        let connection = try await connect()
        do {
            let active = try await connection.query(
                "SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'FILE_KEY_MANAGEMENT'"
            ).rows.first?[0].text
            guard active == "ACTIVE" else {
                try? await connection.close()
                throw SecurityError(
                    .encryption,
                    "\(admin.endpoint) has no file_key_management plugin: put the lines "
                        + "of `dbctl security encryption init` in my.cnf and restart the server once")
            }
            var variables: [String: String] = [:]
            for row in try await connection.query("SHOW GLOBAL VARIABLES").rows { variables[row[0].text] = row[1].text }
            var plan = Plan(tablespaces: try await progress(connection))
            func want(_ name: String, _ value: String, dynamic: Bool) {
                if variables[name]?.uppercased() == value.uppercased() {
                    plan.unchanged.append("\(name) = \(value)")
                } else if dynamic {
                    plan.statements.append("SET GLOBAL \(name) = \(value)")
                } else {
                    plan.needsRestart.append("\(name) = \(value)   (now \(variables[name] ?? "absent"))")
                }
            }
            want("innodb_encryption_threads", String(section.threads), dynamic: true)
            want("innodb_encrypt_tables", "ON", dynamic: true)
            for name in [
                "innodb_encrypt_log", "encrypt_binlog", "encrypt_tmp_files", "innodb_encrypt_temporary_tables",
            ] {
                want(name, "ON", dynamic: false)
            }
            plan.optedOut = try await connection.query(
                """
                SELECT CONCAT('`', TABLE_SCHEMA, '`.`', TABLE_NAME, '`') FROM information_schema.TABLES
                WHERE CREATE_OPTIONS LIKE '%`ENCRYPTED`=''NO''%' ORDER BY 1
                """
            ).rows.map { $0[0].text }
            try? await connection.close()
            return plan
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs the statements and waits (up to `timeout`) for every tablespace to be encrypted.
    public func apply(
        _ plan: Plan, timeout: TimeInterval = 3600, progress report: @Sendable (Progress) -> Void = { _ in }
    ) async throws -> Progress {
        let connection = try await connect()
        do {
            for statement in plan.statements {
                // Fixed names and values from `plan`: nothing of the user's is spliced.
                _ = try await connection.execute(MariaDBQuery(unsafeSQL: statement))
            }
            let deadline = Date().addingTimeInterval(timeout)
            var current = try await progress(connection)
            var last: Progress?
            while !current.done {
                if current != last { report(current) }
                last = current
                guard Date() < deadline else {
                    throw SecurityError(
                        .encryption,
                        "\(current.encrypted) of \(current.total) tablespaces encrypted "
                            + "after \(Int(timeout)) s; the threads go on "
                            + "(dbctl security encryption plan shows progress)"
                    )
                }
                try await Task.sleep(for: .milliseconds(200))
                current = try await progress(connection)
            }
            report(current)
            try? await connection.close()
            return current
        } catch {
            try? await connection.close()
            throw error
        }
    }

    func progress(_ connection: MariaDBConnection) async throws -> Progress {
        let row = try await connection.query(
            """
            SELECT COUNT(*), COALESCE(SUM(e.ENCRYPTION_SCHEME = 1 AND e.CURRENT_KEY_VERSION > 0), 0),
                   COALESCE(SUM(e.KEY_ROTATION_PAGE_NUMBER IS NOT NULL), 0)
            FROM information_schema.INNODB_SYS_TABLESPACES t
            LEFT JOIN information_schema.INNODB_TABLESPACES_ENCRYPTION e ON e.SPACE = t.SPACE
            WHERE t.NAME <> 'innodb_temporary' AND t.NAME NOT IN (
                SELECT CONCAT(TABLE_SCHEMA, '/', TABLE_NAME) FROM information_schema.TABLES
                WHERE CREATE_OPTIONS LIKE '%`ENCRYPTED`=''NO''%')
            """
        ).rows[0]
        return Progress(total: Int(row[0].text) ?? 0, encrypted: Int(row[1].text) ?? 0, rotating: Int(row[2].text) ?? 0)
    }

    func connect() async throws -> MariaDBConnection {
        do { return try await MariaDBConnection.connect(admin) } catch {
            throw SecurityError(.server, "cannot connect to \(admin.endpoint) as \(admin.username): \(error)")
        }
    }
}
