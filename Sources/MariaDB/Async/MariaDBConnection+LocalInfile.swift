import NIOConcurrencyHelpers

extension MariaDBConnection {
    /// Bulk-loads rows that an async sequence produces, through `LOAD DATA LOCAL INFILE`. The sequence is
    /// consumed with backpressure (a few chunks in flight), so memory stays bounded however much it yields.
    @discardableResult
    public func loadData<S: AsyncSequence & Sendable>(
        _ statement: LoadDataStatement, from chunks: S, failOnWarnings: Bool = true
    ) async throws -> QueryMetadata where S.Element == [UInt8] {
        let channel = ChunkChannel(capacity: 4)
        let producer = Task {
            do {
                for try await chunk in chunks where !chunk.isEmpty {
                    try await channel.send(chunk)
                }
                channel.finish(error: nil)
            } catch {
                channel.finish(error: error)
            }
        }
        defer { producer.cancel() }
        do {
            let metadata = try await withHandle { try $0.loadData(statement, from: channel, failOnWarnings: failOnWarnings) }
            return metadata
        } catch {
            channel.cancel()
            throw error
        }
    }

    /// Bulk-loads an async sequence of rows, encoded in `LoadDataFormat`.
    @discardableResult
    public func loadRows<S: AsyncSequence & Sendable>(
        _ statement: LoadDataStatement, rows: S, failOnWarnings: Bool = true
    ) async throws -> QueryMetadata where S.Element == [MariaDBValue] {
        try await loadData(statement, from: EncodedRows(rows: rows), failOnWarnings: failOnWarnings)
    }
}

/// Encodes rows into ~64 KiB chunks.
struct EncodedRows<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == [MariaDBValue] {
    let rows: Base
    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        var done = false
        mutating func next() async throws -> [UInt8]? {
            guard !done else { return nil }
            var chunk: [UInt8] = []
            chunk.reserveCapacity(64 * 1024)
            while chunk.count < 64 * 1024 {
                guard let row = try await base.next() else { done = true; break }
                LoadDataFormat.appendRow(row, to: &chunk)
            }
            return chunk.isEmpty ? nil : chunk
        }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: rows.makeAsyncIterator()) }
}

/// A bounded hand-off from an async producer to the blocking local-infile reader. The producer suspends
/// (never blocks a thread) when `capacity` chunks wait; the reader blocks its pool thread until data comes.
final class ChunkChannel: LocalInfileSource, @unchecked Sendable {
    private struct State {
        var chunks: [[UInt8]] = []
        var current: [UInt8] = []
        var offset = 0
        var finished = false
        var cancelled = false
        var failure: (any Error)?
        var waitingProducer: CheckedContinuation<Void, any Error>?
    }
    private let capacity: Int
    private let lock = ConditionLock(value: 0)
    private var state = State()  // guarded by `lock`

    init(capacity: Int) { self.capacity = capacity }

    func send(_ chunk: [UInt8]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            lock.lock()
            if state.cancelled {
                lock.unlock(withValue: 1)
                continuation.resume(throwing: CancellationError())
                return
            }
            state.chunks.append(chunk)
            if state.chunks.count >= capacity {
                state.waitingProducer = continuation
                lock.unlock(withValue: 1)
            } else {
                lock.unlock(withValue: 1)
                continuation.resume()
            }
        }
    }

    func finish(error: (any Error)?) {
        lock.lock()
        state.finished = true
        state.failure = error
        lock.unlock(withValue: 1)
    }

    func cancel() {
        lock.lock()
        state.cancelled = true
        let producer = state.waitingProducer
        state.waitingProducer = nil
        lock.unlock(withValue: 1)
        producer?.resume(throwing: CancellationError())
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            lock.lock(whenValue: 1)
            if state.offset < state.current.count {
                let count = min(buffer.count, state.current.count - state.offset)
                state.current.withUnsafeBytes { source in
                    buffer.baseAddress!.copyMemory(from: source.baseAddress! + state.offset, byteCount: count)
                }
                state.offset += count
                lock.unlock(withValue: 1)
                return count
            }
            if !state.chunks.isEmpty {
                state.current = state.chunks.removeFirst()
                state.offset = 0
                let producer = state.waitingProducer
                state.waitingProducer = nil
                lock.unlock(withValue: 1)
                producer?.resume()
                continue
            }
            if state.finished {
                let failure = state.failure
                lock.unlock(withValue: 1)
                if let failure { throw failure }
                return 0
            }
            // Nothing yet: sleep until the producer signals.
            lock.unlock(withValue: 0)
        }
    }
}
