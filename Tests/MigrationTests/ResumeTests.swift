import Foundation
import MariaDB
import MariaDBTestSupport
import MariaDBServer
import Migration
import Testing

/// `kill -9` the migration at several points; the same command finishes the job; verify finds nothing.
@Suite(.mariaDB) struct ResumeTests {
    static var dbctl: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/dbctl").path
    }

    @Test func killedMigrationResumesToAnIdenticalCopy() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.dbctl) else {
            Issue.record("\(Self.dbctl) missing: build the package (swift build) before running this test")
            return
        }
        let path = try await StorefrontMigrationTests.seededShop(scale: 20_000)
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let target = try TestServer.freshDatabase("resume")
        let passwordFile = NSTemporaryDirectory() + "pw-\(UUID().uuidString.prefix(6))"
        FileManager.default.createFile(atPath: passwordFile, contents: Data((target.password ?? "").utf8), attributes: [.posixPermissions: 0o600])
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        let url = "mysql://\(target.username)@127.0.0.1:\(target.port)/\(target.database!)"
        let arguments = ["migrate", "--source", path, "--target", url, "--password-file", passwordFile, "--execute", "--schema", "generic", "--no-verify"]

        var killed = 0
        for delay in [0.25, 0.5, 0.8, 1.2] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.dbctl)
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killed += 1
            }
            process.waitUntilExit()
        }
        #expect(killed >= 1, "at least one run was killed mid-way")
        // The same command, run to the end, then an independent verification.
        let (status, text) = try ProgramRunner.run(Self.dbctl, arguments)
        #expect(status == 0, "\(text)")
        let (verifyStatus, verifyText) = try ProgramRunner.run(Self.dbctl, ["verify", "--source", path, "--target", url, "--password-file", passwordFile])
        #expect(verifyStatus == 0, "\(verifyText)")
        #expect(verifyText.contains("identical"))
    }
}
