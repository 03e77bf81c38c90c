import Foundation

/// Simulated time for the schedule and retention tests: every instant is written out, none is read from a clock.
enum PolicyClock {
    /// `2026-12-02T01:00` or `2026-12-02T01:00:30`, in UTC.
    static func utc(_ text: String) -> Date {
        let full = text.count == 16 ? text + ":00Z" : text + "Z"
        guard let date = try? Date.ISO8601FormatStyle().parse(full) else { fatalError("bad test time \(text)") }
        return date
    }

    static func text(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar
    }()
}

/// A fixed-seed generator, so the randomised tests fail the same way every run.
struct PolicySeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
