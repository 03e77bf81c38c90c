/// A MySQL/MariaDB column type the planner can choose.
public enum TargetType: Sendable, Codable, Hashable {
    case integer(bits: Int, unsigned: Bool)
    case boolean
    case decimal(precision: Int, scale: Int)
    case double
    case varchar(Int)
    case text(String)  // TEXT, MEDIUMTEXT, LONGTEXT
    case varbinary(Int)
    case blob(String)  // BLOB, MEDIUMBLOB, LONGBLOB
    case date
    case datetime(fsp: Int)
    case time(fsp: Int)
    case json
    /// MariaDB 10.7+ native UUID (Django 5 uses it on MariaDB).
    case uuid

    public var sql: String {
        switch self {
        case .integer(let bits, let unsigned):
            let name = [8: "TINYINT", 16: "SMALLINT", 24: "MEDIUMINT", 32: "INT"][bits] ?? "BIGINT"
            return unsigned ? name + " UNSIGNED" : name
        case .boolean: return "TINYINT(1)"
        case .decimal(let p, let s): return "DECIMAL(\(p),\(s))"
        case .double: return "DOUBLE"
        case .varchar(let n): return "VARCHAR(\(n))"
        case .text(let kind): return kind
        case .varbinary(let n): return "VARBINARY(\(n))"
        case .blob(let kind): return kind
        case .date: return "DATE"
        case .datetime(let fsp): return fsp > 0 ? "DATETIME(\(fsp))" : "DATETIME"
        case .time(let fsp): return fsp > 0 ? "TIME(\(fsp))" : "TIME"
        case .json: return "JSON"
        case .uuid: return "UUID"
        }
    }

    public var isText: Bool {
        switch self { case .varchar, .text, .json: return true; default: return false }
    }

    /// Parses the types `information_schema.COLUMNS.COLUMN_TYPE` reports (for `--schema existing`).
    public static func parse(columnType: String, dataType: String) -> TargetType? {
        let t = columnType.lowercased()
        let unsigned = t.contains("unsigned")
        func number(_ index: Int) -> Int? {
            guard let open = t.firstIndex(of: "("), let close = t.firstIndex(of: ")") else { return nil }
            let parts = t[t.index(after: open)..<close].split(separator: ",")
            return index < parts.count ? Int(parts[index].trimmingCharacters(in: .whitespaces)) : nil
        }
        switch dataType.lowercased() {
        case "tinyint": return t.hasPrefix("tinyint(1)") && !unsigned ? .boolean : .integer(bits: 8, unsigned: unsigned)
        case "smallint": return .integer(bits: 16, unsigned: unsigned)
        case "mediumint": return .integer(bits: 24, unsigned: unsigned)
        case "int", "integer": return .integer(bits: 32, unsigned: unsigned)
        case "bigint": return .integer(bits: 64, unsigned: unsigned)
        case "decimal", "numeric": return .decimal(precision: number(0) ?? 10, scale: number(1) ?? 0)
        case "double", "float", "real": return .double
        case "varchar", "char": return .varchar(number(0) ?? 255)
        case "tinytext", "text", "mediumtext", "longtext": return dataType.lowercased() == "tinytext" ? .varchar(255) : .text(dataType.uppercased())
        case "varbinary", "binary": return .varbinary(number(0) ?? 255)
        case "tinyblob", "blob", "mediumblob", "longblob": return .blob(dataType.uppercased())
        case "date": return .date
        case "datetime", "timestamp": return .datetime(fsp: number(0) ?? 0)
        case "time": return .time(fsp: number(0) ?? 0)
        case "json": return .json
        case "uuid": return .uuid
        default: return nil
        }
    }
}
