import Backup
import Foundation
import Testing

@Suite struct StalenessTests {
    @Test func staleOnceTheNextTimePlusGraceHasPassedWithoutSuccess() throws {
        let staleness = Staleness(try ScheduleEntry(parsing: "0 1 * * *"), grace: 1_800)
        let success = PolicyClock.utc("2026-12-01T01:20")
        #expect(staleness.staleAt(lastSuccess: success) == PolicyClock.utc("2026-12-02T01:30"))
        #expect(!staleness.isStale(lastSuccess: success, now: PolicyClock.utc("2026-12-02T01:29:59")))
        #expect(staleness.isStale(lastSuccess: success, now: PolicyClock.utc("2026-12-02T01:30")))
        #expect(staleness.missedTime(lastSuccess: success, now: PolicyClock.utc("2026-12-02T01:29")) == nil)
        #expect(staleness.missedTime(lastSuccess: success, now: PolicyClock.utc("2026-12-02T09:00"))
            == PolicyClock.utc("2026-12-02T01:00"))
        // Two days later the missing run is the latest one.
        #expect(staleness.missedTime(lastSuccess: success, now: PolicyClock.utc("2026-12-03T02:00"))
            == PolicyClock.utc("2026-12-03T01:00"))
    }

    @Test func aSuccessOnTheTimeItselfCoversThatTime() throws {
        let staleness = Staleness(.cron(try CronSchedule("0 * * * *")), grace: 600)
        let success = PolicyClock.utc("2026-12-02T10:00")
        #expect(!staleness.isStale(lastSuccess: success, now: PolicyClock.utc("2026-12-02T11:09")))
        #expect(staleness.isStale(lastSuccess: success, now: PolicyClock.utc("2026-12-02T11:10")))
    }

    @Test func neverSucceededIsStale() throws {
        let staleness = Staleness(.cron(try CronSchedule("0 1 * * *")), grace: 1_800)
        let now = PolicyClock.utc("2026-12-02T00:00")
        #expect(staleness.isStale(lastSuccess: nil, now: now))
        #expect(staleness.missedTime(lastSuccess: nil, now: now) == PolicyClock.utc("2026-12-01T01:00"))
    }

    @Test func continuousJobsAreStaleAfterTheGraceAlone() {
        let staleness = Staleness(.continuous, grace: 600)
        let success = PolicyClock.utc("2026-12-02T10:00")
        #expect(staleness.staleAt(lastSuccess: success) == PolicyClock.utc("2026-12-02T10:10"))
        #expect(!staleness.isStale(lastSuccess: success, now: PolicyClock.utc("2026-12-02T10:09")))
        #expect(staleness.isStale(lastSuccess: success, now: PolicyClock.utc("2026-12-02T10:10")))
        #expect(staleness.missedTime(lastSuccess: success, now: PolicyClock.utc("2026-12-02T11:00")) == nil)
    }
}
