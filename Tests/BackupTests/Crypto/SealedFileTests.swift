@testable import Backup
@preconcurrency import Crypto
import Foundation
import Testing

@Suite struct SealedFileTests {
    let identity = "backups/20261202T0100Z-full/data.mbs"

    func handle(reading path: String) throws -> FileHandle {
        try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    }

    func handle(writing path: String) throws -> FileHandle {
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        return try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    func encryptFile(_ source: String, to sealed: String, key: SymmetricKey, chunkSize: Int = 1 << 20) throws
        -> SealedSummary
    {
        let input = try handle(reading: source)
        let output = try handle(writing: sealed)
        defer {
            try? input.close()
            try? output.close()
        }
        return try SealedFile.encrypt(input: input, output: output, dataKey: key, identity: identity,
                                      chunkSize: chunkSize)
    }

    func decryptFile(_ sealed: String, to plain: String, key: SymmetricKey, identity: String? = nil) throws
        -> SealedSummary
    {
        let input = try handle(reading: sealed)
        let output = try handle(writing: plain)
        defer {
            try? input.close()
            try? output.close()
        }
        return try SealedFile.decrypt(input: input, output: output, dataKey: key, identity: identity ?? self.identity)
    }

    @Test(arguments: [(0, 1 << 20), (1, 1 << 20), (3 << 20, 1 << 20), ((9 << 20) + 17, 1 << 20),
                      ((1 << 20) + 5, 4096), (200_000, 1)])
    func fileRoundTrip(size: Int, chunkSize: Int) throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let plaintext = CryptoFixtures.pseudoRandomBytes(size, seed: UInt64(size))
            try plaintext.write(to: URL(fileURLWithPath: dir + "/plain"))
            let key = KeyRing.newDataKey()
            let sealedSummary = try encryptFile(dir + "/plain", to: dir + "/sealed", key: key, chunkSize: chunkSize)
            let sealed = try Data(contentsOf: URL(fileURLWithPath: dir + "/sealed"))
            #expect(sealedSummary.plainBytes == Int64(size))
            #expect(sealedSummary.cipherBytes == Int64(sealed.count))
            #expect(sealedSummary.plainSHA256 == CryptoFixtures.sha256Hex(plaintext))
            #expect(sealedSummary.cipherSHA256 == CryptoFixtures.sha256Hex(sealed))
            // The file format is the stream format: the in-memory reader opens it.
            #expect(try CryptoFixtures.open(sealed, key: key, identity: identity).get() == plaintext)

            let openedSummary = try decryptFile(dir + "/sealed", to: dir + "/opened", key: key)
            #expect(openedSummary == sealedSummary)
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/opened")) == plaintext)
        }
    }

    /// The backup stream comes from `mariadb-backup --stream` through a pipe; here `cat` plays that part.
    @Test func encryptsFromASubprocessPipe() throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let plaintext = CryptoFixtures.pseudoRandomBytes((5 << 20) + 333)
            try plaintext.write(to: URL(fileURLWithPath: dir + "/stream"))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/cat")
            process.arguments = [dir + "/stream"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            defer { if process.isRunning { process.terminate() } }

            let key = KeyRing.newDataKey()
            let output = try handle(writing: dir + "/sealed")
            defer { try? output.close() }
            let summary = try SealedFile.encrypt(
                input: pipe.fileHandleForReading, output: output, dataKey: key, identity: identity)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            #expect(summary.plainBytes == Int64(plaintext.count))
            #expect(summary.plainSHA256 == CryptoFixtures.sha256Hex(plaintext))
            let sealed = try Data(contentsOf: URL(fileURLWithPath: dir + "/sealed"))
            #expect(summary.cipherSHA256 == CryptoFixtures.sha256Hex(sealed))
            #expect(try CryptoFixtures.open(sealed, key: key, identity: identity).get() == plaintext)
        }
    }

    /// Short, irregular writes into a pipe: the reader side sees partial reads.
    @Test func encryptsFromAPipeWithShortWrites() throws {
        let plaintext = CryptoFixtures.pseudoRandomBytes(700_001)
        let pipe = Pipe()
        let writer = Thread {
            var offset = 0
            var step = 1
            while offset < plaintext.count {
                let end = min(offset + step, plaintext.count)
                pipe.fileHandleForWriting.write(plaintext[offset..<end])
                offset = end
                step = step * 7 % 65_521 + 1
            }
            try? pipe.fileHandleForWriting.close()
        }
        writer.start()
        try CryptoFixtures.withTemporaryDirectory { dir in
            let key = KeyRing.newDataKey()
            let output = try handle(writing: dir + "/sealed")
            defer { try? output.close() }
            let summary = try SealedFile.encrypt(
                input: pipe.fileHandleForReading, output: output, dataKey: key, identity: identity, chunkSize: 65_536)
            #expect(summary.plainBytes == Int64(plaintext.count))
            let sealed = try Data(contentsOf: URL(fileURLWithPath: dir + "/sealed"))
            #expect(try CryptoFixtures.open(sealed, key: key, identity: identity).get() == plaintext)
        }
    }

    @Test func decryptDetectsDamage() throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            let plaintext = CryptoFixtures.pseudoRandomBytes((2 << 20) + 10)
            try plaintext.write(to: URL(fileURLWithPath: dir + "/plain"))
            let key = KeyRing.newDataKey()
            _ = try encryptFile(dir + "/plain", to: dir + "/sealed", key: key)
            let sealed = try Data(contentsOf: URL(fileURLWithPath: dir + "/sealed"))

            let other = #expect(throws: BackupCryptoError.self) {
                try decryptFile(dir + "/sealed", to: dir + "/opened", key: key, identity: "backups/other/data.mbs")
            }
            #expect(other?.code == .headerAuthenticationFailed)

            var damaged = sealed
            damaged[62 + (1 << 20) + 16 + 100] ^= 0x10
            try damaged.write(to: URL(fileURLWithPath: dir + "/tampered"))
            let tampered = #expect(throws: BackupCryptoError.self) {
                try decryptFile(dir + "/tampered", to: dir + "/opened", key: key)
            }
            #expect(tampered?.code == .chunkAuthenticationFailed)
            #expect(tampered?.chunkIndex == 1)

            try sealed.prefix(62 + 2 * ((1 << 20) + 16)).write(to: URL(fileURLWithPath: dir + "/truncated"))
            let truncated = #expect(throws: BackupCryptoError.self) {
                try decryptFile(dir + "/truncated", to: dir + "/opened", key: key)
            }
            #expect(truncated?.code == .truncated)
        }
    }

    /// A failed write must not wait for a producer that has stopped writing but keeps its pipe open.
    @Test(.timeLimit(.minutes(1))) func outputFailureDoesNotWaitForAStalledProducer() throws {
        let pipe = Pipe()
        let release = DispatchSemaphore(value: 0)
        let producer = Thread {
            pipe.fileHandleForWriting.write(CryptoFixtures.pseudoRandomBytes(5 << 20))
            release.wait()
            try? pipe.fileHandleForWriting.close()
        }
        producer.start()
        defer { release.signal() }
        try CryptoFixtures.withTemporaryDirectory { dir in
            try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/readonly"))
            let output = try handle(reading: dir + "/readonly")
            defer { try? output.close() }
            let started = Date()
            let error = #expect(throws: BackupCryptoError.self) {
                try SealedFile.encrypt(
                    input: pipe.fileHandleForReading, output: output, dataKey: KeyRing.newDataKey(), identity: identity)
            }
            #expect(error?.code == .io)
            #expect(Date().timeIntervalSince(started) < 30, "bounded, not a hang")
        }
    }

    @Test func ioErrorsNameTheIdentity() throws {
        try CryptoFixtures.withTemporaryDirectory { dir in
            try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/plain"))
            let input = try handle(reading: dir + "/plain")
            // A read-only handle as output: write(2) fails with EBADF.
            let output = try handle(reading: dir + "/plain")
            defer {
                try? input.close()
                try? output.close()
            }
            let error = #expect(throws: BackupCryptoError.self) {
                try SealedFile.encrypt(input: input, output: output, dataKey: KeyRing.newDataKey(), identity: identity)
            }
            #expect(error?.code == .io)
            #expect(error?.description.contains(identity) == true)
        }
    }
}
