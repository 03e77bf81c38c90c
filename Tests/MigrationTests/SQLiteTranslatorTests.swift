@testable import Migration
import Testing

/// The SQLite → MariaDB translator on its own: precedence, NULL semantics, quoting, types, refusals.
struct SQLiteTranslatorTests {
    /// t(id INTEGER PRIMARY KEY, a TEXT, b TEXT, n INTEGER, r REAL, d DECIMAL, at DATETIME, bl BLOB),
    /// Orders(id, t_id, label), and a table not carried over.
    static let catalog = TranslationCatalog([
        .init(
            name: "t",
            columns: [
                .init(name: "id", type: .integer), .init(name: "a", type: .text), .init(name: "b", type: .text),
                .init(name: "n", type: .integer), .init(name: "r", type: .real), .init(name: "d", type: .decimal),
                .init(name: "at", type: .temporal), .init(name: "bl", type: .blob),
            ], primaryKey: ["id"], rowidColumn: "id"),
        .init(
            name: "Orders",
            columns: [
                .init(name: "id", type: .integer), .init(name: "t_id", type: .integer),
                .init(name: "label", type: .text),
            ],
            primaryKey: ["id"], rowidColumn: "id"),
        .init(name: "gone", columns: [.init(name: "id", type: .integer)], missingReason: "refused"),
    ])

    func select(_ sql: String) throws -> String {
        var parser = try SQLParser(sql)
        let select = try parser.select()
        try parser.expectEnd()
        var translator = SQLiteTranslator(catalog: Self.catalog, context: .view)
        return try translator.query(select).sql
    }

    /// The translation of one expression over t.
    func expr(_ sql: String) throws -> String {
        let full = try select("SELECT \(sql) FROM t")
        return String(full.dropFirst("SELECT ".count).dropLast(" FROM `t`".count))
    }

    func refusal(_ sql: String) -> TranslationRefusal? {
        do { _ = try select(sql); return nil } catch let refusal as TranslationRefusal { return refusal } catch {
            return nil
        }
    }

    @Test func concatenationBindsTighterThanArithmeticAsInSQLite() throws {
        // SQLite: (a || n) * 2, not a || (n * 2).
        #expect(try expr("a || n * 2") == "CONCAT(`a`, `n`) * 2")
        #expect(try expr("n + 1 || a") == "`n` + CONCAT(1, `a`)")
        #expect(try expr("-n || a") == "CONCAT(-`n`, `a`)")
        #expect(try expr("a || b || 'x'") == "CONCAT(`a`, `b`, 'x')")
        #expect(try expr("(n + 1) * 2") == "(`n` + 1) * 2")
        #expect(try expr("n - (n - 1)") == "`n` - (`n` - 1)")
    }

    @Test func booleanOperatorsKeepTheirGrouping() throws {
        #expect(try expr("NOT n = 1") == "NOT (`n` = 1)")
        #expect(try expr("n = 1 OR n = 2 AND a = 'x'") == "`n` = 1 OR `n` = 2 AND `a` = 'x'")
        #expect(try expr("(n = 1 OR n = 2) AND a = 'x'") == "(`n` = 1 OR `n` = 2) AND `a` = 'x'")
        #expect(try expr("n BETWEEN 1 AND 2 AND n <> 3") == "`n` BETWEEN 1 AND 2 AND `n` <> 3")
        #expect(try expr("n == 1") == "`n` = 1")
        #expect(try expr("n != 1") == "`n` <> 1")
    }

    @Test func nullSemanticsMatch() throws {
        // || with NULL is NULL in SQLite; so is CONCAT.
        #expect(try expr("a || NULL") == "CONCAT(`a`, NULL)")
        #expect(try expr("a IS b") == "`a` <=> `b`")
        #expect(try expr("a IS NOT b") == "NOT (`a` <=> `b`)")
        #expect(try expr("a IS NULL") == "`a` IS NULL")
        #expect(try expr("a IS NOT NULL") == "`a` IS NOT NULL")
        #expect(try expr("a ISNULL") == "`a` IS NULL")
        #expect(try expr("a NOTNULL") == "`a` IS NOT NULL")
        #expect(try expr("a NOT NULL") == "`a` IS NOT NULL")
        #expect(try expr("n IS TRUE") == "`n` IS TRUE")
        #expect(try expr("n IN ()") == "0")
        #expect(try expr("coalesce(a, b, 'x')") == "COALESCE(`a`, `b`, 'x')")
        #expect(try expr("ifnull(a, '')") == "IFNULL(`a`, '')")
    }

