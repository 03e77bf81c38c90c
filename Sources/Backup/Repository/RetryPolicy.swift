import Foundation

/// How often and how patiently a request is repeated after a server error (5xx, `SlowDown`) or a failed
/// connection. Bounded: a location that stays down fails the operation after the last attempt.
public struct RetryPolicy: Sendable, Equatable {
    /// Total tries, the first included; at least 1.
    public var attempts: Int
    /// The wait before the second try; each later wait doubles, up to `maximumDelay`.
    public var initialDelay: TimeInterval
    public var maximumDelay: TimeInterval

    public init(attempts: Int, initialDelay: TimeInterval, maximumDelay: TimeInterval) {
        self.attempts = max(1, attempts)
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// Four tries over about three seconds.
    public static let standard = RetryPolicy(attempts: 4, initialDelay: 0.4, maximumDelay: 5)
    /// One try.
    public static let none = RetryPolicy(attempts: 1, initialDelay: 0, maximumDelay: 0)

    /// The wait after try number `attempt` (1-based): exponential, with jitter so that many clients that
    /// failed together do not retry together.
    func delay(after attempt: Int) -> TimeInterval {
        let exponential = initialDelay * pow(2, Double(max(0, attempt - 1)))
        let capped = min(maximumDelay, exponential)
        return capped / 2 + Double.random(in: 0...(capped / 2))
    }
}
