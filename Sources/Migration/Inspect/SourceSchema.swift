/// The structure of a SQLite database, as its catalog (`sqlite_master`, `PRAGMA table_xinfo`, …) reports it.
public struct SourceSchema: Sendable, Codable {
    public enum ORM: String, Sendable, Codable { case django, fluent, none }

    public var tables: [SourceTable]
    public var views: [String]
    public var triggers: [String]
    public var orm: ORM
    /// `sqlite_sequence`: AUTOINCREMENT high-water marks by table.
    public var sequences: [String: Int64]
    /// `CREATE VIRTUAL TABLE`s (FTS, R*Tree, …); they and their shadow tables are not in `tables`.
    public var virtualTables: [SourceVirtualTable] = []
    public var viewDefinitions: [SourceDefinition] = []
    public var triggerDefinitions: [SourceDefinition] = []

    public func table(_ name: String) -> SourceTable? { tables.first { $0.name == name } }
}

public struct SourceTable: Sendable, Codable {
    public var name: String
    public var columns: [SourceColumn]
    /// Primary-key columns in key order; empty means only the implicit rowid.
    public var primaryKey: [String]
    public var withoutRowID: Bool
    public var autoincrement: Bool
    /// INTEGER PRIMARY KEY: the column is the rowid (never NULL, 64-bit).
    public var rowidAlias: String?
    public var foreignKeys: [SourceForeignKey]
    public var indexes: [SourceIndex]
    public var checks: [String]
    public var sql: String
}

public struct SourceColumn: Sendable, Codable {
    public var name: String
    public var declaredType: String
    public var notNull: Bool
    public var defaultSQL: String?
    /// 0 = ordinary, 2 = virtual generated, 3 = stored generated (`table_xinfo.hidden`).
    public var hidden: Int
    public var collation: String?

    public var isGenerated: Bool { hidden == 2 || hidden == 3 }

    /// SQLite's type affinity from the declared type (datatype3 §3.1 rules, in order).
    public var affinity: String {
        let t = declaredType.uppercased()
        if t.contains("INT") { return "INTEGER" }
        if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") { return "TEXT" }
        if t.contains("BLOB") || t.isEmpty { return "BLOB" }
        if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") { return "REAL" }
        return "NUMERIC"
    }
}

public struct SourceForeignKey: Sendable, Codable {
    public var id: Int
    public var columns: [String]
    public var referencedTable: String
    public var referencedColumns: [String]
    public var onDelete: String
    public var onUpdate: String
}

public struct SourceIndex: Sendable, Codable {
    public var name: String
    public var unique: Bool
    /// Column names in order; nil for an expression key part.
    public var columns: [String?]
    public var partial: Bool
    /// `c` CREATE INDEX, `u` UNIQUE constraint, `pk` PRIMARY KEY.
    public var origin: String
    public var sql: String?
}
