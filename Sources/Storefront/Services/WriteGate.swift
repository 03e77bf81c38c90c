import CoreMetrics
import Logging
import NIOConcurrencyHelpers

/// Holds write requests back while the database is switched, without failing them.
///
/// Open, it counts the writes in flight. `freeze` closes it: new writes wait at the gate, reads go on, and
/// `freeze` returns once the writes in flight are done. `thaw` opens it and the waiting writes continue on
/// whatever database is current by then. A freeze is a lease: if nobody renews it (another `freeze`) or thaws
/// within the lease, the gate opens by itself, so a cut-over tool that dies mid-way cannot stop the shop's
/// writes for good. The gate measures each pause itself, from closing to opening.
public final class WriteGate: Sendable {
    /// What the gate looks like now.
    public struct Status: Sendable {
        public var frozen: Bool
        public var leaseRemaining: Duration?
        public var writesInFlight: Int
        public var writesWaiting: Int
        public var lastPause: Duration?
        public var pauses: Int
        public var leaseExpiries: Int
    }

    public enum FreezeOutcome: Sendable, Equatable {
        /// Closed with nothing in flight; `drained` is how long the writes in flight took to finish.
        case frozen(drained: Duration)
        /// Writes were still in flight after the drain timeout; the gate is open again.
        case drainTimedOut(inFlight: Int)
        /// A thaw or an expired lease opened the gate before the writes in flight finished.
        case openedWhileDraining
    }

    private struct State {
        var frozen = false
        var closedAt: ContinuousClock.Instant?
        var leaseDeadline: ContinuousClock.Instant?
        var leaseTimer: Task<Void, Never>?
        var inFlight = 0
        /// Writes waiting at the closed gate; resumed with true when it opens, false when they give up.
        var waiting: [UInt64: CheckedContinuation<Bool, Never>] = [:]
        /// Freezes waiting for the writes in flight; resumed with true once none are left.
        var draining: [UInt64: CheckedContinuation<Bool, Never>] = [:]
        var nextID: UInt64 = 0
        var lastPause: Duration?
        var pauses = 0
        var leaseExpiries = 0

        mutating func newID() -> UInt64 {
            nextID += 1
            return nextID
        }
    }

    private let state = NIOLockedValueBox(State())
    private let logger: Logger
    private let pauseTimer = Timer(label: "storefront.write_gate.pause_seconds", preferredDisplayUnit: .seconds)
    private let leaseExpiryCounter = Counter(label: "storefront.write_gate.lease_expiries_total")
    private let gaveUpCounter = Counter(label: "storefront.write_gate.gave_up_total")
    private let frozenGauge = Gauge(label: "storefront.write_gate.frozen")

    public init(logger: Logger = Logger(label: "storefront.write_gate")) {
        self.logger = logger
        frozenGauge.record(0)
    }

    public var status: Status {
        let now = ContinuousClock.now
        return state.withLockedValue { s in
            Status(frozen: s.frozen, leaseRemaining: s.leaseDeadline.map { max(.zero, $0 - now) },
                   writesInFlight: s.inFlight, writesWaiting: s.waiting.count, lastPause: s.lastPause,
                   pauses: s.pauses, leaseExpiries: s.leaseExpiries)
        }
    }

    // MARK: writes

