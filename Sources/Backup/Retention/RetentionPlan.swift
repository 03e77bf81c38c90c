/// What retention decided for one location: every backup and binlog is either kept or expired, each with
/// its reason ("daily 2026-11-30, weekly 2026-W48", "parent of kept 20261202T0300Z-inc").
public struct RetentionPlan: Sendable, Equatable {
    /// Backup id → why it stays.
    public var keep: [String: String]
    /// Backup id → why it may be deleted.
    public var expire: [String: String]
    /// Binlog name → why it stays.
    public var keepBinlogs: [String: String]
    /// Binlog name → why it may be deleted.
    public var expireBinlogs: [String: String]
    /// Problems that deleting nothing would not fix but an operator should hear of: a missing parent, a
    /// numbering gap in the binlogs, no verified full backup at all.
    public var warnings: [String]

    public init(
        keep: [String: String] = [:], expire: [String: String] = [:], keepBinlogs: [String: String] = [:],
        expireBinlogs: [String: String] = [:], warnings: [String] = []
    ) {
        self.keep = keep
        self.expire = expire
        self.keepBinlogs = keepBinlogs
        self.expireBinlogs = expireBinlogs
        self.warnings = warnings
    }
}
