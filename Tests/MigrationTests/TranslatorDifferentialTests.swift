import Foundation
import MariaDB
import MariaDBTestSupport
import Migration
import Testing

/// The translator's claims checked on data: each expression becomes a one-column view, SQLite evaluates
/// it, MariaDB evaluates the translation, and the view verification compares every row. The data has
/// the awkward cases: NULLs, zero and negative divisors, negative reals, quotes, backslashes, % and _.
@Suite(.mariaDB) struct TranslatorDifferentialTests {
    static let expressions: [String] = [
        "n / m", "n % m", "-n / 4", "r / 2", "n * 2 + m", "(n + 1) * 2 - m", "a || b", "a || '-' || n", "'[' || b || ']'",
        "substr(a, 2)", "substr(a, 2, 3)", "substr(a, -2)", "instr(a, 'l')", "length(a)", "length(bl)", "replace(a, 'l', 'L')",
        "trim(c)", "ltrim(c)", "rtrim(c)", "trim(c, 'x')", "iif(n > 2, 'big', 'small')", "coalesce(b, a, 'none')",
        "ifnull(b, '?')", "nullif(n, 3)", "CAST(r AS INTEGER)", "CAST(n AS TEXT)", "CAST(n AS REAL)", "abs(m)",
        "a LIKE 'h%'", "a LIKE 'H%'", "a LIKE '%\\%%'", "a LIKE '%\\_%'", "a LIKE '_e%'", "a NOT LIKE '%o%'", "a IS b",
        "a IS NOT b", "b IS NULL", "n BETWEEN 2 AND 4", "n IN (1, 3, 5)", "n = 3 OR m = 0 AND n > 1", "NOT n = 3",
        "CASE WHEN n > 3 THEN 'a' WHEN n > 1 THEN 'b' ELSE 'c' END", "CASE n WHEN 1 THEN 'one' WHEN 2 THEN 'two' END",
        "printf('%d-%s', n, a)", "printf('%s|%s', b, n)", "max(n, m)", "min(n, m)", "upper(a)", "lower(a)",
        "strftime('%Y-%m-%d %H:%M:%S', at)", "strftime('%j %w', at)", "date(at, '+1 day')", "datetime(at, '-90 minutes')",
        "time(at)", "unixepoch(at)", "json_extract(j, '$.k')", "j ->> '$.k'", "json_valid(j)", "hex(a)", "n == 3",
        "likely(n > 1)", "round(d, 1)", "a > 'h'", "(SELECT count(*) FROM d AS x WHERE x.n < d.n)",
    ]

    /// Whole queries: aggregates, grouping, windows, joins, compound SELECTs, subqueries, recursive CTEs.
    static let queries: [String] = [
        "SELECT count(*) AS c, sum(n) AS s, avg(n) AS a, total(r) AS t, min(a) AS lo, max(n) AS hi, count(DISTINCT b) AS cd FROM d",
        "SELECT n % 2 AS parity, count(*) AS c, sum(m) AS s, avg(r) AS ar FROM d GROUP BY n % 2",
        "SELECT id, n, count(*) AS c FROM d GROUP BY id HAVING count(*) > 0",
        "SELECT id, row_number() OVER (ORDER BY id DESC) AS rn, sum(n) OVER (ORDER BY id) AS running FROM d",
        "SELECT id, lag(a) OVER (ORDER BY id) AS prev, rank() OVER (PARTITION BY n > 2 ORDER BY m) AS rk FROM d",
        "SELECT x.id, y.id AS yid FROM d x JOIN d y ON y.n = x.m",
        "SELECT x.id, y.a FROM d x LEFT JOIN d y ON y.id = x.m",
        "SELECT a FROM d UNION SELECT b FROM d",
        "SELECT n FROM d UNION ALL SELECT m FROM d ORDER BY 1 LIMIT 4",
        "SELECT id FROM d WHERE n IN (SELECT m FROM d) ORDER BY id LIMIT 3 OFFSET 1",
        "SELECT id, n * 2 AS twice FROM d WHERE twice > 4",
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5) SELECT i, i / 2 AS half FROM c",
        "WITH big AS (SELECT * FROM d WHERE n > 2) SELECT count(*) AS c FROM big",
        "SELECT * FROM (SELECT id, a FROM d WHERE a IS NOT NULL) WHERE id > 1",
        "SELECT id FROM d WHERE EXISTS (SELECT 1 FROM d AS e WHERE e.m = d.n)",
        "SELECT DISTINCT n > 2 AS big FROM d",
    ]

    @Test func everyTranslatedExpressionReturnsWhatSQLiteReturns() throws {
        var sql = """
            CREATE TABLE d (id INTEGER PRIMARY KEY, n INTEGER, m INTEGER, r REAL, a TEXT, b TEXT, c TEXT, bl BLOB,
                            at DATETIME, j TEXT, d DECIMAL(8,2));
            INSERT INTO d VALUES
              (1, 1, 0, -2.5, 'hello', NULL, '  pad  ', X'0001', '2026-01-31 23:30:00', '{"k": "text"}', 1.25),
              (2, 7, -2, 7.75, 'He said ''hi''', 'b', 'xxcorexx', X'', '2024-02-29 00:00:00', '{"k": 42}', 2.35),
              (3, 3, 4, 0.1, 'back\\slash', 'back\\slash', ' ', NULL, '2025-12-31 12:00:00.250000', '{"k": null}', -0.05),
              (4, -9, 2, -0.5, '100% _sure_', '', 'x', X'FF', NULL, '{"k": [1, 2]}', 0),
              (5, NULL, NULL, NULL, NULL, 'only b', NULL, NULL, '2026-06-15 08:00:00', '{"k": {"z": true}}', NULL),
              (6, 4, 3, 1e10, 'Hello', 'Hello', 'xyx', X'41', '2026-03-01 00:00:00', '{"k": true}', 99.99);

            """
        for (i, expression) in Self.expressions.enumerated() {
            sql += "CREATE VIEW v\(i) AS SELECT id, \(expression) AS value FROM d;\n"
        }
        for (i, query) in Self.queries.enumerated() { sql += "CREATE VIEW q\(i) AS \(query);\n" }
        let fixture = try SQLiteFixture(sql)
        defer { fixture.remove() }
        let (report, _) = try migrate(fixture)
        let outcomes = try #require(report.schemaObjects)
        for (i, expression) in Self.expressions.enumerated() {
            let outcome = outcomes.first { $0.name == "v\(i)" }
            #expect(outcome?.status == .created, "\(expression): \(outcome?.reason ?? "")")
            let verification = report.schemaObjectVerification?.first { $0.name == "v\(i)" }
            #expect(verification?.identical == true, "\(expression): \(String(describing: verification))")
        }
        for (i, query) in Self.queries.enumerated() {
            let outcome = outcomes.first { $0.name == "q\(i)" }
            #expect(outcome?.status == .created, "\(query): \(outcome?.reason ?? "")")
            let verification = report.schemaObjectVerification?.first { $0.name == "q\(i)" }
            #expect(verification?.identical == true, "\(query): \(String(describing: verification))")
        }
        #expect(report.verified, "\(report.text)")
    }
}
