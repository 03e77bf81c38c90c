import Foundation

/// A calendar date and wall-clock time with microseconds, as DATE/DATETIME/TIMESTAMP hold them.
/// The client sets the session time zone to UTC, so these are UTC values.
public struct MariaDBDateTime: Sendable, Hashable, CustomStringConvertible, Comparable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var microsecond: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, microsecond: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
    }

    /// The UTC wall-clock time of `date`, rounded to the nearest microsecond.
    public init(_ date: Date) {
        let totalMicros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        var seconds = Int64((totalMicros / 1_000_000).rounded(.down))
        var micros = Int(totalMicros - Double(seconds) * 1_000_000)
        if micros >= 1_000_000 { seconds += 1; micros -= 1_000_000 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (y, m, d) = Self.civil(fromDays: days)
        self.init(year: y, month: m, day: d, hour: Int(secondOfDay / 3600), minute: Int(secondOfDay % 3600 / 60),
                  second: Int(secondOfDay % 60), microsecond: micros)
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` and `YYYY-MM-DD HH:MM:SS.ffffff` (also with `T`).
    public init?(parsing text: Substring) {
        let b = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var n = 0
            for i in from..<(from + count) {
                let c = b[i]
                guard c >= 48, c <= 57 else { return nil }
                n = n * 10 + Int(c - 48)
            }
            return n
        }
        guard b.count >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2) else { return nil }
        self.init(year: y, month: mo, day: d)
        guard b.count > 10 else { return }
        guard b.count >= 19, b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let h = number(11, 2), let mi = number(14, 2), let s = number(17, 2) else { return nil }
        hour = h; minute = mi; second = s
        if b.count > 19 {
            guard b[19] == UInt8(ascii: "."), b.count > 20, b.count <= 26, let frac = number(20, b.count - 20) else { return nil }
            var micros = frac
            for _ in 0..<(6 - (b.count - 20)) { micros *= 10 }
            microsecond = micros
        }
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff` (the fraction only when non-zero).
    public var description: String {
        var text = dateString + " " + String(hour).leftPad(2) + ":" + String(minute).leftPad(2) + ":" + String(second).leftPad(2)
        if microsecond != 0 { text += "." + String(microsecond).leftPad(6) }
        return text
    }

    public var dateString: String {
        String(year).leftPad(4) + "-" + String(month).leftPad(2) + "-" + String(day).leftPad(2)
    }

    /// The instant this UTC wall-clock time denotes; nil for zero dates (`0000-00-00`).
    public var date: Date? {
        guard month >= 1, month <= 12, day >= 1, day <= 31 else { return nil }
        let days = Self.days(fromCivil: year, month, day)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return Date(timeIntervalSince1970: Double(seconds) + Double(microsecond) / 1_000_000)
    }

    public static func < (a: MariaDBDateTime, b: MariaDBDateTime) -> Bool {
        [a.year, a.month, a.day, a.hour, a.minute, a.second, a.microsecond]
            .lexicographicallyPrecedes([b.year, b.month, b.day, b.hour, b.minute, b.second, b.microsecond])
    }

    // Howard Hinnant's days-from-civil algorithms: exact for the proleptic Gregorian calendar.
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }
}

/// A TIME value: a signed duration with microseconds.
public struct MariaDBTime: Sendable, Hashable, CustomStringConvertible {
    public var isNegative: Bool
    public var hours: Int
    public var minutes: Int
    public var seconds: Int
    public var microseconds: Int

    public init(isNegative: Bool = false, hours: Int, minutes: Int, seconds: Int, microseconds: Int = 0) {
        self.isNegative = isNegative
        self.hours = hours
        self.minutes = minutes
        self.seconds = seconds
        self.microseconds = microseconds
    }

    public var description: String {
        var text = (isNegative ? "-" : "") + String(hours).leftPad(2) + ":" + String(minutes).leftPad(2) + ":" + String(seconds).leftPad(2)
        if microseconds != 0 { text += "." + String(microseconds).leftPad(6) }
        return text
    }

    public init?(parsing text: Substring) {
        var t = text
        let negative = t.hasPrefix("-")
        if negative { t = t.dropFirst() }
        let parts = t.split(separator: ":")
        guard parts.count == 3, let h = Int(parts[0]), let m = Int(parts[1]) else { return nil }
        let secParts = parts[2].split(separator: ".")
        guard let s = Int(secParts[0]) else { return nil }
        var micros = 0
        if secParts.count == 2 {
            guard secParts[1].count <= 6, let f = Int(secParts[1]) else { return nil }
            micros = f
            for _ in 0..<(6 - secParts[1].count) { micros *= 10 }
        }
        self.init(isNegative: negative, hours: h, minutes: m, seconds: s, microseconds: micros)
    }
}
