import Foundation
import NIOConcurrencyHelpers

/// One OS thread per connection, exposed as a Swift `TaskExecutor`.
///
/// Every blocking Connector/C call of a `MariaDBConnection` runs on this thread, so the `MYSQL*` handle
/// has exactly one owner thread and the cooperative pool is never blocked. Code that runs many queries in
/// a row can adopt the thread with `withTaskExecutorPreference(connection.executor) { … }`: queries then
/// run inline with no thread hop per query (the pool does this for a borrowed connection).
public final class ConnectionExecutor: TaskExecutor, @unchecked Sendable {
    private let lock = ConditionLock(value: 0)  // 1 = jobs waiting or stop requested
    private var jobs: [UnownedJob] = []  // guarded by lock
    private var stopping = false  // guarded by lock
    /// Written once by the thread before `init` returns (ordered by the `started` lock), then only read.
    private var thread: pthread_t?
    private let started = ConditionLock(value: 0)

    public init(name: String = "mariadb-connection") {
        let thread = Thread { [self] in self.runLoop() }
        thread.name = name
        thread.stackSize = 8 << 20  // like a main thread: pinned tasks run arbitrary (ORM, JSON) code here
        thread.start()
        started.lock(whenValue: 1)
        started.unlock()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        lock.lock()
        jobs.append(unowned)
        lock.unlock(withValue: 1)
    }

    /// True on the executor's own thread.
    public var isCurrent: Bool {
        guard let thread else { return false }
        return pthread_equal(pthread_self(), thread) != 0
    }

    /// Lets the thread finish the jobs it has and exit. Called when the connection goes away.
    func shutdown() {
        lock.lock()
        stopping = true
        lock.unlock(withValue: 1)
    }

    private func runLoop() {
        thread = pthread_self()
        started.lock()
        started.unlock(withValue: 1)
        let executor = asUnownedTaskExecutor()
        // Two arrays trade places, so taking a batch allocates nothing (a copy of `jobs` followed by
        // `removeAll(keepingCapacity:)` would allocate a fresh buffer on every wake-up).
        var batch: [UnownedJob] = []
        while true {
            lock.lock(whenValue: 1)
            swap(&batch, &jobs)
            let exit = stopping && batch.isEmpty
            lock.unlock(withValue: 0)
            if exit { return }
            for job in batch { job.runSynchronously(on: executor) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
