@testable import Backup
@preconcurrency import Crypto
import Foundation
import Testing

/// Every way of damaging a sealed object must be detected, with the error that says what happened.
@Suite struct SealedStreamTamperTests {
    static let identity = "backups/20261202T0100Z-full/data.mbs"
    static let chunk = 64
    static let window = chunk + 16
    static let header = 62
    /// How the ciphertext is fed to the reader: whole, byte by byte, and in pieces that straddle chunks.
    static let pieces: [Int?] = [nil, 1, 7, 80, 81]

    let key = KeyRing.newDataKey()
    /// 3 full chunks and a 10-byte final chunk.
    let plaintext = CryptoFixtures.pseudoRandomBytes(3 * 64 + 10, seed: 7)

    func sealed(_ plaintext: Data? = nil) -> Data {
        CryptoFixtures.seal(
            plaintext ?? self.plaintext, key: key, identity: Self.identity, chunkSize: Self.chunk
        ).sealed
    }

    func chunkStart(_ index: Int) -> Int { Self.header + index * Self.window }

    func expectFailure(
        _ data: Data, _ code: BackupCryptoError.Code, chunk: UInt64? = nil, key: SymmetricKey? = nil,
        identity: String = identity, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for piece in Self.pieces {
            switch CryptoFixtures.open(data, key: key ?? self.key, identity: identity, piece: piece) {
            case .success:
                Issue.record("opened despite damage (piece \(String(describing: piece)))",
                             sourceLocation: sourceLocation)
            case .failure(let error):
                #expect(error.code == code, "piece \(String(describing: piece)): \(error)",
                        sourceLocation: sourceLocation)
                if let chunk {
                    #expect(error.chunkIndex == chunk, "\(error)", sourceLocation: sourceLocation)
                    #expect(error.description.contains("chunk \(chunk)"), "\(error)", sourceLocation: sourceLocation)
                }
                #expect(error.identity == identity, sourceLocation: sourceLocation)
                #expect(error.description.contains(identity), "\(error)", sourceLocation: sourceLocation)
                #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
            }
        }
    }

    func flipped(_ data: Data, at offset: Int) -> Data {
        var copy = data
        copy[offset] ^= 0x01
        return copy
    }

    @Test func intactObjectOpens() throws {
        let data = sealed()
        #expect(data.count == chunkStart(3) + 10 + 16)
        for piece in Self.pieces {
            #expect(try CryptoFixtures.open(data, key: key, identity: Self.identity, piece: piece).get() == plaintext)
        }
    }

    @Test func headerByteFlips() {
        let data = sealed()
        expectFailure(flipped(data, at: 0), .badMagic)
        expectFailure(flipped(data, at: 7), .badMagic)
        expectFailure(flipped(data, at: 8), .unsupportedVersion)
        expectFailure(flipped(data, at: 9), .unsupportedVersion)
        // The chunk size, the salt and the MAC itself are covered by the MAC.
        for offset in [10, 13, 14, 29, 30, 61] {
            expectFailure(flipped(data, at: offset), .headerAuthenticationFailed)
        }
    }

    @Test func chunkCiphertextFlip() {
        let data = sealed()
        expectFailure(flipped(data, at: chunkStart(1) + 5), .chunkAuthenticationFailed, chunk: 1)
        expectFailure(flipped(data, at: chunkStart(0)), .chunkAuthenticationFailed, chunk: 0)
        expectFailure(flipped(data, at: chunkStart(3) + 2), .chunkAuthenticationFailed, chunk: 3)
    }

    @Test func tagFlip() {
        let data = sealed()
        expectFailure(flipped(data, at: chunkStart(2) + Self.chunk + 15), .chunkAuthenticationFailed, chunk: 2)
        expectFailure(flipped(data, at: data.count - 1), .chunkAuthenticationFailed, chunk: 3)
    }

    @Test func truncatedAtChunkBoundary() {
        let data = sealed()
        // Dropping the final chunk leaves an object that ends with an intact non-final chunk.
        expectFailure(data.prefix(chunkStart(3)), .truncated, chunk: 3)
        expectFailure(data.prefix(chunkStart(1)), .truncated, chunk: 1)
        // An exact multiple of the chunk size ends with a full final chunk; dropping it is the same case.
        let full = sealed(CryptoFixtures.pseudoRandomBytes(3 * 64, seed: 3))
        expectFailure(full.prefix(chunkStart(2)), .truncated, chunk: 2)
        // Nothing after the header.
        expectFailure(data.prefix(Self.header), .truncated, chunk: 0)
    }

    @Test func truncatedMidChunk() {
        let data = sealed()
        // Part of a chunk cannot authenticate; the message says it may be cut short.
        expectFailure(data.prefix(chunkStart(1) + 30), .chunkAuthenticationFailed, chunk: 1)
        expectFailure(data.prefix(data.count - 3), .chunkAuthenticationFailed, chunk: 3)
        // Less than a tag is left of the chunk: certainly truncated.
        expectFailure(data.prefix(chunkStart(2) + 9), .truncated, chunk: 2)
        // Inside the header.
        expectFailure(data.prefix(40), .truncated)
        expectFailure(data.prefix(0), .truncated)
    }

    @Test func swappedChunks() {
        let data = sealed()
        var swapped = data.prefix(chunkStart(0))
        swapped.append(data[chunkStart(1)..<chunkStart(2)])
        swapped.append(data[chunkStart(0)..<chunkStart(1)])
        swapped.append(data[chunkStart(2)...])
        #expect(swapped.count == data.count)
        expectFailure(swapped, .chunkAuthenticationFailed, chunk: 0)
    }

    @Test func duplicatedChunk() {
        let data = sealed()
        var duplicated = data.prefix(chunkStart(2))
        duplicated.append(data[chunkStart(1)..<chunkStart(2)])
        duplicated.append(data[chunkStart(2)...])
        expectFailure(duplicated, .chunkAuthenticationFailed, chunk: 2)
    }

    @Test func finalChunkMovedEarlier() {
        // The final chunk in place of chunk 1: its final-flag nonce and counter do not match there.
        let data = sealed()
        var moved = data.prefix(chunkStart(1))
        moved.append(data[chunkStart(3)...])
        expectFailure(moved, .chunkAuthenticationFailed, chunk: 1)
    }

    @Test func bytesAfterFinalChunk() {
        // After a full-size final chunk the reader can prove the end: trailing data.
        let full = sealed(CryptoFixtures.pseudoRandomBytes(3 * 64, seed: 3))
        expectFailure(full + Data([0, 1, 2, 3, 4]), .trailingData, chunk: 2)
        expectFailure(full + full[chunkStart(2)...], .trailingData, chunk: 2)
        // After a short final chunk its end is unknowable, so the final chunk fails to authenticate.
        let data = sealed()
        expectFailure(data + Data([0x42]), .chunkAuthenticationFailed, chunk: 3)
        expectFailure(data + Data(count: 200), .chunkAuthenticationFailed, chunk: 3)
    }

    @Test func emptyObjectDamage() {
        let empty = sealed(Data())
        #expect(empty.count == Self.header + 16)
        expectFailure(empty.prefix(Self.header), .truncated, chunk: 0)
        expectFailure(flipped(empty, at: Self.header + 3), .chunkAuthenticationFailed, chunk: 0)
        expectFailure(empty + Data([1]), .chunkAuthenticationFailed, chunk: 0)
    }

    @Test func otherIdentity() {
        // The same object presented as another backup's object.
        expectFailure(sealed(), .headerAuthenticationFailed, identity: "backups/20261203T0100Z-full/data.mbs")
    }

    @Test func otherIdentityWithForgedHeader() throws {
        // Even with a header re-MACed for the other identity, the chunks are bound to the original identity.
        let data = sealed()
        let other = "backups/other"
        let salt = data[14..<30]
        let headerKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: key, salt: salt, info: Data("header".utf8), outputByteCount: 32)
        let mac = HMAC<SHA256>.authenticationCode(for: data.prefix(30) + Data(other.utf8), using: headerKey)
        let forged = data.prefix(30) + Data(mac) + data[62...]
        expectFailure(forged, .chunkAuthenticationFailed, chunk: 0, identity: other)
    }

    @Test func wrongDataKey() {
        expectFailure(sealed(), .headerAuthenticationFailed, key: KeyRing.newDataKey())
    }

    @Test func notAnObject() {
        expectFailure(Data("-- MariaDB dump 10.19\n".utf8), .badMagic)
    }

    @Test func readerStaysFailed() throws {
        let data = flipped(sealed(), at: chunkStart(1) + 1)
        var reader = SealedStreamReader(dataKey: key, identity: Self.identity)
        #expect(throws: BackupCryptoError.self) { try reader.append(data) }
        let again = #expect(throws: BackupCryptoError.self) { try reader.finish() }
        #expect(again?.code == .chunkAuthenticationFailed)
    }

    @Test func plaintextOfTamperedChunkIsNeverReturned() throws {
        let data = flipped(sealed(), at: chunkStart(1) + 1)
        var reader = SealedStreamReader(dataKey: key, identity: Self.identity)
        let first = try reader.append(data.prefix(chunkStart(1) + 1))
        // Only chunk 0 is known authentic and not last.
        #expect(first == plaintext.prefix(64))
        #expect(throws: BackupCryptoError.self) { try reader.append(data[(chunkStart(1) + 1)...]) }
        #expect(reader.plainBytes == 64)
    }
}
