@testable import Backup
@preconcurrency import Crypto
import Foundation
import Testing

/// Shared by the backup encryption tests.
enum CryptoFixtures {
    /// A fresh directory under the system temporary directory, removed when `body` returns or throws.
    static func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("backup-crypto-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    /// Deterministic pseudo-random bytes (SplitMix64), so a failing size or offset reproduces.
    static func pseudoRandomBytes(_ count: Int, seed: UInt64 = 0x5EED) -> Data {
        var state = seed
        var data = Data(count: count)
        data.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < count {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                z ^= z >> 31
                withUnsafeBytes(of: z.littleEndian) { word in
                    let take = min(8, count - offset)
                    raw.baseAddress!.advanced(by: offset).copyMemory(from: word.baseAddress!, byteCount: take)
                }
                offset += 8
            }
        }
        return data
    }

    static func sha256Hex(_ data: some DataProtocol) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Seals `plaintext`, feeding the writer `piece` bytes at a time.
    static func seal(
        _ plaintext: Data, key: SymmetricKey, identity: String, chunkSize: Int, piece: Int? = nil
    ) -> (sealed: Data, writer: SealedStreamWriter) {
        var writer = SealedStreamWriter(dataKey: key, identity: identity, chunkSize: chunkSize)
        var sealed = Data()
        let step = max(1, piece ?? max(plaintext.count, 1))
        var offset = 0
        while offset < plaintext.count {
            let end = min(offset + step, plaintext.count)
            sealed.append(writer.append(plaintext[offset..<end]))
            offset = end
        }
        sealed.append(writer.finish())
        return (sealed, writer)
    }

    /// Opens `sealed`, feeding the reader `piece` bytes at a time; the error is the first one thrown.
    static func open(
        _ sealed: Data, key: SymmetricKey, identity: String, piece: Int? = nil
    ) -> Result<Data, BackupCryptoError> {
        var reader = SealedStreamReader(dataKey: key, identity: identity)
        var plaintext = Data()
        let step = max(1, piece ?? max(sealed.count, 1))
        do {
            var offset = sealed.startIndex
            while offset < sealed.endIndex {
                let end = min(offset + step, sealed.endIndex)
                plaintext.append(try reader.append(sealed[offset..<end]))
                offset = end
            }
            plaintext.append(try reader.finish())
            return .success(plaintext)
        } catch let error as BackupCryptoError {
            return .failure(error)
        } catch {
            Issue.record("unexpected error type: \(error)")
            return .failure(BackupCryptoError(.io, "unexpected"))
        }
    }

    /// Writes a key file with the given mode, bypassing `KeyRing` so malformed content can be tested.
    static func writeKeyFile(_ text: String, at path: String, mode: mode_t = 0o600) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        #expect(chmod(path, mode) == 0)
    }

    static func fileMode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    static func base64Key() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }
}
