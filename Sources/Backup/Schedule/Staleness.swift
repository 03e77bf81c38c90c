import Foundation

/// Whether a scheduled job's last success is too old: no success since its latest time, once a grace period
/// for the run itself has passed. For `continuous` jobs, no success within the grace period.
///
/// Feeds the "backup stale" alerts: ``staleAt(lastSuccess:)`` says when to look again.
public struct Staleness: Sendable {
    public var entry: ScheduleEntry
    /// How long a run may take (and start late) before its absence counts.
    public var grace: TimeInterval
    public var timeZone: TimeZone

    public init(_ entry: ScheduleEntry, grace: TimeInterval, timeZone: TimeZone = .gmt) {
        self.entry = entry
        self.grace = grace
        self.timeZone = timeZone
    }

    /// The moment a job last successful at `lastSuccess` turns stale: its next time plus the grace period.
    public func staleAt(lastSuccess: Date) -> Date {
        switch entry {
        case .cron(let schedule): schedule.next(after: lastSuccess, in: timeZone).addingTimeInterval(grace)
        case .continuous: lastSuccess.addingTimeInterval(grace)
        }
    }

    /// Stale at `now`? A job that never succeeded is.
    public func isStale(lastSuccess: Date?, now: Date) -> Bool {
        guard let lastSuccess else { return true }
        return now >= staleAt(lastSuccess: lastSuccess)
    }

    /// The latest time whose run is missing (for the alert's evidence); nil when not stale or `continuous`.
    public func missedTime(lastSuccess: Date?, now: Date) -> Date? {
        guard case .cron(let schedule) = entry, isStale(lastSuccess: lastSuccess, now: now) else { return nil }
        return schedule.latest(atOrBefore: now.addingTimeInterval(-grace), in: timeZone)
    }
}
