import FluentMariaDB
import MariaDB
import SQLKit

/// Shop tables whose text columns are not utf8mb4: tables created before Storefront named its table options
/// took the server's default, which is `latin1` on MySQL 5.7 and many hosted servers; such a column rejects
/// most of the world's text. Nothing is changed here: `migrate` refuses with the statements that convert
/// those columns (JSON columns, already utf8mb4, keep their binary collation).
struct MariaDBCharsetCheck {
    let tables: Set<String>
    let options: MariaDBTableOptions

    struct Column: Decodable {
        let table: String
        let column: String
        let type: String
        let nullable: String
    }

    /// `ALTER TABLE` statements that bring every listed table to `options`; empty when nothing needs it.
    func conversionStatements(on sql: any SQLDatabase) async throws -> [String] {
        let columns = try await sql.raw("""
            SELECT TABLE_NAME AS `table`, COLUMN_NAME AS `column`, COLUMN_TYPE AS `type`, IS_NULLABLE AS nullable
            FROM information_schema.COLUMNS
            WHERE TABLE_SCHEMA = DATABASE() AND CHARACTER_SET_NAME IS NOT NULL AND CHARACTER_SET_NAME <> 'utf8mb4'
            ORDER BY TABLE_NAME, ORDINAL_POSITION
            """).all(decoding: Column.self)
        return statements(for: columns.filter { tables.contains($0.table) })
    }

    func statements(for columns: [Column]) -> [String] {
        var byTable: [(String, [Column])] = []
        for column in columns {
            if byTable.last?.0 == column.table {
                byTable[byTable.count - 1].1.append(column)
            } else {
                byTable.append((column.table, [column]))
            }
        }
        let charset = "CHARACTER SET \(options.characterSet) COLLATE \(options.collation)"
        return byTable.map { table, columns in
            let modifies = columns.map { column in
                "MODIFY \(MariaDBIdentifier.quote(column.column)) \(column.type) \(charset)"
                    + (column.nullable == "YES" ? " NULL" : " NOT NULL")
            }
            let tableOptions = "ENGINE=\(options.engine) ROW_FORMAT=\(options.rowFormat) "
                + "DEFAULT CHARSET=\(options.characterSet) COLLATE=\(options.collation)"
            return "ALTER TABLE \(MariaDBIdentifier.quote(table)) \(tableOptions), "
                + modifies.joined(separator: ", ") + ";"
        }
    }
}

/// `storefront migrate` found shop tables that cannot store all text; `description` has the statements.
public struct SchemaCharsetError: Error, CustomStringConvertible {
    public let statements: [String]
    public var description: String {
        "these tables have text columns that are not utf8mb4 (created with the server's default character set), "
            + "so names, reviews and searches outside that character set would fail. Convert them (each statement "
            + "rebuilds its table and blocks writes to it meanwhile), then run migrate again:\n"
            + statements.joined(separator: "\n")
    }
}
