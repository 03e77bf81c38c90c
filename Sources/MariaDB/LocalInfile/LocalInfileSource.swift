/// Bytes for `LOAD DATA LOCAL INFILE`, pulled by Connector/C on the connection's thread.
///
/// `read(into:)` fills the buffer and returns how many bytes it wrote, 0 at the end. Throwing aborts the
/// load; the statement fails and nothing is committed by it.
public protocol LocalInfileSource: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A source over bytes already in memory (tests, small loads).
public final class BytesInfileSource: LocalInfileSource {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public convenience init(_ text: String) { self.init(Array(text.utf8)) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }
}

/// A source that encodes rows produced by a closure into `LOAD DATA`'s default text format
/// (tab-separated, `\`-escaped, `\N` for NULL), one row at a time: memory stays bounded.
public final class RowInfileSource: LocalInfileSource {
    private let nextRow: () throws -> [MariaDBValue]?
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private var finished = false
    public private(set) var rowsProduced = 0

    /// `nextRow` returns nil when there are no more rows.
    public init(_ nextRow: @escaping () throws -> [MariaDBValue]?) { self.nextRow = nextRow }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var written = 0
        while written < buffer.count {
            if pendingOffset == pending.count {
                if finished { break }
                pending.removeAll(keepingCapacity: true)
                pendingOffset = 0
                // Encode several rows per refill so small rows do not cost a call each.
                while pending.count < 64 * 1024 {
                    guard let row = try nextRow() else { finished = true; break }
                    LoadDataFormat.appendRow(row, to: &pending)
                    rowsProduced += 1
                }
                if pending.isEmpty { break }
            }
            let count = min(buffer.count - written, pending.count - pendingOffset)
            pending.withUnsafeBytes { source in
                (buffer.baseAddress! + written).copyMemory(from: source.baseAddress! + pendingOffset, byteCount: count)
            }
            written += count
            pendingOffset += count
        }
        return written
    }
}
