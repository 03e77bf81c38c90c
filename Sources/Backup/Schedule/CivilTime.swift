import Foundation

/// A wall-clock minute (proleptic Gregorian calendar) and the arithmetic cron and retention need on it.
///
/// Cron fields and retention periods are defined on local wall time, not on instants; doing the calendar
/// arithmetic here keeps the search loops free of `Calendar` allocations, and only the conversion back to an
/// instant has to know about the time zone.
struct CivilTime: Hashable, Sendable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int

    /// The wall time of `date` in `timeZone`, seconds dropped.
    init(_ date: Date, in timeZone: TimeZone) {
        let wall = Int(floor(date.timeIntervalSince1970)) + timeZone.secondsFromGMT(for: date)
        self.init(wallSeconds: wall)
    }

    init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
    }

    init(wallSeconds: Int) {
        let days = Self.floorDiv(wallSeconds, 86_400)
        let secondOfDay = wallSeconds - days * 86_400
        let (y, m, d) = Self.civil(fromDays: days)
        self.init(year: y, month: m, day: d, hour: secondOfDay / 3_600, minute: secondOfDay % 3_600 / 60)
    }

    /// Seconds since 1970-01-01T00:00 of this wall time, as if it were UTC.
    var wallSeconds: Int { daysSinceEpoch * 86_400 + hour * 3_600 + minute * 60 }

    var daysSinceEpoch: Int { Self.days(year: year, month: month, day: day) }

    /// 0 = Sunday … 6 = Saturday (cron's numbering).
    var weekday: Int { Self.floorMod(daysSinceEpoch + 4, 7) }

    var daysInMonth: Int { Self.daysIn(month: month, year: year) }

    /// ISO 8601 week-numbering year and week (weeks start on Monday; week 1 holds the year's first Thursday).
    var isoWeek: (year: Int, week: Int) {
        let isoWeekday = (weekday + 6) % 7 + 1  // Monday 1 … Sunday 7
        let thursday = daysSinceEpoch - isoWeekday + 4
        let (thursdayYear, _, _) = Self.civil(fromDays: thursday)
        let ordinal = thursday - Self.days(year: thursdayYear, month: 1, day: 1)
        return (thursdayYear, ordinal / 7 + 1)
    }

    mutating func advanceDay() {
        day += 1
        if day > daysInMonth { advanceMonth() }
        hour = 0
        minute = 0
    }

    mutating func advanceMonth() {
        month += 1
        if month > 12 {
            month = 1
            year += 1
        }
        day = 1
        hour = 0
        minute = 0
    }

    mutating func retreatDay() {
        day -= 1
        if day < 1 { retreatMonth() }
        hour = 23
        minute = 59
    }

    mutating func retreatMonth() {
        month -= 1
        if month < 1 {
            month = 12
            year -= 1
        }
        day = daysInMonth
        hour = 23
        minute = 59
    }

    /// The instant this wall time names in `timeZone`.
    ///
    /// A time that occurs twice (clocks set back) is its first occurrence; a time that does not occur (clocks
    /// set forward) is the moment the clocks jumped, so a job planned inside the gap still runs that day.
    func instant(in timeZone: TimeZone) -> Date {
        let wall = wallSeconds
        let before = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall - 86_400)))
        let after = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall + 86_400)))
        // A larger offset names an earlier instant: try it first so a repeated time is its first occurrence.
        for offset in Set([before, after]).sorted(by: >) {
            let candidate = Date(timeIntervalSince1970: Double(wall - offset))
            if timeZone.secondsFromGMT(for: candidate) == offset { return candidate }
        }
        // In a gap: find the first second at which the later offset applies.
        var low = wall - max(before, after)
        var high = wall - min(before, after)
        while low < high {
            let middle = Self.floorDiv(low + high, 2)
            if timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(middle))) == after {
                high = middle
            } else {
                low = middle + 1
            }
        }
        return Date(timeIntervalSince1970: Double(low))
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
    static func floorMod(_ a: Int, _ b: Int) -> Int { a - floorDiv(a, b) * b }
}

