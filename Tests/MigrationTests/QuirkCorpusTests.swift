import Foundation
import MariaDB
import MariaDBTestSupport
import Migration
import Testing

/// One small SQLite file per quirk: each migrates exactly (verified) or fails with a precise error.
@Suite(.mariaDB) struct QuirkCorpusTests {
    func expectExact(_ sql: String, check: (MariaDBConfiguration) throws -> Void = { _ in }) throws {
        let fixture = try SQLiteFixture(sql)
        defer { fixture.remove() }
        let (report, target) = try migrate(fixture)
        #expect(report.verified, "\(report.text)")
        try check(target)
    }

    func expectFailure(_ sql: String, containing parts: [String], badRows: BadRowPolicy = .stop) throws {
        let fixture = try SQLiteFixture(sql)
        defer { fixture.remove() }
        do {
            _ = try migrate(fixture, badRows: badRows)
            Issue.record("migration should have failed with \(parts)")
        } catch {
            for part in parts { #expect("\(error)".contains(part), "\(error)") }
        }
    }

    @Test func mixedStorageClassesInATypelessColumnAreKeptAsText() throws {
        try expectExact("""
            CREATE TABLE t (id INTEGER PRIMARY KEY, v);
            INSERT INTO t VALUES (1, 42), (2, 'forty-two'), (3, 4.5), (4, NULL);
            """) { (target: MariaDBConfiguration) throws in
            let values = try query(target, "SELECT v FROM t ORDER BY id").map { $0[0] }
            #expect(values == [.string("42"), .string("forty-two"), .string("4.5"), .null])
        }
    }

    @Test func invalidUTF8AndNULBytesArriveByteExact() throws {
        try expectExact("""
            CREATE TABLE t (id INTEGER PRIMARY KEY, bad TEXT, nul TEXT);
            INSERT INTO t VALUES (1, CAST(X'66FF6F' AS TEXT), CAST(X'610062' AS TEXT)), (2, 'ok', 'plain');
            """) { (target: MariaDBConfiguration) throws in
            let rows = try query(target, "SELECT HEX(bad), HEX(nul) FROM t ORDER BY id")
            #expect(try rows[0].decode(0, as: String.self) == "66FF6F")
            #expect(try rows[0].decode(1, as: String.self) == "610062")
        }
    }

    @Test func nanAndInfinityStopWithTableKeyAndColumn() throws {
        try expectFailure("""
            CREATE TABLE measurements (id INTEGER PRIMARY KEY, value REAL);
            INSERT INTO measurements VALUES (1, 1.5), (2, 1e999), (3, 2.5);
            """, containing: ["table measurements", "primary key id=2", "column value", "NaN/Infinity"])
    }

    @Test func quarantinedRowsAreSetAsideAndTheRestIsVerified() throws {
        let fixture = try SQLiteFixture("""
            CREATE TABLE measurements (id INTEGER PRIMARY KEY, value REAL);
            INSERT INTO measurements VALUES (1, 1.5), (2, -1e999), (3, 2.5);
            """)
        defer { fixture.remove() }
        let file = NSTemporaryDirectory() + "quarantine-\(UUID().uuidString.prefix(8)).jsonl"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (report, target) = try migrate(fixture, badRows: .quarantine, quarantine: file)
        #expect(report.copy?.quarantined == 1)
        #expect(report.verified, "\(report.text)")
        #expect(try query(target, "SELECT COUNT(*) FROM measurements")[0].decode(0, as: Int.self) == 2)
        let line = try String(contentsOfFile: file, encoding: .utf8)
        #expect(line.contains("primary key id=2"))
        #expect(line.contains("NaN") && line.contains("Infinity"))
        #expect(((try FileManager.default.attributesOfItem(atPath: file))[.posixPermissions] as? Int) == 0o600)
    }

    @Test func hugeIntegersAndDecimalsKeepEveryDigit() throws {
        try expectExact("""
            CREATE TABLE n (id INTEGER PRIMARY KEY, big INTEGER, price DECIMAL(10,2), loose decimal);
            INSERT INTO n VALUES (1, 9223372036854775807, 19.99, '12345678901234567890.123456789'),
                                 (2, -9223372036854775808, 0.1 + 0.2, 0.5), (3, 0, '7.005', NULL);
            """) { (target: MariaDBConfiguration) throws in
            let rows = try query(target, "SELECT big, price, loose FROM n ORDER BY id")
            #expect(rows[0][0] == .int(Int64.max))
            #expect(rows[1][0] == .int(Int64.min))
            // DECIMAL(10,2) declared, but '7.005' has three decimals: the scale widens to keep them (no rounding).
            #expect(try rows.map { try $0.decode(1, as: MariaDBDecimal.self).text } == ["19.990", "0.300", "7.005"])
            // NUMERIC affinity: SQLite itself stored that text as a REAL (15 digits); the copy keeps what SQLite has.
            #expect(try rows[0].decode(2, as: MariaDBDecimal.self).text == "12345678901234600000.0")
        }
    }

    @Test func isoEpochAndJulianDatesBecomeDatetime6() throws {
        try expectExact("""
            CREATE TABLE e (id INTEGER PRIMARY KEY, at DATETIME, jd DATETIME);
            INSERT INTO e VALUES (1, '2026-11-25 13:14:15.123456', 2460000.5),
                                 (2, '2026-11-25T13:14:15Z', 2460001.25),
                                 (3, 1764076455, 2460002.0),
                                 (4, '2026-11-25 15:14:15+02:00', NULL);
            """) { (target: MariaDBConfiguration) throws in
            let rows = try query(target, "SELECT at, jd FROM e ORDER BY id")
            #expect(try rows.map { try $0.decode(0, as: MariaDBDateTime.self).description } ==
                    ["2026-11-25 13:14:15.123456", "2026-11-25 13:14:15", "2025-11-25 13:14:15", "2026-11-25 13:14:15"])
            #expect(try rows[0].decode(1, as: MariaDBDateTime.self).description == "2023-02-25 00:00:00")
            #expect(try rows[1].decode(1, as: MariaDBDateTime.self).description == "2023-02-25 18:00:00")
        }
    }

