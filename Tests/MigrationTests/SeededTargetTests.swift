import Foundation
import MariaDB
import MariaDBTestSupport
import Migration
import Testing

/// An application's migrations fill tables on the target before the load (content types, permissions,
/// groups, sites, data migrations). The source is the truth: those rows are replaced, listed with counts,
/// and a row that cannot be accounted for stops the run naming it. The tool leaves no table of its own.
@Suite(.mariaDB) struct SeededTargetTests {
    static let source = """
        CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT, applied TEXT);
        CREATE TABLE content_types (id INTEGER PRIMARY KEY, app_label TEXT NOT NULL, model TEXT NOT NULL, UNIQUE (app_label, model));
        CREATE TABLE permissions (id INTEGER PRIMARY KEY, content_type_id INTEGER NOT NULL REFERENCES content_types(id), codename TEXT NOT NULL,
                                  UNIQUE (content_type_id, codename));
        CREATE TABLE groups (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
        CREATE TABLE articles (id INTEGER PRIMARY KEY, content_type_id INTEGER REFERENCES content_types(id), title TEXT NOT NULL);
        INSERT INTO django_migrations VALUES (1, 'shop', '0001_initial', '2026-01-01 00:00:00');
        INSERT INTO content_types VALUES (1, 'shop', 'article'), (2, 'shop', 'group'), (3, 'auth', 'user');
        INSERT INTO permissions VALUES (1, 1, 'add_article'), (2, 1, 'change_article'), (3, 3, 'add_user');
        INSERT INTO groups VALUES (1, 'editors'), (2, 'customers');
        INSERT INTO articles VALUES (1, 1, 'Hello'), (2, 3, 'World');
        """

    /// The application's own schema, and the rows its migrations create (other ids than the source's).
    func applicationSchema(_ target: MariaDBConfiguration, extraGroup: Bool = false) throws {
        let connection = try BlockingConnection.connect(target)
        defer { connection.close() }
        for sql in [
            "CREATE TABLE django_migrations (id BIGINT AUTO_INCREMENT PRIMARY KEY, app VARCHAR(255), name VARCHAR(255), applied DATETIME(6))",
            "CREATE TABLE content_types (id INT AUTO_INCREMENT PRIMARY KEY, app_label VARCHAR(100) NOT NULL, model VARCHAR(100) NOT NULL, UNIQUE KEY ct (app_label, model))",
            """
            CREATE TABLE permissions (id INT AUTO_INCREMENT PRIMARY KEY, content_type_id INT NOT NULL, codename VARCHAR(100) NOT NULL,
              UNIQUE KEY perm (content_type_id, codename), CONSTRAINT perm_ct FOREIGN KEY (content_type_id) REFERENCES content_types (id))
            """,
            "CREATE TABLE `groups` (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(150) NOT NULL UNIQUE)",
            """
            CREATE TABLE articles (id BIGINT AUTO_INCREMENT PRIMARY KEY, content_type_id INT NULL, title VARCHAR(200) NOT NULL,
              CONSTRAINT art_ct FOREIGN KEY (content_type_id) REFERENCES content_types (id))
            """,
            "INSERT INTO django_migrations (app, name, applied) VALUES ('shop', '0001_initial', NOW(6))",
            // post_migrate created the content types in another order, so with other ids.
            "INSERT INTO content_types (id, app_label, model) VALUES (1, 'auth', 'user'), (2, 'shop', 'article'), (3, 'shop', 'group')",
            "INSERT INTO permissions (id, content_type_id, codename) VALUES (1, 2, 'add_article'), (2, 2, 'change_article'), (3, 1, 'add_user')",
            "INSERT INTO `groups` (id, name) VALUES (1, 'editors')",
        ] { try connection.execute(MariaDBQuery(unsafeSQL: sql)) }
        if extraGroup { try connection.execute("INSERT INTO `groups` (id, name) VALUES (7, 'staff')") }
    }

