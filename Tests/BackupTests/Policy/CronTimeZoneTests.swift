import Backup
import Foundation
import Testing

/// Wall-clock schedules in a zone with daylight saving time (Europe/Berlin: 2026-03-29 02:00 → 03:00,
/// 2026-10-25 03:00 → 02:00).
@Suite(.enabled(if: TimeZone(identifier: "Europe/Berlin") != nil, "needs tzdata"))
struct CronTimeZoneTests {
    let berlin = TimeZone(identifier: "Europe/Berlin")!

    @Test func timesAreWallClockTimesOfTheZone() throws {
        let daily = try CronSchedule("0 1 * * *")
        // 01:00 CET is 00:00 UTC in winter, 01:00 CEST is 23:00 UTC the day before in summer.
        #expect(daily.next(after: PolicyClock.utc("2026-12-01T12:00"), in: berlin)
            == PolicyClock.utc("2026-12-02T00:00"))
        #expect(daily.next(after: PolicyClock.utc("2026-07-01T12:00"), in: berlin)
            == PolicyClock.utc("2026-07-01T23:00"))
    }

    @Test func aTimeInsideTheSpringGapFiresAtTheJump() throws {
        let night = try CronSchedule("30 2 * * *")
        // 02:30 does not exist on 2026-03-29: the clocks jump at 01:00 UTC.
        let jump = PolicyClock.utc("2026-03-29T01:00")
        #expect(night.next(after: PolicyClock.utc("2026-03-28T12:00"), in: berlin) == jump)
        #expect(night.next(after: jump, in: berlin) == PolicyClock.utc("2026-03-30T00:30"))
        #expect(night.previous(before: PolicyClock.utc("2026-03-30T00:30"), in: berlin) == jump)
        #expect(night.previous(before: jump, in: berlin) == PolicyClock.utc("2026-03-28T01:30"))
    }

    @Test func aRepeatedAutumnTimeFiresOnceAtItsFirstOccurrence() throws {
        let night = try CronSchedule("30 2 * * *")
        let first = PolicyClock.utc("2026-10-25T00:30")  // 02:30 CEST; 02:30 CET (01:30 UTC) does not fire
        #expect(night.next(after: PolicyClock.utc("2026-10-24T12:00"), in: berlin) == first)
        #expect(night.next(after: first, in: berlin) == PolicyClock.utc("2026-10-26T01:30"))
        #expect(night.previous(before: PolicyClock.utc("2026-10-25T01:45"), in: berlin) == first)
        let hourly = try CronSchedule("0 * * * *")
        // 02:00 CEST (00:00 UTC), then 03:00 CET (02:00 UTC): the second 02:00 is the same wall time again.
        #expect(hourly.next(after: PolicyClock.utc("2026-10-25T00:00"), in: berlin)
            == PolicyClock.utc("2026-10-25T02:00"))
        #expect(hourly.previous(before: PolicyClock.utc("2026-10-25T02:00"), in: berlin)
            == PolicyClock.utc("2026-10-25T00:00"))
    }

    @Test(arguments: ["*/20 * * * *", "0 2 * * *", "15 1-3 * * *", "0 0 * * *", "30 2 * * *"])
    func nextAndPreviousStayInverseAcrossBothChanges(expression: String) throws {
        let schedule = try CronSchedule(expression)
        for (from, to) in [("2026-03-27T00:00", "2026-03-31T00:00"), ("2026-10-23T00:00", "2026-10-27T00:00")] {
            var fired = [schedule.next(after: PolicyClock.utc(from), in: berlin)]
            while fired.last! < PolicyClock.utc(to) { fired.append(schedule.next(after: fired.last!, in: berlin)) }
            for (earlier, later) in zip(fired, fired.dropFirst()) {
                #expect(earlier < later, "\(expression) strictly increasing")
                #expect(schedule.previous(before: later, in: berlin) == earlier,
                        "\(expression) previous before \(PolicyClock.text(later))")
            }
        }
    }
}
