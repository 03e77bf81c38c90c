import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Migration
import Testing

/// `dbctl migrate` as a user runs it: dry run by default, named checks, exit codes, nothing written
/// unless `--execute` and every check passed.
@Suite(.mariaDB) struct CommandLineTests {
    func dbctl(_ arguments: [String]) throws -> (Int32, String) {
        guard FileManager.default.isExecutableFile(atPath: ResumeTests.dbctl) else {
            throw MigrationError("\(ResumeTests.dbctl) missing: build the package (swift build) first")
        }
        return try ProgramRunner.run(ResumeTests.dbctl, arguments)
    }

    func targetArguments(_ target: MariaDBConfiguration, directory: String) throws -> [String] {
        let passwordFile = directory + "/pw"
        #expect(FileManager.default.createFile(atPath: passwordFile, contents: Data((target.password ?? "").utf8), attributes: [.posixPermissions: 0o600]))
        return ["--target", "mysql://\(target.username)@127.0.0.1:\(target.port)/\(target.database!)", "--password-file", passwordFile]
    }

    func tableCount(_ target: MariaDBConfiguration) throws -> Int {
        try query(target, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")[0].decode(0, as: Int.self)
    }

    @Test func dryRunPrintsThePlanAndWritesNothing() throws {
        let fixture = try SQLiteFixture("""
            CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, price DECIMAL(8,2));
            INSERT INTO items VALUES (1, 'Füller', 12.5);
            """)
        defer { fixture.remove() }
        let directory = NSTemporaryDirectory() + "cli-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let target = try TestServer.freshDatabase("cli")
        let planFile = directory + "/plan.json"
        let (status, output) = try dbctl(["migrate", "--source", fixture.path, "--write-plan", planFile] + targetArguments(target, directory: directory))
        #expect(status == 0, "\(output)")
        #expect(output.contains("✓ source.integrity_check: ok"))
        #expect(output.contains("price: DECIMAL(8,2) → DECIMAL(8,2)"))
        #expect(output.contains("CREATE TABLE `items`"))
        #expect(output.contains("dry run: nothing was written"))
        #expect(try tableCount(target) == 0)
        // The reviewed plan, fed back, is what --execute applies.
        let (executed, executedOutput) = try dbctl(["migrate", "--source", fixture.path, "--plan-file", planFile, "--execute"] + targetArguments(target, directory: directory))
        #expect(executed == 0, "\(executedOutput)")
        #expect(executedOutput.contains("verify: identical"))
        #expect(try query(target, "SELECT price FROM items")[0].decode(0, as: MariaDBDecimal.self).text == "12.50")
    }

    @Test func aFailedCheckBlocksExecuteAndSaysWhatToDo() throws {
        let fixture = try SQLiteFixture("""
            PRAGMA foreign_keys = OFF;
            CREATE TABLE a (id INTEGER PRIMARY KEY);
            CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id));
            INSERT INTO b VALUES (1, 42);
            """)
        defer { fixture.remove() }
        let directory = NSTemporaryDirectory() + "cli-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let target = try TestServer.freshDatabase("cli")
        let (dry, dryOutput) = try dbctl(["migrate", "--source", fixture.path] + targetArguments(target, directory: directory))
        #expect(dry == 2)
        #expect(dryOutput.contains("✗ source.foreign_key_check: 1 orphaned row(s): b: 1 row(s) → a"))
        #expect(dryOutput.contains("--on-orphan"))
        let (run, runOutput) = try dbctl(["migrate", "--source", fixture.path, "--execute"] + targetArguments(target, directory: directory))
        #expect(run != 0)
        #expect(runOutput.contains("nothing was written"), "\(runOutput)")
        #expect(runOutput.contains("b id=1 → a id=42"), "\(runOutput)")
        // Into one pipe, the error comes after the checks it follows (standard output is flushed first).
        let lines = runOutput.split(separator: "\n").map(String.init)
        let errorLine = try #require(lines.firstIndex { $0.contains("nothing was written") })
        let checkLine = try #require(lines.firstIndex { $0.contains("source.foreign_key_check") })
        #expect(checkLine < errorLine, "\(runOutput)")
        #expect(try tableCount(target) == 0)
        // A password never reaches the output.
        #expect(!runOutput.contains(target.password ?? "no-password"))
    }
}
