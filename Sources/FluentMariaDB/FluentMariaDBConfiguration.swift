import FluentKit
import Logging
import MariaDB
import NIOCore

/// Fluent configuration for MariaDB/MySQL: a primary pool and, optionally, read replicas.
public struct FluentMariaDBConfiguration: DatabaseConfiguration {
    public var middleware: [any AnyModelMiddleware] = []
    public var connection: MariaDBConfiguration
    public var pool: PoolConfiguration
    public var replicas: ReplicaConfiguration?
    /// Options for every table Fluent creates (`CREATE TABLE … ENGINE=… DEFAULT CHARSET=… COLLATE=…`).
    public var tableOptions: MariaDBTableOptions

    public init(connection: MariaDBConfiguration, pool: PoolConfiguration = PoolConfiguration(),
                replicas: ReplicaConfiguration? = nil, tableOptions: MariaDBTableOptions = .standard) {
        self.connection = connection
        self.pool = pool
        self.replicas = replicas
        self.tableOptions = tableOptions
    }

    public func makeDriver(for databases: Databases) -> any DatabaseDriver {
        let pool = MariaDBConnectionPool(connection, pool: self.pool)
        let router = replicas.map { ReplicaRouter(configuration: $0) }
        return FluentMariaDBDriver(pool: pool, router: router, tableOptions: tableOptions)
    }
}

extension DatabaseConfigurationFactory {
    /// `databases.use(.mariaDB(configuration), as: .mysql)`
    public static func mariaDB(
        _ connection: MariaDBConfiguration, pool: PoolConfiguration = PoolConfiguration(),
        replicas: ReplicaConfiguration? = nil, tableOptions: MariaDBTableOptions = .standard
    ) -> Self {
        .init {
            FluentMariaDBConfiguration(connection: connection, pool: pool, replicas: replicas,
                                       tableOptions: tableOptions)
        }
    }
}

extension DatabaseID {
    public static var mysql: DatabaseID { .init(string: "mysql") }
}

struct FluentMariaDBDriver: DatabaseDriver {
    let pool: MariaDBConnectionPool
    let router: ReplicaRouter?
    let tableOptions: MariaDBTableOptions

    func makeDatabase(with context: DatabaseContext) -> any Database {
        FluentMariaDBDatabase(source: .pool(pool), router: router, session: RoutingSession(), context: context,
                              inTransaction: false, tableOptions: tableOptions)
    }

    func shutdown() {
        let pool = self.pool
        let router = self.router
        Task { await pool.shutdown(); await router?.shutdown() }
    }

    func shutdownAsync() async {
        await pool.shutdown()
        await router?.shutdown()
    }
}
