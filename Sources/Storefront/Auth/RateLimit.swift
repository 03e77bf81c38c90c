import Foundation

/// `count` events per `window`, written `COUNT/SECONDS` in the environment (`10/900`: ten per fifteen minutes).
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    public var count: Int
    public var window: Duration

    public init(_ count: Int, per window: Duration) {
        self.count = count
        self.window = window
    }

    /// Parses `COUNT/SECONDS`; `setting` names the variable in the error.
    public init(parsing text: String, setting: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Int(parts[0]), let seconds = Int(parts[1]), count >= 1, seconds >= 1 else {
            throw StorefrontConfigurationError("\(setting)=\(text) must be COUNT/SECONDS with both ≥ 1, e.g. 10/900")
        }
        self.init(count, per: .seconds(seconds))
    }

    public var description: String { "\(count)/\(window.components.seconds)" }
}

/// The limits on account creation and sign-in, per client address and per account.
public struct RateLimits: Sendable, Equatable {
    /// Failed sign-ins to one account, from anywhere (`SIGNIN_FAILURES_PER_ACCOUNT`). Reaching it locks the
    /// account's sign-in for the rest of the window, also for the right password.
    public var signInFailuresPerAccount = RateLimit(10, per: .seconds(900))
    /// Sign-in attempts from one client address, right or wrong (`SIGNIN_ATTEMPTS_PER_ADDRESS`).
    public var signInAttemptsPerAddress = RateLimit(30, per: .seconds(60))
    /// Accounts created from one client address (`SIGNUPS_PER_ADDRESS`).
    public var signUpsPerAddress = RateLimit(20, per: .seconds(600))

    public init() {}

    /// High enough that nothing a test or a load generator does on its own hits them.
    public static let generous: RateLimits = {
        var limits = RateLimits()
        limits.signInFailuresPerAccount = RateLimit(1_000_000, per: .seconds(1))
        limits.signInAttemptsPerAddress = RateLimit(1_000_000, per: .seconds(1))
        limits.signUpsPerAddress = RateLimit(1_000_000, per: .seconds(1))
        return limits
    }()
}

/// Sliding-window counters per key, in memory (each process of the shop limits on its own; the limits are per
/// process, documented in docs/security.md). The number of keys is bounded: when full, expired keys go first,
/// then the oldest.
final class RateLimiter: @unchecked Sendable {
    // `events` is guarded by `lock`.
    private let lock = NSLock()
    private var events: [String: [ContinuousClock.Instant]] = [:]
    private let maximumKeys: Int
    private let clock = ContinuousClock()

    init(maximumKeys: Int = 100_000) { self.maximumKeys = maximumKeys }

    /// Seconds until `key` may act again under `limit`, or `nil` if it may act now. Does not record anything.
    func retryAfter(_ key: String, _ limit: RateLimit) -> Int? {
        lock.withLock {
            let now = clock.now
            let recent = (events[key] ?? []).filter { now - $0 < limit.window }
            guard recent.count >= limit.count, let oldest = recent.first else { return nil }
            let wait = limit.window - (now - oldest)
            return max(1, Int(wait.components.seconds) + (wait.components.attoseconds > 0 ? 1 : 0))
        }
    }

    /// Records one event for `key`, keeping only what `limit`'s window still needs.
    func record(_ key: String, _ limit: RateLimit) {
        lock.withLock {
            let now = clock.now
            var recent = (events[key] ?? []).filter { now - $0 < limit.window }
            recent.append(now)
            if recent.count > limit.count { recent.removeFirst(recent.count - limit.count) }
            if events[key] == nil, events.count >= maximumKeys { evict(now: now, window: limit.window) }
            events[key] = recent
        }
    }

    /// Forgets `key` (a successful sign-in clears the account's failures).
    func reset(_ key: String) {
        _ = lock.withLock { events.removeValue(forKey: key) }
    }

    private func evict(now: ContinuousClock.Instant, window: Duration) {
        events = events.filter { _, times in times.last.map { now - $0 < window } ?? false }
        if events.count >= maximumKeys, let oldest = events.min(by: { ($0.value.last ?? now) < ($1.value.last ?? now) })
        {
            events.removeValue(forKey: oldest.key)
        }
    }
}
