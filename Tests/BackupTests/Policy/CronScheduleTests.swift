import Backup
import Foundation
import Testing

@Suite struct CronScheduleTests {
    typealias Matcher = @Sendable (_ minute: Int, _ hour: Int, _ day: Int, _ month: Int, _ weekday: Int) -> Bool

    /// Expressions and an independent statement of when each fires (weekday 0 = Sunday).
    static let cases: [(String, Matcher)] = [
        ("0 1 * * *", { m, h, _, _, _ in m == 0 && h == 1 }),
        ("0 * * * *", { m, _, _, _, _ in m == 0 }),
        ("*/15 9-17 * * mon-fri", { m, h, _, _, w in m % 15 == 0 && (9...17).contains(h) && (1...5).contains(w) }),
        ("30 2 29 2 *", { m, h, d, mo, _ in m == 30 && h == 2 && d == 29 && mo == 2 }),
        ("0 0 31 * *", { m, h, d, _, _ in m == 0 && h == 0 && d == 31 }),
        ("59 23 28-31 * *", { m, h, d, _, _ in m == 59 && h == 23 && d >= 28 }),
        // Both day fields restricted: either is enough.
        ("0 12 1,15 * 5", { m, h, d, _, w in m == 0 && h == 12 && (d == 1 || d == 15 || w == 5) }),
        // A day-of-month starting with * is unrestricted for that rule, so both must match.
        ("0 0 */2 * 1", { m, h, d, _, w in m == 0 && h == 0 && d % 2 == 1 && w == 1 }),
        ("5-10/2 3 * jan,FEB sun", { m, h, _, mo, w in [5, 7, 9].contains(m) && h == 3 && mo <= 2 && w == 0 }),
        ("0 0 * * 7", { m, h, _, _, w in m == 0 && h == 0 && w == 0 }),
        ("0 0 * * 5-7", { m, h, _, _, w in m == 0 && h == 0 && [5, 6, 0].contains(w) }),
        ("@weekly", { m, h, _, _, w in m == 0 && h == 0 && w == 0 }),
        ("@monthly", { m, h, d, _, _ in m == 0 && h == 0 && d == 1 }),
        ("@daily", { m, h, _, _, _ in m == 0 && h == 0 }),
        ("@hourly", { m, _, _, _, _ in m == 0 }),
        ("1-30/5 */6 * * *", { m, h, _, _, _ in m >= 1 && m <= 30 && (m - 1) % 5 == 0 && h % 6 == 0 }),
    ]

    /// Every matching minute in [from, to), found by walking minute by minute with Foundation's calendar.
    static func bruteForce(_ matcher: Matcher, from: Date, to: Date) -> [Date] {
        var result: [Date] = []
        var day = PolicyClock.utcCalendar.startOfDay(for: from)
        while day < to {
            let parts = PolicyClock.utcCalendar.dateComponents([.day, .month, .weekday], from: day)
            for minuteOfDay in 0..<1_440 {
                let instant = day.addingTimeInterval(Double(minuteOfDay * 60))
                guard instant >= from, instant < to else { continue }
                if matcher(minuteOfDay % 60, minuteOfDay / 60, parts.day!, parts.month!, parts.weekday! - 1) {
                    result.append(instant)
                }
            }
            day = day.addingTimeInterval(86_400)
        }
        return result
    }

    /// Across a year end, a leap day and month ends of every length.
    static let windowStart = PolicyClock.utc("2027-12-20T00:00")
    static let windowEnd = PolicyClock.utc("2028-03-08T00:00")

