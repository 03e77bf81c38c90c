import Foundation
import MariaDB

/// A database the running shop is told to switch to: read from the control API's request, built with the
/// running pool and cache settings, and checked before it replaces anything.
///
/// Passwords come only from a file (the request's `password_file`, else the instance's
/// `DATABASE_PASSWORD_FILE`), never from the URL, so none is ever echoed, logged or kept in a request log.
struct SwitchTarget {
    let configuration: StorefrontConfiguration

    init(url: String, passwordFile: String?, replicaURLs: [String], running: StorefrontConfiguration) throws {
        let url = url.trimmingCharacters(in: .whitespaces)
        var configuration = running
        if url.hasPrefix("sqlite:") {
            guard passwordFile == nil else {
                throw APIError.invalid("password_file", "field 'password_file' applies to mysql:// URLs only")
            }
            guard replicaURLs.isEmpty else {
                throw APIError.invalid("replica_urls", "field 'replica_urls' applies to mysql:// URLs only")
            }
            let target: StorefrontConfiguration.DatabaseTarget
            do { target = try StorefrontConfiguration.parseDatabaseURL(url) } catch {
                throw APIError.invalid("url", "field 'url': \(error)")
            }
            guard target != .sqliteMemory else {
                throw APIError.invalid("url", "field 'url': an in-memory database cannot hold the shop's data")
            }
            configuration.database = target
            configuration.replicas = []
        } else if url.hasPrefix("mysql://") || url.hasPrefix("mariadb://") {
            let file = passwordFile ?? running.passwordFile
            let field = passwordFile == nil ? "DATABASE_PASSWORD_FILE" : "password_file"
            let primary = try Self.mariaDB(url, field: "url", passwordFile: file, passwordField: field)
            configuration.database = .mariaDB(MariaDBConfigurationBox(primary))
            configuration.replicas = try replicaURLs.map {
                try Self.mariaDB($0, field: "replica_urls", passwordFile: file, passwordField: field)
            }
        } else {
            throw APIError.invalid("url", "field 'url' must be sqlite://PATH or mysql://user@host:port/db, "
                                   + "not \(MariaDBConfiguration.redacted(url))")
        }
        if running.environment == .production {
            let problems = ProductionPolicy.databaseProblems(configuration.database, setting: "url")
                + configuration.replicas.compactMap { ProductionPolicy.tlsProblem($0, setting: "replica_urls") }
            if let first = problems.first {
                throw APIError.invalid(first.hasPrefix("url") ? "url" : "replica_urls", "production: \(first)")
            }
        }
        self.configuration = configuration
    }

    private static func mariaDB(_ url: String, field: String, passwordFile: String?, passwordField: String) throws
        -> MariaDBConfiguration {
        let url = url.trimmingCharacters(in: .whitespaces)
        guard URLComponents(string: url)?.password == nil else {
            throw APIError.invalid(field, "field '\(field)' must not contain a password; name a password_file")
        }
        var configuration: MariaDBConfiguration
        do { configuration = try MariaDBConfiguration(url: url) } catch {
            throw APIError.invalid(field, "field '\(field)': \(error)")
        }
        if let passwordFile {
            do { try configuration.loadPassword(fromFile: passwordFile) } catch {
                throw APIError.invalid(passwordField, "\(passwordField): \(error)")
            }
        }
        return configuration
    }

    /// Where the new database is, for messages.
    var location: String {
        switch configuration.database {
        case .sqlite(let path): return path
        case .sqliteMemory: return ":memory:"
        case .mariaDB(let box): return StorefrontDatabase.address(of: box.configuration)
        }
    }

    /// Opens the new database and checks it can serve the shop: it answers, and its migrations are current.
    /// On any failure it is shut down again and the error says which check failed.
    func open() async throws -> StorefrontDatabase {
        if case .sqlite(let path) = configuration.database, !FileManager.default.fileExists(atPath: path) {
            // SQLite would create an empty file; the shop's data is never in one.
            throw APIError(.badGateway, code: "database_unreachable", "no SQLite database at \(path)")
        }
        let database = StorefrontDatabase(configuration)
        let current: Bool
        do {
            current = try await database.migrationsAreCurrent()
        } catch {
            await database.shutdown()
            throw APIError(.badGateway, code: "database_unreachable",
                           "cannot use the database at \(location): \(error)")
        }
        if let moved = try? await database.movedAway() {
            await database.shutdown()
            throw APIError(.conflict, code: "database_fenced", "the database at \(location) is fenced: \(moved)")
        }
        guard current else {
            await database.shutdown()
            throw APIError(.conflict, code: "migrations_pending", "the database at \(location) has pending "
                           + "migrations; run storefront migrate against it first")
        }
        return database
    }
}
