import Foundation

/// Names orphaned rows the way a user can look them up: `order_lines id=42 → orders id=7` (the child's
/// primary key, and the foreign-key values that point nowhere).
enum OrphanNames {
    static func describe(_ source: SQLiteSource, schema: SourceSchema, table: SourceTable, orphans: [(rowid: Int64?, parent: String, fk: Int)], limit: Int = 3) -> [String] {
        orphans.prefix(limit).map { orphan in
            let fk = table.foreignKeys.first { $0.id == orphan.fk }
            guard let rowid = orphan.rowid, let fk else { return "\(table.name) (a row) → \(orphan.parent)" }
            let keyColumns = table.primaryKey.isEmpty ? ["rowid"] : table.primaryKey
            let columns = keyColumns + fk.columns
            let list = columns.map { $0 == "rowid" ? "rowid" : SourceInspector.quote($0) }.joined(separator: ", ")
            guard let row = try? source.rows("SELECT \(list) FROM \(SourceInspector.quote(table.name)) WHERE rowid = ?", binds: [.integer(rowid)]).first else {
                return "\(table.name) rowid \(rowid) → \(orphan.parent)"
            }
            let key = zip(keyColumns, row).map { "\($0.0)=\(text($0.1))" }.joined(separator: ", ")
            // `REFERENCES parent` without columns means the parent's primary key.
            let parentKey = schema.table(fk.referencedTable)?.primaryKey ?? []
            let names = fk.referencedColumns.enumerated().map { $0.element.isEmpty && $0.offset < parentKey.count ? parentKey[$0.offset] : $0.element }
            let referenced = zip(names, row.dropFirst(keyColumns.count))
                .map { "\($0.0)=\(text($0.1))" }.joined(separator: ", ")
            return "\(table.name) \(key) → \(orphan.parent) \(referenced)"
        }
    }

    static func text(_ value: SQLiteValue) -> String {
        switch value {
        case .null: return "NULL"
        case .integer(let v): return String(v)
        case .real(let d): return ValueConversion.sqliteRealText(d)
        case .text(let b): return "'" + String(decoding: b.prefix(64), as: UTF8.self) + "'"
        case .blob(let b): return "x'" + b.prefix(32).map { String(format: "%02x", $0) }.joined() + "'"
        }
    }
}
