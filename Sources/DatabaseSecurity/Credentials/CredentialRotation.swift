import DbctlConfig
import Foundation
import MariaDB

/// Changes an application's database password without a moment in which it has none that works. MariaDB
/// 10.11 has no dual passwords, so two accounts with the same grants take turns: the idle one gets a new
/// password and is unlocked, the application's secret file is replaced with it (the storefront follows the
/// file, moving its pool with new connections only), and once the active account's last session has ended it
/// is locked. Nothing is written without `execute`; every check runs first.
///
/// The password is set as its `mysql_native_password` hash, so it appears in no statement, general log or
/// audit log, and is written only to the secret file (mode 0600, replaced by rename).
public struct CredentialRotation: Sendable {
    public let set: CredentialSet
    public let admin: MariaDBConfiguration

    public init(set: CredentialSet, admin: MariaDBConfiguration) {
        self.set = set
        self.admin = admin
    }

    public struct Plan: Sendable {
        public var active: MariaDBAccount
        public var idle: MariaDBAccount
        /// `✓ name: detail` lines of what was checked.
        public var checks: [String]
        /// What `execute` does, in order (no secret in it).
        public var steps: [String]
    }

    public struct Outcome: Sendable, CustomStringConvertible {
        public var from: MariaDBAccount
        public var to: MariaDBAccount
        /// From publishing the file to the old account's last session ending.
        public var drainSeconds: Double
        public var description: String {
            "rotated \(from.user) → \(to.user): the new password is in the secret file, \(from.user) drained in "
                + String(format: "%.1f s", drainSeconds) + " and is locked"
        }
    }

