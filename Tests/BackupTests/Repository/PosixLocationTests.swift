import Backup
import BackupTestSupport
import Foundation
import Testing

/// What is particular to a local directory.
@Suite struct PosixLocationTests {
    @Test func aRelativeRootIsRefused() async throws {
        let location = PosixLocation(name: "local", path: "backups")
        let error = try await #require(throws: LocationError.self) { try await location.put("a", data: Data()) }
        #expect(error.code == .invalidConfiguration)
        #expect(error.description.contains("backups"))
    }

    @Test func directoriesArePrivateAndEmptyOnesGoWithTheirLastObject() async throws {
        let directory = try TemporaryDirectory("posix-location")
        defer { directory.remove() }
        let location = PosixLocation(name: "local", path: directory.path + "/store/")
        try await location.put("backups/20261202T0100Z-full/manifest.json", data: Data("{}".utf8))
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.path + "/store/backups")
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        let file = try FileManager.default.attributesOfItem(
            atPath: directory.path + "/store/backups/20261202T0100Z-full/manifest.json")
        #expect((file[.posixPermissions] as? Int) == 0o600)
        try await location.put("catalog.json", data: Data("[]".utf8))
        try await location.delete("backups/20261202T0100Z-full/manifest.json")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/store/backups"))
        #expect(FileManager.default.fileExists(atPath: directory.path + "/store"))
    }

    @Test func leftoversOfInterruptedUploadsAreNotObjects() async throws {
        let directory = try TemporaryDirectory("posix-location")
        defer { directory.remove() }
        let location = PosixLocation(name: "local", path: directory.path)
        try await location.put("backups/a", data: Data("a".utf8))
        _ = FileManager.default.createFile(atPath: directory.path + "/backups/b.partial", contents: Data("half".utf8))
        #expect(try await location.list(prefix: "").map(\.key) == ["backups/a"])
    }

    @Test func aKeyBelowAnObjectIsRefusedClearly() async throws {
        let directory = try TemporaryDirectory("posix-location")
        defer { directory.remove() }
        let location = PosixLocation(name: "local", path: directory.path)
        try await location.put("backups", data: Data("a file".utf8))
        let error = try await #require(throws: LocationError.self) {
            try await location.put("backups/x", data: Data("x".utf8))
        }
        #expect(error.code == .invalidKey)
        #expect(error.message.contains("backups"))
    }

    @Test func aMissingSourceFileIsALocalError() async throws {
        let directory = try TemporaryDirectory("posix-location")
        defer { directory.remove() }
        let location = PosixLocation(name: "local", path: directory.path + "/store")
        let error = try await #require(throws: LocationError.self) {
            try await location.put("x", fromFile: directory.path + "/absent")
        }
        #expect(error.code == .io)
        #expect(error.message.contains("absent"))
        #expect(try await location.list(prefix: "").isEmpty)
    }
}