    @Test(arguments: cases.indices)
    func nextAndPreviousAgreeWithMinuteByMinute(index: Int) throws {
        let (expression, matcher) = Self.cases[index]
        let schedule = try CronSchedule(expression)
        let expected = Self.bruteForce(matcher, from: Self.windowStart, to: Self.windowEnd)
        try #require(!expected.isEmpty, "\(expression) fires in the window")

        var forward: [Date] = []
        var time = Self.windowStart.addingTimeInterval(-1)
        while true {
            time = schedule.next(after: time)
            guard time < Self.windowEnd else { break }
            forward.append(time)
        }
        #expect(forward == expected, "\(expression) forward")

        var backward: [Date] = []
        time = Self.windowEnd
        while true {
            time = schedule.previous(before: time)
            guard time >= Self.windowStart else { break }
            backward.append(time)
        }
        #expect(backward == expected.reversed(), "\(expression) backward")

        // From points between minutes and on them.
        var generator = PolicySeededGenerator(seed: UInt64(index) + 1)
        let span = Self.windowEnd.timeIntervalSince(Self.windowStart)
        for _ in 0..<200 {
            let offset = (Double.random(in: 0..<span, using: &generator) / 30).rounded(.down) * 30
            let point = Self.windowStart.addingTimeInterval(offset)
            if let after = expected.first(where: { $0 > point }) {
                #expect(schedule.next(after: point) == after, "\(expression) next after \(PolicyClock.text(point))")
            }
            if let before = expected.last(where: { $0 < point }) {
                #expect(schedule.previous(before: point) == before, "\(expression) previous before \(point)")
            }
        }
    }

    @Test func strictlyAfterAndBeforeOnTheMinuteItself() throws {
        let daily = try CronSchedule("0 1 * * *")
        let one = PolicyClock.utc("2026-12-02T01:00")
        #expect(daily.next(after: one) == PolicyClock.utc("2026-12-03T01:00"))
        #expect(daily.previous(before: one) == PolicyClock.utc("2026-12-01T01:00"))
        #expect(daily.latest(atOrBefore: one) == one)
        #expect(daily.latest(atOrBefore: one.addingTimeInterval(-0.001)) == PolicyClock.utc("2026-12-01T01:00"))
        #expect(daily.next(after: one.addingTimeInterval(-0.5)) == one)
        #expect(daily.previous(before: one.addingTimeInterval(0.5)) == one)
    }

    @Test func leapDayOnlyScheduleSkipsToTheNextLeapYear() throws {
        let leap = try CronSchedule("30 2 29 2 *")
        #expect(leap.next(after: PolicyClock.utc("2028-03-01T00:00")) == PolicyClock.utc("2032-02-29T02:30"))
        #expect(leap.previous(before: PolicyClock.utc("2028-02-29T02:30")) == PolicyClock.utc("2024-02-29T02:30"))
        // 2100 is not a leap year: from 2096 the next is 2104.
        #expect(leap.next(after: PolicyClock.utc("2096-03-01T00:00")) == PolicyClock.utc("2104-02-29T02:30"))
    }

