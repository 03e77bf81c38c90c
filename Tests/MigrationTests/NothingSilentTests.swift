import Foundation
import MariaDB
import MariaDBTestSupport
import Migration
import Testing

/// Nothing is rounded, dropped or changed without a word: declared scales, trailing spaces, collations,
/// mixed date encodings, and errors that name the rows the user wrote.
@Suite(.mariaDB) struct NothingSilentTests {
    static let decimals = """
        CREATE TABLE prices (id INTEGER PRIMARY KEY, amount DECIMAL(10,2) NOT NULL);
        INSERT INTO prices VALUES (1, 1.005), (2, '123.4567'), (3, 19.99), (4, '2.50');
        """

    func columnType(_ target: MariaDBConfiguration, _ table: String, _ column: String) throws -> String {
        try query(target, """
            SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
              AND TABLE_NAME = \(table) AND COLUMN_NAME = \(column)
            """)[0].decode(0, as: String.self)
    }

    func decimals(_ target: MariaDBConfiguration, _ sql: MariaDBQuery) throws -> [String] {
        try query(target, sql).map { try $0.decode(0, as: MariaDBDecimal.self).text }
    }

    @Test func declaredScaleIsWidenedToTheDataByDefault() throws {
        let fixture = try SQLiteFixture(Self.decimals)
        defer { fixture.remove() }
        let (report, target) = try migrate(fixture)
        #expect(report.verified, "\(report.text)")
        #expect(try columnType(target, "prices", "amount") == "decimal(12,4)")
        #expect(try decimals(target, "SELECT amount FROM prices ORDER BY id") == ["1.0050", "123.4567", "19.9900", "2.5000"])
        #expect(report.warnings.contains { $0.contains("prices.amount") && $0.contains("DECIMAL(12,4) keeps every digit") })
        #expect(report.copy?.rounded == 0)
    }

    @Test func roundingOnlyWhenAskedAndThenCounted() throws {
        let fixture = try SQLiteFixture(Self.decimals)
        defer { fixture.remove() }
        let target = try TestServer.freshDatabase("round")
        var session = MigrationSession(sourcePath: fixture.path, target: target)
        session.schema = .generic
        session.roundDecimals = true
        let report = try session.execute(try session.inspect(), options: MigrationOptions(), reporter: ProgressReporter(enabled: false))
        #expect(report.verified, "\(report.text)")
        #expect(try columnType(target, "prices", "amount") == "decimal(10,2)")
        #expect(try decimals(target, "SELECT amount FROM prices ORDER BY id") == ["1.00", "123.46", "19.99", "2.50"])
        #expect(report.copy?.rounded == 2)
        #expect(report.text.contains("rounded: 2 decimal value(s) in prices"))
    }

    @Test func applicationSchemaStopsOnDigitsItCannotHold() throws {
        let fixture = try SQLiteFixture(Self.decimals)
        defer { fixture.remove() }
        let target = try TestServer.freshDatabase("scale")
        try execute(target, "CREATE TABLE prices (id BIGINT PRIMARY KEY, amount DECIMAL(10,2) NOT NULL)")
        do {
            _ = try migrate(fixture, schema: .existing, target: target)
            Issue.record("a value with more decimals than DECIMAL(10,2) must stop the run")
        } catch {
            let message = "\(error)"
            for part in ["table prices", "primary key id=1", "column amount", "1.005", "--round-decimals"] {
                #expect(message.contains(part), "\(message)")
            }
        }
        #expect(try query(target, "SELECT COUNT(*) FROM prices")[0].decode(0, as: Int.self) == 0)
    }

    @Test func trailingSpacesStayDistinctUnderAUniqueKey() throws {
        let fixture = try SQLiteFixture("""
            CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, note TEXT);
            INSERT INTO tags VALUES (1, 'abc', 'x'), (2, 'abc ', 'y '), (3, 'abc  ', NULL);
            """)
        defer { fixture.remove() }
        let (report, target) = try migrate(fixture)
        #expect(report.verified, "\(report.text)")
        let collation = try query(target, """
            SELECT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tags' AND COLUMN_NAME = 'name'
            """)[0].decode(0, as: String.self)
        #expect(collation == "utf8mb4_nopad_bin")
        #expect(try query(target, "SELECT id FROM tags WHERE name = 'abc'").count == 1)
        #expect(try query(target, "SELECT HEX(name) FROM tags ORDER BY id").map { try $0.decode(0, as: String.self) } == ["616263", "61626320", "6162632020"])
    }