    /// Lets a write through, waiting up to `maxWait` while the gate is closed. False when it gave up; a write
    /// that got through must call `leave()` once its response is produced.
    public func enter(maxWait: Duration) async -> Bool {
        let id: UInt64? = state.withLockedValue { s in
            guard s.frozen else {
                s.inFlight += 1
                return nil
            }
            return s.newID()
        }
        guard let id else { return true }
        let timer = NIOLockedValueBox<Task<Void, Never>?>(nil)
        let admitted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let registered = state.withLockedValue { s -> Bool in
                guard s.frozen else {
                    s.inFlight += 1
                    return false
                }
                s.waiting[id] = continuation
                return true
            }
            guard registered else { return continuation.resume(returning: true) }
            timer.withLockedValue { timer in
                timer = Task { [self] in
                    try? await Task.sleep(for: maxWait)
                    giveUp(id)
                }
            }
        }
        timer.withLockedValue { $0?.cancel() }
        return admitted
    }

    /// A write that got through has produced its response.
    public func leave() {
        let drained = state.withLockedValue { s -> [CheckedContinuation<Bool, Never>] in
            s.inFlight -= 1
            guard s.inFlight == 0 else { return [] }
            defer { s.draining = [:] }
            return Array(s.draining.values)
        }
        for continuation in drained { continuation.resume(returning: true) }
    }

    private func giveUp(_ id: UInt64) {
        guard let continuation = state.withLockedValue({ $0.waiting.removeValue(forKey: id) }) else { return }
        gaveUpCounter.increment()
        continuation.resume(returning: false)
    }

    // MARK: control

    /// Closes the gate (or renews the lease of a closed one) and waits up to `drainTimeout` for the writes in
    /// flight. When they do not finish in time the gate opens again.
    public func freeze(lease: Duration, drainTimeout: Duration) async -> FreezeOutcome {
        let started = ContinuousClock.now
        let mustDrain = state.withLockedValue { s -> Bool in
            if !s.frozen {
                s.frozen = true
                s.closedAt = started
                frozenGauge.record(1)
            }
            s.leaseDeadline = started + lease
            s.leaseTimer?.cancel()
            s.leaseTimer = Task { [self] in
                try? await Task.sleep(for: lease)
                guard !Task.isCancelled else { return }
                leaseExpired()
            }
            return s.inFlight > 0
        }
        if mustDrain {
            guard await drain(timeout: drainTimeout) else {
                let left = state.withLockedValue { s -> Int? in
                    guard s.frozen else { return nil }
                    let left = s.inFlight
                    open(&s)
                    return left
                }
                guard let left else { return .openedWhileDraining }
                logger.warning("write freeze gave up: writes still in flight", metadata: [
                    "in_flight": "\(left)", "drain_timeout_ms": "\(milliseconds(drainTimeout))",
                ])
                return .drainTimedOut(inFlight: left)
            }
        }
        guard state.withLockedValue({ $0.frozen }) else { return .openedWhileDraining }
        return .frozen(drained: ContinuousClock.now - started)
    }

    /// Opens the gate and returns how long it was closed; nil when it was open.
    @discardableResult
    public func thaw() -> Duration? {
        state.withLockedValue { s in s.frozen ? open(&s) : nil }
    }

    /// Runs `body` only while the gate is closed with nothing in flight, atomically with respect to the lease
    /// expiring or a thaw: what `body` does (switch the database) happens while no write can run.
    public func whileFrozen<T>(_ body: () throws -> T) rethrows -> T? {
        try state.withLockedValue { s in
            guard s.frozen, s.inFlight == 0 else { return nil }
            return try body()
        }
    }

    /// True once no write is in flight; false after `timeout`.
    private func drain(timeout: Duration) async -> Bool {
        let id = state.withLockedValue { $0.newID() }
        let timer = NIOLockedValueBox<Task<Void, Never>?>(nil)
        let drained = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let registered = state.withLockedValue { s -> Bool in
                guard s.inFlight > 0 else { return false }
                s.draining[id] = continuation
                return true
            }
            guard registered else { return continuation.resume(returning: true) }
            timer.withLockedValue { timer in
                timer = Task { [self] in
                    try? await Task.sleep(for: timeout)
                    let waiting = state.withLockedValue { $0.draining.removeValue(forKey: id) }
                    waiting?.resume(returning: false)
                }
            }
        }
        timer.withLockedValue { $0?.cancel() }
        return drained
    }

    private func leaseExpired() {
        let pause = state.withLockedValue { s -> Duration? in
            guard s.frozen, let deadline = s.leaseDeadline, deadline <= .now else { return nil }
            s.leaseExpiries += 1
            return open(&s)
        }
        guard let pause else { return }
        leaseExpiryCounter.increment()
        logger.warning("write freeze lease expired without thaw or renewal; writes resume on the current database",
                       metadata: ["paused_ms": "\(milliseconds(pause))"])
    }

    /// Opens the gate (the caller holds the lock): the waiting writes go in, counted in flight at once so a
    /// freeze right after this waits for them.
    @discardableResult
    private func open(_ s: inout State) -> Duration {
        let pause = ContinuousClock.now - (s.closedAt ?? .now)
        s.frozen = false
        s.closedAt = nil
        s.leaseDeadline = nil
        s.leaseTimer?.cancel()
        s.leaseTimer = nil
        s.lastPause = pause
        s.pauses += 1
        s.inFlight += s.waiting.count
        for continuation in s.waiting.values { continuation.resume(returning: true) }
        s.waiting = [:]
        pauseTimer.recordNanoseconds(Int64(milliseconds(pause) * 1_000_000))
        frozenGauge.record(0)
        return pause
    }
}

/// A duration in milliseconds, with fractions (the control API's unit).
func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
}