    @Test func aliasesAndEqualExpressionsAreEqual() throws {
        #expect(try CronSchedule("@daily") == CronSchedule("0 0 * * *"))
        #expect(try CronSchedule("@midnight") == CronSchedule("0 0 * * *"))
        #expect(try CronSchedule("@yearly") == CronSchedule("0 0 1 jan *"))
        #expect(try CronSchedule("@ANNUALLY") == CronSchedule("0 0 1 1 *"))
        #expect(try CronSchedule("0 0 * * 7") == CronSchedule("0 0 * * sun"))
        #expect(try CronSchedule("0 0 * * 0") == CronSchedule("0 0 * * 7"))
        #expect(try CronSchedule("0,30 * * * *") != CronSchedule("0 * * * *"))
        #expect(try CronSchedule("  0 1 * * *  ").description == "0 1 * * *")
        #expect(try CronSchedule("0\t1 *  *   *").next(after: PolicyClock.utc("2026-12-02T00:00"))
            == PolicyClock.utc("2026-12-02T01:00"))
    }

    @Test(arguments: [
        ("61 * * * *", "minute field 61 out of range 0-59 in \"61 * * * *\""),
        ("* 24 * * *", "hour field 24 out of range 0-23 in \"* 24 * * *\""),
        ("* * 0 * *", "day-of-month field 0 out of range 1-31 in \"* * 0 * *\""),
        ("* * * 13 *", "month field 13 out of range 1-12 in \"* * * 13 *\""),
        ("* * * * 8", "day-of-week field 8 out of range 0-7 in \"* * * * 8\""),
        ("* * * foo *", "month field foo is not a number in 1-12 or a name (jan-dec) in \"* * * foo *\""),
        ("* * * * moon", "day-of-week field moon is not a number in 0-7 or a name (sun-sat) in \"* * * * moon\""),
        ("x * * * *", "minute field x is not a number in 0-59 in \"x * * * *\""),
        ("* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 4 in \"* * * *\""),
        ("* * * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), found 6 in \"* * * * * *\""),
        ("*/0 * * * *", "minute field step 0 out of range 1-59 in \"*/0 * * * *\""),
        ("5-1 * * * *", "minute field range 5-1 runs backwards in \"5-1 * * * *\""),
        ("1,,2 * * * *", "minute field has an empty list item (1,,2) in \"1,,2 * * * *\""),
        ("5/15 * * * *", "minute field step 5/15 needs a range or * before the / in \"5/15 * * * *\""),
        ("1-2-3 * * * *", "minute field has a malformed range 1-2-3 in \"1-2-3 * * * *\""),
        ("0 0 30 2 *",
            "day-of-month field never matches: no chosen month has day 30 (longest is 29) in \"0 0 30 2 *\""),
        ("@reboot", "unknown alias @reboot (@hourly, @daily, @weekly, @monthly, @yearly) in \"@reboot\""),
        ("", "expected 5 fields (minute hour day-of-month month day-of-week), found 0 in \"\""),
    ])
    func errorsNameTheFieldAndTheExpression(expression: String, message: String) {
        do {
            let schedule = try CronSchedule(expression)
            Issue.record("\(expression) parsed as \(schedule)")
        } catch {
            #expect(error.description == message)
            #expect(error.expression == expression.trimmingCharacters(in: .whitespaces))
        }
    }

    @Test func thirtyFirstWithThirtyDayMonthsOnlyIsRefusedButFebruaryTwentyNinthIsNot() throws {
        #expect(throws: ScheduleError.self) { try CronSchedule("0 0 31 4,6,9,11 *") }
        _ = try CronSchedule("0 0 29 2 *")
        // Restricted weekdays make the day rule an "or": it fires on those weekdays.
        let either = try CronSchedule("0 0 31 2 mon")
        #expect(either.next(after: PolicyClock.utc("2026-02-01T00:00")) == PolicyClock.utc("2026-02-02T00:00"))
    }

    @Test func codableAsItsExpression() throws {
        let entries = try [ScheduleEntry(parsing: "0 1 * * *"), ScheduleEntry(parsing: "continuous")]
        let data = try JSONEncoder().encode(entries)
        #expect(String(decoding: data, as: UTF8.self) == #"["0 1 * * *","continuous"]"#)
        #expect(try JSONDecoder().decode([ScheduleEntry].self, from: data) == entries)
        #expect(throws: (any Error).self) { try JSONDecoder().decode([CronSchedule].self,
            from: Data(#"["61 * * * *"]"#.utf8)) }
    }

    @Test func scheduleEntriesParseContinuousOrCron() throws {
        #expect(try ScheduleEntry(parsing: "continuous") == .continuous)
        #expect(try ScheduleEntry(parsing: " Continuous ") == .continuous)
        #expect(try ScheduleEntry(parsing: "0 1 * * *") == .cron(CronSchedule("0 1 * * *")))
        #expect(try ScheduleEntry(parsing: "@hourly").cron == CronSchedule("0 * * * *"))
        #expect(ScheduleEntry.continuous.cron == nil)
        #expect(ScheduleEntry.continuous.description == "continuous")
        #expect(throws: ScheduleError.self) { try ScheduleEntry(parsing: "continously") }
    }
}
