import DbctlConfig
import Foundation
import MariaDB

/// Compares `security.roles` with a server and plans the statements that make it so. Idempotent: a second
/// plan after apply is empty. Privileges nobody configured are reported, never revoked: revoking what an
/// operator granted by hand could stop an application, and that decision is theirs.
public struct RolesPlanner: Sendable {
    public let section: RolesSection
    public let admin: MariaDBConfiguration

    public init(section: RolesSection, admin: MariaDBConfiguration) {
        self.section = section
        self.admin = admin
    }

    public func roleName(_ job: String) -> String { section.prefix + job }

    public func plan() async throws -> RolesPlan {
        let connection: MariaDBConnection
        do { connection = try await MariaDBConnection.connect(admin) } catch {
            throw SecurityError(.server, "cannot connect to \(admin.endpoint) as \(admin.username): \(error)")
        }
        do {
            var plan = RolesPlan()
            for entry in RoleCatalog.entries(schema: section.schema) {
                try await planRole(entry, on: connection, into: &plan)
            }
            for user in section.users {
                try await planUser(user, on: connection, into: &plan)
            }
            try await planServerSettings(on: connection, into: &plan)
            try? await connection.close()
            return plan
        } catch {
            try? await connection.close()
            throw error
        }
    }

    // MARK: roles

    private func planRole(
        _ entry: RoleCatalog.Entry, on connection: MariaDBConnection,
        into plan: inout RolesPlan
    ) async throws {
        let role = roleName(entry.job)
        let quoted = MariaDBIdentifier.quote(role)
        let exists =
            try await connection.query(
                "SELECT COUNT(*) FROM mysql.user WHERE User = \(role) AND is_role = 'Y'"
            ).rows.first?[0].text == "1"
        var held = GrantList(lines: [])
        if exists {
            held = GrantList(lines: try await Self.showGrants(quoted, on: connection))
        } else {
            plan.steps.append(
                .init(shown: "CREATE ROLE \(quoted)", sql: "CREATE ROLE \(quoted)", subject: "role \(role)"))
        }
        let wanted = Set(entry.grants)
        let missing = entry.grants.filter { !held.privileges.contains($0) }
        for privileges in Self.byObject(missing) {
            let sql =
                "GRANT \(privileges.map(\.name).joined(separator: ", ")) ON \(privileges[0].objectSQL) TO \(quoted)"
            plan.steps.append(.init(shown: sql, sql: sql, subject: "role \(role)"))
        }
        for extra in Self.byObject(held.privileges.subtracting(wanted).sorted()) {
            let names = extra.map(\.name).joined(separator: ", ")
            plan.findings.append(
                .init(
                    subject: "role \(role)",
                    message: "also holds \(names) ON \(extra[0].object), "
                        + "which the configuration does not give it (not revoked; "
                        + "REVOKE \(names) ON \(extra[0].objectSQL) "
                        + "FROM \(quoted) if unintended)"))
        }
        for line in held.other {
            plan.findings.append(.init(subject: "role \(role)", message: "also holds `\(line)` (not revoked)"))
        }
        if exists, missing.isEmpty { plan.unchanged.append("role \(role): has its \(wanted.count) privileges") }
    }

    /// Privileges grouped by object, objects and privileges in their first order.
    static func byObject(_ privileges: [Privilege]) -> [[Privilege]] {
        var groups: [[Privilege]] = []
        for privilege in privileges {
            if let index = groups.firstIndex(where: { $0[0].object == privilege.object }) {
                groups[index].append(privilege)
            } else {
                groups.append([privilege])
            }
        }
        return groups
    }

    // MARK: accounts

