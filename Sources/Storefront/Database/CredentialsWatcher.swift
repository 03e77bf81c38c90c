import Foundation
import Logging
import MariaDB

/// Moves the running shop to new database credentials when `DATABASE_CREDENTIALS_FILE` changes: a new pool
/// signs in with them and, once it has reached the database, replaces the current one for new requests;
/// requests in flight finish on the old pool, which then closes. Nothing is frozen: credential rotation keeps
/// both accounts valid until every shop has moved.
///
/// A file whose credentials do not work is tried once and reported; the old pool keeps serving, and the file
/// is tried again only when it changes (retrying a wrong password would count towards `max_password_errors`).
public struct CredentialsWatcher: Sendable {
    public let services: StorefrontServices
    public let file: String
    public let interval: Duration

    public init(services: StorefrontServices, file: String, interval: Duration = .seconds(2)) {
        self.services = services
        self.file = file
        self.interval = interval
    }

    /// Checks the file every `interval` until the task is cancelled.
    public func run(logger: Logger) async {
        var seen = DatabaseCredentials.fingerprint(file)
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard let now = DatabaseCredentials.fingerprint(file), now != seen else { continue }
            seen = now
            await apply(logger: logger)
        }
    }

    /// Opens a pool with the file's credentials and makes it current; `false` (and the old pool stays) when the
    /// file or the credentials do not work.
    @discardableResult
    public func apply(logger: Logger) async -> Bool {
        let current = services.databases.current
        guard case .mariaDB(let box) = current.configuration.database else {
            logger.warning("DATABASE_CREDENTIALS_FILE changed, but the shop is not on MariaDB; nothing to do")
            return false
        }
        let credentials: DatabaseCredentials
        do { credentials = try DatabaseCredentials.load(file) } catch {
            logger.error("database credentials not changed", metadata: ["file": "\(file)", "error": "\(error)"])
            return false
        }
        var configuration = current.configuration
        configuration.database = .mariaDB(MariaDBConfigurationBox(credentials.applied(to: box.configuration)))
        configuration.replicas = configuration.replicas.map(credentials.applied)
        let database = StorefrontDatabase(configuration)
        do {
            _ = try await database.migrationsAreCurrent()
        } catch {
            await database.shutdown()
            logger.error(
                "database credentials not changed: the new account cannot sign in; the shop keeps the current one",
                metadata: [
                    "file": "\(file)", "user": "\(credentials.user)",
                    "error": "\(error)",
                ])
            return false
        }
        let generation = services.databases.replace(with: database)
        logger.notice(
            "database credentials changed",
            metadata: [
                "user": "\(credentials.user)", "database": "\(database.location)", "generation": "\(generation)",
            ])
        return true
    }
}
