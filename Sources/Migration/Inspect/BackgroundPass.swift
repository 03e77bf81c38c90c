import Foundation

/// A read-only pass over the source on a thread and SQLite connection of its own (one owner per handle),
/// so that the whole-file passes of the inspection (integrity check, data profile, orphan check) overlap.
final class BackgroundPass<Value>: @unchecked Sendable {
    private var result: Result<Value, any Error>?
    private let done = DispatchSemaphore(value: 0)

    init(path: String, _ work: @escaping @Sendable (SQLiteSource) throws -> Value) {
        let thread = Thread { [self] in
            result = Result { let source = try SQLiteSource(path: path); defer { source.close() }; return try work(source) }
            done.signal()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Waits for the pass and returns its value or rethrows its error (the semaphore orders the access).
    func value() throws -> Value {
        done.wait()
        done.signal()
        return try result!.get()
    }
}
