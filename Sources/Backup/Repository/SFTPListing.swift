import Foundation

/// Reads what sftp prints for `ls -lna` and `df`.
///
/// A long listing line is `mode links owner group size month day time-or-year path`, for example
/// `-rw-r--r--    ? root     root            7 Dec  2 16:57 /srv/backups/a/b`; owner and group are single
/// words, the path is everything after the date and one space (so it may contain spaces), and the date is
/// printed by the client with the C locale in UTC (the environment sftp runs with).
enum SFTPListing {
    struct Entry: Equatable, Sendable {
        var path: String
        var isDirectory: Bool
        var isFile: Bool
        var size: UInt64
        var modified: Date?
    }

    static func entries(in output: String, now: Date = Date()) -> [Entry] {
        output.split(separator: "\n").compactMap { entry(from: String($0), now: now) }
    }

    static func entry(from line: String, now: Date = Date()) -> Entry? {
        guard let first = line.first, "-dlcbps".contains(first) else { return nil }
        var fields: [Substring] = []
        var rest = Substring(line)
        for _ in 0..<8 {
            rest = rest.drop { $0 == " " }
            guard let end = rest.firstIndex(of: " ") else { return nil }
            fields.append(rest[..<end])
            rest = rest[end...]
        }
        // Exactly one separator space before the path: a path may itself begin with spaces.
        guard rest.first == " " else { return nil }
        let path = String(rest.dropFirst())
        guard !path.isEmpty, fields[0].count >= 10, let size = UInt64(fields[4]) else { return nil }
        return Entry(
            path: path, isDirectory: first == "d", isFile: first == "-", size: size,
            modified: date(month: fields[5], day: fields[6], timeOrYear: fields[7], now: now))
    }

    /// `Dec  2 16:57` (less than half a year old, year implied) or `Dec  2  2025`.
    static func date(month: Substring, day: Substring, timeOrYear: Substring, now: Date) -> Date? {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let monthIndex = months.firstIndex(of: String(month)), let dayNumber = Int(day) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var parts = DateComponents(month: monthIndex + 1, day: dayNumber)
        if let colon = timeOrYear.firstIndex(of: ":") {
            guard let hour = Int(timeOrYear[..<colon]), let minute = Int(timeOrYear[timeOrYear.index(after: colon)...])
            else { return nil }
            parts.hour = hour
            parts.minute = minute
            // sftp prints the time instead of the year for dates less than half a year before now (and for
            // any later date), so the year is the earliest that puts the date in that range.
            let year = calendar.component(.year, from: now)
            let halfYearAgo = now.addingTimeInterval(-365 * 24 * 3600 / 2)
            return [year - 1, year, year + 1].lazy.compactMap { candidate -> Date? in
                var dated = parts
                dated.year = candidate
                return calendar.date(from: dated)
            }.first { $0 > halfYearAgo }
        }
        guard let year = Int(timeOrYear) else { return nil }
        parts.year = year
        return calendar.date(from: parts)
    }

    /// Free and total bytes from `df` (which prints kibibytes), nil when the output has no figures.
    static func diskFree(in output: String) -> (free: UInt64, total: UInt64)? {
        let lines = output.split(separator: "\n")
        guard let header = lines.firstIndex(where: { $0.contains("Avail") }), header + 1 < lines.count else {
            return nil
        }
        let numbers = lines[header + 1].split(separator: " ").compactMap { UInt64($0) }
        guard numbers.count >= 3 else { return nil }
        return (numbers[2] * 1024, numbers[0] * 1024)
    }
}
