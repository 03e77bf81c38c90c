@preconcurrency import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a descriptor on a thread of its own into a few reused buffers, and hashes what it reads there.
///
/// A backup stream arrives through a pipe whose producer stalls whenever nobody reads; reading (and hashing
/// the input) while the caller encrypts keeps the producer running and spreads the two SHA-256 passes of an
/// object over two cores. Memory stays at `depth` buffers.
///
/// The thread reads from its own duplicate of the descriptor, so `stop()` need not wait for a read(2) that a
/// stalled producer may hold for a long time: the caller can close its handle and kill the producer at once,
/// and the thread ends (closing the duplicate) when that read returns.
final class SealedFileReadAhead: @unchecked Sendable {
    struct Block {
        var buffer: [UInt8]
        var count: Int
    }

    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var spare: [[UInt8]]
    private var ready: [Block] = []
    private var reachedEnd = false
    private var failure: SealedFileIO.Errno?
    private var stopping = false
    private var inputDigest: String?

    init(fileDescriptor: Int32, blockSize: Int, depth: Int = 3) throws(SealedFileIO.Errno) {
        let own = dup(fileDescriptor)
        guard own >= 0 else { throw SealedFileIO.Errno(code: errno) }
        spare = (0..<depth).map { _ in [UInt8](repeating: 0, count: blockSize) }
        let thread = Thread { [self] in
            run(own)
            close(own)
        }
        thread.name = "sealed-file-read"
        thread.start()
    }

    /// The next block in input order; nil at end of input.
    func next() throws(SealedFileIO.Errno) -> Block? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !reachedEnd && failure == nil {
            condition.wait()
        }
        if !ready.isEmpty { return ready.removeFirst() }
        if let failure { throw failure }
        return nil
    }

    /// Hands a block's buffer back for reuse.
    func recycle(_ buffer: [UInt8]) {
        condition.lock()
        spare.append(buffer)
        condition.signal()
        condition.unlock()
    }

    /// Hex SHA-256 of everything read; valid once `next()` has returned nil.
    var digest: String {
        condition.lock()
        defer { condition.unlock() }
        return inputDigest ?? ""
    }

    /// Tells the thread to stop after the read in progress, without waiting for it.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func run(_ fd: Int32) {
        var hash = SHA256()
        loop: while true {
            condition.lock()
            while spare.isEmpty && !stopping { condition.wait() }
            if stopping {
                condition.unlock()
                break loop
            }
            var buffer = spare.removeLast()
            condition.unlock()

            let result = buffer.withUnsafeMutableBytes { SealedFileIO.readFull(fd, into: $0) }
            switch result {
            case .failure(let error):
                condition.lock()
                failure = error
                condition.broadcast()
                condition.unlock()
                break loop
            case .success(let count):
                buffer.withUnsafeBytes { hash.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                // A short read only happens at the end of input.
                let atEnd = count < buffer.count
                condition.lock()
                if count > 0 { ready.append(Block(buffer: buffer, count: count)) } else { spare.append(buffer) }
                if atEnd {
                    inputDigest = hash.finalize().sealedHex
                    reachedEnd = true
                }
                condition.broadcast()
                condition.unlock()
                if atEnd { break loop }
            }
        }
    }
}
