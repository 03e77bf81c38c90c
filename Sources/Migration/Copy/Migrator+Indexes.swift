import Foundation
import MariaDB

extension Migrator {
    /// Builds a table's secondary indexes that do not exist yet, in one ALTER (one sorted build per index).
    /// A unique index the data violates under MariaDB's comparison stops the run naming two colliding rows.
    func addIndexes(_ table: TablePlan, on connection: BlockingConnection) throws {
        let existing = Set(try connection.query("""
            SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = \(table.name)
            """).rows.map { try $0.decode(0, as: String.self) })
        var pending = table
        pending.indexes = table.indexes.filter { !existing.contains($0.name) }
        guard let sql = plan.indexDDL(pending) else { return }
        do {
            try connection.execute(MariaDBQuery(unsafeSQL: sql))
        } catch let error as MariaDBError where error.isDuplicateKey {
            throw try UniqueCollision.find(in: pending, on: connection).map { MigrationError($0) }
                ?? MigrationError("table \(table.name): a unique index cannot be created because the copied data has duplicates under MariaDB's comparison rules (\(error))")
        }
    }

    /// Foreign keys, added without re-checking every row (`foreign_key_checks=0` on the caller's session):
    /// orphans were found at the source before the copy, and verification proves the rows equal, so InnoDB
    /// need not rebuild each child table to validate them again.
    func addForeignKeys(_ admin: BlockingConnection) throws {
        let existingFKs = Set(try admin.query("SELECT CONCAT(TABLE_NAME, '.', CONSTRAINT_NAME) FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE() AND CONSTRAINT_TYPE = 'FOREIGN KEY'").rows.map { try $0.decode(0, as: String.self) })
        for table in plan.tables {
            var pending = table
            pending.foreignKeys = table.foreignKeys.filter { !existingFKs.contains("\(table.name).\($0.name)") }
            if let sql = plan.foreignKeyDDL(pending) {
                do { try admin.execute(MariaDBQuery(unsafeSQL: sql)) } catch let error as MariaDBError {
                    throw MigrationError("table \(table.name): foreign keys could not be added: \(error)")
                }
            }
        }
    }

    func setAutoIncrement(_ admin: BlockingConnection) throws {
        for table in plan.tables {
            guard let column = table.autoIncrementColumn else { continue }
            let max = try admin.query(MariaDBQuery(unsafeSQL: "SELECT COALESCE(MAX(\(MariaDBIdentifier.quote(column))), 0) FROM \(MariaDBIdentifier.quote(table.name))")).rows[0].decode(0, as: Int64.self)
            let next = Swift.max(max + 1, table.autoIncrementFloor)
            // A literal integer the program computed; ALTER TABLE takes no placeholders.
            try admin.execute(MariaDBQuery(unsafeSQL: "ALTER TABLE \(MariaDBIdentifier.quote(table.name)) AUTO_INCREMENT = \(next)"))
        }
    }
}

/// Names the rows behind a unique-key violation: the columns as the user declared them and the primary keys
/// of two rows MariaDB considers equal (values are not printed: they may be personal data).
enum UniqueCollision {
    static func find(in table: TablePlan, on connection: BlockingConnection) throws -> String? {
        for index in table.indexes where index.unique {
            if let found = try collision(table, columns: index.columns, on: connection) {
                return "table \(table.name): unique key (\(index.columns.joined(separator: ", "))) cannot be created: \(found)"
            }
        }
        return nil
    }

    /// "rows id=3 and id=7 are equal under utf8mb4_unicode_nopad_ci …", or nil when the columns hold no duplicate.
    static func collision(_ table: TablePlan, columns: [String], on connection: BlockingConnection) throws -> String? {
        let q: (String) -> String = { MariaDBIdentifier.quote($0) }
        let list = columns.map(q).joined(separator: ", ")
        let notNull = columns.map { "\(q($0)) IS NOT NULL" }.joined(separator: " AND ")
        let join = columns.map { "t.\(q($0)) = d.\(q($0))" }.joined(separator: " AND ")
        let keys = table.primaryKey.isEmpty ? columns : table.primaryKey
        let select = keys.map { "t.\(q($0))" }.joined(separator: ", ")
        let rows = try connection.query(MariaDBQuery(unsafeSQL: """
            SELECT \(select) FROM \(q(table.name)) t JOIN (SELECT \(list) FROM \(q(table.name)) WHERE \(notNull)
              GROUP BY \(list) HAVING COUNT(*) > 1 LIMIT 1) d ON \(join) ORDER BY \(select) LIMIT 2
            """), prepared: true).rows
        guard rows.count == 2 else { return nil }
        let described = rows.map { row in
            keys.enumerated().map { "\($0.element)=\(Verifier.canonical(row[$0.offset]).prefix(64))" }.joined(separator: ", ")
        }
        let collations = Set(columns.compactMap { table.column($0)?.collation })
        let rule = collations.isEmpty ? "MariaDB's comparison" : "MariaDB's \(collations.sorted().joined(separator: ", "))"
        let hint = collations.contains { $0.contains("_ci") }
            ? " (SQLite's NOCASE folds only ASCII letters; this collation also folds other letters' case and accents)"
              + " — change one of the rows, or give the column a binary collation (utf8mb4_nopad_bin) in the plan file"
            : " — change one of the rows"
        return "rows \(described[0]) and \(described[1]) are equal under \(rule), which SQLite compared as different\(hint)"
    }
}
