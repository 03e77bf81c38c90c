import Crypto
import Foundation
import Logging

/// The shop's application audit log (`AUDIT_LOG_FILE`): one JSON line per sign-up, sign-in (and every refused
/// one), sign-out and admin call, hash-chained so that a changed, inserted or removed line breaks the chain
/// (`storefront audit verify`). With `AUDIT_KEY_FILE` the chain is an HMAC, so whoever can edit the file but not
/// read the key cannot forge a consistent one.
///
/// Each process writes its own file (two writers would interleave two chains). Opening an existing file
/// continues its chain. Appends are serialised by a lock and written with one `write` each.
public final class AuditLog: @unchecked Sendable {
    // `last` and `handle` are guarded by `lock`.
    private let lock = NSLock()
    private let handle: FileHandle
    private let key: SymmetricKey?
    private var last: (seq: Int, hash: String)
    public let path: String

    /// `pathSetting` and `keySetting` name where the two paths came from, in errors.
    public init(
        path: String, keyFile: String?, pathSetting: String = "AUDIT_LOG_FILE", keySetting: String = "AUDIT_KEY_FILE"
    ) throws {
        self.path = path
        key = try keyFile.map { try Self.loadKey($0, setting: keySetting) }
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            else { throw AuditTrailError("\(pathSetting) \(path) cannot be created") }
        }
        last = (0, AuditRecord.genesis)
        if let tail = try AuditVerifier.lastRecord(path: path) { last = (tail.seq, tail.hash) }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw AuditTrailError("\(pathSetting) \(path) cannot be opened for writing")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    /// The chain's key: a private file (0600) of at least 32 bytes, hashed to 256 bits.
    public static func loadKey(_ file: String, setting: String) throws -> SymmetricKey {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file),
            let mode = attributes[.posixPermissions] as? Int
        else { throw AuditTrailError("\(setting) \(file) does not exist") }
        guard mode & 0o077 == 0 else {
            throw AuditTrailError(
                "\(setting) \(file) is readable by group or others (mode \(String(mode, radix: 8))); chmod 600 it")
        }
        guard let data = FileManager.default.contents(atPath: file), data.count >= 32 else {
            throw AuditTrailError("\(setting) \(file) must hold at least 32 bytes")
        }
        return SymmetricKey(data: SHA256.hash(data: data))
    }

    /// Appends one record; a failure to write is logged, never thrown into the request.
    public func record(
        actor: String, action: String, object: String = "", outcome: String, client: String,
        requestID: String, logger: Logger
    ) {
        lock.withLock {
            var record = AuditRecord(
                seq: last.seq + 1, at: AuditTime.format(Date()), actor: actor, action: action, object: object,
                outcome: outcome, client: client, requestID: requestID, prev: last.hash, hash: "")
            record.hash = record.computedHash(key: key)
            do {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                var line = try encoder.encode(record)
                line.append(0x0A)
                try handle.write(contentsOf: line)
                last = (record.seq, record.hash)
            } catch {
                logger.error("audit log write failed", metadata: ["file": "\(path)", "error": "\(error)"])
            }
        }
    }

    deinit { try? handle.close() }
}
