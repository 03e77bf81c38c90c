import Foundation

/// One physical backup (full or incremental) as the catalog and its manifest record it: everything needed to
/// restore it, check it and chain the next incremental on top of it, without the server or the work directory.
public struct BackupRecord: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case full, incremental }

    public var id: String
    public var kind: Kind
    /// The backup this incremental is on top of; nil for a full.
    public var parent: String?
    /// The full backup at the root of this one's chain (itself for a full).
    public var chainRoot: String
    public var started: Date
    /// The consistent point: the backup holds every transaction committed up to here.
    public var ended: Date
    public var serverID: UInt32
    public var serverVersion: String
    public var toolVersion: String
    public var fromLSN: UInt64
    public var toLSN: UInt64
    public var binlogFile: String?
    public var binlogPosition: UInt64?
    /// `@@gtid_binlog_pos` at the consistent point ("0-1-42", or a list across domains); empty if none yet.
    public var gtid: String
    /// `xtrabackup_checkpoints` as written, so the next incremental can start from it anywhere.
    public var checkpoints: String
    public var objects: [ObjectRecord]
    /// `CHECKSUM TABLE` of every table, computed on the prepared copy right after the backup ("db.table").
    public var tableChecksums: [String: String]
    /// Seconds: taking the backup, and preparing + checking it.
    public var backupSeconds: Double
    public var prepareSeconds: Double
    /// Where it is stored and in what state.
    public var locations: [String: LocationState]

    public var totalCipherBytes: UInt64 { objects.reduce(0) { $0 + $1.cipherBytes } }
    public var totalPlainBytes: UInt64 { objects.reduce(0) { $0 + $1.plainBytes } }

    /// The folder of its objects in every location.
    public var prefix: String { "backups/\(id)/" }
}

/// One stored, encrypted object and what proves it: sizes and SHA-256 of both forms, and its data key
/// wrapped by a key-encryption key.
public struct ObjectRecord: Codable, Sendable, Equatable {
    /// Location key, e.g. "backups/20261202T010000Z-full/data.mbs.sealed".
    public var key: String
    /// Bound into the encryption as associated data: an object moved to another name does not open.
    public var identity: String
    public var plainBytes: UInt64
    public var cipherBytes: UInt64
    public var plainSHA256: String
    public var cipherSHA256: String
    public var wrappedKey: WrappedKey
}

/// What a location holds of a backup or binlog.
public struct LocationState: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case stored, missing, expired }
    public var status: Status
    public var at: Date
    /// Why it is missing (the location's error), for `list` and the alert.
    public var error: String?
    /// When `verify` last checked it in this location, and the outcome.
    public var verifiedAt: Date?
    public var verifyError: String?

    public init(status: Status, at: Date, error: String? = nil) {
        self.status = status
        self.at = at
        self.error = error
    }
}
