import Foundation
import MariaDB

/// Runs one job per table on a few threads, each with its own target connection (one owner per handle).
/// The first error stops the hand-out of further tables and is rethrown once every thread has finished.
enum TableWorkers {
    static func run<Result>(
        _ tables: [TablePlan], workers: Int, target: MariaDBConfiguration, prepare: @escaping @Sendable (BlockingConnection) throws -> Void = { _ in },
        _ job: @escaping @Sendable (TablePlan, BlockingConnection) throws -> Result
    ) throws -> [Result] {
        let work = TableWork<Result>()
        let group = DispatchGroup()
        for _ in 0..<min(workers, max(1, tables.count)) {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                do {
                    let connection = try BlockingConnection.connect(target)
                    defer { connection.close() }
                    try prepare(connection)
                    while let table = work.take(from: tables) { work.finish(try job(table, connection)) }
                } catch {
                    work.fail(error)
                }
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
        group.wait()
        if let failure = work.failure { throw failure }
        return work.results
    }
}

/// Shared between the worker threads, guarded by its lock.
final class TableWork<Result>: @unchecked Sendable {
    let lock = NSLock()
    var next = 0
    var results: [Result] = []
    var failure: (any Error)?

    func take(from tables: [TablePlan]) -> TablePlan? {
        lock.lock(); defer { lock.unlock() }
        guard failure == nil, next < tables.count else { return nil }
        next += 1
        return tables[next - 1]
    }
    func finish(_ result: Result) { lock.lock(); results.append(result); lock.unlock() }
    func fail(_ error: any Error) { lock.lock(); if failure == nil { failure = error }; lock.unlock() }
}
