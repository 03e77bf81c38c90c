import Foundation
import MariaDB

/// A linter for a MariaDB server in the spirit of the CIS benchmark: accounts, privileges, network, files,
/// auditing and password policy, each finding with severity, evidence and the exact fix. Reads only.
public struct SecurityCheck: Sendable {
    public let connection: MariaDBConfiguration
    /// Accounts allowed administrative privileges besides the server's own (`root`, `mariadb.sys`) and the
    /// account the check connects as.
    public let administrators: Set<String>

    /// The time certificate expiry is judged at.
    public let now: Date

    public init(connection: MariaDBConfiguration, administrators: Set<String> = [], now: Date = Date()) {
        self.connection = connection
        self.administrators = administrators
        self.now = now
    }

    /// Privileges that let an account take over the server or read its files; only administrators hold them.
    static let dangerous: Set<String> = [
        "ALL PRIVILEGES", "SUPER", "FILE", "SHUTDOWN", "CREATE USER", "GRANT OPTION", "RELOAD",
        "BINLOG ADMIN", "CONNECTION ADMIN", "READ_ONLY ADMIN", "SET USER", "REPLICATION MASTER ADMIN",
    ]

    /// The server-wide privileges of each job's role in `RoleCatalog`.
    static let jobServerPrivileges: [Set<String>] = RoleCatalog.entries(schema: "").map { entry in
        Set(entry.grants.filter { $0.object == "*.*" }.map(\.name))
    }.filter { !$0.isEmpty }

    public func run() async throws -> [SecurityFinding] {
        let db: MariaDBConnection
        do { db = try await MariaDBConnection.connect(connection) } catch {
            throw SecurityError(.server, "cannot connect to \(connection.endpoint) as \(connection.username): \(error)")
        }
        do {
            let facts = try await ServerFacts.read(db)
            try? await db.close()
            var findings: [SecurityFinding] = []
            findings += accountFindings(facts)
            findings += try privilegeFindings(facts)
            findings += settingFindings(facts)
            findings += fileFindings(facts)
            return findings.sorted { ($0.severity, $1.rule) > ($1.severity, $0.rule) }
        } catch {
            try? await db.close()
            throw error
        }
    }

    // MARK: accounts

    func accountFindings(_ facts: ServerFacts) -> [SecurityFinding] {
        var findings: [SecurityFinding] = []
        let users = facts.accounts.filter { !$0.isRole }
        let anonymous = users.filter { $0.user.isEmpty }
        if !anonymous.isEmpty {
            findings.append(
                .init(
                    rule: "accounts.anonymous", severity: .high, title: "anonymous accounts let anyone sign in",
                    evidence: anonymous.map { "''@'\($0.host)'" }.joined(separator: ", "),
                    fix: anonymous.map { "DROP USER ''@'\($0.host)';" }.joined(separator: " ")))
        }
        let empty = users.filter { !$0.user.isEmpty && $0.hasEmptyPassword && !$0.locked }
        if !empty.isEmpty {
            findings.append(
                .init(
                    rule: "accounts.empty_password", severity: .high, title: "accounts that sign in without a password",
                    evidence: empty.map(\.name).joined(separator: ", "),
                    fix: empty.map { "ALTER USER \($0.sql) IDENTIFIED BY '<a strong password>';  -- or ACCOUNT LOCK" }
                        .joined(separator: " ")))
        }
        let anyHost = users.filter { $0.host == "%" && !$0.user.isEmpty }
        if !anyHost.isEmpty {
            findings.append(
                .init(
                    rule: "accounts.any_host", severity: .medium, title: "accounts that may sign in from any host",
                    evidence: anyHost.map(\.name).joined(separator: ", "),
                    fix: anyHost.map { "RENAME USER \($0.sql) TO '\($0.user)'@'<the application's address>';" }
                        .joined(separator: " ")))
        }
        let patterns = users.filter {
            $0.host != "%" && !$0.user.isEmpty && ($0.host.contains("%") || $0.host.contains("_"))
        }
        if !patterns.isEmpty {
            findings.append(
                .init(
                    rule: "accounts.host_pattern", severity: .low,
                    title: "accounts that may sign in from any machine matching a host pattern",
                    evidence: patterns.map(\.name).joined(separator: ", "),
                    fix: patterns.map {
                        "RENAME USER \($0.sql) TO '\($0.user)'@'<host, or subnet as 10.0.0.0/255.255.255.0>';"
                    }.joined(separator: " ")))
        }
        let local: Set<String> = ["localhost", "127.0.0.1", "::1"]
        let remoteRoot = users.filter { $0.user == "root" && !local.contains($0.host) }
        if !remoteRoot.isEmpty {
            findings.append(
                .init(
                    rule: "accounts.remote_root", severity: .high, title: "root may sign in from other hosts",
                    evidence: remoteRoot.map(\.name).joined(separator: ", "),
                    fix: remoteRoot.map { "DROP USER \($0.sql);" }.joined(separator: " ")))
        }
        let remotePlain = users.filter {
            !local.contains($0.host) && $0.sslType.isEmpty && !$0.locked && !$0.user.isEmpty
        }
        if !remotePlain.isEmpty {
            findings.append(
                .init(
                    rule: "accounts.remote_without_tls", severity: .medium,
                    title: "accounts from other hosts that do not require TLS",
                    evidence: remotePlain.map(\.name).joined(separator: ", "),
                    fix: remotePlain.map { "ALTER USER \($0.sql) REQUIRE SSL;" }.joined(separator: " ")))
        }
        if facts.databases.contains("test") || facts.testGrants > 0 {
            findings.append(
                .init(
                    rule: "databases.test", severity: .medium, title: "the test database, or grants on test%, exist",
                    evidence: "database test: \(facts.databases.contains("test") ? "present" : "absent"), "
                        + "\(facts.testGrants) grants on test / test\\_%",
                    fix: "DROP DATABASE IF EXISTS test; DELETE FROM mysql.db WHERE Db IN ('test', 'test\\\\_%'); "
                        + "FLUSH PRIVILEGES;"))
        }
        return findings
    }

