import Foundation

/// A named job and when it runs.
public struct ScheduledJob: Sendable, Hashable {
    public var name: String
    public var entry: ScheduleEntry

    public init(name: String, entry: ScheduleEntry) {
        self.name = name
        self.entry = entry
    }
}

/// Which jobs are due and when to wake up next, from the jobs' last runs and the time given.
///
/// Pure: it never reads a clock, so the caller passes `now` and records runs with ``recordRun(_:at:)``. A job
/// is due when one of its times lies after its last run and at or before `now`; however many times passed
/// (the process was down, or the job ran long), it is due once. `continuous` jobs are never due here: they
/// are kept running by the caller, listed in ``continuousJobs``.
public struct Scheduler: Sendable {
    public var jobs: [ScheduledJob]
    /// When each job last started. Seed it from what the catalog knows (the last backup of each kind).
    public var lastRun: [String: Date]
    /// Stands in for the last run of a job that has none: its first time after this is when it first runs.
    /// Nil makes a job that never ran due at once.
    public var since: Date?
    /// The zone the cron times are read in.
    public var timeZone: TimeZone

    public init(jobs: [ScheduledJob], lastRun: [String: Date] = [:], since: Date? = nil, timeZone: TimeZone = .gmt) {
        self.jobs = jobs
        self.lastRun = lastRun
        self.since = since
        self.timeZone = timeZone
    }

    /// The cron jobs due at `now`, in the order of ``jobs``.
    public func due(now: Date) -> [String] {
        jobs.filter { job in
            guard let first = firstRun(of: job) else { return false }
            return first <= now
        }.map(\.name)
    }

    /// When the next cron job is due: `now` if one is due already, nil when there are no cron jobs.
    public func nextWake(now: Date) -> Date? {
        jobs.compactMap(firstRun(of:)).min().map { max($0, now) }
    }

    /// The names of the `continuous` jobs.
    public var continuousJobs: [String] {
        jobs.filter { $0.entry == .continuous }.map(\.name)
    }

    /// Records that `name` started at `date`, so its times up to `date` are spent.
    public mutating func recordRun(_ name: String, at date: Date) {
        lastRun[name] = date
    }

    /// The first time of `job` after its last run; `.distantPast` for a job that never ran and no `since`.
    func firstRun(of job: ScheduledJob) -> Date? {
        guard case .cron(let schedule) = job.entry else { return nil }
        guard let last = lastRun[job.name] ?? since else { return .distantPast }
        return schedule.next(after: last, in: timeZone)
    }
}