    @Test func identifiersAndLiteralsAreQuotedForMariaDB() throws {
        #expect(try select("SELECT \"a\", [b], `n` FROM \"t\"") == "SELECT `a`, `b`, `n` FROM `t`")
        // Table names are matched case-insensitively, as SQLite does, and written as the target has them.
        #expect(try select("SELECT label FROM orders") == "SELECT `label` FROM `Orders`")
        #expect(try expr("'it''s'") == "'it''s'")
        #expect(try expr("'back\\slash'") == "'back\\slash'")
        #expect(try expr("X'00ff'") == "X'00ff'")
        #expect(try expr("0x10") == "16")
        // A REAL literal stays a DOUBLE (1.5 alone is an exact DECIMAL in MariaDB).
        #expect(try expr("r * 1.5") == "`r` * 1.5e0")
        #expect(try expr("a AS \"the a\"") == "`a` AS `the a`")
        let refused = try #require(refusal("SELECT \"nope\" FROM t"))
        #expect(refused.reason.contains("single quotes"))
    }

    @Test func integerDivisionTruncatesLikeSQLite() throws {
        #expect(try expr("n / 2") == "`n` DIV 2")
        #expect(try expr("n / n") == "`n` DIV NULLIF(`n`, 0)")
        #expect(try expr("r / 2") == "`r` / 2")
        #expect(try expr("n / 2.0") == "`n` / 2.0e0")
        #expect(try expr("n % 3") == "`n` % 3")
        let decimal = try #require(refusal("SELECT d / 2 FROM t"))
        #expect(decimal.construct == "`d` / 2")
        #expect(decimal.reason.contains("not both known"))
        #expect(refusal("SELECT r % 2 FROM t")?.reason.contains("converts both operands to integers") == true)
    }