    // MARK: privileges

    func privilegeFindings(_ facts: ServerFacts) throws -> [SecurityFinding] {
        let exempt: Set<String> = administrators.union(["root", "mariadb.sys", connection.username])
        var findings: [SecurityFinding] = []
        for account in facts.accounts where !account.isRole && !exempt.contains(account.user) && !account.locked {
            var held = account.grants.privileges.filter { $0.object == "*.*" }.map(\.name)
            if !account.grants.withGrantOption.isEmpty { held.append("GRANT OPTION") }
            for role in account.grants.roles {
                guard let granted = facts.accounts.first(where: { $0.isRole && $0.user == role }) else { continue }
                let global = Set(granted.grants.privileges.filter { $0.object == "*.*" }.map(\.name))
                // A role shaped like a job's (mariadb-backup needs RELOAD) is that job's, not an administrator's.
                if granted.grants.withGrantOption.isEmpty, Self.jobServerPrivileges.contains(where: global.isSubset) {
                    continue
                }
                held += global
                if !granted.grants.withGrantOption.isEmpty { held.append("GRANT OPTION") }
            }
            let bad = Set(held).intersection(Self.dangerous).sorted()
            guard !bad.isEmpty else { continue }
            findings.append(
                .init(
                    rule: "privileges.administrative", severity: .high,
                    title: "\(account.name) is not an administrator but holds administrative privileges",
                    evidence: "\(account.name): \(bad.joined(separator: ", ")) (directly or through its roles)",
                    fix:
                        "REVOKE \(bad.filter { $0 != "GRANT OPTION" }.joined(separator: ", ")) ON *.* "
                        + "FROM \(account.sql); "
                        + "give it its job's role instead (dbctl security roles apply), or list it with --admin"))
        }
        return findings
    }

    // MARK: settings

