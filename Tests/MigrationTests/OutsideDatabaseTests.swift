import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Migration
import Testing

/// SQLite files nobody here wrote: Datasette's own test fixtures (`datasette.fixtures`, PyPI datasette
/// 1.0a41: FTS5 over a content table, views, a table of ±Infinity, odd names) and a database that
/// sqlite-utils builds (FTS5 with its sync triggers, `enable_counts()` triggers, a view). Both packages
/// are installed at run time into a venv under the git-ignored .venv/outside (serialized: one venv build).
@Suite(.mariaDB, .serialized) struct OutsideDatabaseTests {
    static let venv = DjangoTests.root.appendingPathComponent(".venv/outside").path

    static func python() throws -> String {
        let python = venv + "/bin/python"
        if (try? DjangoTests.run(python, ["-c", "import datasette.fixtures, sqlite_utils"])) == nil {
            try DjangoTests.run("/usr/bin/env", ["python3", "-m", "venv", venv])
            try DjangoTests.run(venv + "/bin/pip", ["install", "-q", "datasette==1.0a41", "sqlite-utils==4.2.1"])
        }
        return python
    }

    @Test func datasetteFixturesMigrateWithTheirViewsAndSearchIndex() throws {
        let path = NSTemporaryDirectory() + "datasette-\(UUID().uuidString.prefix(8)).db"
        try DjangoTests.run(
            try Self.python(),
            [
                "-c",
                "import sys; from datasette.fixtures import write_fixture_database; "
                    + "write_fixture_database(sys.argv[1])",
                path,
            ])
        let fixture = SQLiteFixture(unchecked: path)
        defer { fixture.remove() }
        let quarantine = path + ".quarantine.jsonl"
        defer { try? FileManager.default.removeItem(atPath: quarantine) }
        // The fixtures hold ±Infinity, which no MySQL DOUBLE can: those rows are set aside, the rest is exact.
        let (report, target) = try migrate(fixture, badRows: .quarantine, quarantine: quarantine)
        #expect(report.verified, "\(report.text)")
        #expect(report.copy?.quarantined == 2)
        let objects = try #require(report.schemaObjects)
        #expect(
            Set(objects.map(\.name)) == [
                "searchable_fts", "paginated_view", "simple_view", "searchable_view",
                "searchable_view_configured_by_metadata",
            ])
        #expect(objects.allSatisfy { $0.status == .created }, "\(report.text)")
        #expect(report.schemaObjectVerification?.count == 5)
        // The FTS5 shadow tables are not copied; the index became FULLTEXT on its content table.
        let tables = try query(
            target,
            """
            SELECT TABLE_NAME FROM information_schema.TABLES
            WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'searchable%'
            """
        )
        .map { try $0.decode(0, as: String.self) }
        #expect(
            Set(tables) == [
                "searchable", "searchable_fts", "searchable_tags", "searchable_view",
                "searchable_view_configured_by_metadata",
            ])
        let found = try query(
            target, "SELECT pk FROM searchable WHERE MATCH (text1, text2, `name with . and spaces`) AGAINST ('weasel')")
        #expect(try found.map { try $0.decode(0, as: Int.self) } == [2])
        #expect(
            try query(target, "SELECT content_extra FROM paginated_view LIMIT 1")[0].decode(0, as: String.self)
                == "- 1 -")
    }

    @Test func sqliteUtilsSearchAndCountTriggersWorkOnMariaDB() throws {
        let path = NSTemporaryDirectory() + "sqlite-utils-\(UUID().uuidString.prefix(8)).db"
        let script = """
            import sys, sqlite_utils
            db = sqlite_utils.Database(sys.argv[1])
            db["docs"].insert_all([{"id": 1, "title": "Swift on Linux", "body": "builds with SwiftPM"},
                                   {"id": 2, "title": "MariaDB", "body": "full text search works"}], pk="id")
            db["docs"].enable_fts(["title", "body"], create_triggers=True)
            db["docs"].enable_counts()
            db.create_view("recent_docs", "select id, title, upper(title) as shout from docs order by id desc limit 1")
            """
        try DjangoTests.run(try Self.python(), ["-c", script, path])
        let fixture = SQLiteFixture(unchecked: path)
        defer { fixture.remove() }
        let (report, target) = try migrate(fixture)
        #expect(report.verified, "\(report.text)")
        let objects = try #require(report.schemaObjects)
        // sqlite-utils' FTS sync triggers are not needed: MariaDB maintains the FULLTEXT index itself.
        for name in ["docs_ai", "docs_ad", "docs_au"] {
            #expect(objects.first { $0.name == name }?.status == .notCarriedOver)
            #expect(objects.first { $0.name == name }?.reason?.contains("FULLTEXT") == true)
        }
        #expect(objects.first { $0.name == "docs_counts_insert" }?.status == .created)
        #expect(objects.first { $0.name == "docs_counts_delete" }?.status == .created)
        let connection = try BlockingConnection.connect(target)
        defer { connection.close() }
        #expect(try query(target, "SELECT count FROM _counts WHERE `table` = 'docs'")[0].decode(0, as: Int.self) == 2)
        try connection.execute("INSERT INTO docs (id, title, body) VALUES (3, 'Ubuntu', 'packages for everyone')")
        #expect(try query(target, "SELECT count FROM _counts WHERE `table` = 'docs'")[0].decode(0, as: Int.self) == 3)
        #expect(
            try query(target, "SELECT id FROM docs WHERE MATCH (title, body) AGAINST ('packages')")[0].decode(
                0, as: Int.self) == 3)
        #expect(
            try query(target, "SELECT title FROM docs_fts WHERE rowid = 3")[0].decode(0, as: String.self) == "Ubuntu")
        try connection.execute("DELETE FROM docs WHERE id = 1")
        #expect(try query(target, "SELECT count FROM _counts WHERE `table` = 'docs'")[0].decode(0, as: Int.self) == 2)
        #expect(try query(target, "SELECT shout FROM recent_docs")[0].decode(0, as: String.self) == "UBUNTU")
    }
}
