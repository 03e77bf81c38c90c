import Foundation

extension CronSchedule {
    /// The first time the schedule fires strictly after `date`.
    ///
    /// Every expression that parses fires at least once in any eight years, so this always finds one.
    public func next(after date: Date, in timeZone: TimeZone = .gmt) -> Date {
        var time = CivilTime(wallSeconds: CivilTime(date, in: timeZone).wallSeconds + 60)
        let lastYear = time.year + 9
        while time.year <= lastYear {
            guard months.contains(time.month) else {
                if let month = months.first(atLeast: time.month + 1) {
                    time = CivilTime(year: time.year, month: month, day: 1)
                } else {
                    time = CivilTime(year: time.year + 1, month: months.first(atLeast: 1)!, day: 1)
                }
                continue
            }
            guard dayMatches(time) else {
                time.advanceDay()
                continue
            }
            guard hours.contains(time.hour) else {
                if let hour = hours.first(atLeast: time.hour + 1) {
                    time.hour = hour
                    time.minute = 0
                } else {
                    time.advanceDay()
                }
                continue
            }
            guard minutes.contains(time.minute) else {
                if let minute = minutes.first(atLeast: time.minute + 1) {
                    time.minute = minute
                } else {
                    advanceHour(&time)
                }
                continue
            }
            let instant = time.instant(in: timeZone)
            // A wall time seen again after clocks were set back names an instant already past.
            if instant > date { return instant }
            time = CivilTime(wallSeconds: time.wallSeconds + 60)
        }
        return .distantFuture
    }

    /// The last time the schedule fired strictly before `date`.
    public func previous(before date: Date, in timeZone: TimeZone = .gmt) -> Date {
        var time = CivilTime(date, in: timeZone)
        let firstYear = time.year - 9
        while time.year >= firstYear {
            guard months.contains(time.month) else {
                if let month = months.last(atMost: time.month - 1) {
                    time = CivilTime(year: time.year, month: month, day: 1)
                } else {
                    time = CivilTime(year: time.year - 1, month: months.last(atMost: 12)!, day: 1)
                }
                time = CivilTime(year: time.year, month: time.month, day: time.daysInMonth, hour: 23, minute: 59)
                continue
            }
            guard dayMatches(time) else {
                time.retreatDay()
                continue
            }
            guard hours.contains(time.hour) else {
                if let hour = hours.last(atMost: time.hour - 1) {
                    time.hour = hour
                    time.minute = 59
                } else {
                    time.retreatDay()
                }
                continue
            }
            guard minutes.contains(time.minute) else {
                if let minute = minutes.last(atMost: time.minute - 1) {
                    time.minute = minute
                } else {
                    retreatHour(&time)
                }
                continue
            }
            let instant = time.instant(in: timeZone)
            if instant < date { return instant }
            time = CivilTime(wallSeconds: time.wallSeconds - 60)
        }
        return .distantPast
    }

    /// The last time the schedule fired at or before `date`.
    public func latest(atOrBefore date: Date, in timeZone: TimeZone = .gmt) -> Date {
        let before = previous(before: date, in: timeZone)
        let following = next(after: before, in: timeZone)
        return following <= date ? following : before
    }

    private func advanceHour(_ time: inout CivilTime) {
        if time.hour == 23 {
            time.advanceDay()
        } else {
            time.hour += 1
            time.minute = 0
        }
    }

    private func retreatHour(_ time: inout CivilTime) {
        if time.hour == 0 {
            time.retreatDay()
        } else {
            time.hour -= 1
            time.minute = 59
        }
    }
}
