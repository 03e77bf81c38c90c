import MariaDB

/// What `SecurityCheck` reads from the server, in one pass.
struct ServerFacts: Sendable {
    struct Account: Sendable {
        let user: String
        let host: String
        let isRole: Bool
        let hasEmptyPassword: Bool
        let sslType: String
        let locked: Bool
        let grants: GrantList

        var name: String { isRole ? user : "\(user)@\(host)" }
        /// `'user'@'host'` (names as the server holds them; quotes doubled).
        var sql: String {
            let quote: (String) -> String = { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }
            return isRole ? MariaDBIdentifier.quote(user) : "\(quote(user))@\(quote(host))"
        }
    }

    var accounts: [Account] = []
    var variables: [String: String] = [:]
    /// Plugin name, lower case (`server_audit` is listed as `SERVER_AUDIT`) → status.
    var plugins: [String: String] = [:]
    var databases: Set<String> = []
    var testGrants = 0
    /// `Ssl_server_not_after` ("Jan  4 05:51:17 2028 GMT"); nil without a certificate.
    var certificateNotAfter: String?

    static let variableNames = [
        "have_ssl", "require_secure_transport", "tls_version", "local_infile", "secure_file_priv", "have_symlink",
        "skip_name_resolve", "server_audit_logging", "max_password_errors", "datadir", "ssl_key",
        "file_key_management_filename", "file_key_management_filekey",
    ]

    static func read(_ db: MariaDBConnection) async throws -> ServerFacts {
        var facts = ServerFacts()
        for row in try await db.query("SHOW GLOBAL VARIABLES").rows
        where variableNames.contains(row[0].text) {
            facts.variables[row[0].text] = row[1].text
        }
        if let text = try await db.query("SHOW GLOBAL STATUS LIKE 'Ssl_server_not_after'").rows.first?[1].text,
            !text.isEmpty
        {
            facts.certificateNotAfter = text
        }
        for row in try await db.query("SELECT PLUGIN_NAME, PLUGIN_STATUS FROM information_schema.PLUGINS").rows {
            facts.plugins[row[0].text.lowercased()] = row[1].text
        }
        facts.databases = Set(try await db.query("SHOW DATABASES").rows.map { $0[0].text })
        facts.testGrants =
            Int(
                try await db.query(
                    "SELECT COUNT(*) FROM mysql.db WHERE Db = 'test' OR Db LIKE 'test\\\\_%'"
                ).rows[0][0].text) ?? 0
        let rows = try await db.query(
            """
            SELECT u.User, u.Host, u.is_role,
                   u.authentication_string = '' AND u.plugin IN ('', 'mysql_native_password'),
                   u.ssl_type, COALESCE(JSON_VALUE(p.Priv, '$.account_locked'), 0)
            FROM mysql.user u JOIN mysql.global_priv p ON p.User = u.User AND p.Host = u.Host
            ORDER BY u.User, u.Host
            """
        ).rows
        for row in rows {
            let isRole = row[2].text == "Y"
            let account = Account(
                user: row[0].text, host: row[1].text, isRole: isRole, hasEmptyPassword: row[3].text == "1",
                sslType: row[4].text, locked: row[5].text == "1", grants: GrantList(lines: []))
            let grantee = account.sql
            let lines =
                (try? await db.query(MariaDBQuery(unsafeSQL: "SHOW GRANTS FOR \(grantee)")).rows.map { $0[0].text })
                ?? []
            facts.accounts.append(
                Account(
                    user: account.user, host: account.host, isRole: isRole, hasEmptyPassword: account.hasEmptyPassword,
                    sslType: account.sslType, locked: account.locked, grants: GrantList(lines: lines)))
        }
        return facts
    }
}