    @Test func orphansStopByDefaultAndCanBeQuarantinedOrKept() throws {
        let sql = """
            PRAGMA foreign_keys = OFF;
            CREATE TABLE parent (id INTEGER PRIMARY KEY);
            CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id) ON DELETE CASCADE);
            INSERT INTO parent VALUES (1);
            INSERT INTO child VALUES (1, 1), (2, 99), (3, 1);
            """
        let fixture = try SQLiteFixture(sql)
        defer { fixture.remove() }
        #expect(throws: MigrationError.self) { _ = try migrate(fixture) }
        do {
            _ = try migrate(fixture)
        } catch {
            #expect("\(error)".contains("source.foreign_key_check"))
        }
        let (quarantined, q) = try migrate(fixture, onOrphan: .quarantine)
        #expect(quarantined.verified, "\(quarantined.text)")
        #expect(try query(q, "SELECT id FROM child ORDER BY id").map { try $0.decode(0, as: Int.self) } == [1, 3])
        let (kept, k) = try migrate(fixture, onOrphan: .keep)
        #expect(kept.verified)
        #expect(try query(k, "SELECT COUNT(*) FROM child")[0].decode(0, as: Int.self) == 3)
        #expect(try query(k, "SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE() AND CONSTRAINT_TYPE = 'FOREIGN KEY'")[0].decode(0, as: Int.self) == 0)
        // With quarantine the foreign key exists and cascades.
        #expect(try query(q, "SELECT DELETE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()")[0].decode(0, as: String.self) == "CASCADE")
    }

    @Test func reservedWordNamesAreQuoted() throws {
        try expectExact("""
            CREATE TABLE "order" ("select" INTEGER PRIMARY KEY, "from" TEXT, "group" REAL);
            INSERT INTO "order" VALUES (1, 'a`b', 1.25);
            """) { (target: MariaDBConfiguration) throws in
            #expect(try query(target, "SELECT `from` FROM `order`")[0].decode(0, as: String.self) == "a`b")
        }
    }

    @Test func longUniqueKeysStayUnique() throws {
        let long = String(repeating: "x", count: 1500)
        try expectExact("""
            CREATE TABLE docs (id INTEGER PRIMARY KEY, url TEXT UNIQUE, body TEXT);
            CREATE INDEX docs_body ON docs(body);
            INSERT INTO docs VALUES (1, '\(long)a', 'b'), (2, '\(long)b', 'c');
            """) { (target: MariaDBConfiguration) throws in
            let connection = try BlockingConnection.connect(target)
            defer { connection.close() }
            let duplicate = try #require(throws: MariaDBError.self) { try connection.execute("INSERT INTO docs VALUES (3, \(long + "a"), 'd')") }
            #expect(duplicate.isDuplicateKey)
        }
    }

    @Test func compositeTextKeysAndWithoutRowid() throws {
        try expectExact("""
            CREATE TABLE kv (ns TEXT NOT NULL, k TEXT NOT NULL, v BLOB, PRIMARY KEY (ns, k)) WITHOUT ROWID;
            INSERT INTO kv VALUES ('a', 'z', X'00FF'), ('a', 'b', X''), ('ü', 'k', NULL);
            CREATE TABLE empty (id INTEGER PRIMARY KEY, name TEXT);
            """) { (target: MariaDBConfiguration) throws in
            #expect(try query(target, "SELECT COUNT(*) FROM kv")[0].decode(0, as: Int.self) == 3)
            #expect(try query(target, "SELECT COUNT(*) FROM empty")[0].decode(0, as: Int.self) == 0)
        }
    }

    @Test func nocaseCollisionsUnderMariaDBRulesFailAtTheIndex() throws {
        try expectFailure("""
            CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE UNIQUE);
            INSERT INTO users VALUES (1, 'é'), (2, 'É');
            """, containing: ["table users", "unique key (name)", "rows id=1 and id=2", "utf8mb4_unicode_nopad_ci"])
    }

