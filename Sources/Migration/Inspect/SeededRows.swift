import Foundation
import MariaDB

/// A target table the application's own migrations already filled (Django's content types, permissions,
/// sites and groups; any data migration): its rows are replaced by the source's inside the load.
public struct SeededTable: Sendable, Codable, Equatable {
    public var table: String
    /// Rows the target held before the load.
    public var rows: Int
    /// Target rows with no source row of the same primary key or unique-key values (first few, by key).
    public var unmatched: [String]
    public var unmatchedCount: Int
}

/// Finds the seeded tables of an `--schema existing` target and accounts for every seeded row: a row is
/// accounted for when the source has a row with the same primary key, or the same values of one of the
/// target's unique keys (the same content type under another id). The source is the truth, so accounted
/// rows are replaced; a row that cannot be accounted for stops the run unless the user accepts its loss.
struct SeededRowsInspector {
    let plan: MigrationPlan
    let target: BlockingConnection

    /// More seeded rows than this (and more than a fifth of the migration) is not what migrations create.
    static let plausibleSeedRows = 5_000

    func inspect() throws -> [SeededTable] {
        var seeded: [SeededTable] = []
        let uniqueKeys = try targetUniqueKeys()
        // Tables the run creates itself (stand-ins for virtual tables) hold nothing yet.
        let present = Set(try target.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()").rows
            .map { try $0.decode(0, as: String.self) })
        for table in plan.tables where present.contains(table.name) {
            let count = try target.query("SELECT COUNT(*) FROM \(identifier: table.name)").rows[0].decode(0, as: Int.self)
            guard count > 0 else { continue }
            let keys = ([table.primaryKey] + (uniqueKeys[table.name] ?? []))
                .filter { !$0.isEmpty && $0.allSatisfy { table.column($0) != nil } }
            seeded.append(try account(table, rows: count, keys: keys))
        }
        return seeded
    }

    /// Unique keys of the target's tables (other than the primary key), as column lists in key order.
    func targetUniqueKeys() throws -> [String: [[String]]] {
        let rows = try target.query("""
            SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS
            WHERE TABLE_SCHEMA = DATABASE() AND NON_UNIQUE = 0 AND INDEX_NAME <> 'PRIMARY'
            ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX
            """).rows
        var byIndex: [String: (table: String, columns: [String])] = [:]
        var order: [String] = []
        for row in rows {
            let table = try row.decode(0, as: String.self), index = try row.decode(1, as: String.self)
            let id = table + "\u{0}" + index
            if byIndex[id] == nil { order.append(id); byIndex[id] = (table, []) }
            byIndex[id]!.columns.append(try row.decode(2, as: String.self))
        }
        var result: [String: [[String]]] = [:]
        for id in order { result[byIndex[id]!.table, default: []].append(byIndex[id]!.columns) }
        return result
    }

