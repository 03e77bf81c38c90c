import Foundation

/// One archived binary log file: its GTID range and time range, so restores can pick files and stop
/// positions without reading them, and `verify` can prove the archive has no gaps.
public struct BinlogRecord: Codable, Sendable, Equatable {
    /// The server's file name, e.g. "mariadb-bin.000042".
    public var name: String
    public var serverID: UInt32
    /// `Gtid_list` at the start of the file: the binlog state before its first transaction.
    public var previousGTIDs: String
    public var firstGTID: String?
    public var lastGTID: String?
    /// The state after the file's last transaction (previous list advanced by every GTID in the file).
    public var endGTIDs: String
    public var firstTime: Date?
    public var lastTime: Date?
    public var transactions: Int
    public var object: ObjectRecord
    public var archived: Date
    public var locations: [String: LocationState]

    /// The binlog's sequence number ("000042" → 42), for ordering.
    public var sequence: Int { Int(name.split(separator: ".").last ?? "") ?? 0 }
}

/// One restore drill: what was restored, how long it took (the recovery time), and what was found.
public struct DrillRecord: Codable, Sendable, Equatable {
    public var at: Date
    public var backupID: String
    /// The GTID the drill rolled forward to, for a point-in-time drill.
    public var targetGTID: String?
    public var location: String
    public var succeeded: Bool
    public var restoreSeconds: Double
    public var tablesChecked: Int
    public var problems: [String]
}
