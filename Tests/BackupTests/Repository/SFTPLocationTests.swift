import Backup
import BackupTestSupport
import Foundation
import Testing

/// SFTP failures a backup meets in the field, each against a real sshd: a replaced server, a rejected key,
/// a server that is down or hung.
@Suite struct SFTPLocationTests {
    @Test func aDifferentHostKeyIsRefusedAndSaysSo() async throws {
        try await SFTPServer.run { server in
            let genuine = server.location()
            let impostor = SFTPLocation(
                name: genuine.name, host: genuine.host, port: genuine.port, user: genuine.user,
                identityFile: genuine.identityFile, knownHostsFile: server.wrongKnownHostsFile, path: genuine.path)
            let error = try await #require(throws: LocationError.self) { try await impostor.check() }
            #expect(error.code == .hostKeyMismatch)
            #expect(error.description.contains("127.0.0.1:\(server.port)"))
            #expect(error.description.contains(server.wrongKnownHostsFile))
            #expect(error.message.contains("has changed"))
            let unknown = try server.directory.write("empty_known_hosts", Data())
            let stranger = SFTPLocation(
                name: "offsite", host: "127.0.0.1", port: server.port, user: server.user,
                identityFile: server.identityFile, knownHostsFile: unknown, path: server.dataDirectory)
            let unknownError = try await #require(throws: LocationError.self) { try await stranger.exists("x") }
            #expect(unknownError.code == .hostKeyMismatch)
            #expect(unknownError.message.contains("is known for"))
            try await genuine.check()
        }
    }

    @Test func aKeyTheServerDoesNotKnowIsDenied() async throws {
        try await SFTPServer.run { server in
            // The server's own host key is a valid private key that is not in authorized_keys.
            let location = SFTPLocation(
                name: "offsite", host: "127.0.0.1", port: server.port, user: server.user,
                identityFile: server.directory.file("other_host_key"), knownHostsFile: server.knownHostsFile,
                path: server.dataDirectory)
            let error = try await #require(throws: LocationError.self) {
                try await location.put("a", data: Data("x".utf8))
            }
            #expect(error.code == .denied)
            #expect(error.message.contains("authentication"))
            #expect(error.description.contains("127.0.0.1:\(server.port)"))
        }
    }

    @Test func aStoppedServerIsUnreachableWithinSeconds() async throws {
        try await SFTPServer.run { server in
            try await server.location().put("backups/before", data: Data("1".utf8))
            let location = server.location(connectTimeout: 3)
            await server.halt()
            let started = Date()
            let error = try await #require(throws: LocationError.self) {
                try await location.put("backups/while-down", data: Data("2".utf8))
            }
            #expect(error.code == .unreachable)
            #expect(error.message.contains("Connection refused"))
            #expect(error.description.contains("127.0.0.1:\(server.port)"))
            #expect(Date().timeIntervalSince(started) < 30, "refused, not a hang")
            try await server.restart()
            #expect(try await server.location().get("backups/before") == Data("1".utf8))
        }
    }

    @Test func aHungServerIsUnreachableAfterTheConnectTimeout() async throws {
        try await SFTPServer.run { server in
            let location = server.location(connectTimeout: 2)
            server.pause()
            let started = Date()
            let error = try await #require(throws: LocationError.self) { try await location.list(prefix: "") }
            let elapsed = Date().timeIntervalSince(started)
            server.resume()
            #expect(error.code == .unreachable)
            #expect(elapsed >= 1.5)
            #expect(elapsed < 30, "bounded, not a hang")
            #expect(try await server.location().list(prefix: "").isEmpty)
        }
    }

    @Test func missingKeyFilesAreConfigurationErrors() async throws {
        try await SFTPServer.run { server in
            let noIdentity = SFTPLocation(
                name: "offsite", host: "127.0.0.1", port: server.port, user: server.user,
                identityFile: server.directory.file("no_such_key"), knownHostsFile: server.knownHostsFile,
                path: server.dataDirectory)
            let error = try await #require(throws: LocationError.self) { try await noIdentity.check() }
            #expect(error.code == .invalidConfiguration)
            #expect(error.message.contains("no_such_key"))
            let noKnownHosts = SFTPLocation(
                name: "offsite", host: "127.0.0.1", port: server.port, user: server.user,
                identityFile: server.identityFile, knownHostsFile: server.directory.file("no_known_hosts"),
                path: server.dataDirectory)
            let knownHostsError = try await #require(throws: LocationError.self) { try await noKnownHosts.exists("x") }
            #expect(knownHostsError.code == .invalidConfiguration)
            #expect(knownHostsError.message.contains("no_known_hosts"))
        }
    }

    @Test func uploadsLeaveNoPartialFilesAndListingsSkipThem() async throws {
        try await SFTPServer.run { server in
            let location = server.location(path: "store")
            try await location.put("backups/a/data", data: Data(repeating: 7, count: 1000))
            let remote = server.dataDirectory + "/store/backups/a"
            #expect(try FileManager.default.contentsOfDirectory(atPath: remote) == ["data"])
            // A crashed upload's leftover is not an object.
            _ = FileManager.default.createFile(atPath: remote + "/data2.partial", contents: Data("half".utf8))
            #expect(try await location.list(prefix: "").map(\.key) == ["backups/a/data"])
            #expect(try await location.exists("backups/a/data"))
            try await location.delete("backups/a/data")
            try await location.delete("backups/a/data")
        }
    }
}