    @Test func sqliteFunctionsAreRewritten() throws {
        #expect(try expr("substr(a, 2, 3)") == "SUBSTRING(`a`, 2, 3)")
        #expect(try expr("substr(a, instr(a, '@') + 1)") == "SUBSTRING(`a`, LOCATE('@', `a`) + 1)")
        #expect(try expr("length(a)") == "CHAR_LENGTH(`a`)")
        #expect(try expr("length(bl)") == "OCTET_LENGTH(`bl`)")
        #expect(try expr("iif(n > 1, 'big', 'small')") == "IF(`n` > 1, 'big', 'small')")
        #expect(try expr("lower(a)") == "LOWER(`a`)")
        #expect(try expr("upper(a)") == "UPPER(`a`)")
        #expect(try expr("trim(a)") == "TRIM(`a`)")
        #expect(try expr("trim(a, 'x')") == "TRIM(BOTH 'x' FROM `a`)")
        #expect(try expr("CAST(a AS TEXT)") == "CAST(`a` AS CHAR)")
        #expect(try expr("CAST(r AS INTEGER)") == "CAST(TRUNCATE(`r`, 0) AS SIGNED)")
        #expect(try expr("CAST(n AS REAL)") == "CAST(`n` AS DOUBLE)")
        #expect(try expr("printf('%d items', n)") == "CONCAT(IFNULL(`n`, 0), ' items')")
        #expect(try expr("max(n, 3)") == "GREATEST(`n`, 3)")
        #expect(try expr("likely(n > 1)") == "`n` > 1")
        #expect(try expr("strftime('%Y-%m', at)") == "DATE_FORMAT(`at`, '%Y-%m')")
        #expect(try expr("date(at, '+1 day')") == "DATE_FORMAT((`at` + INTERVAL 1 DAY), '%Y-%m-%d')")
        #expect(
            try expr("datetime(n, 'unixepoch')")
                == "DATE_FORMAT(TIMESTAMPADD(SECOND, `n`, '1970-01-01 00:00:00'), '%Y-%m-%d %H:%i:%s')")
        #expect(try expr("a LIKE 'x\\_%'") == "LOWER(`a`) LIKE LOWER('x\\\\_%')")
    }

    @Test func whatCannotBeProvenEquivalentIsRefusedByName() throws {
        let cases: [(String, String)] = [
            ("SELECT typeof(a) FROM t", "typeof()"),
            ("SELECT a GLOB 'x*' FROM t", "GLOB"),
            ("SELECT substr(a, 0, 2) FROM t", "substr(…, 0)"),
            ("SELECT substr(a, n) FROM t", "substr(…, `n`)"),
            ("SELECT length(r) FROM t", "length(`r`)"),
            ("SELECT CAST(a AS INTEGER) FROM t", "CAST(`a` AS INTEGER)"),
            ("SELECT printf('%.2f', r) FROM t", "printf('%.…')"),
            ("SELECT strftime('%f', at) FROM t", "strftime('%f')"),
            ("SELECT julianday(at) FROM t", "julianday()"),
            ("SELECT round(r, 2) FROM t", "round(`r`)"),
            ("SELECT r || 'x' FROM t", "|| `r`"),
            ("SELECT a = 1 FROM t", "`a` = 1"),
            ("SELECT n & 1 FROM t", "&"),
            ("SELECT a COLLATE NOCASE FROM t", "COLLATE NOCASE"),
            ("SELECT my_udf(a) FROM t", "my_udf()"),
            ("SELECT a, max(n) FROM t", "t.a"),
            ("SELECT * FROM t FULL JOIN Orders ON 1", "FULL JOIN"),
            ("SELECT * FROM gone", "gone"),
            ("SELECT * FROM json_each(a)", "json_each(…)"),
        ]
        for (sql, construct) in cases {
            let refused = refusal(sql)
            #expect(refused?.construct == construct, "\(sql): \(String(describing: refused))")
            #expect(!(refused?.reason.isEmpty ?? true))
        }
    }

    @Test func queriesKeepTheirShape() throws {
        #expect(
            try select("SELECT t.id, o.label FROM t, Orders o WHERE o.t_id = t.id")
                == "SELECT `t`.`id`, `o`.`label` FROM `t` CROSS JOIN `Orders` AS `o` WHERE `o`.`t_id` = `t`.`id`")
        #expect(try select("SELECT n FROM (SELECT n FROM t)") == "SELECT `n` FROM (SELECT `n` FROM `t`) AS `_derived1`")
        // SQLite lets WHERE use a result alias; MariaDB does not, so the expression is written out.
        #expect(
            try select("SELECT n * 2 AS dbl FROM t WHERE dbl > 4")
                == "SELECT `n` * 2 AS `dbl` FROM `t` WHERE (`n` * 2) > 4")
        // Grouped by the key, the other columns of the row are determined.
        #expect(
            try select("SELECT id, a, count(*) FROM t GROUP BY id")
                == "SELECT `id`, `a`, COUNT(*) FROM `t` GROUP BY `id`")
        #expect(
            try select("SELECT a, avg(n) FROM t GROUP BY a ORDER BY 2 DESC LIMIT 3")
                == "SELECT `a`, AVG(CAST(`n` AS DOUBLE)) FROM `t` GROUP BY `a` ORDER BY 2 DESC LIMIT 3")
        #expect(
            try select("SELECT CASE WHEN n > 1 THEN 'x' ELSE a END FROM t")
                == "SELECT CASE WHEN `n` > 1 THEN 'x' ELSE `a` END FROM `t`")
        #expect(
            try select("SELECT a FROM t UNION SELECT label FROM Orders ORDER BY a")
                == "SELECT `a` FROM `t` UNION SELECT `label` FROM `Orders` ORDER BY `a`")
        #expect(
            try select("WITH x AS (SELECT n FROM t) SELECT n FROM x")
                == "WITH `x` AS (SELECT `n` FROM `t`) SELECT `n` FROM `x`")
        #expect(
            try select("SELECT n, row_number() OVER (PARTITION BY a ORDER BY n) FROM t")
                == "SELECT `n`, ROW_NUMBER() OVER (PARTITION BY `a` ORDER BY `n`) FROM `t`")
        #expect(try select("SELECT a FROM t ORDER BY a NULLS LAST") == "SELECT `a` FROM `t` ORDER BY `a` IS NULL, `a`")
        #expect(
            try select("SELECT a FROM t WHERE n IN (SELECT t_id FROM Orders)")
                == "SELECT `a` FROM `t` WHERE `n` IN (SELECT `t_id` FROM `Orders`)")
    }

    @Test func triggersBecomeMariaDBTriggers() throws {
        func trigger(_ sql: String) throws -> String {
            var translator = SQLiteTranslator(catalog: Self.catalog, context: .trigger)
            return try translator.trigger(SQLParser.createTrigger(sql)).sql
        }
        #expect(
            try trigger(
                """
                CREATE TRIGGER t_ai AFTER INSERT ON t WHEN NEW.n > 10 BEGIN
                  INSERT INTO Orders (t_id, label) VALUES (NEW.id, 'big ' || NEW.a);
                  UPDATE Orders SET label = upper(label) WHERE t_id = NEW.id;
                END
                """) == "CREATE OR REPLACE TRIGGER `t_ai` AFTER INSERT ON `t` FOR EACH ROW BEGIN IF NEW.`n` > 10 THEN "
                + "INSERT INTO `Orders` (`t_id`, `label`) VALUES (NEW.`id`, CONCAT('big ', NEW.`a`)); "
                + "UPDATE `Orders` SET `label` = UPPER(`label`) WHERE `t_id` = NEW.`id`; END IF; END")
        #expect(
            try trigger(
                "CREATE TRIGGER t_bu BEFORE UPDATE OF n ON t BEGIN "
                    + "SELECT RAISE(ABORT, 'n may not shrink') WHERE NEW.n < OLD.n; END"
            )
                == "CREATE OR REPLACE TRIGGER `t_bu` BEFORE UPDATE ON `t` FOR EACH ROW BEGIN "
                + "IF (NOT (NEW.`n` <=> OLD.`n`)) THEN IF EXISTS (SELECT 1 WHERE NEW.`n` < OLD.`n`) THEN "
                + "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'n may not shrink'; END IF; END IF; END"
        )
        #expect(
            try trigger(
                "CREATE TRIGGER t_bd BEFORE DELETE ON t BEGIN "
                    + "SELECT CASE WHEN OLD.n > 0 THEN RAISE(ABORT, 'in use') END; END"
            )
                == "CREATE OR REPLACE TRIGGER `t_bd` BEFORE DELETE ON `t` FOR EACH ROW BEGIN IF OLD.`n` > 0 THEN "
                + "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'in use'; END IF; END")
        let own = try #require(throws: TranslationRefusal.self) {
            try trigger("CREATE TRIGGER t_au AFTER UPDATE ON t BEGIN UPDATE t SET a = 'x' WHERE id = NEW.id; END")
        }
        #expect(own.reason.contains("its own table"))
        #expect(throws: TranslationRefusal.self) {
            try trigger("CREATE TRIGGER x BEFORE INSERT ON t BEGIN SELECT RAISE(IGNORE); END")
        }
        #expect(throws: TranslationRefusal.self) {
            try trigger("CREATE TRIGGER x INSTEAD OF INSERT ON t BEGIN SELECT 1; END")
        }
        #expect(throws: TranslationRefusal.self) {
            try trigger("CREATE TRIGGER x AFTER INSERT ON t BEGIN INSERT OR IGNORE INTO Orders VALUES (1, 1, 'x'); END")
        }
    }

    @Test func tokenizerReadsSQLiteQuotingAndComments() throws {
        let tokens = try SQLTokenizer.tokenize("SELECT [a b], \"c\"\"d\", `e`, 'f''g' -- comment\n /* block */ FROM x")
        #expect(tokens.map(\.text) == ["SELECT", "a b", ",", "c\"d", ",", "e", ",", "f'g", "FROM", "x", ""])
        #expect(throws: TranslationRefusal.self) { try SQLTokenizer.tokenize("SELECT 'open") }
    }

    @Test func generatedColumnExpressionsAreFoundInCreateTable() throws {
        let columns = try SQLParser.generatedColumns(
            """
            CREATE TABLE p (id INTEGER PRIMARY KEY, first TEXT, last TEXT,
              full TEXT GENERATED ALWAYS AS (first || ' ' || last) VIRTUAL, n INT AS (length(first)) STORED,
              CHECK (CAST(id AS TEXT) <> ''))
            """)
        #expect(columns.keys.sorted() == ["full", "n"])
        #expect(columns["full"]?.text == "first || ' ' || last")
        #expect(columns["full"]?.stored == false)
        #expect(columns["n"]?.stored == true)
    }
}
