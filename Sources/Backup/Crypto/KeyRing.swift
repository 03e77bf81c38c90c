@preconcurrency import Crypto
import Foundation

/// The key-encryption keys (KEKs) of the backup tool, loaded from the key file the configuration names
/// (e.g. `/etc/dbctl/backup.key`).
///
/// Key file format (JSON, mode 0600 or 0400, owned by the user running the backups):
/// ```json
/// {"keys": [
///   {"id": "k1-20261202", "created": "2026-12-02T10:00:00Z", "retire_after": null,
///    "key": "<base64 of 32 random bytes>"}
/// ]}
/// ```
/// Keys are listed oldest first. The newest key that is not retired wraps new data keys (`current`); every key
/// stays in the file after rotation so that old backups remain readable.
public struct KeyRing: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// All keys, oldest first.
    public internal(set) var keys: [KeyEncryptionKey]
    /// The key file this ring was loaded from or saved to; errors name it.
    public var path: String?

    /// A ring of the given keys (oldest first). Refuses an empty list and duplicate ids.
    public init(keys: [KeyEncryptionKey], path: String? = nil) throws {
        let origin = path.map { "key file \($0)" } ?? "key ring"
        guard !keys.isEmpty else {
            throw BackupCryptoError(.keyFileMalformed, "\(origin) holds no keys", path: path)
        }
        var seen = Set<String>()
        for key in keys where !seen.insert(key.id).inserted {
            throw BackupCryptoError(
                .duplicateKeyID, "\(origin) has duplicate key id \(key.id)", path: path, keyID: key.id)
        }
        self.keys = keys
        self.path = path
    }

    /// The key that wraps new data keys now: see `current(at:)`.
    public var current: KeyEncryptionKey { current(at: Date()) }

    /// The newest key not retired at `now`. When every key is retired the newest one is still used, so that
    /// backups keep running; `keysExpiringSoon(within:now:)` and `retiredCurrentKey(at:)` let an alert say so.
    public func current(at now: Date) -> KeyEncryptionKey {
        keys.last { !$0.isRetired(at: now) } ?? keys[keys.count - 1]
    }

    /// The newest key when it is already retired at `now` (no key is fit to wrap new data keys), else nil.
    public func retiredCurrentKey(at now: Date) -> KeyEncryptionKey? {
        let key = current(at: now)
        return key.isRetired(at: now) ? key : nil
    }

    /// The key with this id, if the ring holds it.
    public func key(id: String) -> KeyEncryptionKey? {
        keys.first { $0.id == id }
    }

    public var description: String {
        let where_ = path.map { " from \($0)" } ?? ""
        return "key ring\(where_): \(keys.map(\.id).joined(separator: ", "))"
    }

    public var debugDescription: String {
        "KeyRing(path: \(path ?? "nil"), keys: [\(keys.map(\.debugDescription).joined(separator: ", "))])"
    }

    /// A fresh random 256-bit data key for one object.
    public static func newDataKey() -> SymmetricKey {
        SymmetricKey(size: .bits256)
    }

    var origin: String { path.map { "key file \($0)" } ?? "the key ring" }
}
