import FluentKit
import SQLKit

/// Indexes through SQLKit: Fluent's schema builder has no CREATE INDEX. Same statement on both databases.
func createIndex(_ database: any Database, _ name: String, on table: String, _ columns: String..., unique: Bool = false)
    async throws
{
    guard let sql = database as? any SQLDatabase else { return }
    var builder = sql.create(index: name).on(table)
    if unique { builder = builder.unique() }
    for column in columns { builder = builder.column(column) }
    try await builder.run()
}

func dropTables(_ database: any Database, _ tables: String...) async throws {
    for table in tables { try await database.schema(table).delete() }
}

/// Bounded text: VARCHAR(n) on MariaDB (enforced by strict mode) and on SQLite (length enforced by
/// the API's validation, since SQLite does not check declared lengths).
func varchar(_ length: Int) -> DatabaseSchema.DataType { .custom("VARCHAR(\(length))") }

/// `DROP INDEX name ON table` on MariaDB; SQLite's index names are per database and take no table.
func dropIndex(_ sql: any SQLDatabase, _ name: String, on table: String) async throws {
    if sql.dialect.name == "mysql" {
        try await sql.drop(index: name).on(table).run()
    } else {
        try await sql.drop(index: name).run()
    }
}
