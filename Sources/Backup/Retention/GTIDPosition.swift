import Foundation

/// A MariaDB GTID position: a list of `domain-server-sequence` GTIDs (`0-1-42,1-2-7`).
///
/// Sequence numbers grow within a domain whichever server wrote them, so positions compare domain by domain
/// on the sequence; the server id only identifies. A list naming one domain twice (as `gtid_binlog_state`
/// does, once per server) keeps the highest sequence.
public struct GTIDPosition: Sendable, Hashable, CustomStringConvertible {
    public struct GTID: Sendable, Hashable, CustomStringConvertible {
        public var domain: UInt32
        public var server: UInt32
        public var sequence: UInt64

        public init(domain: UInt32, server: UInt32, sequence: UInt64) {
            self.domain = domain
            self.server = server
            self.sequence = sequence
        }

        public var description: String { "\(domain)-\(server)-\(sequence)" }
    }

    /// The GTID of each domain.
    public private(set) var byDomain: [UInt32: GTID]

    public init(_ gtids: [GTID]) {
        byDomain = [:]
        for gtid in gtids where (byDomain[gtid.domain]?.sequence ?? 0) <= gtid.sequence {
            byDomain[gtid.domain] = gtid
        }
    }

    /// Parses `0-1-42,1-2-7` (spaces allowed around commas); nil if any item is not `domain-server-sequence`.
    /// An empty string is the empty position.
    public init?(_ text: String) {
        var gtids: [GTID] = []
        for item in text.split(separator: ",") {
            let parts = item.trimmingCharacters(in: .whitespaces)
                .split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, let domain = UInt32(parts[0]), let server = UInt32(parts[1]),
                  let sequence = UInt64(parts[2])
            else { return nil }
            gtids.append(GTID(domain: domain, server: server, sequence: sequence))
        }
        self.init(gtids)
    }

    public var gtids: [GTID] { byDomain.values.sorted { $0.domain < $1.domain } }

    public var isEmpty: Bool { byDomain.isEmpty }

    /// The sequence reached in `domain`, nil when the position has none there.
    public func sequence(inDomain domain: UInt32) -> UInt64? { byDomain[domain]?.sequence }

    /// Every transaction up to `other` is within this position: in each of `other`'s domains this position
    /// has reached at least `other`'s sequence.
    public func includes(_ other: GTIDPosition) -> Bool {
        other.byDomain.allSatisfy { domain, gtid in (sequence(inDomain: domain) ?? 0) >= gtid.sequence }
    }

    public var description: String { gtids.map(\.description).joined(separator: ",") }
}
