import Foundation

/// The five GFS periods and the label of the period a time falls in ("2026-11-30", "2026-W48").
enum RetentionPeriod: String, CaseIterable, Sendable {
    case hourly, daily, weekly, monthly, yearly

    func count(in policy: RetentionPolicy) -> Int {
        switch self {
        case .hourly: policy.hourly
        case .daily: policy.daily
        case .weekly: policy.weekly
        case .monthly: policy.monthly
        case .yearly: policy.yearly
        }
    }

    /// Labels sort like the periods they name within one kind.
    func label(of date: Date, in timeZone: TimeZone) -> String {
        let time = CivilTime(date, in: timeZone)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let day = "\(time.year)-\(two(time.month))-\(two(time.day))"
        switch self {
        case .hourly: return "\(day)T\(two(time.hour))"
        case .daily: return day
        case .weekly:
            let week = time.isoWeek
            return "\(week.year)-W\(two(week.week))"
        case .monthly: return "\(time.year)-\(two(time.month))"
        case .yearly: return "\(time.year)"
        }
    }
}
