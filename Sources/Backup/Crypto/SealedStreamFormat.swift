@preconcurrency import Crypto
import Foundation

/// Constants and derivations of the sealed-object byte format; `SealedStreamWriter` documents the layout.
enum SealedStreamFormat {
    static let magic: [UInt8] = Array("DBCTLBK1".utf8)
    static let version: UInt8 = 1
    static let algorithmAES256GCM: UInt8 = 1
    static let saltSize = 16
    static let macSize = 32
    static let tagSize = 16
    /// magic, version, algorithm, chunk size: the bytes the MAC covers before the salt.
    static let prefixSize = 8 + 1 + 1 + 4
    static let headerSize = prefixSize + saltSize + macSize
    static let defaultChunkSize = 1 << 20
    /// Bounds reader memory even for an authentic header: a chunk is held whole before it can be verified.
    static let maximumChunkSize = 64 << 20

    struct Keys {
        var header: SymmetricKey
        var payload: SymmetricKey
    }

    static func deriveKeys(dataKey: SymmetricKey, salt: some DataProtocol) -> Keys {
        Keys(
            header: HKDF<SHA256>.deriveKey(
                inputKeyMaterial: dataKey, salt: salt, info: Array("header".utf8), outputByteCount: 32),
            payload: HKDF<SHA256>.deriveKey(
                inputKeyMaterial: dataKey, salt: salt, info: Array("payload".utf8), outputByteCount: 32))
    }

    /// The MAC input: the header bytes before the MAC, then the identity.
    static func macInput(headerWithoutMAC: some Collection<UInt8>, identity: String) -> [UInt8] {
        Array(headerWithoutMAC) + Array(identity.utf8)
    }

    /// The 12-byte nonce: an 11-byte big-endian chunk counter, then 0x01 on the final chunk, else 0x00.
    static func nonce(chunk counter: UInt64, final: Bool) -> AES.GCM.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        var value = counter
        for index in stride(from: 10, through: 3, by: -1) {
            bytes[index] = UInt8(truncatingIfNeeded: value)
            value >>= 8
        }
        bytes[11] = final ? 1 : 0
        return try! AES.GCM.Nonce(data: bytes)
    }

    static func randomSalt() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<saltSize).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}

extension Digest {
    /// Lower-case hex, as manifests and `sha256sum` show digests.
    var sealedHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(Self.byteCount * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