    func tables(_ target: MariaDBConfiguration) throws -> [String] {
        try query(target, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1").map { try $0.decode(0, as: String.self) }
    }

    @Test func seededRowsAreReplacedByTheSourcesAndListed() throws {
        let fixture = try SQLiteFixture(Self.source)
        defer { fixture.remove() }
        let target = try TestServer.freshDatabase("seed")
        try applicationSchema(target)
        let session = MigrationSession(sourcePath: fixture.path, target: target)
        let inspection = try session.inspect()
        let check = try #require(inspection.checks.first { $0.name == "target.seeded_rows" })
        #expect(check.status == .warning)
        #expect(check.detail.contains("content_types 3") && check.detail.contains("permissions 3") && check.detail.contains("groups 1"), "\(check.detail)")
        let report = try session.execute(inspection, options: MigrationOptions(), reporter: ProgressReporter(enabled: false))
        #expect(report.verified, "\(report.text)")
        #expect(report.text.contains("replaced 3 rows the target's migrations had created in content_types"), "\(report.text)")
        #expect(report.copy?.seeded.map(\.table).sorted() == ["content_types", "groups", "permissions"])
        // The source's ids now: articles.content_type_id 3 is auth.user again.
        #expect(try query(target, "SELECT CONCAT(app_label, '.', model) FROM content_types WHERE id = 3")[0].decode(0, as: String.self) == "auth.user")
        // Only the application's tables remain.
        #expect(try tables(target) == ["articles", "content_types", "django_migrations", "groups", "permissions"])
        #expect(report.stateRemoved)
    }

    @Test func aSeededRowWithoutASourceCounterpartStopsTheRunNamingIt() throws {
        let fixture = try SQLiteFixture(Self.source)
        defer { fixture.remove() }
        let target = try TestServer.freshDatabase("seedx")
        try applicationSchema(target, extraGroup: true)
        var session = MigrationSession(sourcePath: fixture.path, target: target)
        let inspection = try session.inspect()
        let check = try #require(inspection.failed.first { $0.name == "target.seeded_rows" })
        #expect(check.detail.contains("groups id=7"), "\(check.detail)")
        #expect(check.detail.contains("--delete-unmatched-seeded"))
        #expect(throws: MigrationError.self) {
            _ = try session.execute(inspection, options: MigrationOptions(), reporter: ProgressReporter(enabled: false))
        }
        #expect(try query(target, "SELECT COUNT(*) FROM articles")[0].decode(0, as: Int.self) == 0)
        #expect(try query(target, "SELECT COUNT(*) FROM `groups`")[0].decode(0, as: Int.self) == 2)

        session.deleteUnmatchedSeeded = true
        let accepted = try session.inspect()
        #expect(accepted.failed.isEmpty)
        let report = try session.execute(accepted, options: MigrationOptions(), reporter: ProgressReporter(enabled: false))
        #expect(report.verified, "\(report.text)")
        #expect(try query(target, "SELECT GROUP_CONCAT(name ORDER BY id) FROM `groups`")[0].decode(0, as: String.self) == "editors,customers")
    }

    @Test func aFinishedCopyIsNotMistakenForSeededRows() throws {
        var sql = "CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT, applied TEXT);\n"
        sql += "CREATE TABLE readings (id INTEGER PRIMARY KEY, v INTEGER);\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000) "
        sql += "INSERT INTO readings SELECT i, i * 2 FROM n;\n"
        let fixture = try SQLiteFixture(sql)
        defer { fixture.remove() }
        let target = try TestServer.freshDatabase("again")
        try execute(target, "CREATE TABLE django_migrations (id BIGINT AUTO_INCREMENT PRIMARY KEY, app VARCHAR(255), name VARCHAR(255), applied DATETIME(6))")
        try execute(target, "CREATE TABLE readings (id BIGINT PRIMARY KEY, v BIGINT)")
        let (first, _) = try migrate(fixture, schema: .auto, target: target)
        #expect(first.verified && first.mode == "existing")
        // Running the same migration again must not reload over the finished copy.
        let again = try MigrationSession(sourcePath: fixture.path, target: target).inspect()
        let check = try #require(again.failed.first { $0.name == "target.seeded_rows" })
        #expect(check.detail.contains("finished or foreign copy"), "\(check.detail)")
    }

    @Test func anORMDatabaseIntoAnEmptyTargetStopsWithTheCommandToRunFirst() throws {
        let fixture = try SQLiteFixture(Self.source)
        defer { fixture.remove() }
        let target = try TestServer.freshDatabase("empty")
        let inspection = try MigrationSession(sourcePath: fixture.path, target: target).inspect()
        let check = try #require(inspection.failed.first { $0.name == "target.schema" })
        #expect(check.detail.contains("manage.py migrate --database"), "\(check.detail)")
        #expect(check.detail.contains("--schema generic"))
        // On purpose, the generic schema still works.
        let (report, _) = try migrate(fixture, schema: .generic, target: target)
        #expect(report.verified, "\(report.text)")
        #expect(!(try tables(target)).contains(Migrator.stateTable))
    }
}
