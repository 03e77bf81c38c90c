import Foundation

/// A place that keeps backup objects: a local directory, an SFTP server or an S3 bucket.
///
/// A backup is written once to a local staging file and then copied to every configured location, so a
/// location only stores, returns, lists and deletes whole objects under relative keys such as
/// `backups/20261202T0100Z-full/data.mbs.sealed`. Keys never start with `/` and never contain `..`.
public protocol BackupLocation: Sendable {
    /// The name from the configuration, e.g. `offsite`.
    var name: String { get }
    /// `posix`, `sftp` or `s3`.
    var kind: String { get }

    /// Uploads a local file as `key`. Atomic: readers never see a partial object (posix and SFTP write
    /// `key.partial` and rename it; S3 objects appear whole by nature). Returns the stored size.
    func put(_ key: String, fromFile path: String) async throws -> UInt64
    /// Stores `data` as `key`, atomically like ``put(_:fromFile:)``.
    func put(_ key: String, data: Data) async throws
    /// Downloads `key` to a local file (written as `path.partial`, then renamed). Returns its size.
    func get(_ key: String, toFile path: String) async throws -> UInt64
    /// Reads a whole object into memory; for small objects (manifests, catalogs).
    func get(_ key: String) async throws -> Data
    /// Every object whose key starts with `prefix`, at any depth, sorted by key.
    func list(prefix: String) async throws -> [LocationObject]
    /// Removes `key`; a missing object is not an error.
    func delete(_ key: String) async throws
    /// Whether `key` exists.
    func exists(_ key: String) async throws -> Bool
    /// Proves the location reachable and writable: writes a small probe object, reads it back and deletes it.
    /// Errors name the host and path.
    func check() async throws
    /// Free and total bytes where they can be known (posix `statvfs`, SFTP `df`); nil for S3.
    func freeSpace() async throws -> (free: UInt64, total: UInt64)?
}

/// One stored object, as a listing returns it.
public struct LocationObject: Sendable, Equatable, Hashable {
    /// The key relative to the location (without the location's own path or prefix).
    public let key: String
    public let size: UInt64
    /// Last modification time, when the location reports one (SFTP listings have minute precision).
    public let modified: Date?

    public init(key: String, size: UInt64, modified: Date?) {
        self.key = key
        self.size = size
        self.modified = modified
    }
}
