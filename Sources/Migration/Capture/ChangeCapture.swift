import Foundation

/// Change capture in the live SQLite file: AFTER INSERT/UPDATE/DELETE triggers on every copied table append
/// `(seq, tbl, op, k1…k4)` to `_dbctl_changes`. Only the key is logged; the applier re-reads the current row,
/// so applying is idempotent and repeated updates of a row collapse. A key change is logged as the old key
/// (`d`) and the new one (`u`).
///
/// The triggers run inside the application's own write transactions: a change is logged exactly when it
/// commits, in commit order (SQLite has one writer), which is what makes `seq` a total order.
public struct ChangeCapture: Sendable {
    public static let changeTable = "_dbctl_changes"
    public static let metaTable = "_dbctl_capture"
    public static let triggerPrefix = "_dbctl_capture_"
    /// Key columns a change can carry; wider primary keys are refused by the `online.keys` check.
    public static let maximumKeyColumns = 4

    public let tables: [TablePlan]

    public init(tables: [TablePlan]) { self.tables = tables }

    /// Tables the capture cannot follow: no primary key, or one wider than the change log's key columns.
    public static func unsupported(_ plan: MigrationPlan) -> [String] {
        plan.tables.filter { $0.primaryKey.isEmpty || $0.primaryKey.count > maximumKeyColumns }
            .map { "\($0.name) (\($0.primaryKey.isEmpty ? "no primary key" : "\($0.primaryKey.count)-column key"))" }
    }

    static func quote(_ name: String) -> String { SourceInspector.quote(name) }
    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// The change log, its metadata and the triggers, as one script (run inside `BEGIN IMMEDIATE`).
    public func installScript() -> String {
        var sql = """
            CREATE TABLE IF NOT EXISTS \(Self.quote(Self.changeTable)) (
              seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, op TEXT NOT NULL,
              k1, k2, k3, k4, at REAL NOT NULL DEFAULT (julianday('now')));
            CREATE TABLE IF NOT EXISTS \(Self.quote(Self.metaTable)) (name TEXT PRIMARY KEY, value TEXT NOT NULL);

            """
        for table in tables { sql += triggers(table) }
        return sql
    }

    func keyColumns(_ count: Int) -> String { (1...count).map { "k\($0)" }.joined(separator: ", ") }

    func triggers(_ table: TablePlan) -> String {
        let name = Self.quote(table.name)
        let log = Self.quote(Self.changeTable)
        let columns = keyColumns(table.primaryKey.count)
        let literal = Self.literal(table.name)
        func keys(_ row: String) -> String {
            table.primaryKey.map { "\(row).\(Self.quote($0))" }.joined(separator: ", ")
        }
        let changed = table.primaryKey.map { "OLD.\(Self.quote($0)) IS NOT NEW.\(Self.quote($0))" }.joined(
            separator: " OR ")
        let prefix = Self.triggerPrefix + table.name
        return """
            CREATE TRIGGER IF NOT EXISTS \(Self.quote(prefix + "_i")) AFTER INSERT ON \(name) BEGIN
              INSERT INTO \(log) (tbl, op, \(columns)) VALUES (\(literal), 'u', \(keys("NEW"))); END;
            CREATE TRIGGER IF NOT EXISTS \(Self.quote(prefix + "_u")) AFTER UPDATE ON \(name) BEGIN
              INSERT INTO \(log) (tbl, op, \(columns)) SELECT \(literal), 'd', \(keys("OLD")) WHERE \(changed);
              INSERT INTO \(log) (tbl, op, \(columns)) VALUES (\(literal), 'u', \(keys("NEW"))); END;
            CREATE TRIGGER IF NOT EXISTS \(Self.quote(prefix + "_d")) AFTER DELETE ON \(name) BEGIN
              INSERT INTO \(log) (tbl, op, \(columns)) VALUES (\(literal), 'd', \(keys("OLD"))); END;

            """
    }

