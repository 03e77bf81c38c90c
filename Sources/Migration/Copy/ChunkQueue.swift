import Foundation

/// A bounded hand-off between a producer thread and a consumer thread (both may block).
final class ChunkQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []  // guarded by condition
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Blocks while full; false when the consumer gave up (stop producing).
    func put(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    func finish(_ error: (any Error)? = nil) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until an item arrives; nil at the end; throws the producer's error.
    func take() throws -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !finished { condition.wait() }
        if !items.isEmpty {
            let item = items.removeFirst()
            condition.broadcast()
            return item
        }
        if let failure { throw failure }
        return nil
    }
}

/// `LocalInfileSource` over a queue of encoded chunks.
final class QueueInfileSource: LocalInfileSourceBridge {
    let queue: ChunkQueue<[UInt8]>
    private var current: [UInt8] = []
    private var offset = 0

    init(queue: ChunkQueue<[UInt8]>) { self.queue = queue }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while offset == current.count {
            guard let next = try queue.take() else { return 0 }
            current = next
            offset = 0
        }
        let count = min(buffer.count, current.count - offset)
        current.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: count) }
        offset += count
        return count
    }
}

import MariaDB
typealias LocalInfileSourceBridge = LocalInfileSource
