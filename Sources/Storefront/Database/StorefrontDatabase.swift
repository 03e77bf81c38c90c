import FluentKit
import FluentMariaDB
import FluentSQLiteDriver
import Logging
import MariaDB
import NIOConcurrencyHelpers
import NIOPosix
import SQLKit

/// The Fluent `Databases` for the configured target plus what the app needs around it (migrations,
/// readiness). The models and queries are the same whichever database is behind it.
public final class StorefrontDatabase: Sendable {
    public let databases: Databases
    public let kind: Kind
    /// Where the data lives, for status and messages: the SQLite path or `host:port/db`, never a password.
    public let location: String
    /// What it was opened with (a password inside: never print it).
    public let configuration: StorefrontConfiguration
    private let eventLoopGroup: MultiThreadedEventLoopGroup
    /// SQLite's blocking calls run here, not on the process-wide pool: a busy wait on a locked file (another
    /// process writing, a cut-over holding the write lock) then stalls only this database, never the others of
    /// the process (the one being switched to, a second shop) that share the global pool's few threads.
    private let threadPool: NIOThreadPool?
    private let logger: Logger
    private let isShutDown = NIOLockedValueBox(false)

    public enum Kind: String, Sendable { case sqlite, mariadb }

    public init(_ configuration: StorefrontConfiguration, logger: Logger = Logger(label: "storefront.db")) {
        self.logger = logger
        self.configuration = configuration
        switch configuration.database {
        case .sqlite, .sqliteMemory:
            // SQLite has one writer at a time: one connection, one loop. Concurrent requests of this process
            // queue here; other processes on the same file are waited for (busy timeout, BEGIN IMMEDIATE).
            eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let pool = NIOThreadPool(numberOfThreads: 1)
            pool.start()
            threadPool = pool
            databases = Databases(threadPool: pool, on: eventLoopGroup)
            let storage: SQLiteConfiguration.Storage
            if case .sqlite(let path) = configuration.database {
                storage = .file(path: path)
            } else {
                storage = .memory
            }
            let sqlite = DatabaseConfigurationFactory.sqlite(
                SQLiteConfiguration(storage: storage, enableForeignKeys: true), maxConnectionsPerEventLoop: 1,
                connectionPoolTimeout: .seconds(30))
            databases.use(
                SQLiteWriterConfiguration(base: sqlite.make(), busyTimeout: configuration.sqliteBusyTimeout),
                as: .sqlite)
            kind = .sqlite
            if case .sqlite(let path) = configuration.database { location = path } else { location = ":memory:" }
        case .mariaDB(let box):
            eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            threadPool = nil
            databases = Databases(threadPool: NIOThreadPool.singleton, on: eventLoopGroup)
            var pool = PoolConfiguration(
                minimumConnections: configuration.poolMinimum, maximumConnections: configuration.poolMaximum,
                acquireTimeout: configuration.poolAcquireTimeout, name: "primary")
            pool.maximumPendingAcquires = max(configuration.poolMaximum * 8, 64)
            pool.maximumLifetime = configuration.poolMaximumLifetime
            let replicas = configuration.replicas.isEmpty ? nil : ReplicaConfiguration(replicas: configuration.replicas)
            databases.use(.mariaDB(box.configuration, pool: pool, replicas: replicas), as: .mysql)
            kind = .mariadb
            location = Self.address(of: box.configuration)
        }
    }

    /// A database handle for one request or job (its own read-your-writes session).
    public func database(logger: Logger? = nil) -> any Database {
        databases.database(logger: logger ?? self.logger, on: eventLoopGroup.any())!
    }

    public func migrator() -> Migrator {
        let migrations = Migrations()
        migrations.add(StorefrontMigrations.all)
        return Migrator(databases: databases, migrations: migrations, logger: logger, on: eventLoopGroup.any())
    }

    /// Runs pending migrations (SQLite file databases also switch to WAL for concurrent readers). On MariaDB
    /// an existing schema whose text columns are not utf8mb4 is refused (`SchemaCharsetError`) before anything
    /// is added to it.
    public func migrate() async throws {
        if kind == .sqlite, let sql = database() as? any SQLDatabase {
            try await sql.raw("PRAGMA journal_mode = WAL").run()
        }
        let migrator = migrator()
        try await migrator.setupIfNeeded().get()
        if kind == .mariadb, let sql = database() as? any SQLDatabase {
            let check = MariaDBCharsetCheck(tables: StorefrontMigrations.tables, options: .standard)
            let statements = try await check.conversionStatements(on: sql)
            guard statements.isEmpty else { throw SchemaCharsetError(statements: statements) }
        }
        try await migrator.prepareBatch().get()
    }

    /// Reverts the last batch of migrations.
    public func revertLastBatch() async throws {
        let migrator = migrator()
        try await migrator.setupIfNeeded().get()
        try await migrator.revertLastBatch().get()
    }

    /// True when every known migration has run.
    ///
    /// Only reads: the shop's own account (DML, no DDL) must be able to ask, so Fluent's bookkeeping table is
    /// looked up rather than created; without it nothing has run. The lookup is `SHOW TABLES`, not a query of
    /// information_schema: the readiness probe runs it every few seconds as the shop's account, and
    /// information_schema in that account's statements is what the injection rule looks for.
    public func migrationsAreCurrent() async throws -> Bool {
        guard let sql = database() as? any SQLDatabase else { return false }
        let lookup =
            kind == .sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_fluent_migrations'"
            : "SHOW TABLES LIKE '\\_fluent\\_migrations'"
        guard try await !sql.raw(SQLQueryString(lookup)).all().isEmpty else { return false }
        return try await migrator().previewPrepareBatch().get().isEmpty
    }

    /// Why this SQLite file must not be served any more: an online migration moved the shop to MariaDB and
    /// fenced the file (`_dbctl_fence` holds the message its write triggers raise). Nil when it is the shop's
    /// database.
    public func movedAway() async throws -> String? {
        guard kind == .sqlite, let sql = database() as? any SQLDatabase else { return nil }
        struct Name: Decodable { let name: String }
        let fenced = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_dbctl_fence'")
            .all(decoding: Name.self)
        guard !fenced.isEmpty else { return nil }
        struct Message: Decodable { let message: String }
        return try await sql.raw("SELECT message FROM _dbctl_fence LIMIT 1").first(decoding: Message.self)?.message
            ?? "this SQLite database was fenced by an online migration"
    }

    /// `host:port/db` (or the socket path): the user name is left out too, it is half a credential.
    static func address(of configuration: MariaDBConfiguration) -> String {
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        let target = configuration.unixSocket.map { "unix:\($0)" } ?? "\(host):\(configuration.port)"
        return target + (configuration.database.map { "/\($0)" } ?? "")
    }

    /// Closes every connection. Safe to call more than once: a database that was switched away from is shut
    /// down by the switch, and again by whoever created it.
    public func shutdown() async {
        let first = isShutDown.withLockedValue { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        await databases.shutdownAsync()
        try? await threadPool?.shutdownGracefully()
        try? await eventLoopGroup.shutdownGracefully()
    }

    public var hasShutDown: Bool { isShutDown.withLockedValue { $0 } }
}
