import Foundation

/// Reads the SQLite catalog into a `SourceSchema`.
public struct SourceInspector {
    public let source: SQLiteSource
    public init(source: SQLiteSource) { self.source = source }

    public func schema() throws -> SourceSchema {
        func text(_ v: SQLiteValue) -> String { if case .text(let b) = v { return String(decoding: b, as: UTF8.self) }; return "" }
        // `_dbctl_…` is the tool's own namespace (an online migration's change capture and fence): never data.
        let master = try source.rows("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid")
            .filter { !text($0[1]).hasPrefix(Self.toolPrefix) }
        let entries = master.map { (type: text($0[0]), name: text($0[1]), tableName: text($0[2]), sql: text($0[3])) }
        // Virtual tables and their shadow tables are not ordinary tables: SchemaObjectPlanner decides.
        let virtual = try virtualTables(entries.map { (type: $0.type, name: $0.name, sql: $0.sql) })
        let special = Set(virtual.flatMap { [$0.name] + $0.shadowTables })
        let names = master.filter { text($0[0]) == "table" && !text($0[1]).hasPrefix("sqlite_") }.map { text($0[1]) }
            .filter { !special.contains($0) }
        var sequences: [String: Int64] = [:]
        if master.contains(where: { text($0[1]) == "sqlite_sequence" }) {
            for row in try source.rows("SELECT name, seq FROM sqlite_sequence") {
                if case .integer(let seq) = row[1] { sequences[text(row[0])] = seq }
            }
        }
        var tables: [SourceTable] = []
        for name in names {
            let sql = master.first { text($0[0]) == "table" && text($0[1]) == name }.map { text($0[3]) } ?? ""
            tables.append(try table(name, sql: sql, sequences: sequences))
        }
        let orm: SourceSchema.ORM = names.contains("django_migrations") ? .django : (names.contains("_fluent_migrations") ? .fluent : .none)
        var schema = SourceSchema(
            tables: tables, views: master.filter { text($0[0]) == "view" }.map { text($0[1]) },
            triggers: master.filter { text($0[0]) == "trigger" }.map { text($0[1]) }, orm: orm, sequences: sequences)
        schema.virtualTables = virtual
        schema.viewDefinitions = Self.definitions(entries, type: "view")
        schema.triggerDefinitions = Self.definitions(entries, type: "trigger")
        return schema
    }

    public static let toolPrefix = "_dbctl_"

    public static func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    private func table(_ name: String, sql: String, sequences: [String: Int64]) throws -> SourceTable {
        let q = Self.quote(name)
        var columns: [SourceColumn] = []
        var pk: [(Int, String)] = []
        // cid, name, type, notnull, dflt_value, pk, hidden
        try source.query("PRAGMA table_xinfo(\(q))") { row in
            let column = SourceColumn(
                name: row.text(1) ?? "", declaredType: row.text(2) ?? "", notNull: row.int(3) == 1,
                defaultSQL: row.text(4), hidden: Int(row.int(6) ?? 0), collation: nil)
            columns.append(column)
            if let order = row.int(5), order > 0 { pk.append((Int(order), column.name)) }
        }
        let primaryKey = pk.sorted { $0.0 < $1.0 }.map(\.1)
        let upper = sql.uppercased()
        let withoutRowID = upper.replacingOccurrences(of: " ", with: "").hasSuffix("WITHOUTROWID") || upper.contains("WITHOUT ROWID")
        var rowidAlias: String?
        if primaryKey.count == 1, !withoutRowID, let column = columns.first(where: { $0.name == primaryKey[0] }),
           column.declaredType.uppercased() == "INTEGER" {
            rowidAlias = column.name
        }
        for index in columns.indices {
            columns[index].collation = Self.collation(of: columns[index].name, in: sql)
        }
        var foreignKeys: [Int: SourceForeignKey] = [:]
        // id, seq, table, from, to, on_update, on_delete, match
        try source.query("PRAGMA foreign_key_list(\(q))") { row in
            let id = Int(row.int(0) ?? 0)
            var fk = foreignKeys[id] ?? SourceForeignKey(id: id, columns: [], referencedTable: row.text(2) ?? "", referencedColumns: [],
                                                         onDelete: row.text(6) ?? "NO ACTION", onUpdate: row.text(5) ?? "NO ACTION")
            fk.columns.append(row.text(3) ?? "")
            fk.referencedColumns.append(row.text(4) ?? "")
            foreignKeys[id] = fk
        }
        var indexes: [SourceIndex] = []
        var indexList: [(String, Bool, String, Bool)] = []
        // seq, name, unique, origin, partial
        try source.query("PRAGMA index_list(\(q))") { row in
            indexList.append((row.text(1) ?? "", row.int(2) == 1, row.text(3) ?? "c", row.int(4) == 1))
        }
        for (indexName, unique, origin, partial) in indexList {
            var parts: [(Int64, String?)] = []
            // seqno, cid, name, desc, coll, key
            try source.query("PRAGMA index_xinfo(\(Self.quote(indexName)))") { row in
                guard row.int(5) == 1 else { return }
                parts.append((row.int(0) ?? 0, row.int(1) == -2 ? nil : row.text(2)))
            }
            let indexSQL = try source.rows("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", binds: [.text(Array(indexName.utf8))]).first?.first
            var sqlText: String?
            if case .text(let b)? = indexSQL { sqlText = String(decoding: b, as: UTF8.self) }
            indexes.append(SourceIndex(name: indexName, unique: unique, columns: parts.sorted { $0.0 < $1.0 }.map(\.1), partial: partial, origin: origin, sql: sqlText))
        }
        let hasAutoincrement = upper.contains("AUTOINCREMENT") || sequences[name] != nil
        return SourceTable(
            name: name, columns: columns, primaryKey: primaryKey, withoutRowID: withoutRowID, autoincrement: hasAutoincrement,
            rowidAlias: rowidAlias, foreignKeys: foreignKeys.keys.sorted().map { foreignKeys[$0]! }, indexes: indexes,
            checks: Self.checks(in: sql), sql: sql)
    }

    /// `COLLATE NOCASE` (or RTRIM) declared on a column in the CREATE TABLE text.
    static func collation(of column: String, in sql: String) -> String? {
        let pattern = "(\"\(NSRegularExpression.escapedPattern(for: column))\"|`\(NSRegularExpression.escapedPattern(for: column))`|\\b\(NSRegularExpression.escapedPattern(for: column))\\b)[^,]*?COLLATE\\s+\"?(\\w+)"
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]),
              let match = regex.firstMatch(in: sql, range: NSRange(sql.startIndex..., in: sql)),
              let range = Range(match.range(at: 2), in: sql) else { return nil }
        return sql[range].uppercased()
    }

    static func checks(in sql: String) -> [String] {
        var checks: [String] = []
        var search = sql.startIndex
        while let found = sql.range(of: "CHECK", options: [.caseInsensitive], range: search..<sql.endIndex) {
            guard let open = sql[found.upperBound...].firstIndex(of: "(") else { break }
            var depth = 0
            var end = open
            for index in sql[open...].indices {
                if sql[index] == "(" { depth += 1 }
                if sql[index] == ")" { depth -= 1; if depth == 0 { end = index; break } }
            }
            checks.append(String(sql[sql.index(after: open)..<end]))
            search = sql.index(after: end)
        }
        return checks
    }
}
