import CoreMetrics
import Foundation
import MariaDB
import MariaDBTestSupport
import MetricsTestKit
import Testing

@Suite(.mariaDB) struct PoolTests {
    func pool(_ configure: (inout PoolConfiguration) -> Void = { _ in }) throws -> MariaDBConnectionPool {
        var configuration = PoolConfiguration(minimumConnections: 0, maximumConnections: 2, acquireTimeout: .milliseconds(300))
        configuration.maintenanceInterval = .seconds(3600)
        configure(&configuration)
        return MariaDBConnectionPool(try TestServer.freshDatabase(), pool: configuration)
    }

    @Test func reusesWarmConnectionsAndWarmsUpToTheMinimum() async throws {
        let metrics = TestMetrics()
        try await withMetricsFactory(metrics) {
            let pool = try pool { $0.minimumConnections = 2 }
            try await pool.warmUp()
            #expect(pool.statistics.idle == 2)
            let first = try await pool.withConnection { $0.connectionID }
            let second = try await pool.withConnection { $0.connectionID }
            #expect(first == second, "LIFO: the warmest connection is reused")
            #expect(try metrics.expectCounter("db.client.connection.created", [("pool.name", "default")]).totalValue == 2)
            #expect(try metrics.expectGauge("db.client.connection.count", [("pool.name", "default"), ("state", "idle")]).lastValue == 2)
            await pool.shutdown()
        }
    }

    @Test func waitsThenTimesOutWithATypedError() async throws {
        let metrics = TestMetrics()
        try await withMetricsFactory(metrics) {
            let pool = try pool()
            let a = try await pool.acquire()
            let b = try await pool.acquire()
            #expect(pool.statistics.used == 2)
            // A waiter is served as soon as a connection comes back.
            let waiter = Task { try await pool.withConnection { $0.connectionID } }
            try await Task.sleep(for: .milliseconds(50))
            #expect(pool.statistics.pending == 1)
            pool.release(a)
            #expect(try await waiter.value == a.connection.connectionID)
            let held = try await pool.acquire()  // a's connection again, back from the waiter
            // Nobody releases: the caller gets a PoolError after acquireTimeout, not a hang.
            let started = ContinuousClock.now
            let error = try await #require(throws: PoolError.self) { _ = try await pool.acquire() }
            #expect(error.reason == .acquireTimeout)
            #expect(ContinuousClock.now - started >= .milliseconds(250))
            // Far below a hang, with room for a loaded machine (CI runs ~95 suites on 2 cores).
            #expect(ContinuousClock.now - started < .seconds(20))
            #expect(try metrics.expectCounter("db.client.connection.timeouts", [("pool.name", "default")]).totalValue == 1)
            pool.release(held)
            pool.release(b)
            await pool.shutdown()
        }
    }

    @Test func boundedQueueRejectsAtOnce() async throws {
        let pool = try pool { $0.maximumConnections = 1; $0.maximumPendingAcquires = 1; $0.acquireTimeout = .seconds(5) }
        let lease = try await pool.acquire()
        let queued = Task { try await pool.acquire() }
        try await Task.sleep(for: .milliseconds(50))
        let started = ContinuousClock.now
        let error = try await #require(throws: PoolError.self) { _ = try await pool.acquire() }
        #expect(error.reason == .tooManyWaiters)
        #expect(ContinuousClock.now - started < .milliseconds(200))
        pool.release(lease)
        pool.release(try await queued.value)
        await pool.shutdown()
    }

    @Test func deadIdleConnectionIsReplacedOnBorrow() async throws {
        let metrics = TestMetrics()
        try await withMetricsFactory(metrics) {
            let pool = try pool { $0.validationThreshold = .zero }
            let firstID = try await pool.withConnection { $0.connectionID }
            let killer = try await MariaDBConnection.connect(pool.connectionConfiguration)
            try await killer.execute("KILL CONNECTION \(firstID)")
            try await killer.close()
            let (secondID, answer) = try await pool.withConnection { ($0.connectionID, try await $0.query("SELECT 1").rows[0].decode(0, as: Int.self)) }
            #expect(secondID != firstID)
            #expect(answer == 1)
            #expect(try metrics.expectCounter("db.client.connection.validation_failures", [("pool.name", "default")]).totalValue == 1)
            await pool.shutdown()
        }
    }

    @Test func oldConnectionsAreRetired() async throws {
        let pool = try pool { $0.maximumLifetime = .milliseconds(100) }
        let first = try await pool.withConnection { $0.connectionID }
        try await Task.sleep(for: .milliseconds(150))
        let second = try await pool.withConnection { $0.connectionID }
        #expect(first != second)
        await pool.shutdown()
    }

    @Test func borrowedConnectionRunsOnItsOwnThread() async throws {
        let pool = try pool()
        #expect(try await pool.withConnection { $0.executor.isCurrent })
        await pool.shutdown()
        let error = try await #require(throws: PoolError.self) { _ = try await pool.acquire() }
        #expect(error.reason == .shutdown)
    }
}
