import MariaDB

/// A 64-bit FNV-1a digest over values, without building strings: equal values (as `Verifier.canonical`
/// defines equality) feed identical bytes. Used for chunk checksums on both sides.
struct ValueDigest {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always) private mutating func byte(_ b: UInt8) { value = (value ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    @inline(__always) private mutating func word(_ w: UInt64) { var w = w; for _ in 0..<8 { byte(UInt8(truncatingIfNeeded: w)); w >>= 8 } }
    private mutating func text(_ s: String) { var s = s; s.withUTF8 { for b in $0 { byte(b) } } }

    mutating func add(_ v: MariaDBValue) {
        switch v {
        case .null: byte(0)
        case .int(let i): byte(1); word(UInt64(bitPattern: i))
        case .uint(let u):
            if u <= UInt64(Int64.max) { byte(1); word(u) } else { byte(2); word(u) }
        case .double(let d): byte(3); word(d.bitPattern)
        case .decimal(let d): byte(4); text(d.text)
        case .string(let s), .json(let s): byte(5); text(s)
        case .bytes(let b): byte(6); for x in b { byte(x) }; word(UInt64(b.count))
        case .date(let d): byte(7); word(UInt64(d.year * 10_000 + d.month * 100 + d.day))
        case .datetime(let d):
            byte(8); word(UInt64(d.year * 10_000 + d.month * 100 + d.day)); word(UInt64((d.hour * 3600 + d.minute * 60 + d.second) * 1_000_000 + d.microsecond))
        case .time(let t): byte(9); text(t.description)
        }
        byte(0x1F)
    }

    mutating func endRow() { byte(0x1E) }
}

/// Per-chunk digests of a table as the copier sent it, in copy (primary-key) order.
public struct ChunkDigests: Sendable, Codable {
    public var chunkSize: Int
    public var digests: [UInt64]
    public var rows: Int

    init(chunkSize: Int) {
        self.chunkSize = chunkSize
        self.digests = []
        self.rows = 0
    }

    private var current = ValueDigest()

    mutating func add(row values: [MariaDBValue]) {
        for v in values { current.add(v) }
        current.endRow()
        rows += 1
        if rows % chunkSize == 0 { digests.append(current.value); current = ValueDigest() }
    }

    mutating func finish() {
        if rows % chunkSize != 0 { digests.append(current.value); current = ValueDigest() }
    }

    enum CodingKeys: String, CodingKey { case chunkSize, digests, rows }
}