    @Test func invalidJSONAndOverlongValuesNameTheRow() throws {
        try expectFailure("""
            CREATE TABLE j (id INTEGER PRIMARY KEY, doc JSON);
            INSERT INTO j VALUES (1, '{"a": 1}'), (2, '{not json');
            """, containing: ["table j", "primary key id=2", "column doc", "not valid JSON"])
    }

    @Test func viewsAndTriggersAreCarriedOverNotSilentlyDropped() throws {
        let fixture = try SQLiteFixture("""
            CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);
            CREATE VIEW big AS SELECT * FROM t WHERE n > 10;
            CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN SELECT 1; END;
            INSERT INTO t VALUES (1, 5);
            """)
        defer { fixture.remove() }
        let (report, _) = try migrate(fixture)
        #expect(report.verified, "\(report.text)")
        #expect(report.schemaObjects?.first { $0.name == "big" }?.status == .created)
        #expect(report.schemaObjects?.first { $0.name == "t_ai" }?.status == .created)
        #expect(report.text.contains("created view big"))
        #expect(report.text.contains("created trigger t_ai"))
    }

    @Test func autoincrementContinuesAboveSQLiteSequence() throws {
        try expectExact("""
            CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);
            INSERT INTO a (name) VALUES ('x'), ('y'), ('z');
            DELETE FROM a WHERE id = 3;
            """) { (target: MariaDBConfiguration) throws in
            let connection = try BlockingConnection.connect(target)
            defer { connection.close() }
            #expect(try connection.execute("INSERT INTO a (name) VALUES ('new')").lastInsertID == 4)
        }
    }

    @Test func corruptOrMissingSourceIsAOneLineError() throws {
        let path = NSTemporaryDirectory() + "not-a-db-\(UUID().uuidString.prefix(6)).sqlite"
        try Data("this is not sqlite".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: MigrationError.self) { _ = try SQLiteSource(path: path) }
        #expect(error.description.contains(path))
        let missing = try #require(throws: MigrationError.self) { _ = try SQLiteSource(path: path + ".missing") }
        #expect(missing.description.contains("no such SQLite file"))
    }
}

@Suite(.mariaDB) struct VerificationTests {
    @Test func copyTimeDigestsCatchAChangedTargetAndTheFullPassNamesTheRow() throws {
        let fixture = try SQLiteFixture("""
            CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT, price DECIMAL(8,2), at DATETIME);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25000)
            INSERT INTO p SELECT i, 'name ' || i, i / 100.0, '2026-01-01 00:00:00.' || printf('%06d', i) FROM n;
            """)
        defer { fixture.remove() }
        let target = try TestServer.freshDatabase("verify")
        var session = MigrationSession(sourcePath: fixture.path, target: target)
        session.schema = .generic
        let inspection = try session.inspect()
        let report = try session.execute(inspection, options: MigrationOptions(), reporter: ProgressReporter(enabled: false))
        #expect(report.verified)
        let copied = try #require(report.copy?.tables.first { $0.table == "p" })
        #expect(copied.digests?.digests.count == 3)  // 25,000 rows in chunks of 10,000

        let connection = try BlockingConnection.connect(target)
        try connection.execute("UPDATE p SET at = '2026-01-01 00:00:00.999999' WHERE id = 12345")
        connection.close()
        let verification = try Verifier(plan: inspection.plan, target: target).verifyAll(sent: ["p": copied])
        let table = try #require(verification.first)
        #expect(!table.identical)
        #expect(table.differences.map(\.key) == ["id=12345"])
        #expect(table.differences.first?.columns == ["at"])
    }
}

@Suite(.mariaDB) struct ExistingSchemaTests {
    /// The application's own table uses a case-insensitive collation on a text key; the data still matches
    /// and verifies row by row in SQLite's byte order.
    @Test func caseInsensitiveTextKeysVerifyInSourceOrder() throws {
        let fixture = try SQLiteFixture("""
            CREATE TABLE sessions (session_key VARCHAR(40) PRIMARY KEY, data TEXT, expires DATETIME);
            INSERT INTO sessions VALUES ('b1', 'x', '2026-01-01 00:00:00'), ('A2', 'y', '2026-01-02 00:00:00.5'),
                                        ('a3', 'z', NULL), ('Zz', 'ü', '2026-01-03T10:00:00Z');
            """)
        defer { fixture.remove() }
        let target = try TestServer.freshDatabase("existing")
        let connection = try BlockingConnection.connect(target)
        try connection.execute("CREATE TABLE sessions (session_key VARCHAR(40) COLLATE utf8mb4_unicode_ci PRIMARY KEY, data LONGTEXT NOT NULL, expires DATETIME(6) NULL)")
        connection.close()
        let (report, _) = try migrate(fixture, schema: .existing, target: target)
        #expect(report.mode == "existing")
        #expect(report.verified, "\(report.text)")
        let rows = try query(target, "SELECT expires FROM sessions WHERE session_key = 'A2'")
        #expect(try rows[0].decode(0, as: MariaDBDateTime.self).description == "2026-01-02 00:00:00.500000")
    }
}
