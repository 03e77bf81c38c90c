import Backup
import Foundation
import Testing

@Suite struct SchedulerTests {
    static func backupJobs() throws -> [ScheduledJob] {
        [
            ScheduledJob(name: "full", entry: try ScheduleEntry(parsing: "0 1 * * *")),
            ScheduledJob(name: "incremental", entry: try ScheduleEntry(parsing: "0 * * * *")),
            ScheduledJob(name: "binlogs", entry: try ScheduleEntry(parsing: "continuous")),
        ]
    }

    /// Runs the scheduler the way a daemon would, sleeping until `nextWake`, and lists what ran when.
    static func simulate(_ scheduler: inout Scheduler, from: Date, to: Date) -> [(Date, String)] {
        var runs: [(Date, String)] = []
        var now = from
        var wakes = 0
        while now < to {
            for name in scheduler.due(now: now) {
                runs.append((now, name))
                scheduler.recordRun(name, at: now)
            }
            guard let wake = scheduler.nextWake(now: now) else { break }
            #expect(wake > now, "nothing due right after recording runs")
            now = wake
            wakes += 1
            if wakes > 10_000 { break }
        }
        return runs
    }

    @Test func dailyFullAndHourlyIncrementalAcrossMonthEndAndLeapDay() throws {
        let start = PolicyClock.utc("2028-02-27T00:30")
        var scheduler = Scheduler(jobs: try Self.backupJobs(), since: start)
        let runs = Self.simulate(&scheduler, from: start, to: PolicyClock.utc("2028-03-02T00:00"))
        let fulls = runs.filter { $0.1 == "full" }.map(\.0)
        #expect(fulls == ["2028-02-27", "2028-02-28", "2028-02-29",
            "2028-03-01"].map { PolicyClock.utc($0 + "T01:00") })
        let incrementals = runs.filter { $0.1 == "incremental" }.map(\.0)
        #expect(incrementals.count == 23 + 24 + 24 + 24)  // 01:00 on the 27th … 23:00 on 1 March
        #expect(incrementals.first == PolicyClock.utc("2028-02-27T01:00"))
        #expect(incrementals.last == PolicyClock.utc("2028-03-01T23:00"))
        for (earlier, later) in zip(incrementals, incrementals.dropFirst()) {
            #expect(later.timeIntervalSince(earlier) == 3_600)
        }
        // At 01:00 both are due, the full first (the order of the jobs).
        let atOne = runs.filter { $0.0 == PolicyClock.utc("2028-02-29T01:00") }.map(\.1)
        #expect(atOne == ["full", "incremental"])
        #expect(!runs.contains { $0.1 == "binlogs" })
        #expect(scheduler.continuousJobs == ["binlogs"])
    }

    @Test func aJobMissedWhileDownRunsOnceOnStart() throws {
        var scheduler = Scheduler(jobs: try Self.backupJobs(), lastRun: [
            "full": PolicyClock.utc("2026-11-30T01:00"), "incremental": PolicyClock.utc("2026-11-30T05:00"),
        ])
        // Down from 05:00 on the 30th to 12:34 on 2 December: two fulls and 55 incrementals missed.
        let start = PolicyClock.utc("2026-12-02T12:34")
        #expect(scheduler.due(now: start) == ["full", "incremental"])
        #expect(scheduler.nextWake(now: start) == start)
        scheduler.recordRun("full", at: start)
        scheduler.recordRun("incremental", at: start)
        #expect(scheduler.due(now: start) == [])
        #expect(scheduler.due(now: PolicyClock.utc("2026-12-02T12:59:59")) == [])
        #expect(scheduler.nextWake(now: start) == PolicyClock.utc("2026-12-02T13:00"))
        #expect(scheduler.due(now: PolicyClock.utc("2026-12-02T13:00")) == ["incremental"])
        #expect(scheduler.due(now: PolicyClock.utc("2026-12-03T01:00")) == ["full", "incremental"])
    }

    @Test func aRunThatOverranItsNextTimeIsFollowedByOneRunNotOnePerTime() throws {
        var scheduler = Scheduler(jobs: [ScheduledJob(name: "incremental",
            entry: .cron(try CronSchedule("*/15 * * * *")))])
        scheduler.recordRun("incremental", at: PolicyClock.utc("2026-12-02T10:00"))
        // The run took until 10:50: 10:15, 10:30 and 10:45 passed.
        #expect(scheduler.due(now: PolicyClock.utc("2026-12-02T10:50")) == ["incremental"])
        scheduler.recordRun("incremental", at: PolicyClock.utc("2026-12-02T10:50"))
        #expect(scheduler.due(now: PolicyClock.utc("2026-12-02T10:50")) == [])
        #expect(scheduler.nextWake(now: PolicyClock.utc("2026-12-02T10:50")) == PolicyClock.utc("2026-12-02T11:00"))
    }

    @Test func aJobThatNeverRanIsDueAtOnceUnlessASinceIsGiven() throws {
        let now = PolicyClock.utc("2026-12-02T14:10")
        let fresh = Scheduler(jobs: try Self.backupJobs())
        #expect(fresh.due(now: now) == ["full", "incremental"])
        let since = Scheduler(jobs: try Self.backupJobs(), since: now)
        #expect(since.due(now: now) == [])
        #expect(since.nextWake(now: now) == PolicyClock.utc("2026-12-02T15:00"))
        #expect(since.due(now: PolicyClock.utc("2026-12-03T01:00")) == ["full", "incremental"])
    }

    @Test func onlyContinuousJobsMeanNoWake() {
        let scheduler = Scheduler(jobs: [ScheduledJob(name: "binlogs", entry: .continuous)])
        #expect(scheduler.nextWake(now: PolicyClock.utc("2026-12-02T00:00")) == nil)
        #expect(scheduler.due(now: PolicyClock.utc("2026-12-02T00:00")) == [])
        #expect(scheduler.continuousJobs == ["binlogs"])
    }

    @Test func theSchedulersZoneIsUsed() throws {
        guard let berlin = TimeZone(identifier: "Europe/Berlin") else { return }
        let scheduler = Scheduler(
            jobs: [ScheduledJob(name: "full", entry: .cron(try CronSchedule("0 1 * * *")))],
            lastRun: ["full": PolicyClock.utc("2026-12-01T00:00")], timeZone: berlin)
        #expect(scheduler.nextWake(now: PolicyClock.utc("2026-12-01T06:00")) == PolicyClock.utc("2026-12-02T00:00"))
    }
}