    private func planUser(_ user: RoleUser, on connection: MariaDBConnection, into plan: inout RolesPlan) async throws {
        let account = try MariaDBAccount(user: user.user, host: user.host)
        let role = roleName(user.role)
        let quotedRole = MariaDBIdentifier.quote(role)
        let subject = "account \(account)"
        let rows = try await connection.query(
            "SELECT ssl_type, default_role FROM mysql.user WHERE User = \(user.user) AND Host = \(user.host)"
        ).rows
        let before = plan.steps.count
        if let row = rows.first {
            let ssl = row[0].text
            if section.requireSSL, ssl.isEmpty {
                let sql = "ALTER USER \(account.sql) REQUIRE SSL"
                plan.steps.append(.init(shown: sql, sql: sql, subject: subject))
            }
            let grants = GrantList(lines: try await Self.showGrants(account.sql, on: connection))
            if !grants.roles.contains(role) {
                let sql = "GRANT \(quotedRole) TO \(account.sql)"
                plan.steps.append(.init(shown: sql, sql: sql, subject: subject))
            }
            if row[1].text != role {
                let sql = "SET DEFAULT ROLE \(quotedRole) FOR \(account.sql)"
                plan.steps.append(.init(shown: sql, sql: sql, subject: subject))
            }
            for extra in Self.byObject(grants.privileges.sorted()) {
                let names = extra.map(\.name).joined(separator: ", ")
                plan.findings.append(
                    .init(
                        subject: subject,
                        message: "holds \(names) ON \(extra[0].object) directly, "
                            + "besides its role (not revoked; "
                            + "REVOKE \(names) ON \(extra[0].objectSQL) FROM \(account.sql) "
                            + "if unintended)"))
            }
            for other in grants.roles.subtracting([role]).sorted() {
                plan.findings.append(.init(subject: subject, message: "also holds the role \(other) (not revoked)"))
            }
            for line in grants.other {
                plan.findings.append(.init(subject: subject, message: "also holds `\(line)` (not revoked)"))
            }
            if plan.steps.count == before {
                plan.unchanged.append("\(subject): role \(role) by default\(ssl.isEmpty ? "" : ", REQUIRE SSL")")
            }
        } else {
            let password: String
            var lock = ""
            if let file = user.passwordFile {
                if FileManager.default.fileExists(atPath: file) {
                    var reader = admin
                    try reader.loadPassword(fromFile: file)
                    password = reader.password ?? ""
                } else {
                    password = GeneratedPassword.make()
                    plan.newSecrets.append((file, password))
                }
            } else {
                password = GeneratedPassword.make()
                lock = " ACCOUNT LOCK"
            }
            let tls = section.requireSSL ? " REQUIRE SSL" : ""
            let hash = MariaDBAccount.nativePasswordHash(password)
            let source: String
            if let file = user.passwordFile {
                source =
                    plan.newSecrets.contains { $0.file == file }
                    ? "a new password, written to \(file)"
                    : "the password in \(file)"
            } else {
                source = "a random password nobody knows, locked until credentials rotate gives it one"
            }
            plan.steps.append(
                .init(
                    shown: "CREATE USER \(account.sql) IDENTIFIED BY PASSWORD '…'\(tls)\(lock)",
                    sql: "CREATE USER \(account.sql) IDENTIFIED BY PASSWORD '\(hash)'\(tls)\(lock)", subject: subject,
                    note: source))
            for sql in ["GRANT \(quotedRole) TO \(account.sql)", "SET DEFAULT ROLE \(quotedRole) FOR \(account.sql)"] {
                plan.steps.append(.init(shown: sql, sql: sql, subject: subject))
            }
        }
        let elsewhere = try await connection.query(
            "SELECT Host FROM mysql.user WHERE User = \(user.user) AND Host <> \(user.host) ORDER BY Host"
        ).rows.map { $0[0].text }
        for host in elsewhere {
            plan.findings.append(
                .init(
                    subject: subject,
                    message: "the same user also exists as \(user.user)@\(host), "
                        + "which dbctl does not manage (not dropped)"))
        }
    }

    // MARK: server

    private func planServerSettings(on connection: MariaDBConnection, into plan: inout RolesPlan) async throws {
        let jobs = Set(section.users.map(\.role))
        guard !jobs.isDisjoint(with: RoleCatalog.createsTriggers) else { return }
        let row = try await connection.query(
            "SELECT @@GLOBAL.log_bin, @@GLOBAL.log_bin_trust_function_creators"
        ).rows[0]
        guard row[0].text == "1", row[1].text == "0" else { return }
        plan.findings.append(
            .init(
                subject: "server",
                message: "binary logging is on and "
                    + "log_bin_trust_function_creators is off, so the schema and migration roles cannot create "
                    + "triggers (ER 1419 asks for SUPER, which no role here gets): "
                    + "SET GLOBAL log_bin_trust_function_creators = ON "
                    + "and log_bin_trust_function_creators = ON in my.cnf"))
    }

    static func showGrants(_ grantee: String, on connection: MariaDBConnection) async throws -> [String] {
        try await connection.query(MariaDBQuery(unsafeSQL: "SHOW GRANTS FOR \(grantee)")).rows.map { $0[0].text }
    }
}