    /// Installs the capture in one write transaction and records each table's schema, so a later change to
    /// it (a rebuilt table loses its triggers) is noticed.
    public func install(on file: SQLiteSource, target: String) throws {
        try file.executeScript("BEGIN IMMEDIATE")
        do {
            try file.executeScript(installScript())
            try file.execute(
                "INSERT OR REPLACE INTO \(Self.quote(Self.metaTable)) VALUES ('target', ?)",
                binds: [.text(Array(target.utf8))])
            try file.execute(
                "INSERT OR REPLACE INTO \(Self.quote(Self.metaTable)) VALUES ('installed_at', ?)",
                binds: [.text(Array(ISO8601DateFormatter().string(from: Date()).utf8))])
            for (table, sql) in try Self.schemaSQL(file) {
                try file.execute(
                    "INSERT OR REPLACE INTO \(Self.quote(Self.metaTable)) VALUES (?, ?)",
                    binds: [.text(Array("schema:\(table)".utf8)), .text(Array(sql.utf8))])
            }
            try file.executeScript("COMMIT")
        } catch {
            try? file.executeScript("ROLLBACK")
            throw error
        }
    }

    /// True when the file carries a capture (an online migration is in its window).
    public static func isInstalled(_ file: SQLiteSource) throws -> Bool {
        !(try file.rows(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
            binds: [.text(Array(metaTable.utf8))])).isEmpty
    }

    /// The application's tables and their `CREATE` statements (the tool's own tables aside).
    static func schemaSQL(_ file: SQLiteSource) throws -> [(String, String)] {
        try file.rows(
            """
            SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_dbctl\\_%' ESCAPE '\\'
              AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name
            """
        ).map { (SQLiteValue.string($0[0]), SQLiteValue.string($0[1])) }
    }

    /// What changed in the source's schema since the capture was installed: a table added, dropped or
    /// altered, or a capture trigger gone (Django rebuilds a table to alter it, which drops its triggers).
    public func schemaChanges(_ file: SQLiteSource) throws -> [String] {
        var recorded: [String: String] = [:]
        for row in try file.rows("SELECT name, value FROM \(Self.quote(Self.metaTable)) WHERE name LIKE 'schema:%'") {
            recorded[String(SQLiteValue.string(row[0]).dropFirst("schema:".count))] = SQLiteValue.string(row[1])
        }
        var problems: [String] = []
        let current = Dictionary(try Self.schemaSQL(file), uniquingKeysWith: { a, _ in a })
        for (table, sql) in current.sorted(by: { $0.key < $1.key }) {
            guard let before = recorded[table] else {
                problems.append("table \(table) was created")
                continue
            }
            if before != sql { problems.append("table \(table) was altered") }
        }
        for table in recorded.keys.sorted() where current[table] == nil {
            problems.append("table \(table) was dropped")
        }
        let triggers = Set(
            try file.rows(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ? ESCAPE '\\'",
                binds: [.text(Array("\\_dbctl\\_capture\\_%".utf8))]
            ).map { SQLiteValue.string($0[0]) })
        for table in tables where current[table.name] != nil {
            let missing = ["_i", "_u", "_d"].filter { !triggers.contains(Self.triggerPrefix + table.name + $0) }
            if !missing.isEmpty { problems.append("table \(table.name) lost its capture triggers (rebuilt?)") }
        }
        return problems
    }

    /// Removes triggers, change log and metadata (finish, abort). The application's data is not touched.
    public static func remove(from file: SQLiteSource) throws {
        let triggers = try file.rows(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ? ESCAPE '\\'",
            binds: [.text(Array("\\_dbctl\\_capture\\_%".utf8))]
        ).map { SQLiteValue.string($0[0]) }
        var script = "BEGIN IMMEDIATE;\n"
        for trigger in triggers { script += "DROP TRIGGER IF EXISTS \(quote(trigger));\n" }
        script += "DROP TABLE IF EXISTS \(quote(changeTable));\nDROP TABLE IF EXISTS \(quote(metaTable));\nCOMMIT;"
        do { try file.executeScript(script) } catch {
            try? file.executeScript("ROLLBACK")
            throw error
        }
    }
}

extension SQLiteValue {
    /// Text of a value read from the tool's own tables (names, SQL): text as UTF-8, anything else as printed.
    static func string(_ value: SQLiteValue) -> String {
        switch value {
        case .text(let bytes), .blob(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .null: return ""
        }
    }
}
