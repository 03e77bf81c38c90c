import Foundation
import NIOCore

/// A range of a file as a sequence of buffers, read as the upload asks for them: a multi-gigabyte backup is
/// never in memory, only one chunk at a time.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let path: String
    let offset: UInt64
    let length: UInt64
    var chunkSize = 1 << 20

    func makeAsyncIterator() -> Iterator {
        Iterator(reader: Reader(path: path), position: offset, end: offset + length, chunkSize: chunkSize)
    }

    struct Iterator: AsyncIteratorProtocol {
        let reader: Reader
        var position: UInt64
        let end: UInt64
        let chunkSize: Int

        mutating func next() async throws -> ByteBuffer? {
            guard position < end else { return nil }
            let count = Int(Swift.min(UInt64(chunkSize), end - position))
            let buffer = try await reader.read(count, at: position)
            guard buffer.readableBytes == count else {
                throw SystemCallError("read", reader.path, errno: EIO)
            }
            position += UInt64(count)
            return buffer
        }
    }

    /// Owns the descriptor: opened on the first read, closed when the upload lets go of the iterator.
    final class Reader: @unchecked Sendable {
        // Reads happen one after another (an iterator is never shared); the lock only guards the descriptor.
        let path: String
        private let lock = NSLock()
        private var descriptor: Int32 = -1

        init(path: String) { self.path = path }

        deinit { if descriptor >= 0 { close(descriptor) } }

        func read(_ count: Int, at offset: UInt64) async throws -> ByteBuffer {
            try await LocalFiles.offload { [self] in
                let fd = try lock.withLock { () throws -> Int32 in
                    if descriptor < 0 { descriptor = try LocalFiles.openForReading(path) }
                    return descriptor
                }
                var buffer = ByteBufferAllocator().buffer(capacity: count)
                let got = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { pointer in
                    try LocalFiles.readChunk(
                        fd, into: UnsafeMutableRawBufferPointer(rebasing: pointer[0..<count]), at: offset, path: path)
                }
                _ = got
                return buffer
            }
        }
    }
}
