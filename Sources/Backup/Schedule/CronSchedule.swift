import Foundation

/// A cron schedule: the five-field crontab syntax (minute hour day-of-month month day-of-week) or an alias.
///
/// Fields take `*`, numbers, lists (`1,2`), ranges (`1-5`), steps (`*/15`, `1-30/5`) and, for months and
/// weekdays, names (`jan`…`dec`, `sun`…`sat`, any case, also inside ranges: `mon-fri`). Day-of-week 0 and 7
/// are both Sunday. As in the cron that Debian runs, when both day fields are restricted (neither starts with
/// `*`), a day matches if either does; `*/2` counts as unrestricted there. Aliases: `@hourly`, `@daily`
/// (`@midnight`), `@weekly`, `@monthly`, `@yearly` (`@annually`).
///
/// Times are wall-clock times in the time zone given to ``next(after:in:)`` and ``previous(before:in:)``
/// (UTC unless told). Where clocks are set back, a repeated time fires once, at its first occurrence; where
/// they jump forward, a time inside the gap fires at the jump.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written (trimmed).
    public let expression: String
    let minutes: CronField
    let hours: CronField
    let days: CronField
    let months: CronField
    let weekdays: CronField

    /// Parses `expression`; the error names the expression and the field at fault.
    public init(_ expression: String) throws(ScheduleError) {
        let trimmed = expression.trimmingCharacters(in: .whitespaces)
        self.expression = trimmed
        let fields = try Self.parseFields(trimmed)
        (minutes, hours, days, months, weekdays) = fields
        try checkSomeDayMatches()
    }

    public var description: String { expression }

    public static func == (lhs: CronSchedule, rhs: CronSchedule) -> Bool {
        lhs.minutes == rhs.minutes && lhs.hours == rhs.hours && lhs.days == rhs.days && lhs.months == rhs.months
            && lhs.weekdays == rhs.weekdays
    }

    public func hash(into hasher: inout Hasher) {
        for field in [minutes, hours, days, months, weekdays] { hasher.combine(field) }
    }

    /// Whether the wall time `time` is one of the schedule's minutes.
    func matches(_ time: CivilTime) -> Bool {
        months.contains(time.month) && dayMatches(time) && hours.contains(time.hour) && minutes.contains(time.minute)
    }

    func dayMatches(_ time: CivilTime) -> Bool {
        guard time.day <= time.daysInMonth else { return false }
        if days.isStar || weekdays.isStar {
            return days.contains(time.day) && weekdays.contains(time.weekday)
        }
        return days.contains(time.day) || weekdays.contains(time.weekday)
    }

    /// `0 0 30 2 *` would never fire; say so now rather than searching forever later.
    private func checkSomeDayMatches() throws(ScheduleError) {
        guard !days.isStar, weekdays.isStar else { return }
        let longestMonth = months.values.map { $0 == 2 ? 29 : CivilTime.daysIn(month: $0, year: 2001) }.max() ?? 0
        let possible = months.values.contains { month in
            let length = month == 2 ? 29 : CivilTime.daysIn(month: month, year: 2001)
            return days.first(atLeast: 1).map { $0 <= length } ?? false
        }
        guard possible else {
            throw ScheduleError(
                .neverMatches, expression: expression, field: "day-of-month",
                "never matches: no chosen month has day \(days.values.first ?? 0) (longest is \(longestMonth))")
        }
    }
}

extension CronSchedule: Codable {
    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(expression)
    }
}
