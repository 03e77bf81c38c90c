import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Migration
import Testing

/// What `dbctl migrate` and `dbctl verify` say about views, triggers and generated columns.
@Suite(.mariaDB) struct CommandLineSchemaObjectTests {
    let cli = CommandLineTests()

    @Test func theCommandLineNamesWhatIsNotCarriedOverAndVerifyCatchesAChangedView() throws {
        let fixture = try SQLiteFixture("""
            CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, v, up TEXT AS (upper(name)) VIRTUAL);
            INSERT INTO t (id, name, v) VALUES (1, 'pen', 1), (2, 'ink', 'x');
            CREATE VIEW named AS SELECT id, name || '!' AS shout FROM t;
            CREATE VIEW kinds AS SELECT id, typeof(v) AS kind FROM t;
            """)
        defer { fixture.remove() }
        let directory = NSTemporaryDirectory() + "cli-so-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let target = try TestServer.freshDatabase("clis")
        let arguments = try cli.targetArguments(target, directory: directory)

        let (dry, dryOutput) = try cli.dbctl(["migrate", "--source", fixture.path] + arguments)
        #expect(dry == 2, "\(dryOutput)")
        #expect(dryOutput.contains("✗ source.views: 1 of 2 view(s) translated; cannot be translated: kinds (typeof()"))
        #expect(dryOutput.contains("--skip-untranslated"))
        #expect(dryOutput.contains("`up` TEXT COLLATE utf8mb4_bin GENERATED ALWAYS AS (UPPER(`name`)) VIRTUAL"))
        #expect(dryOutput.contains("AS SELECT `id`, CONCAT(`name`, '!') AS `shout` FROM `t`"))
        #expect(dryOutput.contains("-- not carried over: view kinds: typeof()"))

        let (refused, refusedOutput) = try cli.dbctl(["migrate", "--source", fixture.path, "--execute"] + arguments)
        #expect(refused != 0)
        #expect(refusedOutput.contains("nothing was written"), "\(refusedOutput)")
        #expect(try cli.tableCount(target) == 0)

        let report = directory + "/report.json"
        let (run, runOutput) = try cli.dbctl(
            ["migrate", "--source", fixture.path, "--execute", "--skip-untranslated", "--report", report] + arguments)
        #expect(run == 0, "\(runOutput)")
        #expect(runOutput.contains("created view named"))
        #expect(runOutput.contains("NOT carried over: view kinds: typeof(): MariaDB columns have one type"))
        #expect(runOutput.contains("verify: identical — 1 view(s), generated columns of 1 table(s)"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
        let objects = json?["schemaObjects"] as? [[String: Any]] ?? []
        #expect(objects.contains { $0["name"] as? String == "kinds" && $0["status"] as? String == "not_carried_over" })
        #expect(objects.contains { $0["name"] as? String == "t.up" && $0["status"] as? String == "created" })

        // `dbctl verify` compares the views too: a changed view makes it fail, naming the view.
        let connection = try BlockingConnection.connect(target)
        try connection.execute("CREATE OR REPLACE VIEW named AS SELECT id, CONCAT(name, '?') AS shout FROM t")
        connection.close()
        let (verify, verifyOutput) = try cli.dbctl(["verify", "--source", fixture.path] + arguments)
        #expect(verify == 3, "\(verifyOutput)")
        #expect(verifyOutput.contains("view named: source 2 rows, target 2"))
    }
}
