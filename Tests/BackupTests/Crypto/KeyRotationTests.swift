@testable import Backup
@preconcurrency import Crypto
import Foundation
import Testing

@Suite struct KeyRotationTests {
    let identity = "catalog/catalog.json"

    @Test func rotationKeepsOldBlobsReadableAndRewrapMovesThem() throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let path = dir + "/backup.key"
            let original = try KeyRing.create(path: path, now: Date(timeIntervalSince1970: 1_796_205_600))
            let oldID = original.current.id
            let plaintext = Data("{\"backups\": []}".utf8) + CryptoFixtures.pseudoRandomBytes(3000)
            let before = try SealedBlob.seal(plaintext, identity: identity, keyRing: original)
            let untouched = try SealedBlob.seal(Data("other".utf8), identity: "manifests/b.json", keyRing: original)

            var rotated = try KeyRing.load(path: path).rotated(now: Date(timeIntervalSince1970: 1_811_808_000))
            try rotated.save(to: path)
            #expect(try CryptoFixtures.fileMode(path) == 0o600)
            let reloaded = try KeyRing.load(path: path)
            #expect(reloaded.keys.count == 2)
            #expect(reloaded.keys[0].id == oldID)
            let newID = reloaded.current.id
            #expect(newID != oldID)
            #expect(newID.hasPrefix("k2-20270601-"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["backup.key"])

            // Sealed before the rotation, opens after it.
            #expect(try SealedBlob.open(before, identity: identity, keyRing: reloaded) == plaintext)
            #expect(try SealedBlob.wrappedKey(of: before, identity: identity).keyID == oldID)

            // Rewrap moves the data key to the new key; the body is byte-for-byte the same.
            let after = try SealedBlob.rewrap(before, identity: identity, keyRing: reloaded)
            #expect(try SealedBlob.wrappedKey(of: after, identity: identity).keyID == newID)
            let body = { (blob: Data) in
                blob.suffix(from: try #require(blob.range(of: Data("DBCTLBK1".utf8))).lowerBound)
            }
            #expect(try body(after) == body(before))
            #expect(try SealedBlob.open(after, identity: identity, keyRing: reloaded) == plaintext)
            // Rewrapping again under the same current key changes nothing.
            #expect(try SealedBlob.rewrap(after, identity: identity, keyRing: reloaded) == after)

            // Remove the old key from the file by hand, as an operator would after rewrapping everything.
            var json = try #require(
                JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            json["keys"] = (json["keys"] as? [[String: Any]])?.filter { ($0["id"] as? String) != oldID }
            let edited = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
            try CryptoFixtures.writeKeyFile(edited, at: path)
            let pruned = try KeyRing.load(path: path)
            #expect(pruned.keys.map(\.id) == [newID])

            #expect(try SealedBlob.open(after, identity: identity, keyRing: pruned) == plaintext)
            let error = #expect(throws: BackupCryptoError.self) {
                try SealedBlob.open(untouched, identity: "manifests/b.json", keyRing: pruned)
            }
            #expect(error?.code == .unknownKeyID)
            #expect(error?.keyID == oldID)
            #expect(error?.description.contains(oldID) == true)
            #expect(error?.description.contains(path) == true)
            #expect(error?.description.contains("manifests/b.json") == true)
        }
    }

    @Test func rewrapOfAWrappedKey() throws {
        let first = try KeyRing(keys: [KeyEncryptionKey.generate(id: "k1", created: Date())])
        let second = first.rotated()
        let dataKey = KeyRing.newDataKey()
        let wrapped = first.wrap(dataKey, identity: "backups/x/data.mbs")
        let moved = try second.rewrap(wrapped, identity: "backups/x/data.mbs")
        #expect(moved.keyID == second.current.id)
        let opened = try second.removing(keyID: "k1").unwrap(moved, identity: "backups/x/data.mbs")
        #expect(opened.withUnsafeBytes { Data($0) } == dataKey.withUnsafeBytes { Data($0) })
        // The rewrap still checks the identity.
        let error = #expect(throws: BackupCryptoError.self) { try second.rewrap(wrapped, identity: "backups/y") }
        #expect(error?.code == .unwrapFailed)
    }

    @Test func rotatedIDsAreUnique() throws {
        var ring = try KeyRing(keys: [KeyEncryptionKey.generate(id: "k1", created: Date())])
        let now = Date(timeIntervalSince1970: 1_796_205_600)
        for _ in 0..<20 { ring = ring.rotated(now: now) }
        #expect(Set(ring.keys.map(\.id)).count == 21)
        #expect(ring.keys.last?.id.wholeMatch(of: /k21-20261202-[0-9a-f]{6}/) != nil)
        #expect(ring.current.id == ring.keys.last?.id)
    }

    @Test func removingRefusesLastOrUnknownKey() throws {
        let ring = try KeyRing(keys: [KeyEncryptionKey.generate(id: "k1", created: Date())])
        #expect(throws: BackupCryptoError.self) { try ring.removing(keyID: "k1") }
        let error = #expect(throws: BackupCryptoError.self) { try ring.removing(keyID: "k7") }
        #expect(error?.code == .unknownKeyID)
    }

    @Test func saveReplacesAtomicallyWithOwnerOnlyMode() throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let path = dir + "/backup.key"
            try KeyRing.create(path: path)
            #expect(chmod(path, 0o400) == 0)
            var ring = try KeyRing.load(path: path).rotated()
            let previousUmask = umask(0)
            defer { umask(previousUmask) }
            try ring.save(to: path)
            #expect(try CryptoFixtures.fileMode(path) == 0o600)
            let loaded = try KeyRing.load(path: path)
            #expect(loaded.keys.map(\.id) == ring.keys.map(\.id))
            #expect(loaded.keys.map(\.created) == ring.keys.map(\.created))
        }
    }
}
