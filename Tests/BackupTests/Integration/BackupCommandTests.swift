import Backup
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Testing

/// `dbctl backup …` as a user runs it: dry runs write nothing, mistakes are one line naming the key, verify's
/// exit code says whether anything is wrong, list speaks JSON.
@Suite(.mariaDB, .serialized) struct BackupCommandTests {
    static var dbctl: String { DbctlProcess.path }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try DbctlProcess.run(arguments)
    }

    @Test func dryRunsWriteNothingAndVerifyExitCodesTell() async throws {
        let server = try TestServer.require()
        try await BackupFixture.with(server: server) { fixture in
            let shop = try TestServer.freshDatabase("cli")
            try await ShopWorkload(configuration: shop).seed(rows: 5)
            let dry = try Self.run(["backup", "full", "--config", fixture.configFile])
            #expect(dry.status == 0, "\(dry.output)")
            #expect(dry.output.contains("✓ privileges: RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR"), "\(dry.output)")
            #expect(dry.output.contains("dry run: nothing was written"), "\(dry.output)")
            let written = (try? FileManager.default.subpathsOfDirectory(atPath: fixture.repository)) ?? []
            #expect(!written.contains { $0.hasPrefix("backups/") }, "a dry run stored \(written)")

            let taken = try Self.run(["backup", "full", "--config", fixture.configFile, "--execute"])
            #expect(taken.status == 0, "\(taken.output)")
            #expect(taken.output.contains("complete in 1 location(s)"), "\(taken.output)")
            let listed = try Self.run(["backup", "list", "--config", fixture.configFile, "--output", "json"])
            let json = try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [String: Any]
            let backups = json?["backups"] as? [[String: Any]] ?? []
            #expect(backups.count == 1 && backups.first?["kind"] as? String == "full", "\(listed.output)")

            let clean = try Self.run(["backup", "verify", "--config", fixture.configFile])
            #expect(clean.status == 0, "\(clean.output)")
            let id = try #require(backups.first?["id"] as? String)
            try TamperTests.flip(fixture.repository + "/backups/\(id)/data.mbs.sealed", at: 100)
            let tampered = try Self.run(["backup", "verify", "--config", fixture.configFile])
            #expect(tampered.status == 1, "\(tampered.output)")
            #expect(tampered.output.contains("backups/\(id)/data.mbs.sealed"), "\(tampered.output)")

            let occupied = fixture.root + "/occupied"
            try FileManager.default.createDirectory(atPath: occupied, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: occupied + "/ibdata1", contents: Data([1]))
            let refused = try Self.run(["backup", "restore", "--config", fixture.configFile, "--to-dir", occupied,
                                        "--execute"])
            #expect(refused.status != 0 && refused.output.contains("is not empty"), "\(refused.output)")
        }
    }

    @Test func aBrokenConfigurationNamesTheKey() throws {
        let file = NSTemporaryDirectory() + "dbctl-\(UUID().uuidString.prefix(6)).yaml"
        try "backup: {work_dir: /tmp/w, key_file: /tmp/k, locations: [{name: a, type: posix, pth: /x}]}\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try Self.run(["backup", "list", "--config", file])
        #expect(result.status != 0)
        #expect(result.output.contains("backup.locations[0].pth: unknown key"), "\(result.output)")
    }
}
