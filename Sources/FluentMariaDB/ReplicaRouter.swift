import CoreMetrics
import Logging
import MariaDB
import NIOConcurrencyHelpers

/// Read replicas: where they are and how stale a read may be.
public struct ReplicaConfiguration: Sendable {
    public var replicas: [MariaDBConfiguration]
    public var pool: PoolConfiguration
    /// A replica further behind than this (`Seconds_Behind_Master`) gets no reads.
    public var maximumLag: Duration = .seconds(1)
    public var healthCheckInterval: Duration = .seconds(1)
    /// How long a read waits for the replica to apply the session's last write before going to the primary.
    public var readYourWritesTimeout: Duration = .milliseconds(500)

    public init(replicas: [MariaDBConfiguration], pool: PoolConfiguration = PoolConfiguration(minimumConnections: 0, maximumConnections: 10, name: "replica")) {
        self.replicas = replicas
        self.pool = pool
    }
}

/// Per-request (per `Database` instance) routing state: the GTID of the last write, for read-your-writes.
final class RoutingSession: Sendable {
    private let gtid = NIOLockedValueBox<String?>(nil)
    var lastWriteGTID: String? {
        get { gtid.withLockedValue { $0 } }
        set { gtid.withLockedValue { $0 = newValue } }
    }
}

/// Sends reads made outside transactions to a healthy replica whose lag is under the threshold; after a
/// write in the same session, the replica first waits (`MASTER_GTID_WAIT`) until it has applied that
/// write, or the read falls back to the primary. Writes and transactions never come here.
final class ReplicaRouter: Sendable {
    struct Replica: Sendable {
        let name: String
        let pool: MariaDBConnectionPool
        let health: NIOLockedValueBox<Health>
    }

    struct Health: Sendable {
        var healthy = false
        var lagSeconds: Double? = nil
        var lastError: String? = nil
    }

    let configuration: ReplicaConfiguration
    let replicas: [Replica]
    private let next = NIOLockedValueBox(0)
    private let checker = NIOLockedValueBox<Task<Void, Never>?>(nil)
    private let routed: [String: Counter]
    private let logger = Logger(label: "storefront.replica-router")

    init(configuration: ReplicaConfiguration) {
        self.configuration = configuration
        self.replicas = configuration.replicas.enumerated().map { index, connection in
            var pool = configuration.pool
            pool.name = "replica\(index)"
            return Replica(name: connection.endpoint, pool: MariaDBConnectionPool(connection, pool: pool), health: NIOLockedValueBox(Health()))
        }
        var routed: [String: Counter] = [:]
        for target in ["replica", "primary", "fallback_lag", "fallback_unhealthy", "fallback_gtid_wait"] {
            routed[target] = Counter(label: "db.client.routed_reads", dimensions: [("target", target)])
        }
        self.routed = routed
        let interval = configuration.healthCheckInterval
        let task = Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                await self.checkHealth()
                try? await Task.sleep(for: interval)
            }
        }
        checker.withLockedValue { $0 = task }
    }

    /// Polls each replica's replication status.
    func checkHealth() async {
        let maxLag = Double(configuration.maximumLag.components.seconds) + Double(configuration.maximumLag.components.attoseconds) / 1e18
        for replica in replicas {
            var health = Health()
            do {
                let rows = try await replica.pool.withConnection { try await $0.query("SHOW SLAVE STATUS").rows }
                if let row = rows.first {
                    let io = (try? row.decode("Slave_IO_Running", as: String.self)) == "Yes"
                    let sql = (try? row.decode("Slave_SQL_Running", as: String.self)) == "Yes"
                    let lag = try? row.decode("Seconds_Behind_Master", as: Double?.self)
                    health.lagSeconds = lag ?? nil
                    health.healthy = io && sql && (health.lagSeconds.map { $0 <= maxLag } ?? false)
                    if !health.healthy { health.lastError = "io=\(io) sql=\(sql) lag=\(health.lagSeconds.map { "\($0)" } ?? "unknown")" }
                } else {
                    health.lastError = "not a replica (SHOW SLAVE STATUS is empty)"
                }
            } catch {
                health.lastError = "\(error)"
            }
            let was = replica.health.withLockedValue { old -> Bool in
                let was = old.healthy
                old = health
                return was
            }
            if was != health.healthy {
                logger.info("replica health changed", metadata: ["replica": "\(replica.name)", "healthy": "\(health.healthy)", "reason": "\(health.lastError ?? "ok")"])
            }
        }
    }

    /// A healthy replica (round robin), or nil to read from the primary.
    func readReplica(for session: RoutingSession) async -> Replica? {
        let healthy = replicas.filter { $0.health.withLockedValue { $0.healthy } }
        guard !healthy.isEmpty else {
            routed[replicas.isEmpty ? "primary" : "fallback_unhealthy"]?.increment()
            return nil
        }
        let index = next.withLockedValue { n -> Int in n &+= 1; return n }
        return healthy[index % healthy.count]
    }

    /// Runs a read on the replica, first waiting for the session's last write. nil = use the primary.
    func run(_ query: MariaDBQuery, on replica: Replica, session: RoutingSession) async throws -> MariaDBResult? {
        let gtid = session.lastWriteGTID
        let timeout = Double(configuration.readYourWritesTimeout.components.seconds) + Double(configuration.readYourWritesTimeout.components.attoseconds) / 1e18
        do {
            return try await replica.pool.withConnection { connection -> MariaDBResult? in
                if let gtid {
                    let waited = try await connection.query("SELECT MASTER_GTID_WAIT(\(gtid), \(timeout))").rows.first?.decode(0, as: Int.self)
                    if waited != 0 {
                        self.routed["fallback_gtid_wait"]?.increment()
                        return nil
                    }
                }
                let result = try await connection.query(query)
                self.routed["replica"]?.increment()
                return result
            }
        } catch let error as MariaDBError where error.isConnectionLost || error.code == .connectionFailed {
            replica.health.withLockedValue { $0.healthy = false; $0.lastError = "\(error)" }
            routed["fallback_unhealthy"]?.increment()
            return nil
        } catch is PoolError {
            routed["fallback_unhealthy"]?.increment()
            return nil
        }
    }

    /// Remembers the GTID of the session's last write (MariaDB's `@@last_gtid`).
    func recordWrite(on connection: MariaDBConnection, session: RoutingSession) async throws {
        let gtid = try await connection.query("SELECT @@last_gtid").rows.first?.decode(0, as: String.self)
        if let gtid, !gtid.isEmpty { session.lastWriteGTID = gtid }
    }

    func shutdown() async {
        checker.withLockedValue { $0?.cancel() }
        for replica in replicas { await replica.pool.shutdown() }
    }

    /// Health per replica, for /health and tests.
    var status: [(name: String, healthy: Bool, lagSeconds: Double?, lastError: String?)] {
        replicas.map { replica in replica.health.withLockedValue { (replica.name, $0.healthy, $0.lagSeconds, $0.lastError) } }
    }
}
