/// What binlog indexing and restore planning need of a GTID position beyond comparison.
extension GTIDPosition {
    /// Every domain of `self` is at or before `other`.
    public func isAtOrBefore(_ other: GTIDPosition) -> Bool {
        other.includes(self)
    }

    /// True when `gtid` is already included in this position.
    public func contains(_ gtid: GTID) -> Bool {
        (sequence(inDomain: gtid.domain) ?? 0) >= gtid.sequence
    }

    /// The position after `gtid` was applied.
    public mutating func advance(_ gtid: GTID) {
        guard !contains(gtid) else { return }
        self = GTIDPosition(gtids.filter { $0.domain != gtid.domain } + [gtid])
    }
}

extension GTIDPosition.GTID {
    /// "0-1-42"
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let domain = UInt32(parts[0]), let server = UInt32(parts[1]),
              let sequence = UInt64(parts[2]) else { return nil }
        self.init(domain: domain, server: server, sequence: sequence)
    }

    public var text: String { description }
}

extension GTIDPosition {
    /// The empty position (no transaction yet).
    public init() {
        self.init([GTID]())
    }
}
