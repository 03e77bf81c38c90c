import Foundation
import MariaDB
import MariaDBTestSupport
@testable import Migration
import Testing

/// Views, triggers, generated columns and virtual tables against a real MariaDB: created, working,
/// verified — or stopping the run with the construct named.
@Suite(.mariaDB) struct SchemaObjectTests {
    static let shop = """
        CREATE TABLE customers (id INTEGER PRIMARY KEY, first TEXT NOT NULL, last TEXT NOT NULL, email TEXT,
          full_name TEXT GENERATED ALWAYS AS (first || ' ' || last) VIRTUAL,
          email_domain TEXT GENERATED ALWAYS AS (lower(substr(email, instr(email, '@') + 1))) STORED,
          shout TEXT AS (upper(last) || '!') VIRTUAL);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), qty INTEGER NOT NULL,
          unit_cents INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'new', meta TEXT,
          total_cents INTEGER AS (qty * unit_cents) STORED,
          half_qty INTEGER AS (qty / 2) VIRTUAL,
          source TEXT AS (json_extract(meta, '$.source')) VIRTUAL);
        CREATE TABLE audit (id INTEGER PRIMARY KEY, order_id INTEGER, note TEXT);
        INSERT INTO customers (id, first, last, email) VALUES (1, 'Ada', 'Lovelace', 'ada@Example.org'),
          (2, 'Alan', 'Turing', NULL), (3, 'Grace', 'Hopper', 'grace@navy.mil'), (4, 'Back\\slash', 'O''Neil', 'x@y');
        INSERT INTO orders (id, customer_id, qty, unit_cents, status, meta) VALUES
          (1, 1, 3, 1999, 'paid', '{"source": "web"}'), (2, 1, 1, 500, 'new', NULL),
          (3, 3, 7, 250, 'paid', '{"source": "app", "n": 2}'),
          (4, 2, 2, 10000, 'cancelled', '{"source": null}');
        CREATE VIEW order_totals AS
          SELECT c.id AS customer_id, c.full_name, count(o.id) AS orders, sum(o.total_cents) AS cents,
                 CASE WHEN sum(o.total_cents) > 5000 THEN 'gold' ELSE 'regular' END AS tier
          FROM customers c LEFT JOIN orders o ON o.customer_id = c.id AND o.status <> 'cancelled'
          GROUP BY c.id;
        CREATE VIEW gold_customers AS SELECT customer_id, full_name FROM order_totals WHERE tier = 'gold';
        CREATE VIEW order_lines AS
          SELECT o.id, c.last || ', ' || c.first AS name, o.qty / 2 AS pairs, o.total_cents % 100 AS cents_part,
                 strftime('%Y', '2026-03-04 05:06:07') AS year, printf('%d x %s', o.qty, o.status) AS label
          FROM orders o JOIN customers c ON c.id = o.customer_id;
        CREATE TRIGGER orders_ai AFTER INSERT ON orders WHEN NEW.status = 'paid' BEGIN
          INSERT INTO audit (order_id, note) VALUES (NEW.id, 'paid ' || NEW.qty || ' by ' || NEW.customer_id);
        END;
        CREATE TRIGGER orders_bu BEFORE UPDATE OF qty ON orders BEGIN
          SELECT RAISE(ABORT, 'qty may not drop') WHERE NEW.qty < OLD.qty;
        END;
        CREATE TRIGGER customers_bd BEFORE DELETE ON customers BEGIN
          SELECT CASE WHEN (SELECT count(*) FROM orders WHERE customer_id = OLD.id) > 0
                      THEN RAISE(ABORT, 'customer has orders') END;
        END;
        """

    func inspect(
        _ fixture: SQLiteFixture, target: MariaDBConfiguration, skipUntranslated: Bool = false,
        schema: MigrationSession.SchemaChoice = .generic
    ) throws -> (MigrationSession, MigrationSession.Inspection) {
        var session = MigrationSession(sourcePath: fixture.path, target: target)
        session.schema = schema
        session.skipUntranslated = skipUntranslated
        return (session, try session.inspect())
    }

