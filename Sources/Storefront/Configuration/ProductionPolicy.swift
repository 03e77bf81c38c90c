import Foundation
import MariaDB

/// What `STOREFRONT_ENV=production` refuses, one line per problem so an operator fixes them all in one go:
/// an SQLite database in memory or under a temporary directory (lost on reboot or by a cleaner), a MariaDB
/// connection that does not verify the server's identity (`sslmode=disable|prefer` sends the shop's data and
/// password in the clear when a server or proxy declines TLS; `require` accepts any certificate and
/// `verify-ca` any the CA signed, so a machine in the middle holding one reads everything), a password written
/// into a database URL, and a missing or short admin key.
public enum ProductionPolicy {
    public static let minimumAdminKeyLength = 16
    public static let minimumPasswordHashCost = 10

    public static func problems(in configuration: StorefrontConfiguration) -> [String] {
        var problems = databaseProblems(configuration.database, setting: "DATABASE_URL")
        problems += configuration.replicas.compactMap { tlsProblem($0, setting: "DATABASE_REPLICA_URLS") }
        switch configuration.adminAPIKey {
        case nil, "":
            problems.append(
                "ADMIN_API_KEY is not set; production needs an admin key "
                    + "(ADMIN_API_KEY or ADMIN_API_KEY_FILE)")
        case let key? where key.count < minimumAdminKeyLength:
            problems.append(
                "ADMIN_API_KEY has \(key.count) characters; "
                    + "production needs at least \(minimumAdminKeyLength)")
        default: break
        }
        if !configuration.pii.encrypts {
            problems.append(
                "PII_KEY_FILE is not set; production keeps customers' personal data encrypted "
                    + "(storefront pii new-key > FILE; chmod 600 FILE)")
        }
        for setting in configuration.passwordsInURLs {
            problems.append(
                "\(setting) holds a password; URLs end up in logs, shells and tickets, so production takes it "
                    + "from DATABASE_PASSWORD_FILE or DATABASE_CREDENTIALS_FILE (0600)")
        }
        if configuration.passwordHashCost < minimumPasswordHashCost {
            problems.append(
                "PASSWORD_HASH_COST=\(configuration.passwordHashCost) is too cheap to slow down guessing; "
                    + "production needs at least \(minimumPasswordHashCost)")
        }
        return problems
    }

    /// The database rules alone, for a database the shop is told to switch to while it runs.
    public static func databaseProblems(_ target: StorefrontConfiguration.DatabaseTarget, setting: String) -> [String] {
        switch target {
        case .sqliteMemory:
            return [
                "\(setting) sqlite::memory: keeps the shop in memory, lost on every restart; "
                    + "use a file on persistent storage"
            ]
        case .sqlite(let path):
            guard let directory = temporaryDirectory(containing: path) else { return [] }
            return ["\(setting) sqlite://\(path) is under the temporary directory \(directory); use persistent storage"]
        case .mariaDB(let box):
            return tlsProblem(box.configuration, setting: setting).map { [$0] } ?? []
        }
    }

    static func tlsProblem(_ configuration: MariaDBConfiguration, setting: String) -> String? {
        guard configuration.unixSocket == nil else { return nil }  // a local socket never leaves the machine
        switch configuration.tls.mode {
        case .disable, .prefer:
            return "\(setting) \(StorefrontDatabase.address(of: configuration)) does not require TLS "
                + "(sslmode=\(configuration.tls.mode.rawValue)); add ?sslmode=verify-identity&sslca=FILE"
        case .require, .verifyCA:
            return "\(setting) \(StorefrontDatabase.address(of: configuration)) does not verify the server's "
                + "name (sslmode=\(configuration.tls.mode.rawValue)); use ?sslmode=verify-identity&sslca=FILE "
                + "(dbctl security tls init makes a CA and a server certificate for it)"
        case .verifyIdentity:
            return nil
        }
    }

    /// The temporary directory `path` lies in, comparing resolved paths (`/tmp` is often a link).
    static func temporaryDirectory(containing path: String) -> String? {
        func resolved(_ path: String) -> String {
            URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        }
        let file = URL(fileURLWithPath: path).standardizedFileURL
        let candidates = [file.path, resolved(file.deletingLastPathComponent().path) + "/" + file.lastPathComponent]
        let temporary = ["/tmp", "/var/tmp", "/dev/shm", NSTemporaryDirectory()]
        for directory in temporary {
            let plain = URL(fileURLWithPath: directory).standardizedFileURL.path
            for root in Set([plain, resolved(directory)]) where root != "/" {
                if candidates.contains(where: { $0 == root || $0.hasPrefix(root + "/") }) { return plain }
            }
        }
        return nil
    }
}
