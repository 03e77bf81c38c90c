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

    public init(connection: MariaDBConfiguration, pool: PoolConfiguration = PoolConfiguration(), replicas: ReplicaConfiguration? = nil) {
        self.connection = connection
        self.pool = pool
        self.replicas = replicas
    }

    public func makeDriver(for databases: Databases) -> any DatabaseDriver {
        let pool = MariaDBConnectionPool(connection, pool: self.pool)
        let router = replicas.map { ReplicaRouter(configuration: $0) }
        return FluentMariaDBDriver(pool: pool, router: router)
    }
}

extension DatabaseConfigurationFactory {
    /// `databases.use(.mariaDB(configuration), as: .mysql)`
    public static func mariaDB(_ connection: MariaDBConfiguration, pool: PoolConfiguration = PoolConfiguration(), replicas: ReplicaConfiguration? = nil) -> Self {
        .init { FluentMariaDBConfiguration(connection: connection, pool: pool, replicas: replicas) }
    }
}

extension DatabaseID {
    public static var mysql: DatabaseID { .init(string: "mysql") }
}

struct FluentMariaDBDriver: DatabaseDriver {
    let pool: MariaDBConnectionPool
    let router: ReplicaRouter?

    func makeDatabase(with context: DatabaseContext) -> any Database {
        FluentMariaDBDatabase(source: .pool(pool), router: router, session: RoutingSession(), context: context, inTransaction: false)
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
