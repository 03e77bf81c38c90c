import Foundation

/// After the cut-over the SQLite file refuses writes: BEFORE INSERT/UPDATE/DELETE triggers on every
/// application table abort with a message that says where the data went. A writer that was not switched
/// (an instance nobody listed, a cron job, an app whose hook failed to reload it) gets a clear error
/// instead of writing into a database nobody reads any more.
///
/// The reverse applier (rollback) writes through the fence: inside its own write transaction it puts a
/// row into `_dbctl_fence_bypass` and removes it before committing, so no other connection ever sees it.
public enum Fence {
    public static let triggerPrefix = "_dbctl_fence_"
    public static let bypassTable = "_dbctl_fence_bypass"
    public static let messageTable = "_dbctl_fence"

    static func quote(_ name: String) -> String { SourceInspector.quote(name) }

    public static func message(target: String, at date: Date = Date()) -> String {
        "this SQLite database moved to MariaDB \(target) at \(ISO8601DateFormatter().string(from: date)); writes "
            + "here are refused (point the application at the new database, or run dbctl rollback)"
    }

    public static func installScript(tables: [String], message: String) -> String {
        let literal = ChangeCapture.literal(message)
        // `_dbctl_fence` keeps the message for whoever opens the file next (`storefront serve` refuses it).
        var sql =
            "CREATE TABLE IF NOT EXISTS \(quote(bypassTable)) (x INTEGER);\n"
            + "CREATE TABLE IF NOT EXISTS \(quote(messageTable)) (message TEXT NOT NULL);\n"
            + "DELETE FROM \(quote(messageTable));\nINSERT INTO \(quote(messageTable)) VALUES (\(literal));\n"
        for table in tables {
            for (suffix, event) in [("i", "INSERT"), ("u", "UPDATE"), ("d", "DELETE")] {
                sql += """
                    CREATE TRIGGER \(quote(triggerPrefix + table + "_" + suffix)) BEFORE \(event) ON \(quote(table))
                      WHEN NOT EXISTS (SELECT 1 FROM \(quote(bypassTable))) BEGIN SELECT RAISE(ABORT, \(literal)); END;

                    """
            }
        }
        return sql
    }

    /// The application's tables (everything but SQLite's and the tool's own).
    public static func applicationTables(_ file: SQLiteSource) throws -> [String] {
        try ChangeCapture.schemaSQL(file).map(\.0)
    }

    public static func isInstalled(_ file: SQLiteSource) throws -> Bool {
        !(try file.rows(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
            binds: [.text(Array(bypassTable.utf8))])).isEmpty
    }

    /// Drops the fence (rollback's last step, inside its transaction).
    public static func removeScript(_ file: SQLiteSource) throws -> String {
        let triggers = try file.rows(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ? ESCAPE '\\'",
            binds: [.text(Array("\\_dbctl\\_fence\\_%".utf8))]
        ).map { SQLiteValue.string($0[0]) }
        return triggers.map { "DROP TRIGGER IF EXISTS \(quote($0));\n" }.joined()
            + "DROP TABLE IF EXISTS \(quote(bypassTable));\nDROP TABLE IF EXISTS \(quote(messageTable));\n"
    }

    /// Opens the fence for the rest of the caller's write transaction.
    public static func bypass(_ file: SQLiteSource) throws {
        try file.execute("INSERT INTO \(quote(bypassTable)) VALUES (1)")
    }
    public static func closeBypass(_ file: SQLiteSource) throws {
        try file.execute("DELETE FROM \(quote(bypassTable))")
    }
}
