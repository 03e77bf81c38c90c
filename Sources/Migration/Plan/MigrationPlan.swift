import MariaDB

/// What `migrate` will do, reviewable as DDL and as JSON, and editable (`--plan-file`).
public struct MigrationPlan: Sendable, Codable {
    public enum SchemaMode: String, Sendable, Codable { case generic, existing }

    public var source: String
    public var schemaMode: SchemaMode
    public var orm: SourceSchema.ORM
    public var tables: [TablePlan]
    public var warnings: [String]
    public var estimatedRows: Int

    /// Copy + verification time from the rows, at the rate measured by bench/migrate-vs-peers on a 2-core
    /// machine (≈ 215k rows/s end to end); a guide, not a promise.
    public var estimatedSeconds: Double?
    /// Views, triggers, generated columns and virtual tables (nil in plans written before they were handled).
    public var schemaObjects: [SchemaObjectPlan]?

    public static func estimateSeconds(rows: Int) -> Double { Double(rows) / 215_000 + 0.5 }

    public func table(_ name: String) -> TablePlan? { tables.first { $0.name == name } }
}

public struct TablePlan: Sendable, Codable {
    public var name: String
    public var columns: [ColumnPlan]
    public var primaryKey: [String]
    /// Source order for the copy (`ORDER BY`): the primary key, or rowid.
    public var sourceOrder: [String]
    public var autoIncrementColumn: String?
    /// First AUTO_INCREMENT value after the copy: above max(id) and `sqlite_sequence`.
    public var autoIncrementFloor: Int64
    public var indexes: [IndexPlan]
    public var foreignKeys: [ForeignKeyPlan]
    public var rows: Int
    public var withoutRowID: Bool
    /// Columns MariaDB computes (`GENERATED ALWAYS AS`); never loaded, verified against SQLite's values.
    public var generatedColumns: [GeneratedColumnPlan]?

    public func column(_ name: String) -> ColumnPlan? { columns.first { $0.name == name } }
}

public struct ColumnPlan: Sendable, Codable {
    public var name: String
    public var sourceType: String
    public var type: TargetType
    public var nullable: Bool
    public var collation: String?
    public var temporalNumbers: TemporalNumbers
    public var reason: String
    /// Decimals with more fraction digits than the scale are rounded half-even (`--round-decimals`) instead
    /// of stopping the run; absent in plans written before the option existed.
    public var rounding: Bool? = nil

    public var roundsDecimals: Bool { rounding ?? false }
}

public struct IndexPlan: Sendable, Codable {
    public var name: String
    public var columns: [String]
    public var unique: Bool
    /// Prefix lengths per column where the full value cannot be indexed (utf8mb4: 3072 bytes per key).
    public var prefixLengths: [String: Int]
    /// MariaDB long unique constraint (`UNIQUE … USING HASH`) for values too long for a B-tree key.
    public var usingHash: Bool
    public var note: String?
}

public struct ForeignKeyPlan: Sendable, Codable {
    public var name: String
    public var columns: [String]
    public var referencedTable: String
    public var referencedColumns: [String]
    public var onDelete: String
    public var onUpdate: String
    /// False when orphans are kept without the constraint (`--on-orphan keep`).
    public var create: Bool
}

extension MigrationPlan {
    /// CREATE TABLE statements (primary key only: secondary indexes and FKs come after the data).
    public func createTableDDL(_ table: TablePlan) -> String {
        var lines = table.columns.map { column -> String in
            var line = "  \(MariaDBIdentifier.quote(column.name)) \(column.type.sql)"
            if column.type.isText, column.type != .json, let collation = column.collation { line += " COLLATE \(collation)" }
            line += column.nullable ? " NULL" : " NOT NULL"
            if table.autoIncrementColumn == column.name { line += " AUTO_INCREMENT" }
            return line
        }
        Self.insertGeneratedColumns(table, into: &lines)
        if !table.primaryKey.isEmpty {
            lines.append("  PRIMARY KEY (\(table.primaryKey.map(MariaDBIdentifier.quote).joined(separator: ", ")))")
        }
        return "CREATE TABLE \(MariaDBIdentifier.quote(table.name)) (\n\(lines.joined(separator: ",\n"))\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"
    }

    public func indexDDL(_ table: TablePlan) -> String? {
        guard !table.indexes.isEmpty else { return nil }
        let parts = table.indexes.map { index -> String in
            let columns = index.columns.map { column in
                MariaDBIdentifier.quote(column) + (index.prefixLengths[column].map { "(\($0))" } ?? "")
            }.joined(separator: ", ")
            return "ADD \(index.unique ? "UNIQUE " : "")INDEX \(MariaDBIdentifier.quote(index.name)) (\(columns))\(index.usingHash ? " USING HASH" : "")"
        }
        return "ALTER TABLE \(MariaDBIdentifier.quote(table.name)) " + parts.joined(separator: ", ")
    }

    public func foreignKeyDDL(_ table: TablePlan) -> String? {
        let keys = table.foreignKeys.filter(\.create)
        guard !keys.isEmpty else { return nil }
        let parts = keys.map { fk in
            "ADD CONSTRAINT \(MariaDBIdentifier.quote(fk.name)) FOREIGN KEY (\(fk.columns.map(MariaDBIdentifier.quote).joined(separator: ", "))) " +
            "REFERENCES \(MariaDBIdentifier.quote(fk.referencedTable)) (\(fk.referencedColumns.map(MariaDBIdentifier.quote).joined(separator: ", "))) " +
            "ON DELETE \(fk.onDelete) ON UPDATE \(fk.onUpdate)"
        }
        return "ALTER TABLE \(MariaDBIdentifier.quote(table.name)) " + parts.joined(separator: ", ")
    }

    /// The whole schema as reviewable DDL, in execution order.
    public var ddl: String {
        guard schemaMode == .generic else {
            let objects = schemaObjectDDL.isEmpty ? "" : "\n-- after the data is loaded:\n" + schemaObjectDDL + "\n"
            return "-- --schema existing: the target's tables are used as they are; no table DDL.\n" + objects
        }
        var out: [String] = []
        for table in tables { out.append(createTableDDL(table) + ";") }
        out.append("-- after the data is loaded:")
        for table in tables { if let sql = indexDDL(table) { out.append(sql + ";") } }
        for table in tables { if let sql = foreignKeyDDL(table) { out.append(sql + ";") } }
        if !schemaObjectDDL.isEmpty { out.append(schemaObjectDDL) }
        return out.joined(separator: "\n\n") + "\n"
    }
}
