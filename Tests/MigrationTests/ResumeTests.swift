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

/// Inside one table: batches commit with their checkpoint, a failed run leaves whole batches, and the next
/// run continues after the last committed key.
@Suite(.mariaDB) struct BatchResumeTests {
    @Test func aStoppedRunResumesInsideTheTableFromTheLastCommittedBatch() throws {
        let fixture = try SQLiteFixture("""
            CREATE TABLE readings (id INTEGER PRIMARY KEY, value REAL, note TEXT);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 35000)
            INSERT INTO readings SELECT i, CASE WHEN i = 25000 THEN 1e999 ELSE i * 0.5 END, 'r' || i FROM n;
            """)
        defer { fixture.remove() }
        let target = try TestServer.freshDatabase("batch")
        var session = MigrationSession(sourcePath: fixture.path, target: target)
        session.schema = .generic
        var options = MigrationOptions()
        options.batchRows = 10_000
        let inspection = try session.inspect()
        // First run stops at the infinite value in row 25,000: batches 1–2 are committed, batch 3 is not.
        let error = try #require(throws: MigrationError.self) {
            _ = try session.execute(inspection, options: options, reporter: ProgressReporter(enabled: false))
        }
        #expect(error.description.contains("primary key id=25000"))
        #expect(try query(target, "SELECT COUNT(*), MAX(id) FROM readings").first.map { [try $0.decode(0, as: Int.self), try $0.decode(1, as: Int.self)] } == [20_000, 20_000])
        #expect(try query(target, "SELECT status, rows_copied FROM _dbctl_migration WHERE table_name = 'readings'").first.map { try $0.decode(1, as: String.self) } == "20000|20000")
        // The next run (bad rows set aside this time) continues after id 20,000 and finishes verified.
        let file = NSTemporaryDirectory() + "batch-q-\(UUID().uuidString.prefix(6)).jsonl"
        defer { try? FileManager.default.removeItem(atPath: file) }
        options.badRows = .quarantine
        options.quarantinePath = file
        let report = try session.execute(try session.inspect(), options: options, reporter: ProgressReporter(enabled: false))
        #expect(report.copy?.tables.first?.rows == 14_999)
        #expect(report.copy?.quarantined == 1)
        #expect(report.verified, "\(report.text)")
        #expect(try query(target, "SELECT COUNT(*) FROM readings")[0].decode(0, as: Int.self) == 34_999)
    }
}