    /// Reads the secret file and the server; throws naming the first check that fails.
    public func plan() async throws -> Plan {
        var checks: [String] = []
        let current = try Self.readSecretFile(set.file)
        guard let index = set.accounts.firstIndex(of: current.user) else {
            throw SecurityError(
                .secretFile,
                "\(set.file) names the account \(current.user), which is not one of "
                    + "\(set.accounts.joined(separator: ", ")) (security.credentials \(set.name))")
        }
        checks.append("secret file: \(set.file) is private (0600) and names \(current.user)")
        let active = try MariaDBAccount(user: set.accounts[index], host: set.host)
        let idle = try MariaDBAccount(user: set.accounts[1 - index], host: set.host)
        let connection = try await connect()
        do {
            let grants = try await (Self.grants(of: active, on: connection), Self.grants(of: idle, on: connection))
            guard grants.0 == grants.1 else {
                let only = grants.0.symmetricDifference(grants.1).sorted().first ?? ""
                throw SecurityError(
                    .accounts,
                    "\(active) and \(idle) do not have the same grants (\(only)); give "
                        + "both the same role before rotating")
            }
            checks.append("accounts: \(active) and \(idle) exist with the same \(grants.0.count) grants")
            let lingering = try await Self.sessions(of: idle, on: connection)
            guard lingering == 0 else {
                throw SecurityError(
                    .drain,
                    "\(idle) still has \(lingering) sessions from an earlier rotation; "
                        + "wait for them to end")
            }
            checks.append("idle account: \(idle) has no sessions")
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
        let steps = [
            "ALTER USER \(idle.sql) IDENTIFIED BY PASSWORD '…' ACCOUNT UNLOCK   (a new random password)",
            "sign in as \(idle) with it, to prove it before publishing",
            "replace \(set.file) (0600, by rename) with user=\(idle.user) and the new password",
            "wait up to \(Int(set.drainTimeout)) s for the sessions of \(active) to end (the application moves)",
            "ALTER USER \(active.sql) ACCOUNT LOCK",
        ]
        return Plan(active: active, idle: idle, checks: checks, steps: steps)
    }

    /// Carries out `plan`. When the old account does not drain in time it is left unlocked (both work) and the
    /// error says so: the application still runs, and a second run finishes the job.
    public func execute(_ plan: Plan, progress: @Sendable (String) -> Void = { _ in }) async throws -> Outcome {
        let password = GeneratedPassword.make()
        let connection = try await connect()
        do {
            do {
                _ = try await connection.execute(
                    MariaDBQuery(
                        unsafeSQL: "ALTER USER \(plan.idle.sql) IDENTIFIED BY "
                            + "PASSWORD '\(MariaDBAccount.nativePasswordHash(password))' ACCOUNT UNLOCK"))
            } catch {
                guard let cause = PasswordHashRefusal.explain(error) else { throw error }
                throw SecurityError(
                    .server, "\(plan.idle): a new password cannot be set on \(admin.endpoint): \(cause)")
            }
            progress("\(plan.idle) has a new password and is unlocked")
            var probe = admin
            probe.username = plan.idle.user
            probe.password = password
            probe.database = nil
            let check = try await MariaDBConnection.connect(probe)
            try? await check.close()
            progress("signed in as \(plan.idle) with it")
            try Self.writeSecretFile(set.file, user: plan.idle.user, password: password)
            progress("\(set.file) now names \(plan.idle.user)")
            let published = Date()
            let deadline = published.addingTimeInterval(set.drainTimeout)
            var left = try await Self.sessions(of: plan.active, on: connection)
            while left > 0 {
                guard Date() < deadline else {
                    throw SecurityError(
                        .drain,
                        "\(plan.active) still has \(left) sessions after "
                            + "\(Int(set.drainTimeout)) s; it stays unlocked (both accounts work). Find "
                            + "the application that did not follow \(set.file), then run again")
                }
                try await Task.sleep(nanoseconds: 200_000_000)
                left = try await Self.sessions(of: plan.active, on: connection)
            }
            let drained = Date().timeIntervalSince(published)
            progress(String(format: "the sessions of \(plan.active) ended after %.1f s", drained))
            _ = try await connection.execute(MariaDBQuery(unsafeSQL: "ALTER USER \(plan.active.sql) ACCOUNT LOCK"))
            try? await connection.close()
            return Outcome(from: plan.active, to: plan.idle, drainSeconds: drained)
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private func connect() async throws -> MariaDBConnection {
        do { return try await MariaDBConnection.connect(admin) } catch {
            throw SecurityError(.server, "cannot connect to \(admin.endpoint) as \(admin.username): \(error)")
        }
    }

    /// The grants of an account with its own name taken out, so two accounts' grants compare; the password
    /// hash of the `GRANT USAGE` line is dropped.
    static func grants(of account: MariaDBAccount, on connection: MariaDBConnection) async throws -> Set<String> {
        let rows: [String]
        do {
            rows = try await connection.query(MariaDBQuery(unsafeSQL: "SHOW GRANTS FOR \(account.sql)")).rows
                .map { $0[0].text }
        } catch {
            throw SecurityError(.accounts, "account \(account) cannot be read on the server: \(error)")
        }
        return Set(
            rows.map { line in
                var text = line.replacingOccurrences(of: "`\(account.user)`@`\(account.host)`", with: "ACCOUNT")
                    .replacingOccurrences(of: account.sql, with: "ACCOUNT")
                if let range = text.range(of: " IDENTIFIED BY PASSWORD") { text = String(text[..<range.lowerBound]) }
                return text
            })
    }

    static func sessions(of account: MariaDBAccount, on connection: MariaDBConnection) async throws -> Int {
        let rows = try await connection.query(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = \(account.user)"
        ).rows
        return Int(rows.first?[0].text ?? "0") ?? 0
    }

    struct Credentials {
        let user: String
        let password: String
    }

    /// `[client]` `user=` / `password=`, the format the storefront's DATABASE_CREDENTIALS_FILE and the mariadb
    /// client read.
    static func readSecretFile(_ path: String) throws -> Credentials {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let mode = attributes[.posixPermissions] as? Int
        else { throw SecurityError(.secretFile, "secret file \(path) does not exist") }
        guard mode & 0o077 == 0 else {
            throw SecurityError(
                .secretFile,
                "secret file \(path) is readable by group or others (mode "
                    + "\(String(mode, radix: 8))); chmod 600 it")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SecurityError(.secretFile, "secret file \(path) cannot be read")
        }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[line[..<eq].trimmingCharacters(in: .whitespaces)] = String(line[line.index(after: eq)...])
                .trimmingCharacters(in: .whitespaces)
        }
        guard let user = values["user"], let password = values["password"] else {
            throw SecurityError(.secretFile, "secret file \(path) needs user= and password= under [client]")
        }
        return Credentials(user: user, password: password)
    }

    /// Written next to the file and renamed over it, so a reader sees the old file or the new, never half.
    static func writeSecretFile(_ path: String, user: String, password: String) throws {
        try writePrivately(path, text: "[client]\nuser=\(user)\npassword=\(password)\n")
    }

    /// A password file as `password_file` settings read it: the password and a newline.
    static func writePasswordFile(_ path: String, password: String) throws {
        try writePrivately(path, text: password + "\n")
    }

    private static func writePrivately(_ path: String, text: String) throws {
        let temporary = path + ".new-\(getpid())"
        guard
            FileManager.default.createFile(
                atPath: temporary, contents: Data(text.utf8),
                attributes: [.posixPermissions: 0o600])
        else { throw SecurityError(.secretFile, "cannot write \(temporary)") }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw SecurityError(.secretFile, "cannot replace \(path): errno \(errno)")
        }
    }
}
