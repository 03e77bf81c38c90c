@testable import Backup
@preconcurrency import Crypto
import Foundation
import Testing

@Suite struct KeyRingFileTests {
    func keyFile(_ entries: [(id: String, key: String)]) -> String {
        let lines = entries.map {
            "{\"id\": \"\($0.id)\", \"created\": \"2026-12-02T10:00:00Z\", \"retire_after\": null, "
                + "\"key\": \"\($0.key)\"}"
        }
        return "{\"keys\": [\n" + lines.joined(separator: ",\n") + "\n]}\n"
    }

    func base64Key() -> String { CryptoFixtures.base64Key() }

    func loadError(_ path: String) -> BackupCryptoError? {
        do {
            _ = try KeyRing.load(path: path)
            Issue.record("loaded \(path)")
            return nil
        } catch let error as BackupCryptoError {
            #expect(error.description.contains(path), "\(error)")
            #expect(!error.description.contains("\n"))
            return error
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test func createThenLoad() throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let path = dir + "/backup.key"
            let created = try KeyRing.create(path: path, now: Date(timeIntervalSince1970: 1_796_205_600))
            #expect(try CryptoFixtures.fileMode(path) == 0o600)
            #expect(created.keys.count == 1)
            #expect(created.keys[0].id.hasPrefix("k1-20261202-"))
            let loaded = try KeyRing.load(path: path)
            #expect(loaded.keys.map(\.id) == created.keys.map(\.id))
            #expect(loaded.current.id == created.current.id)
            #expect(loaded.keys[0].created == created.keys[0].created)
            #expect(loaded.path == path)
            // Same key material: a wrap made with one ring opens with the other.
            let dataKey = KeyRing.newDataKey()
            let wrapped = created.wrap(dataKey, identity: "x")
            let unwrapped = try loaded.unwrap(wrapped, identity: "x")
            #expect(unwrapped.withUnsafeBytes { Data($0) } == dataKey.withUnsafeBytes { Data($0) })
            // Only the key file is left: the temporary file was renamed or removed.
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["backup.key"])
        }
    }

    @Test func createRefusesExistingFile() throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let path = dir + "/backup.key"
            try KeyRing.create(path: path)
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            let error = #expect(throws: BackupCryptoError.self) { try KeyRing.create(path: path) }
            #expect(error?.code == .keyFileExists)
            #expect(error?.description.contains(path) == true)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["backup.key"])
        }
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o606, 0o666, 0o620])
    func refusesGroupOrOtherAccess(mode: Int) throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let path = dir + "/backup.key"
            try CryptoFixtures.writeKeyFile(keyFile([("k1", base64Key())]), at: path, mode: mode_t(mode))
            let error = try #require(loadError(path))
            #expect(error.code == .keyFilePermissions)
            #expect(error.description.contains("0" + String(mode, radix: 8)), "\(error)")
            #expect(error.description.contains("chmod 600 \(path)"), "\(error)")
        }
    }

    @Test(arguments: [0o600, 0o400])
    func acceptsOwnerOnly(mode: Int) throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let path = dir + "/backup.key"
            try CryptoFixtures.writeKeyFile(keyFile([("k1", base64Key())]), at: path, mode: mode_t(mode))
            #expect(try KeyRing.load(path: path).current.id == "k1")
        }
    }

    @Test func missingFile() throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let error = try #require(loadError(dir + "/absent.key"))
            #expect(error.code == .keyFileMissing)
        }
    }

    @Test func notARegularFile() throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let path = dir + "/keys"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            chmod(path, 0o700)
            #expect(try #require(loadError(path)).code == .keyFileNotRegular)
            let fifo = dir + "/fifo"
            #expect(mkfifo(fifo, 0o600) == 0)
            // Opened without blocking for a writer, then refused.
            #expect(try #require(loadError(fifo)).code == .keyFileNotRegular)
        }
    }

    @Test func malformedJSONSaysWhere() throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let path = dir + "/backup.key"
            let secret = base64Key()
            try CryptoFixtures.writeKeyFile("{\"keys\": [\n  {\"id\": \"k1\" \"key\": \"\(secret)\"}\n]}", at: path)
            let error = try #require(loadError(path))
            #expect(error.code == .keyFileMalformed)
            #expect(error.description.contains("line 2"), "\(error)")
            #expect(!error.description.contains(secret))
        }
    }

    @Test func malformedStructureSaysWhere() throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let path = dir + "/backup.key"
            let cases: [(String, String)] = [
                ("[]", "top level"),
                ("{}", "\"keys\""),
                ("{\"keys\": {}}", "\"keys\" is not an array"),
                ("{\"keys\": []}", "no keys"),
                ("{\"keys\": [{\"id\": \"k1\", \"created\": \"2026-12-02T10:00:00Z\", \"key\": \"\(base64Key())\"},"
                    + " {\"id\": \"k2\", \"created\": \"2026-12-02T10:00:00Z\"}]}", "keys[1].key"),
                ("{\"keys\": [{\"id\": \"k1\", \"created\": \"yesterday\", \"key\": \"\(base64Key())\"}]}",
                 "keys[0].created"),
                ("{\"keys\": [{\"id\": \"k1\", \"created\": \"2026-12-02T10:00:00Z\", \"retire_after\": 5, "
                    + "\"key\": \"\(base64Key())\"}]}", "keys[0].retire_after"),
                ("{\"keys\": [{\"id\": 7, \"created\": \"2026-12-02T10:00:00Z\", \"key\": \"\(base64Key())\"}]}",
                 "keys[0].id"),
                ("", "not valid JSON"),
            ]
            for (text, expected) in cases {
                try CryptoFixtures.writeKeyFile(text, at: path)
                let error = try #require(loadError(path))
                #expect(error.code == .keyFileMalformed, "\(text)")
                #expect(error.description.contains(expected), "\(error)")
            }
        }
    }

    @Test func wrongKeyLengthNamesTheKey() throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let path = dir + "/backup.key"
            let short = Data(repeating: 7, count: 16).base64EncodedString()
            try CryptoFixtures.writeKeyFile(keyFile([("k1-good", base64Key()), ("k2-short", short)]), at: path)
            let error = try #require(loadError(path))
            #expect(error.code == .keyInvalid)
            #expect(error.keyID == "k2-short")
            #expect(error.description.contains("k2-short"))
            #expect(error.description.contains("16 bytes"))
            #expect(!error.description.contains(short))

            try CryptoFixtures.writeKeyFile(keyFile([("k3-text", "not*base64")]), at: path)
            let text = try #require(loadError(path))
            #expect(text.code == .keyInvalid)
            #expect(text.description.contains("k3-text"))
            #expect(!text.description.contains("not*base64"))
        }
    }

    @Test func duplicateIDs() throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let path = dir + "/backup.key"
            let entries = [("k1", base64Key()), ("k2", base64Key()), ("k1", base64Key())]
            try CryptoFixtures.writeKeyFile(keyFile(entries), at: path)
            let error = try #require(loadError(path))
            #expect(error.code == .duplicateKeyID)
            #expect(error.description.contains("k1"))
        }
    }

    @Test func documentedFormatLoads() throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let path = dir + "/backup.key"
            let text = """
                {"keys": [
                  {"id": "k1-20261202", "created": "2026-12-02T10:00:00Z", "retire_after": "2027-06-01T00:00:00Z",
                   "key": "\(base64Key())"},
                  {"id": "k2-20270601", "created": "2027-06-01T00:00:00.250Z", "retire_after": null,
                   "key": "\(base64Key())"}
                ]}
                """
            try CryptoFixtures.writeKeyFile(text, at: path, mode: 0o400)
            let ring = try KeyRing.load(path: path)
            #expect(ring.keys.map(\.id) == ["k1-20261202", "k2-20270601"])
            #expect(ring.keys[0].retireAfter == Date(timeIntervalSince1970: 1_811_808_000))
            #expect(ring.keys[1].retireAfter == nil)
            #expect(ring.current.id == "k2-20270601")
        }
    }

    @Test func keyMaterialNeverPrinted() throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let path = dir + "/backup.key"
            var ring = try KeyRing.create(path: path)
            ring = ring.rotated()
            try ring.save(to: path)
            let file = try String(contentsOfFile: path, encoding: .utf8)
            let secrets = ring.keys.map { $0.material.withUnsafeBytes { Data($0) } }
            for secret in secrets {
                #expect(file.contains(secret.base64EncodedString()))
            }
            var dumped = ""
            dump(ring, to: &dumped)
            let texts = [
                ring.description, ring.debugDescription, String(describing: ring), String(reflecting: ring),
                "\(ring.keys)", String(reflecting: ring.keys[0]), dumped,
            ]
            for text in texts {
                for secret in secrets {
                    #expect(!text.contains(secret.base64EncodedString()), "\(text)")
                    let hex = secret.map { String(format: "%02x", $0) }.joined()
                    #expect(!text.contains(hex))
                }
                #expect(text.contains(ring.keys[0].id))
            }
        }
    }
}
