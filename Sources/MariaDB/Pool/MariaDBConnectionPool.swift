import CoreMetrics
import Logging
import NIOConcurrencyHelpers

/// A pool of `MariaDBConnection`s with bounded size and bounded waiting.
///
/// Connections are handed out LIFO (warm ones first), pinged when they sat idle longer than
/// `validationThreshold`, replaced when broken or older than `maximumLifetime`. When every connection is
/// busy a caller waits up to `acquireTimeout`; when `maximumPendingAcquires` callers already wait it fails
/// at once. Both failures are `PoolError`s, which the API turns into `503` with `Retry-After`.
public final class MariaDBConnectionPool: Sendable {
    private struct Idle {
        let connection: MariaDBConnection
        let createdAt: ContinuousClock.Instant
        let idleSince: ContinuousClock.Instant
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Lease, any Error>
    }

    /// A borrowed connection with its birth time (for lifetime checks on return).
    public struct Lease: Sendable {
        public let connection: MariaDBConnection
        let createdAt: ContinuousClock.Instant
    }

    private struct State {
        var idle: [Idle] = []
        var open = 0  // idle + leased + being created
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var isShutdown = false
        var leased: Int { open - idle.count }
    }

    public let configuration: PoolConfiguration
    public let connectionConfiguration: MariaDBConfiguration
    private let state = NIOLockedValueBox(State())
    private let metrics: PoolMetrics
    private let logger: Logger
    private let maintenance = NIOLockedValueBox<Task<Void, Never>?>(nil)

