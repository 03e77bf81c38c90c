@testable import Backup
@preconcurrency import Crypto
import Foundation
import Testing

@Suite struct KeyRingEnvelopeTests {
    let start = Date(timeIntervalSince1970: 1_796_205_600)  // 2026-12-02T10:00:00Z

    func ring(path: String? = "/etc/dbctl/backup.key") throws -> KeyRing {
        try KeyRing(keys: [KeyEncryptionKey.generate(id: "k1-20261202", created: start)], path: path)
    }

    func bytes(_ key: SymmetricKey) -> Data { key.withUnsafeBytes { Data($0) } }

    @Test func wrapUnwrap() throws {
        let ring = try ring()
        let dataKey = KeyRing.newDataKey()
        let wrapped = ring.wrap(dataKey, identity: "backups/a/data.mbs")
        #expect(wrapped.keyID == "k1-20261202")
        #expect(wrapped.sealed.count == 12 + 32 + 16)
        #expect(wrapped.sealed.range(of: bytes(dataKey)) == nil)
        #expect(bytes(try ring.unwrap(wrapped, identity: "backups/a/data.mbs")) == bytes(dataKey))
        // A fresh nonce each time.
        #expect(ring.wrap(dataKey, identity: "backups/a/data.mbs") != wrapped)
    }

    @Test func wrapUsesDocumentedAssociatedData() throws {
        let kek = KeyEncryptionKey.generate(id: "k9", created: start)
        let ring = try KeyRing(keys: [kek])
        let dataKey = KeyRing.newDataKey()
        let wrapped = ring.wrap(dataKey, identity: "obj")
        let box = try AES.GCM.SealedBox(combined: wrapped.sealed)
        let opened = try AES.GCM.open(box, using: kek.material, authenticating: Data("dbctl-backup-key-v1|k9|obj".utf8))
        #expect(opened == bytes(dataKey))
    }

    @Test func unknownKeyIDNamesIDAndFile() throws {
        let ring = try ring()
        let wrapped = WrappedKey(keyID: "k0-20250101", sealed: Data(count: 60))
        let error = #expect(throws: BackupCryptoError.self) { try ring.unwrap(wrapped, identity: "backups/a") }
        #expect(error?.code == .unknownKeyID)
        #expect(error?.keyID == "k0-20250101")
        #expect(error?.description.contains("k0-20250101") == true)
        #expect(error?.description.contains("/etc/dbctl/backup.key") == true)
        #expect(error?.description.contains("backups/a") == true)
    }

    @Test func wrongIdentityOrTamperNamesIdentity() throws {
        let ring = try ring()
        let wrapped = ring.wrap(KeyRing.newDataKey(), identity: "backups/a/data.mbs")
        let other = #expect(throws: BackupCryptoError.self) {
            try ring.unwrap(wrapped, identity: "backups/b/data.mbs")
        }
        #expect(other?.code == .unwrapFailed)
        #expect(other?.description.contains("backups/b/data.mbs") == true)

        for index in [0, 20, 59] {
            var sealed = wrapped.sealed
            sealed[index] ^= 0x80
            let tampered = #expect(throws: BackupCryptoError.self) {
                try ring.unwrap(WrappedKey(keyID: wrapped.keyID, sealed: sealed), identity: "backups/a/data.mbs")
            }
            #expect(tampered?.code == .unwrapFailed)
            #expect(tampered?.identity == "backups/a/data.mbs")
        }
        let short = #expect(throws: BackupCryptoError.self) {
            try ring.unwrap(WrappedKey(keyID: wrapped.keyID, sealed: Data(count: 5)), identity: "x")
        }
        #expect(short?.code == .unwrapFailed)
    }

    @Test func wrappedKeyJSON() throws {
        let ring = try ring()
        let wrapped = ring.wrap(KeyRing.newDataKey(), identity: "x")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(wrapped)) as? [String: String]
        #expect(json?["keyID"] == "k1-20261202")
        #expect(json?["sealed"] == wrapped.sealed.base64EncodedString())
        #expect(try JSONDecoder().decode(WrappedKey.self, from: JSONEncoder().encode(wrapped)) == wrapped)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(WrappedKey.self, from: Data(#"{"keyID": "k", "sealed": "*"}"#.utf8))
        }
    }

    @Test func currentSkipsRetiredKeys() throws {
        let day: TimeInterval = 86_400
        let ring = try KeyRing(keys: [
            KeyEncryptionKey.generate(id: "k1", created: start),
            KeyEncryptionKey.generate(id: "k2", created: start + day, retireAfter: start + 30 * day),
        ])
        #expect(ring.current(at: start + 2 * day).id == "k2")
        #expect(ring.current(at: start + 30 * day).id == "k1")
        #expect(ring.retiredCurrentKey(at: start + 30 * day) == nil)

        let allRetired = try KeyRing(keys: [
            KeyEncryptionKey.generate(id: "k1", created: start, retireAfter: start + day),
            KeyEncryptionKey.generate(id: "k2", created: start, retireAfter: start + 2 * day),
        ])
        #expect(allRetired.current(at: start + 3 * day).id == "k2")
        #expect(allRetired.retiredCurrentKey(at: start + 3 * day)?.id == "k2")
        // A retired key still unwraps what it wrapped.
        let wrapped = allRetired.wrap(KeyRing.newDataKey(), identity: "x")
        #expect(throws: Never.self) { try allRetired.unwrap(wrapped, identity: "x") }
    }

    @Test func keysExpiringSoon() throws {
        let day: TimeInterval = 86_400
        let ring = try KeyRing(keys: [
            KeyEncryptionKey.generate(id: "past", created: start, retireAfter: start - day),
            KeyEncryptionKey.generate(id: "soon", created: start, retireAfter: start + 5 * day),
            KeyEncryptionKey.generate(id: "sooner", created: start, retireAfter: start + 2 * day),
            KeyEncryptionKey.generate(id: "later", created: start, retireAfter: start + 60 * day),
            KeyEncryptionKey.generate(id: "never", created: start),
        ])
        #expect(ring.keysExpiringSoon(within: 14 * day, now: start).map(\.id) == ["sooner", "soon"])
        #expect(ring.keysExpiringSoon(within: 90 * day, now: start).map(\.id) == ["sooner", "soon", "later"])
        #expect(ring.keysExpiringSoon(within: day, now: start).isEmpty)
    }

    @Test func ringRefusesEmptyAndDuplicates() throws {
        #expect(throws: BackupCryptoError.self) { try KeyRing(keys: []) }
        let key = KeyEncryptionKey.generate(id: "k1", created: start)
        let error = #expect(throws: BackupCryptoError.self) { try KeyRing(keys: [key, key]) }
        #expect(error?.code == .duplicateKeyID)
        #expect(throws: BackupCryptoError.self) {
            try KeyEncryptionKey(id: "k", created: start, material: SymmetricKey(size: .bits128))
        }
    }
}
