@testable import Backup
@preconcurrency import Crypto
import Foundation
import Testing

@Suite struct SealedStreamRoundTripTests {
    static let chunkedSizes: [(size: Int, chunkSize: Int)] = {
        var cases: [(Int, Int)] = []
        for chunk in [1, 16, 64, 1000] {
            for size in [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk, 3 * chunk + 7] where size >= 0 {
                cases.append((size, chunk))
            }
        }
        let mib = 1 << 20
        cases += [(0, mib), (1, mib), (mib, mib), (mib + 1, mib), (5 * mib + 12_345, mib), (3 * mib, 65_536)]
        return cases
    }()

    @Test(arguments: chunkedSizes)
    func roundTrip(size: Int, chunkSize: Int) throws {
        let key = KeyRing.newDataKey()
        let plaintext = CryptoFixtures.pseudoRandomBytes(size, seed: UInt64(size * 31 + chunkSize))
        let (sealed, writer) = CryptoFixtures.seal(
            plaintext, key: key, identity: "backups/x/data.mbs", chunkSize: chunkSize)

        let chunks = max(1, (size + chunkSize - 1) / chunkSize)
        #expect(sealed.count == SealedStreamFormat.headerSize + chunks * SealedStreamFormat.tagSize + size)
        #expect(writer.plainBytes == Int64(size))
        #expect(writer.cipherBytes == Int64(sealed.count))
        #expect(writer.cipherSHA256 == CryptoFixtures.sha256Hex(sealed))
        #expect(sealed.prefix(8) == Data("DBCTLBK1".utf8))

        let opened = try CryptoFixtures.open(sealed, key: key, identity: "backups/x/data.mbs").get()
        #expect(opened == plaintext)
    }

    /// The writer and the reader must give the same bytes however the input is cut into calls.
    @Test(arguments: [1, 5, 63, 64, 65, 80, 81, 4096])
    func arbitraryPieces(piece: Int) throws {
        let key = KeyRing.newDataKey()
        let identity = "backups/pieces"
        for size in [0, 64, 200, 64 * 5] {
            let plaintext = CryptoFixtures.pseudoRandomBytes(size, seed: UInt64(size))
            let (sealed, _) = CryptoFixtures.seal(plaintext, key: key, identity: identity, chunkSize: 64, piece: piece)
            let opened = try CryptoFixtures.open(sealed, key: key, identity: identity, piece: piece).get()
            #expect(opened == plaintext, "size \(size) piece \(piece)")
            var reader = SealedStreamReader(dataKey: key, identity: identity)
            _ = try reader.append(sealed)
            _ = try reader.finish()
            #expect(reader.plainBytes == Int64(size))
            #expect(reader.cipherSHA256 == CryptoFixtures.sha256Hex(sealed))
            #expect(reader.chunkSize == 64)
        }
    }

    @Test func headerLayout() throws {
        let key = KeyRing.newDataKey()
        let (sealed, _) = CryptoFixtures.seal(Data("hello".utf8), key: key, identity: "id", chunkSize: 0x0102_0304)
        let bytes = [UInt8](sealed)
        #expect(Array(bytes[0..<8]) == Array("DBCTLBK1".utf8))
        #expect(bytes[8] == 1)
        #expect(bytes[9] == 1)
        #expect(Array(bytes[10..<14]) == [0x01, 0x02, 0x03, 0x04])

        // Recompute the MAC and the final chunk from the documented derivations, independently of the reader.
        let salt = Data(bytes[14..<30])
        let headerKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: key, salt: salt, info: Data("header".utf8), outputByteCount: 32)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(bytes[0..<30]) + Data("id".utf8), using: headerKey)
        #expect(Data(mac) == Data(bytes[30..<62]))
        let payloadKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: key, salt: salt, info: Data("payload".utf8), outputByteCount: 32)
        let nonce = try AES.GCM.Nonce(data: [UInt8](repeating: 0, count: 11) + [1])
        let box = try AES.GCM.SealedBox(
            nonce: nonce, ciphertext: Data(bytes[62..<67]), tag: Data(bytes[67...]))
        #expect(try AES.GCM.open(box, using: payloadKey, authenticating: Data("id".utf8)) == Data("hello".utf8))
    }

    @Test func sealingTwiceDiffers() {
        let key = KeyRing.newDataKey()
        let a = CryptoFixtures.seal(Data("same".utf8), key: key, identity: "id", chunkSize: 64).sealed
        let b = CryptoFixtures.seal(Data("same".utf8), key: key, identity: "id", chunkSize: 64).sealed
        // A fresh salt per object means fresh derived keys even when a data key were reused.
        #expect(a != b)
    }
}