    @Test func viewsTriggersAndGeneratedColumnsAreCreatedVerifiedAndWork() throws {
        let fixture = try SQLiteFixture(Self.shop)
        defer { fixture.remove() }
        let (report, target) = try migrate(fixture)
        #expect(report.verified, "\(report.text)")
        let outcomes = try #require(report.schemaObjects)
        #expect(outcomes.allSatisfy { $0.status == .created }, "\(report.text)")
        #expect(outcomes.count == 12)
        // Generated columns are MariaDB's, not loaded data.
        let extra = try query(
            target,
            """
            SELECT COLUMN_NAME, EXTRA FROM information_schema.COLUMNS
            WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'customers' ORDER BY ORDINAL_POSITION
            """
        )
        #expect(
            try extra.map { try $0.decode(0, as: String.self) } == [
                "id", "first", "last", "email", "full_name", "email_domain", "shout",
            ])
        #expect(try extra[4].decode(1, as: String.self) == "VIRTUAL GENERATED")
        #expect(try extra[5].decode(1, as: String.self) == "STORED GENERATED")
        let names = try query(target, "SELECT full_name, email_domain, shout FROM customers ORDER BY id")
        #expect(
            try names.map { try $0.decode(0, as: String.self) } == [
                "Ada Lovelace", "Alan Turing", "Grace Hopper", "Back\\slash O'Neil",
            ])
        #expect(try names[0].decode(1, as: String.self) == "example.org")
        #expect(names[1][1] == .null)
        #expect(try names[3].decode(2, as: String.self) == "O'NEIL!")
        // Views on views, in dependency order.
        let gold = try query(target, "SELECT customer_id, full_name FROM gold_customers ORDER BY customer_id")
        #expect(try gold.map { try $0.decode(1, as: String.self) } == ["Ada Lovelace"])
        let lines = try query(target, "SELECT pairs, cents_part, year, label FROM order_lines WHERE id = 3")
        #expect(try lines[0].decode(0, as: Int.self) == 3)
        #expect(try lines[0].decode(2, as: String.self) == "2026")
        #expect(try lines[0].decode(3, as: String.self) == "7 x paid")
        let verifiedViews = try #require(report.schemaObjectVerification).filter { $0.kind == .view }
        #expect(verifiedViews.map(\.name).sorted() == ["gold_customers", "order_lines", "order_totals"])

        // The triggers behave on MariaDB as they did on SQLite.
        let connection = try BlockingConnection.connect(target)
        defer { connection.close() }
        // The trigger did not fire during the copy.
        #expect(try query(target, "SELECT COUNT(*) FROM audit")[0].decode(0, as: Int.self) == 0)
        try connection.execute(
            "INSERT INTO orders (id, customer_id, qty, unit_cents, status) VALUES (10, 3, 4, 100, 'paid')")
        try connection.execute(
            "INSERT INTO orders (id, customer_id, qty, unit_cents, status) VALUES (11, 3, 1, 100, 'new')")
        let audit = try query(target, "SELECT order_id, note FROM audit")
        #expect(audit.count == 1)
        #expect(try audit[0].decode(1, as: String.self) == "paid 4 by 3")
        #expect(try query(target, "SELECT total_cents FROM orders WHERE id = 10")[0].decode(0, as: Int.self) == 400)
        let drop = try #require(throws: MariaDBError.self) {
            try connection.execute("UPDATE orders SET qty = 1 WHERE id = 10")
        }
        #expect(drop.message.contains("qty may not drop"))
        try connection.execute("UPDATE orders SET qty = 9 WHERE id = 10")
        let delete = try #require(throws: MariaDBError.self) {
            try connection.execute("DELETE FROM customers WHERE id = 3")
        }
        #expect(delete.message.contains("customer has orders"))
        try connection.execute("DELETE FROM orders WHERE customer_id = 2")
        try connection.execute("DELETE FROM customers WHERE id = 2")
    }

    @Test func theDryRunShowsTranslatedStatementsAndLoadDataNeverNamesGeneratedColumns() throws {
        let fixture = try SQLiteFixture(Self.shop)
        defer { fixture.remove() }
        let (_, inspection) = try inspect(fixture, target: try TestServer.freshDatabase("dry"))
        let ddl = inspection.plan.ddl
        #expect(
            ddl.contains(
                "`full_name` TEXT COLLATE utf8mb4_bin GENERATED ALWAYS AS (CONCAT(`first`, ' ', `last`)) VIRTUAL"),
            "\(ddl)")
        #expect(
            ddl.contains("`total_cents` BIGINT GENERATED ALWAYS AS (`qty` * `unit_cents`) PERSISTENT")
                || ddl.contains("`total_cents` INT GENERATED ALWAYS AS (`qty` * `unit_cents`) PERSISTENT"), "\(ddl)")
        #expect(ddl.contains("`half_qty`") && ddl.contains("`qty` DIV 2"))
        #expect(ddl.contains("CREATE OR REPLACE SQL SECURITY INVOKER VIEW `gold_customers`"))
        #expect(ddl.contains("SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'qty may not drop'"))
        // gold_customers reads order_totals: it comes after it.
        let order = ddl.components(separatedBy: "\n").filter {
            $0.hasPrefix("CREATE OR REPLACE SQL SECURITY INVOKER VIEW")
        }
        #expect(
            order.firstIndex { $0.contains("`order_totals`") }! < order.firstIndex { $0.contains("`gold_customers`") }!)
        #expect(inspection.failed.isEmpty)
        let customers = try #require(inspection.plan.table("customers"))
        #expect(customers.columns.map(\.name) == ["id", "first", "last", "email"])
        #expect(TableCopier.selectSQL(customers).contains("full_name") == false)
    }

    @Test func anUntranslatableObjectStopsTheRunUntilAccepted() throws {
        let fixture = try SQLiteFixture(
            """
            CREATE TABLE t (id INTEGER PRIMARY KEY, v);
            INSERT INTO t VALUES (1, 42), (2, 'x');
            CREATE VIEW kinds AS SELECT id, typeof(v) AS kind FROM t;
            CREATE VIEW plain AS SELECT id FROM t;
            CREATE VIEW on_kinds AS SELECT kind FROM kinds;
            CREATE TRIGGER t_au AFTER UPDATE ON t BEGIN UPDATE t SET v = 0 WHERE id = NEW.id; END;
            """)
        defer { fixture.remove() }
        let target = try TestServer.freshDatabase("refuse")
        let (session, inspection) = try inspect(fixture, target: target)
        let views = try #require(inspection.checks.first { $0.name == "source.views" })
        #expect(views.status == .failed)
        #expect(views.detail.contains("kinds (typeof(): MariaDB columns have one type"))
        #expect(views.detail.contains("on_kinds (kinds: view kinds is not carried over"))
        #expect(views.detail.contains("--skip-untranslated"))
        let triggers = try #require(inspection.checks.first { $0.name == "source.triggers" })
        #expect(triggers.status == .failed)
        #expect(triggers.detail.contains("t_au") && triggers.detail.contains("its own table"))
        let error = try #require(throws: MigrationError.self) {
            _ = try session.execute(inspection, options: MigrationOptions(), reporter: ProgressReporter(enabled: false))
        }
        #expect(error.description.contains("source.views") && error.description.contains("nothing was written"))
        #expect(
            try query(target, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")[0]
                .decode(0, as: Int.self) == 0)

        // Accepted: the rest is migrated, and the report says what was left out and why.
        let (accepting, accepted) = try inspect(fixture, target: target, skipUntranslated: true)
        #expect(accepted.failed.isEmpty)
        #expect(accepted.checks.first { $0.name == "source.views" }?.status == .warning)
        let report = try accepting.execute(
            accepted, options: MigrationOptions(), reporter: ProgressReporter(enabled: false))
        #expect(report.verified, "\(report.text)")
        let outcomes = try #require(report.schemaObjects)
        #expect(outcomes.first { $0.name == "plain" }?.status == .created)
        #expect(outcomes.first { $0.name == "kinds" }?.status == .notCarriedOver)
        #expect(outcomes.first { $0.name == "t_au" }?.status == .notCarriedOver)
        #expect(report.text.contains("NOT carried over: view kinds: typeof()"))
        #expect(report.text.contains("NOT carried over: trigger t_au"))
        let json = String(decoding: try report.json(), as: UTF8.self)
        #expect(json.contains("\"not_carried_over\""))
        #expect(
            try query(target, "SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()")[0]
                .decode(0, as: Int.self) == 1)
    }

    @Test func verificationCatchesAWrongGeneratedValueAndADifferingView() throws {
        let fixture = try SQLiteFixture(
            """
            CREATE TABLE p (id INTEGER PRIMARY KEY, price INTEGER, qty INTEGER, total INTEGER AS (price * qty) STORED);
            INSERT INTO p (id, price, qty) VALUES (1, 10, 2), (2, 5, 5), (3, 7, 1);
            CREATE VIEW expensive AS SELECT id, total FROM p WHERE total > 10;
            """)
        defer { fixture.remove() }
        let target = try TestServer.freshDatabase("wrong")
        let (session, inspection) = try inspect(fixture, target: target)
        let report = try session.execute(
            inspection, options: MigrationOptions(), reporter: ProgressReporter(enabled: false))
        #expect(report.verified, "\(report.text)")
        // Someone changes the target's expression: the values no longer match what SQLite computed.
        let connection = try BlockingConnection.connect(target)
        try connection.execute(
            "ALTER TABLE p MODIFY total BIGINT GENERATED ALWAYS AS (`price` * `qty` + (`qty` = 5)) PERSISTENT")
        try connection.execute("CREATE OR REPLACE VIEW expensive AS SELECT id, total FROM p WHERE total >= 10")
        connection.close()
        let results = try SchemaObjectVerifier(plan: inspection.plan, target: target).verifyAll()
        let generated = try #require(results.first { $0.kind == .generatedColumns })
        #expect(!generated.identical)
        #expect(generated.name == "p")
        #expect(generated.differences == ["id=2 (column total)"])
        let view = try #require(results.first { $0.kind == .view })
        #expect(!view.identical)
        #expect(view.name == "expensive")
        #expect(view.differences == ["1 row(s) only in SQLite, 1 only in MariaDB"])
    }

    @Test func virtualTablesAreNotCopiedAsOrdinaryTables() throws {
        let fixture = try SQLiteFixture(
            """
            CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT, body TEXT);
            INSERT INTO docs VALUES (1, 'Swift on Linux', 'builds with SwiftPM'),
                                    (2, 'MariaDB', 'full text search works');
            CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, content='docs', content_rowid='id');
            INSERT INTO docs_fts(docs_fts) VALUES ('rebuild');
            CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN
              INSERT INTO docs_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
            END;
            CREATE TRIGGER docs_ad AFTER DELETE ON docs BEGIN
              INSERT INTO docs_fts(docs_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
            END;
            CREATE VIRTUAL TABLE notes USING fts4(text, tokenize=porter);
            INSERT INTO notes(docid, text) VALUES (7, 'remember the milk'), (9, 'call the bank');
            CREATE VIRTUAL TABLE boxes USING rtree(id, min_x, max_x, min_y, max_y);
            INSERT INTO boxes VALUES (1, 0.5, 1.5, -2.25, 3.0);
            CREATE VIRTUAL TABLE bare USING fts5(x, content='');
            """)
        defer { fixture.remove() }
        let target = try TestServer.freshDatabase("fts")
        let (refusing, refused) = try inspect(fixture, target: target)
        let check = try #require(refused.checks.first { $0.name == "source.virtual_tables" })
        #expect(check.status == .failed)
        #expect(check.detail.contains("bare (content='': a contentless FTS table stores only its index"))
        #expect(
            !refused.plan.tables.contains {
                $0.name.hasPrefix("docs_fts") || $0.name.hasPrefix("notes_") || $0.name.hasPrefix("boxes_")
            })
        _ = refusing

        let (session, inspection) = try inspect(fixture, target: target, skipUntranslated: true)
        let report = try session.execute(
            inspection, options: MigrationOptions(), reporter: ProgressReporter(enabled: false))
        #expect(report.verified, "\(report.text)")
        let tables = Set(
            try query(
                target,
                """
                SELECT TABLE_NAME FROM information_schema.TABLES
                WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'
                """
            )
            .map { try $0.decode(0, as: String.self) })
        #expect(tables == ["docs", "notes", "boxes"])  // and no state table of the tool
        // The external-content index became a FULLTEXT index on docs and a view; its sync triggers are not needed.
        let found = try query(target, "SELECT id FROM docs WHERE MATCH (title, body) AGAINST ('search')")
        #expect(try found.map { try $0.decode(0, as: Int.self) } == [2])
        #expect(
            try query(target, "SELECT title FROM docs_fts WHERE rowid = 1")[0].decode(0, as: String.self)
                == "Swift on Linux")
        let outcomes = try #require(report.schemaObjects)
        #expect(outcomes.first { $0.name == "docs_ai" }?.status == .notCarriedOver)
        #expect(outcomes.first { $0.name == "docs_ai" }?.reason?.contains("FULLTEXT") == true)
        #expect(outcomes.first { $0.name == "bare" }?.status == .notCarriedOver)
        // An FTS table with its own content is a real table with a FULLTEXT index, rowids kept.
        let notes = try query(target, "SELECT rowid FROM notes WHERE MATCH (text) AGAINST ('milk')")
        #expect(try notes.map { try $0.decode(0, as: Int.self) } == [7])
        #expect(try query(target, "SELECT max_y FROM boxes WHERE id = 1")[0].decode(0, as: Double.self) == 3.0)
    }

    @Test func existingSchemaLeavesTheApplicationsObjectsAlone() throws {
        let fixture = try SQLiteFixture(
            """
            CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL,
              label TEXT AS (upper(name)) VIRTUAL, doubled INTEGER AS (price * 2) VIRTUAL,
              tripled INTEGER AS (price * 3) VIRTUAL);
            INSERT INTO items (id, name, price) VALUES (1, 'pen', 3), (2, 'ink', 7);
            CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 5;
            CREATE VIEW named AS SELECT id, label FROM items;
            CREATE VIRTUAL TABLE notes USING fts4(body);
            INSERT INTO notes(docid, body) VALUES (5, 'pens and ink');
            """)
        defer { fixture.remove() }
        let target = try TestServer.freshDatabase("existing")
        let connection = try BlockingConnection.connect(target)
        // The application's own schema: a plain column for `label`, no `doubled`, its own `cheap` view.
        try connection.execute(
            """
            CREATE TABLE items (id BIGINT PRIMARY KEY, name VARCHAR(50) NOT NULL, price INT NOT NULL,
                                label VARCHAR(50) NULL, tripled INT AS (price * 3) VIRTUAL)
            """
        )
        try connection.execute("CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 5")
        connection.close()
        let (session, inspection) = try inspect(fixture, target: target, schema: .existing)
        #expect(inspection.failed.isEmpty, "\(inspection.checks)")
        let report = try session.execute(
            inspection, options: MigrationOptions(), reporter: ProgressReporter(enabled: false))
        #expect(report.verified, "\(report.text)")
        let outcomes = try #require(report.schemaObjects)
        #expect(outcomes.first { $0.name == "cheap" }?.status == .kept)
        #expect(outcomes.first { $0.name == "named" }?.status == .created)
        #expect(outcomes.first { $0.name == "items.label" }?.status == .kept)
        #expect(outcomes.first { $0.name == "items.doubled" }?.status == .created)
        #expect(outcomes.first { $0.name == "items.tripled" }?.status == .kept)
        // The application's own generated column is compared with SQLite's values too.
        let generated = report.schemaObjectVerification?.first { $0.kind == .generatedColumns && $0.name == "items" }
        #expect(generated?.columns == ["doubled", "tripled"])
        #expect(generated?.identical == true)
        // The plain column got SQLite's values; the missing generated column was added.
        #expect(
            try query(target, "SELECT label, doubled FROM items ORDER BY id").map { try $0.decode(0, as: String.self) }
                == ["PEN", "INK"])
        #expect(try query(target, "SELECT doubled FROM items WHERE id = 2")[0].decode(0, as: Int.self) == 14)
        // A virtual table the application's schema lacks is created like in a generic schema, then loaded.
        #expect(outcomes.first { $0.name == "notes" }?.status == .created)
        #expect(try query(target, "SELECT rowid FROM notes WHERE MATCH (body) AGAINST ('pens')")[0].decode(0, as: Int.self) == 5)
    }
}
