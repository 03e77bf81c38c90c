import Foundation
import MariaDB

/// Change capture on MariaDB for the way back: triggers on every migrated table append `(seq, tbl, op, keys)`
/// to `_dbctl_changes` in the target, from the moment they are installed (before the cut-over) until
/// `migrate finish`. Sessions with `@dbctl_applier` set (the forward applier) are not logged.
///
/// Triggers rather than the binlog: they need no binlog, no replication privilege and no server setting,
/// they run on any MariaDB or MySQL the shop may be given, and the key-only log is applied by re-reading
/// rows exactly like the forward direction. Their cost is one extra insert per changed row, inside the
/// shop's own transaction (measured by bench/online-cutover). Concurrent transactions can commit out of
/// `seq` order, so the log is not consumed by position: each change carries `applied`, and the final drain
/// (every writer frozen) applies whatever is still unapplied.
public enum ReverseCapture {
    public static let changeTable = "_dbctl_changes"
    public static let triggerPrefix = "_dbctl_capture_"

    static func quote(_ name: String) -> String { MariaDBIdentifier.quote(name) }
    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    public static func install(plan: MigrationPlan, on connection: BlockingConnection) throws {
        try connection.execute(
            MariaDBQuery(
                unsafeSQL: """
                    CREATE TABLE IF NOT EXISTS \(quote(changeTable)) (seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                      tbl VARCHAR(255) NOT NULL, op CHAR(1) NOT NULL, k1 BLOB, k2 BLOB, k3 BLOB, k4 BLOB,
                      at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), applied TINYINT NOT NULL DEFAULT 0,
                      KEY applied_seq (applied, seq)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
                    """))
        let existing = Set(
            try connection.query(
                MariaDBQuery(
                    unsafeSQL: """
                        SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND LEFT(TRIGGER_NAME, ?) = ?
                        """, binds: [.int(Int64(triggerPrefix.count)), .string(triggerPrefix)])
            ).rows.map { try $0.decode(0, as: String.self) })
        for table in plan.tables {
            for (name, sql) in triggers(table) where !existing.contains(name) {
                try connection.execute(MariaDBQuery(unsafeSQL: sql))
            }
        }
    }

    static func triggers(_ table: TablePlan) -> [(String, String)] {
        let columns = (1...table.primaryKey.count).map { "k\($0)" }.joined(separator: ", ")
        func keys(_ row: String) -> String { table.primaryKey.map { "\(row).\(quote($0))" }.joined(separator: ", ") }
        let changed = table.primaryKey.map { "NOT (OLD.\(quote($0)) <=> NEW.\(quote($0)))" }.joined(separator: " OR ")
        let log = quote(changeTable)
        let name = literal(table.name)
        func insert(_ op: String, _ row: String) -> String {
            "INSERT INTO \(log) (tbl, op, \(columns)) VALUES (\(name), '\(op)', \(keys(row)))"
        }
        let prefix = triggerPrefix + table.name
        let on = quote(table.name)
        return [
            (
                prefix + "_i",
                "CREATE TRIGGER \(quote(prefix + "_i")) AFTER INSERT ON \(on) FOR EACH ROW "
                    + "IF @dbctl_applier IS NULL THEN \(insert("u", "NEW")); END IF"
            ),
            (
                prefix + "_u",
                "CREATE TRIGGER \(quote(prefix + "_u")) AFTER UPDATE ON \(on) FOR EACH ROW "
                    + "IF @dbctl_applier IS NULL THEN IF \(changed) THEN \(insert("d", "OLD")); END IF; "
                        + "\(insert("u", "NEW")); END IF"
            ),
            (
                prefix + "_d",
                "CREATE TRIGGER \(quote(prefix + "_d")) AFTER DELETE ON \(on) FOR EACH ROW "
                    + "IF @dbctl_applier IS NULL THEN \(insert("d", "OLD")); END IF"
            ),
        ]
    }

    public static func remove(on connection: BlockingConnection) throws {
        let names = try connection.query(
            MariaDBQuery(
                unsafeSQL: """
                    SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND LEFT(TRIGGER_NAME, ?) = ?
                    """, binds: [.int(Int64(triggerPrefix.count)), .string(triggerPrefix)])
        ).rows.map { try $0.decode(0, as: String.self) }
        for name in names { try connection.execute(MariaDBQuery(unsafeSQL: "DROP TRIGGER IF EXISTS \(quote(name))")) }
        try connection.execute(MariaDBQuery(unsafeSQL: "DROP TABLE IF EXISTS \(quote(changeTable))"))
    }
}
