import Foundation

/// How many backups of each period to keep (grandfather-father-son, like restic's `forget --keep-*`).
public struct RetentionPolicy: Sendable, Equatable {
    public var hourly: Int
    public var daily: Int
    public var weekly: Int
    public var monthly: Int
    public var yearly: Int
    /// Backups younger than this are kept whatever the counts say.
    public var minimumAge: TimeInterval?
    /// The zone in which hours, days, weeks, months and years begin.
    public var timeZone: TimeZone

    public init(
        hourly: Int = 24, daily: Int = 7, weekly: Int = 4, monthly: Int = 12, yearly: Int = 2,
        minimumAge: TimeInterval? = nil, timeZone: TimeZone = .gmt
    ) {
        self.hourly = hourly
        self.daily = daily
        self.weekly = weekly
        self.monthly = monthly
        self.yearly = yearly
        self.minimumAge = minimumAge
        self.timeZone = timeZone
    }
}
