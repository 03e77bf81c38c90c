import Crypto
import Foundation
import MariaDB

/// `DATABASE_CREDENTIALS_FILE`: the account the shop signs in to MariaDB with, in the client option file
/// format (`[client]`, `user=`, `password=`), so the same file works with `mariadb --defaults-extra-file`.
/// Credential rotation replaces it (atomically, mode 0600) and the running shop moves to the new account.
public struct DatabaseCredentials: Sendable, Equatable {
    public var user: String
    public var password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// Reads the file; refuses one readable by group or others, or without `user` and `password`.
    public static func load(_ path: String) throws -> DatabaseCredentials {
        try SecretFile.checkPrivate(path, setting: "DATABASE_CREDENTIALS_FILE")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw StorefrontConfigurationError("DATABASE_CREDENTIALS_FILE \(path) cannot be read")
        }
        var section = ""
        var values: [String: String] = [:]
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                section = line
                continue
            }
            guard section == "[client]", let eq = line.firstIndex(of: "=") else { continue }
            var value = String(line[line.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[line[..<eq].trimmingCharacters(in: .whitespaces)] = value
        }
        guard let user = values["user"], !user.isEmpty, let password = values["password"] else {
            throw StorefrontConfigurationError(
                "DATABASE_CREDENTIALS_FILE \(path) needs user= and password= under [client]")
        }
        return DatabaseCredentials(user: user, password: password)
    }

    /// The file's content as written by rotation.
    public var fileText: String { "[client]\nuser=\(user)\npassword=\(password)\n" }

    /// A configuration for the same server and database signed in as this account.
    func applied(to configuration: MariaDBConfiguration) -> MariaDBConfiguration {
        var changed = configuration
        changed.username = user
        changed.password = password
        return changed
    }

    /// A digest of the file, to notice a change without keeping a second copy of the password around.
    static func fingerprint(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
