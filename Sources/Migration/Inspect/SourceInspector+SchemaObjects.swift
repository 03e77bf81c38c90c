import Foundation

/// A `CREATE VIRTUAL TABLE`: its module (fts5, rtree, …) and arguments, as written.
public struct SourceVirtualTable: Sendable, Codable {
    public var name: String
    public var module: String
    public var arguments: [String]
    public var sql: String
    /// Its shadow tables (`x_content`, `x_data`, `x_idx`, …), which SQLite maintains for it.
    public var shadowTables: [String]
}

/// A view's or trigger's definition as SQLite stores it.
public struct SourceDefinition: Sendable, Codable {
    public var name: String
    public var table: String
    public var sql: String
}

extension SourceInspector {
    /// Shadow-table suffixes of the modules SQLite ships; `pragma_table_list` names them too, but only
    /// when the module is loaded.
    static let shadowSuffixes: [String: [String]] = [
        "fts3": ["content", "segments", "segdir", "docsize", "stat"],
        "fts4": ["content", "segments", "segdir", "docsize", "stat"],
        "fts5": ["data", "idx", "content", "docsize", "config"],
        "rtree": ["node", "parent", "rowid"],
        "rtree_i32": ["node", "parent", "rowid"],
        "geopoly": ["node", "parent", "rowid"],
    ]

    /// Virtual tables and their shadow tables, read from `sqlite_master` (not through the module, which
    /// may not be loaded here).
    func virtualTables(_ master: [(type: String, name: String, sql: String)]) throws -> [SourceVirtualTable] {
        let tables = Set(master.filter { $0.type == "table" }.map { $0.name.lowercased() })
        var shadows = Set<String>()
        if let listed = try? source.rows("SELECT name FROM pragma_table_list WHERE type = 'shadow'") {
            for row in listed {
                if case .text(let b) = row[0] { shadows.insert(String(decoding: b, as: UTF8.self).lowercased()) }
            }
        }
        var result: [SourceVirtualTable] = []
        for entry in master where entry.type == "table" && entry.sql.uppercased().hasPrefix("CREATE VIRTUAL TABLE") {
            let (module, arguments) = Self.moduleAndArguments(entry.sql)
            let prefix = entry.name.lowercased() + "_"
            let known = (Self.shadowSuffixes[module.lowercased()] ?? []).map { prefix + $0 }.filter(tables.contains)
            let listed = shadows.filter { $0.hasPrefix(prefix) && tables.contains($0) }
            let names = master.filter { Set(known).union(listed).contains($0.name.lowercased()) }.map(\.name)
            result.append(
                SourceVirtualTable(
                    name: entry.name, module: module, arguments: arguments, sql: entry.sql, shadowTables: names))
        }
        return result
    }

    /// `CREATE VIRTUAL TABLE x USING fts5(a, b, content='t')` → ("fts5", ["a", "b", "content='t'"]).
    static func moduleAndArguments(_ sql: String) -> (String, [String]) {
        guard let using = sql.range(of: "USING", options: .caseInsensitive) else { return ("", []) }
        let rest = sql[using.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
        let module = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
        guard let open = rest.firstIndex(of: "("), let close = rest.lastIndex(of: ")"), open < close else {
            return (module, [])
        }
        var arguments: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        for c in rest[rest.index(after: open)..<close] {
            if let q = quote {
                current.append(c)
                if c == q { quote = nil }
                continue
            }
            switch c {
            case "'", "\"", "`", "[": quote = c == "[" ? "]" : c; current.append(c)
            case "(": depth += 1; current.append(c)
            case ")": depth -= 1; current.append(c)
            case "," where depth == 0:
                arguments.append(current.trimmingCharacters(in: .whitespacesAndNewlines)); current = ""
            default: current.append(c)
            }
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty {
            arguments.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return (module, arguments)
    }

    /// Views and triggers with their SQL, in creation order.
    static func definitions(
        _ master: [(type: String, name: String, tableName: String, sql: String)],
        type: String
    ) -> [SourceDefinition] {
        master.filter { $0.type == type }.map { SourceDefinition(name: $0.name, table: $0.tableName, sql: $0.sql) }
    }
}
