/// Sizing and timing of a `MariaDBConnectionPool` (HikariCP's knobs, same meaning).
public struct PoolConfiguration: Sendable {
    /// Connections kept open even when idle.
    public var minimumConnections: Int = 1
    /// Upper bound of open connections; more callers wait.
    public var maximumConnections: Int = 10
    /// How long `acquire` waits for a free connection before failing with `PoolError.acquireTimeout`.
    public var acquireTimeout: Duration = .seconds(5)
    /// At most this many callers wait at once; beyond that `acquire` fails at once (no unbounded queue).
    public var maximumPendingAcquires: Int = 1_000
    /// Idle connections above the minimum are closed after this long.
    public var idleTimeout: Duration = .seconds(600)
    /// Connections are retired after this age (before server-side `wait_timeout` or a proxy kills them).
    public var maximumLifetime: Duration = .seconds(1_800)
    /// A connection idle longer than this is pinged before it is handed out.
    public var validationThreshold: Duration = .milliseconds(500)
    /// How often the maintenance loop closes idle/old connections and tops up to the minimum.
    public var maintenanceInterval: Duration = .seconds(5)
    /// `pool.name` dimension of the pool's metrics.
    public var name: String = "default"

    public init() {}

    public init(minimumConnections: Int, maximumConnections: Int, acquireTimeout: Duration = .seconds(5), name: String = "default") {
        self.minimumConnections = minimumConnections
        self.maximumConnections = maximumConnections
        self.acquireTimeout = acquireTimeout
        self.name = name
    }
}

/// Why `acquire` could not provide a connection. The HTTP layer maps these to `503 Retry-After`.
public struct PoolError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Reason: String, Sendable { case acquireTimeout, tooManyWaiters, shutdown }
    public var reason: Reason
    public var poolName: String
    public var waited: Duration

    public var description: String {
        switch reason {
        case .acquireTimeout: return "connection pool '\(poolName)' had no free connection within \(waited)"
        case .tooManyWaiters: return "connection pool '\(poolName)' is saturated: too many callers already waiting"
        case .shutdown: return "connection pool '\(poolName)' is shut down"
        }
    }
}
