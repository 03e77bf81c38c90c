@testable import Backup
import BackupTestSupport
import Foundation
import Testing

/// A stored object whose bytes no longer match its stored checksum (bit rot, tampering, a faulty proxy) is
/// refused on download. moto keeps the checksum it is given without checking it, which lets the test store
/// such an object.
@Suite struct S3IntegrityTests {
    @Test func aDownloadThatDoesNotMatchTheStoredChecksumIsRefused() async throws {
        try await S3Server.run { server in
            let scratch = try TemporaryDirectory("s3-integrity")
            defer { scratch.remove() }
            let location = server.location()
            let claimed = Data("the bytes the checksum was computed over".utf8)
            let stored = Data("other bytes that were stored instead!!!!".utf8)
            try await location.putObject(
                "backups/tampered", objectKey: "backups/tampered", payload: .data(stored, digest: S3Digest(claimed)))
            let error = try await #require(throws: LocationError.self) { try await location.get("backups/tampered") }
            #expect(error.code == .integrity)
            #expect(error.description.contains("backups/tampered"))
            let destination = scratch.file("restored")
            await #expect(throws: LocationError.self) {
                try await location.get("backups/tampered", toFile: destination)
            }
            #expect(!FileManager.default.fileExists(atPath: destination))
            #expect(!FileManager.default.fileExists(atPath: destination + ".partial"))
            try await location.put("backups/intact", data: stored)
            #expect(try await location.get("backups/intact") == stored)
        }
    }
}
