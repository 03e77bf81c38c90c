@preconcurrency import Crypto
import Foundation

/// Seals small objects (manifests, the catalog) whole in memory, carrying their wrapped data key with them.
///
/// Byte format:
/// ```
/// magic "DBCTLBW1"                8 bytes
/// envelope length N               4 bytes, u32 big-endian, at most 65536
/// envelope                        N bytes of JSON: the `WrappedKey`, {"keyID": "...", "sealed": "<base64>"}
/// sealed stream                   the `SealedStreamWriter` format ("DBCTLBK1" ...), under the data key
/// ```
/// The envelope needs no MAC of its own: the wrapped key is AES-GCM sealed with the key id and the identity as
/// associated data, and any change to it makes unwrapping fail. Rotation replaces only the envelope.
public enum SealedBlob {
    static let magic: [UInt8] = Array("DBCTLBW1".utf8)
    static let maximumEnvelopeSize = 1 << 16

    /// Seals `plaintext` for `identity` under a fresh data key wrapped by the key ring's current key.
    public static func seal(_ plaintext: Data, identity: String, keyRing: KeyRing) throws -> Data {
        let dataKey = KeyRing.newDataKey()
        var writer = SealedStreamWriter(dataKey: dataKey, identity: identity)
        var body = writer.append(plaintext)
        body.append(writer.finish())
        return try assemble(keyRing.wrap(dataKey, identity: identity), body: body, identity: identity)
    }

    /// Opens a sealed blob made for `identity`. Errors name the identity (and the key id when the key ring
    /// lacks it).
    public static func open(_ data: Data, identity: String, keyRing: KeyRing) throws -> Data {
        let (wrapped, bodyStart) = try parse(data, identity: identity)
        let dataKey = try keyRing.unwrap(wrapped, identity: identity)
        var reader = SealedStreamReader(dataKey: dataKey, identity: identity)
        var plaintext = try reader.append(data[bodyStart...])
        plaintext.append(try reader.finish())
        return plaintext
    }

    /// The same blob with its data key wrapped by the key ring's current key; the sealed body is unchanged.
    public static func rewrap(_ data: Data, identity: String, keyRing: KeyRing) throws -> Data {
        let (wrapped, bodyStart) = try parse(data, identity: identity)
        let rewrapped = try keyRing.rewrap(wrapped, identity: identity)
        return try assemble(rewrapped, body: data[bodyStart...], identity: identity)
    }

    /// The wrapped data key a blob carries, e.g. to see which key id it depends on.
    public static func wrappedKey(of data: Data, identity: String) throws -> WrappedKey {
        try parse(data, identity: identity).wrapped
    }

    private static func assemble(_ wrapped: WrappedKey, body: some DataProtocol, identity: String) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let envelope = try encoder.encode(wrapped)
        var data = Data(magic)
        data.append(contentsOf: SealedStreamFormat.bigEndian(UInt32(envelope.count)))
        data.append(envelope)
        data.append(contentsOf: body)
        return data
    }

    private static func parse(_ data: Data, identity: String) throws -> (wrapped: WrappedKey, bodyStart: Data.Index) {
        let bytes = data[...]
        let lengthStart = bytes.startIndex + magic.count
        guard bytes.count >= magic.count, bytes.prefix(magic.count).elementsEqual(magic) else {
            throw BackupCryptoError(
                .badMagic, "\(identity) is not a sealed blob (no DBCTLBW1 magic at byte 0)", identity: identity,
                byteOffset: 0)
        }
        guard bytes.count >= magic.count + 4 else {
            throw BackupCryptoError(
                .truncated, "\(identity): sealed blob ends inside its envelope length", identity: identity,
                byteOffset: Int64(bytes.count))
        }
        let length = bytes[lengthStart..<lengthStart + 4].reduce(0) { ($0 << 8) | Int($1) }
        guard length > 0 && length <= maximumEnvelopeSize else {
            throw BackupCryptoError(
                .badEnvelope, "\(identity): sealed blob envelope length \(length) at byte offset 8 is invalid",
                identity: identity, byteOffset: 8)
        }
        let envelopeStart = lengthStart + 4
        guard bytes.count >= magic.count + 4 + length else {
            throw BackupCryptoError(
                .truncated, "\(identity): sealed blob ends inside its \(length)-byte envelope", identity: identity,
                byteOffset: Int64(bytes.count))
        }
        let wrapped: WrappedKey
        do {
            wrapped = try JSONDecoder().decode(WrappedKey.self, from: data[envelopeStart..<envelopeStart + length])
        } catch {
            throw BackupCryptoError(
                .badEnvelope, "\(identity): sealed blob envelope at byte offset 12 is not a wrapped key",
                identity: identity, byteOffset: 12)
        }
        return (wrapped, envelopeStart + length)
    }
}