    func account(_ table: TablePlan, rows: Int, keys: [[String]]) throws -> SeededTable {
        guard !keys.isEmpty else {
            return SeededTable(table: table.name, rows: rows, unmatched: ["(no primary or unique key to match by)"], unmatchedCount: rows)
        }
        let columns = Array(Set(keys.flatMap { $0 })).sorted()
        var sourceKeys = Array(repeating: Set<String>(), count: keys.count)
        let source = try SQLiteSource(path: plan.source)
        defer { source.close() }
        let list = columns.map(SourceInspector.quote).joined(separator: ", ")
        try source.query("SELECT \(list) FROM \(SourceInspector.quote(table.name))") { row in
            var values: [String: String] = [:]
            for (index, name) in columns.enumerated() {
                guard let column = table.column(name) else { continue }
                let converted = try? ValueConversion.convert(row.value(index), to: column.type, numbers: column.temporalNumbers,
                                                             roundDecimals: column.roundsDecimals)
                values[name] = converted.map { Self.comparable($0, column) }
            }
            for (k, key) in keys.enumerated() {
                if let joined = Self.join(key.map { values[$0] ?? nil }) { sourceKeys[k].insert(joined) }
            }
        }
        var unmatched: [String] = []
        var unmatchedCount = 0
        let select = columns.map(MariaDBIdentifier.quote).joined(separator: ", ")
        let primaryKey = table.primaryKey.isEmpty ? keys[0] : table.primaryKey
        try target.stream(MariaDBQuery(unsafeSQL: "SELECT \(select) FROM \(MariaDBIdentifier.quote(table.name))"), prepared: true) { row in
            var values: [String: String?] = [:]
            for (index, name) in columns.enumerated() {
                values[name] = row[index].isNull ? nil : table.column(name).map { Self.comparable(row[index], $0) }
            }
            let matched = keys.enumerated().contains { k, key in
                Self.join(key.map { values[$0] ?? nil }).map(sourceKeys[k].contains) ?? false
            }
            if !matched {
                unmatchedCount += 1
                if unmatched.count < 5 {
                    unmatched.append(primaryKey.map { "\($0)=\(String((values[$0] ?? nil)?.prefix(64) ?? "NULL"))" }.joined(separator: ", "))
                }
            }
        }
        return SeededTable(table: table.name, rows: rows, unmatched: unmatched, unmatchedCount: unmatchedCount)
    }

    /// A key part as the target compares it: case-insensitive collations fold case.
    static func comparable(_ value: MariaDBValue, _ column: ColumnPlan) -> String {
        let text = Verifier.canonical(value)
        if let collation = column.collation?.lowercased(), collation.contains("_ci") { return text.lowercased() }
        return text
    }

    /// Key values joined; nil when a part is NULL (NULLs never collide in a unique key).
    static func join(_ parts: [String?]) -> String? {
        var out = ""
        for part in parts {
            guard let part else { return nil }
            out += part + "\u{1F}"
        }
        return out
    }

    /// The named check for the plan, and the error that stops `--execute` when rows are unaccounted for.
    static func check(_ seeded: [SeededTable], planRows: Int, deleteUnmatched: Bool) -> Check {
        guard !seeded.isEmpty else { return Check(name: "target.seeded_rows", status: .ok, detail: "the target's tables are empty") }
        let total = seeded.map(\.rows).reduce(0, +)
        let list = seeded.map { "\($0.table) \($0.rows)" }.joined(separator: ", ")
        if total > plausibleSeedRows && total * 5 > planRows {
            return Check(name: "target.seeded_rows", status: .failed, detail: """
                the target already holds \(total) rows in \(seeded.count) table(s) (\(list)), more than an \
                application's migrations create: it looks like a finished or foreign copy — migrate into a database the \
                application's migrations just created, or compare with dbctl verify
                """)
        }
        let unmatched = seeded.filter { $0.unmatchedCount > 0 }
        if !unmatched.isEmpty && !deleteUnmatched {
            let named = unmatched.map { "\($0.table) \($0.unmatched.joined(separator: "; "))\($0.unmatchedCount > $0.unmatched.count ? " …(\($0.unmatchedCount))" : "")" }
            return Check(name: "target.seeded_rows", status: .failed, detail: """
                \(unmatched.map(\.unmatchedCount).reduce(0, +)) row(s) the target's migrations created have no source row \
                with the same primary key or unique key: \(named.joined(separator: " | ")) — delete them on the target, or \
                pass --delete-unmatched-seeded to replace them by the source's rows (they are deleted)
                """)
        }
        let deleted = unmatched.isEmpty ? "" : "; \(unmatched.map(\.unmatchedCount).reduce(0, +)) row(s) without a source counterpart are deleted (--delete-unmatched-seeded)"
        return Check(name: "target.seeded_rows", status: .warning,
                     detail: "rows the target's migrations created are replaced by the source's inside the load: \(list)\(deleted)")
    }
}