    @Test func padSpaceUniqueKeyInTheApplicationSchemaNamesBothRows() throws {
        let fixture = try SQLiteFixture("""
            CREATE TABLE cities (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
            INSERT INTO cities VALUES (1, 'Bern'), (2, 'Basel'), (3, 'Bern ');
            """)
        defer { fixture.remove() }
        let target = try TestServer.freshDatabase("pad")
        try execute(target, "CREATE TABLE cities (id BIGINT PRIMARY KEY, name VARCHAR(40) COLLATE utf8mb4_unicode_ci NOT NULL, UNIQUE KEY city_name (name))")
        do {
            _ = try migrate(fixture, schema: .existing, target: target)
            Issue.record("the PAD SPACE unique key must stop the run")
        } catch {
            let message = "\(error)"
            for part in ["table cities", "unique key city_name (name)", "id=1", "id=3", "utf8mb4_unicode_ci", "trailing spaces"] {
                #expect(message.contains(part), "\(message)")
            }
        }
    }

    @Test func nocaseCollisionNamesTheColumnsAndBothRows() throws {
        let fixture = try SQLiteFixture("""
            CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE UNIQUE);
            INSERT INTO users VALUES (1, 'zoé'), (2, 'ZOE'), (3, 'ZOÉ');
            """)
        defer { fixture.remove() }
        do {
            _ = try migrate(fixture)
            Issue.record("é/É and e/E are equal under MariaDB's Unicode collation: the unique key must stop the run")
        } catch {
            let message = "\(error)"
            for part in ["table users", "unique key (name)", "id=1", "id=2", "utf8mb4_unicode_nopad_ci"] {
                #expect(message.contains(part), "\(message)")
            }
            #expect(!message.contains("sqlite_autoindex"), "\(message)")
        }
    }

    @Test func orphansAreNamedByTheirKeys() throws {
        let fixture = try SQLiteFixture("""
            CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT);
            CREATE TABLE order_lines (id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders(id), qty INTEGER);
            INSERT INTO orders VALUES (1, 'a');
            INSERT INTO order_lines VALUES (41, 1, 1), (42, 7, 2);
            """)
        defer { fixture.remove() }
        let inspection = try MigrationSession(sourcePath: fixture.path, target: try TestServer.freshDatabase("orph")).inspect()
        let check = try #require(inspection.checks.first { $0.name == "source.foreign_key_check" })
        #expect(check.status == .failed)
        #expect(check.detail.contains("order_lines id=42 → orders id=7"), "\(check.detail)")
    }

    @Test func mixedDateEncodingsConvertPerValue() throws {
        let fixture = try SQLiteFixture("""
            CREATE TABLE events (id INTEGER PRIMARY KEY, at DATETIME);
            INSERT INTO events VALUES (1, '2026-11-25 13:14:15.5'), (2, 1764076455), (3, 2460000.5), (4, 1764076455.25),
                                      (5, julianday('2001-02-03 04:05:06'));
            """)
        defer { fixture.remove() }
        let (report, target) = try migrate(fixture)
        #expect(report.verified, "\(report.text)")
        #expect(report.warnings.contains { $0.contains("events.at") && $0.contains("Julian") })
        let values = try query(target, "SELECT at FROM events ORDER BY id").map { try $0.decode(0, as: MariaDBDateTime.self).description }
        #expect(values == ["2026-11-25 13:14:15.500000", "2025-11-25 13:14:15", "2023-02-25 00:00:00", "2025-11-25 13:14:15.250000",
                           "2001-02-03 04:05:06"])
    }

    @Test func aValueNoRuleCanPlaceStopsNamingIt() throws {
        let fixture = try SQLiteFixture("""
            CREATE TABLE events (id INTEGER PRIMARY KEY, at DATETIME);
            INSERT INTO events VALUES (1, '2026-11-25'), (2, 1764076455000);
            """)
        defer { fixture.remove() }
        do {
            _ = try migrate(fixture)
            Issue.record("milliseconds are not Unix seconds: the run must stop")
        } catch {
            for part in ["table events", "primary key id=2", "column at"] { #expect("\(error)".contains(part), "\(error)") }
        }
    }
}

func execute(_ configuration: MariaDBConfiguration, _ sql: MariaDBQuery) throws {
    let connection = try BlockingConnection.connect(configuration)
    defer { connection.close() }
    try connection.execute(sql)
}
