@testable import Backup
@preconcurrency import Crypto
import Foundation
import Testing

@Suite struct SealedBlobTests {
    let ring: KeyRing

    init() throws {
        ring = try KeyRing(keys: [KeyEncryptionKey.generate(id: "k1-20261202", created: Date())],
                           path: "/etc/dbctl/backup.key")
    }

    @Test(arguments: [0, 1, 1000, (1 << 20) + 3])
    func roundTrip(size: Int) throws {
        let plaintext = CryptoFixtures.pseudoRandomBytes(size)
        let blob = try SealedBlob.seal(plaintext, identity: "manifests/a.json", keyRing: ring)
        #expect(blob.prefix(8) == Data("DBCTLBW1".utf8))
        #expect(try SealedBlob.open(blob, identity: "manifests/a.json", keyRing: ring) == plaintext)
        // Open a slice too: indices need not start at zero.
        let padded = Data([9, 9]) + blob
        #expect(try SealedBlob.open(padded[2...], identity: "manifests/a.json", keyRing: ring) == plaintext)
    }

    @Test func otherIdentityIsRefusedNamingIt() throws {
        let blob = try SealedBlob.seal(Data("m".utf8), identity: "manifests/a.json", keyRing: ring)
        let error = #expect(throws: BackupCryptoError.self) {
            try SealedBlob.open(blob, identity: "manifests/b.json", keyRing: ring)
        }
        #expect(error?.code == .unwrapFailed)
        #expect(error?.description.contains("manifests/b.json") == true)
    }

    @Test func tamperedBodyOrEnvelope() throws {
        let blob = try SealedBlob.seal(CryptoFixtures.pseudoRandomBytes(500), identity: "c", keyRing: ring)
        let bodyStart = try #require(blob.range(of: Data("DBCTLBK1".utf8))).lowerBound

        var body = blob
        body[bodyStart + 62 + 10] ^= 1
        let bodyError = #expect(throws: BackupCryptoError.self) {
            try SealedBlob.open(body, identity: "c", keyRing: ring)
        }
        #expect(bodyError?.code == .chunkAuthenticationFailed)
        #expect(bodyError?.identity == "c")

        var magic = blob
        magic[0] ^= 1
        #expect(try errorCode(magic) == .badMagic)

        var length = blob
        length[8] = 0xFF
        #expect(try errorCode(length) == .badEnvelope)

        var envelope = blob
        envelope[12] = UInt8(ascii: "[")
        #expect(try errorCode(envelope) == .badEnvelope)

        #expect(try errorCode(blob.prefix(10)) == .truncated)
        #expect(try errorCode(blob.prefix(20)) == .truncated)
        #expect(try errorCode(blob.prefix(bodyStart + 62)) == .truncated)
        #expect(try errorCode(blob.prefix(3)) == .badMagic)

        // Swap in the envelope of another blob: its data key does not open this body's header.
        let other = try SealedBlob.seal(Data("x".utf8), identity: "c", keyRing: ring)
        let otherBodyStart = try #require(other.range(of: Data("DBCTLBK1".utf8))).lowerBound
        let mixed = other.prefix(otherBodyStart) + blob.suffix(from: bodyStart)
        #expect(try errorCode(mixed) == .headerAuthenticationFailed)
    }

    func errorCode(_ data: Data) throws -> BackupCryptoError.Code? {
        do {
            _ = try SealedBlob.open(data, identity: "c", keyRing: ring)
            return nil
        } catch let error as BackupCryptoError {
            #expect(error.description.contains("c"))
            return error.code
        }
    }
}
