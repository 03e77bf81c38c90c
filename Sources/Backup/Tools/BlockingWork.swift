import Foundation

/// Runs blocking work (pipes, subprocesses, file streams, encryption) on its own thread, so a backup that
/// takes minutes never occupies one of Swift concurrency's few cooperative threads.
enum BlockingWork {
    static func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.name = "dbctl-\(name)"
            thread.stackSize = 1 << 22
            thread.start()
        }
    }
}