    func settingFindings(_ facts: ServerFacts) -> [SecurityFinding] {
        var findings: [SecurityFinding] = []
        let v = facts.variables
        func add(
            _ rule: String, _ severity: SecurityFinding.Severity, _ title: String, _ evidence: String,
            _ fix: String
        ) {
            findings.append(.init(rule: rule, severity: severity, title: title, evidence: evidence, fix: fix))
        }
        if v["have_ssl"] != "YES" {
            add(
                "tls.available", .high, "the server has no TLS certificate: every connection is plaintext",
                "have_ssl = \(v["have_ssl"] ?? "?")",
                "dbctl security tls init, then ssl_cert, ssl_key and ssl_ca in my.cnf and a restart")
        }
        if v["require_secure_transport"] != "ON" {
            add(
                "tls.required", .high, "plaintext logins over TCP are accepted",
                "require_secure_transport = \(v["require_secure_transport"] ?? "?")",
                "SET GLOBAL require_secure_transport = ON; and require_secure_transport = ON in my.cnf")
        }
        let versions = (v["tls_version"] ?? "").split(separator: ",").map(String.init)
        let old = versions.filter { $0 == "TLSv1.0" || $0 == "TLSv1.1" }
        if !old.isEmpty {
            add(
                "tls.old_versions", .medium, "TLS versions with known weaknesses are allowed",
                "tls_version = \(v["tls_version"] ?? "")", "tls_version = TLSv1.2,TLSv1.3 in my.cnf and a restart")
        }
        if let text = facts.certificateNotAfter, let notAfter = CertificateFacts.serverDate(text) {
            let days = Int(notAfter.timeIntervalSince(now) / 86_400)
            if days < 30 {
                add(
                    "tls.expiry", days < 7 ? .high : .medium,
                    days < 0
                        ? "the server's certificate has expired" : "the server's certificate expires in \(days) days",
                    "Ssl_server_not_after = \(text)",
                    "dbctl security tls rotate --execute (a new certificate, loaded with FLUSH SSL, no restart)")
            }
        }
        if v["local_infile"] == "ON" || v["local_infile"] == "1" {
            add(
                "files.local_infile", .medium,
                "LOAD DATA LOCAL is on: a client, or a statement injected into one, can load its host's files",
                "local_infile = ON",
                "SET GLOBAL local_infile = OFF; local_infile = 0 in my.cnf (turn it on only while dbctl migrate runs)")
        }
        let securePath = v["secure_file_priv"] ?? ""
        if securePath.isEmpty {
            add(
                "files.secure_file_priv", .medium,
                "accounts with FILE may read and write files anywhere the server can",
                "secure_file_priv is not set",
                "secure_file_priv = /var/lib/mysql-files in my.cnf (a directory of its own) and a restart")
        }
        if v["have_symlink"] == "YES" {
            add(
                "files.symbolic_links", .low, "tables may be symbolic links to files elsewhere", "have_symlink = YES",
                "symbolic_links = 0 in my.cnf and a restart")
        }
        if v["skip_name_resolve"] != "ON" {
            add(
                "network.name_resolve", .low, "accounts are matched against host names from DNS",
                "skip_name_resolve = OFF", "skip_name_resolve = ON in my.cnf (accounts by address) and a restart")
        }
        if facts.plugins["server_audit"] != "ACTIVE" || v["server_audit_logging"] != "ON" {
            let state =
                facts.plugins["server_audit"].map { "server_audit \($0.lowercased())" } ?? "server_audit not loaded"
            add(
                "audit.off", .medium, "logins and privilege changes are not audited",
                "\(state), server_audit_logging = \(v["server_audit_logging"] ?? "absent")",
                "plugin_load_add = server_audit, server_audit_logging = ON, "
                    + "server_audit_events = CONNECT,QUERY_DDL,QUERY_DCL in my.cnf")
        }
        let policies = ["simple_password_check", "cracklib_password_check"].filter { facts.plugins[$0] == "ACTIVE" }
        if policies.isEmpty {
            add(
                "passwords.policy", .medium, "any password is accepted, however short",
                "neither simple_password_check nor cracklib_password_check is active",
                "INSTALL SONAME 'simple_password_check'; and plugin_load_add = simple_password_check in my.cnf")
        }
        if let errors = v["max_password_errors"], (UInt64(errors) ?? 0) >= 4_294_967_295 {
            add(
                "passwords.max_errors", .medium, "unlimited wrong passwords per account: guessing is never stopped",
                "max_password_errors = \(errors)",
                "SET GLOBAL max_password_errors = 10; and max_password_errors = 10 in my.cnf")
        }
        return findings
    }

    // MARK: files

    /// Modes of the data directory and key files, when they are on this machine (the check runs on the
    /// database host, or they are reported as not checked).
    func fileFindings(_ facts: ServerFacts) -> [SecurityFinding] {
        var findings: [SecurityFinding] = []
        var files: [(String, String, Bool)] = []
        if let datadir = facts.variables["datadir"], !datadir.isEmpty {
            files.append(("data directory", datadir, true))
        }
        for name in ["ssl_key", "file_key_management_filename", "file_key_management_filekey"] {
            if let path = facts.variables[name], path.hasPrefix("/") { files.append((name, path, false)) }
        }
        for (what, path, isDirectory) in files {
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            let mode = Int(info.st_mode & 0o777)
            let tooOpen = isDirectory ? mode & 0o007 != 0 : mode & 0o077 != 0
            guard tooOpen else { continue }
            findings.append(
                .init(
                    rule: isDirectory ? "files.datadir_mode" : "files.key_mode", severity: .high,
                    title: "the \(what) can be read by other users of the host",
                    evidence: "\(path) has mode \(String(mode, radix: 8))",
                    fix: "chmod \(isDirectory ? "750" : "600") \(path)"))
        }
        return findings
    }
}