    public init(_ connection: MariaDBConfiguration, pool: PoolConfiguration = PoolConfiguration(), logger: Logger = Logger(label: "storefront.pool")) {
        self.connectionConfiguration = connection
        self.configuration = pool
        self.logger = logger
        self.metrics = PoolMetrics(name: pool.name, maximum: pool.maximumConnections)
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: pool.maintenanceInterval)
                guard let self else { return }
                await self.maintain()
            }
        }
        maintenance.withLockedValue { $0 = task }
    }

    /// Opens connections up to the minimum; call once at start-up to fail fast on bad configuration.
    public func warmUp() async throws {
        let missing = state.withLockedValue { s -> Int in
            let n = max(0, configuration.minimumConnections - s.open)
            s.open += n
            return n
        }
        for _ in 0..<missing {
            do {
                let connection = try await open()
                release(Lease(connection: connection, createdAt: .now))
            } catch {
                state.withLockedValue { $0.open -= 1 }
                throw error
            }
        }
        publishGauges()
    }

    /// Borrows a connection; `release` it when done (or use `withConnection`).
    public func acquire() async throws -> Lease {
        let started = ContinuousClock.now
        while true {
            let (lease, idleFor) = try await acquireOnce(started: started)
            if await validate(lease, idleFor: idleFor) {
                metrics.waitTime.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - started))
                return lease
            }
        }
    }

    private enum Decision { case reuse(Idle), create, wait, fail(PoolError) }

    private func acquireOnce(started: ContinuousClock.Instant) async throws -> (Lease, Duration) {
        let decision = state.withLockedValue { s -> Decision in
            if s.isShutdown { return .fail(PoolError(reason: .shutdown, poolName: configuration.name, waited: .zero)) }
            if let idle = s.idle.popLast() { return .reuse(idle) }
            if s.open < configuration.maximumConnections { s.open += 1; return .create }
            if s.waiters.count >= configuration.maximumPendingAcquires {
                return .fail(PoolError(reason: .tooManyWaiters, poolName: configuration.name, waited: .zero))
            }
            return .wait
        }
        switch decision {
        case .reuse(let idle):
            publishGauges()
            return (Lease(connection: idle.connection, createdAt: idle.createdAt), ContinuousClock.now - idle.idleSince)
        case .create:
            do {
                let connection = try await open()
                publishGauges()
                return (Lease(connection: connection, createdAt: .now), .zero)
            } catch {
                connectionGone()
                throw error
            }
        case .fail(let error):
            if error.reason != .shutdown { metrics.timeouts.increment() }
            throw error
        case .wait:
            return (try await waitForRelease(started: started), .zero)
        }
    }

    private func waitForRelease(started: ContinuousClock.Instant) async throws -> Lease {
        let id = state.withLockedValue { s -> UInt64 in s.nextWaiterID += 1; return s.nextWaiterID }
        let timeout = configuration.acquireTimeout
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.expireWaiter(id, started: started)
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Lease, any Error>) in
                let registered = state.withLockedValue { s -> Bool in
                    if s.isShutdown { return false }
                    s.waiters.append(Waiter(id: id, continuation: continuation))
                    return true
                }
                if registered {
                    publishGauges()
                } else {
                    continuation.resume(throwing: PoolError(reason: .shutdown, poolName: configuration.name, waited: .zero))
                }
            }
        } onCancel: {
            self.expireWaiter(id, started: started, error: CancellationError())
        }
    }

    private func expireWaiter(_ id: UInt64, started: ContinuousClock.Instant, error: (any Error)? = nil) {
        let waiter = state.withLockedValue { s -> Waiter? in
            guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return s.waiters.remove(at: index)
        }
        guard let waiter else { return }
        if error == nil { metrics.timeouts.increment() }
        publishGauges()
        waiter.continuation.resume(throwing: error ?? PoolError(reason: .acquireTimeout, poolName: configuration.name, waited: ContinuousClock.now - started))
    }

    /// Pings a connection that sat idle longer than `validationThreshold` (the server or a proxy may have
    /// dropped it); a dead one is closed and the caller tries again with another.
    private func validate(_ lease: Lease, idleFor: Duration) async -> Bool {
        if lease.connection.isBroken || lease.connection.isClosed || ContinuousClock.now - lease.createdAt > configuration.maximumLifetime {
            discard(lease.connection)
            return false
        }
        guard idleFor > configuration.validationThreshold else { return true }
        do {
            try await lease.connection.ping()
            return true
        } catch {
            metrics.validationFailures.increment()
            logger.info("pooled connection failed validation; replacing it", metadata: ["pool.name": "\(configuration.name)", "error": "\(error)"])
            discard(lease.connection)
            return false
        }
    }

    /// Returns a borrowed connection. Broken or expired ones are closed; a waiting caller gets the
    /// connection (or a fresh one) directly.
    public func release(_ lease: Lease) {
        let connection = lease.connection
        let expired = ContinuousClock.now - lease.createdAt > configuration.maximumLifetime
        if connection.isBroken || connection.isClosed || expired {
            discard(connection)
            return
        }
        let waiter = state.withLockedValue { s -> Waiter? in
            if !s.waiters.isEmpty { return s.waiters.removeFirst() }
            s.idle.append(Idle(connection: connection, createdAt: lease.createdAt, idleSince: .now))
            return nil
        }
        publishGauges()
        waiter?.continuation.resume(returning: lease)
    }

    /// Closes a connection that cannot be reused and, if someone waits, opens a replacement for them.
    private func discard(_ connection: MariaDBConnection) {
        Task { try? await connection.close() }
        metrics.closed.increment()
        let waiter = state.withLockedValue { s -> Waiter? in
            if !s.waiters.isEmpty, !s.isShutdown { return s.waiters.removeFirst() }  // keeps its `open` slot
            s.open -= 1
            return nil
        }
        publishGauges()
        guard let waiter else { return }
        Task {
            do {
                let fresh = try await open()
                waiter.continuation.resume(returning: Lease(connection: fresh, createdAt: .now))
            } catch {
                connectionGone()
                waiter.continuation.resume(throwing: error)
            }
        }
    }

    private func connectionGone() {
        state.withLockedValue { $0.open -= 1 }
        publishGauges()
    }

    private func open() async throws -> MariaDBConnection {
        let connection = try await MariaDBConnection.connect(connectionConfiguration, logger: logger)
        metrics.created.increment()
        return connection
    }

    /// Borrows a connection for `body`, which runs on the connection's own thread (no hop per query),
    /// and returns it afterwards, also when `body` throws.
    public func withConnection<T: Sendable>(_ body: (MariaDBConnection) async throws -> T) async throws -> T {
        let lease = try await acquire()
        do {
            let value = try await withTaskExecutorPreference(lease.connection.executor) { try await body(lease.connection) }
            release(lease)
            return value
        } catch {
            release(lease)
            throw error
        }
    }

    /// Closes idle connections above the minimum or past their lifetime, pings long-idle ones, and
    /// opens connections up to the minimum.
    func maintain() async {
        let now = ContinuousClock.now
        let (retire, check) = state.withLockedValue { s -> ([Idle], [Idle]) in
            var retire: [Idle] = []
            var keep: [Idle] = []
            for idle in s.idle {
                let surplus = s.open - retire.count > configuration.minimumConnections
                let tooOld = now - idle.createdAt > configuration.maximumLifetime
                let idleTooLong = now - idle.idleSince > configuration.idleTimeout
                if tooOld || (surplus && idleTooLong) { retire.append(idle) } else { keep.append(idle) }
            }
            // Long-idle connections are taken out for a ping and put back if alive.
            let check = keep.filter { now - $0.idleSince > configuration.validationThreshold }
            s.idle = keep.filter { now - $0.idleSince <= configuration.validationThreshold }
            s.open -= retire.count
            return (retire, check)
        }
        for idle in retire {
            try? await idle.connection.close()
            metrics.closed.increment()
        }
        for idle in check {
            do {
                try await idle.connection.ping()
                release(Lease(connection: idle.connection, createdAt: idle.createdAt))
            } catch {
                metrics.validationFailures.increment()
                discard(idle.connection)
            }
        }
        if !state.withLockedValue({ $0.isShutdown }) { try? await warmUp() }
        publishGauges()
    }

    /// Closes every idle connection and fails all waiters; leased connections are closed on release.
    public func shutdown() async {
        maintenance.withLockedValue { $0?.cancel() }
        let (idle, waiters) = state.withLockedValue { s -> ([Idle], [Waiter]) in
            s.isShutdown = true
            let idle = s.idle
            let waiters = s.waiters
            s.idle.removeAll()
            s.waiters.removeAll()
            s.open -= idle.count
            return (idle, waiters)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: PoolError(reason: .shutdown, poolName: configuration.name, waited: .zero)) }
        for entry in idle { try? await entry.connection.close() }
        publishGauges()
    }

    /// Current counts: (leased, idle, waiting).
    public var statistics: (used: Int, idle: Int, pending: Int) {
        state.withLockedValue { ($0.leased, $0.idle.count, $0.waiters.count) }
    }

    private func publishGauges() {
        let (used, idle, pending) = statistics
        metrics.used.record(used)
        metrics.idle.record(idle)
        metrics.pending.record(pending)
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
