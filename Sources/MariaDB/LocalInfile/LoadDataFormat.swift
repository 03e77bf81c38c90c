/// The text format `LOAD DATA` reads by default: `FIELDS TERMINATED BY '\t' ESCAPED BY '\\'
/// LINES TERMINATED BY '\n'`, with `\N` for NULL.
///
/// Values are written exactly: decimals as their text, datetimes with microseconds, bytes unchanged except
/// for the escaped characters. Use `CHARACTER SET binary` in the statement for BLOB columns so the server
/// does not reinterpret bytes (`LoadDataStatement` does by default).
public enum LoadDataFormat {
    public static func appendRow(_ row: [MariaDBValue], to out: inout [UInt8]) {
        for (index, value) in row.enumerated() {
            if index > 0 { out.append(0x09) }
            appendValue(value, to: &out)
        }
        out.append(0x0A)
    }

    public static func appendValue(_ value: MariaDBValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: [0x5C, 0x4E])  // \N
        case .int(let v): out.append(contentsOf: String(v).utf8)
        case .uint(let v): out.append(contentsOf: String(v).utf8)
        case .double(let v): out.append(contentsOf: "\(v)".utf8)
        case .decimal(let d): out.append(contentsOf: d.text.utf8)
        case .string(let s), .json(let s): appendEscaped(s.utf8, to: &out)
        case .bytes(let b): appendEscaped(b, to: &out)
        case .date(let d): out.append(contentsOf: d.dateString.utf8)
        case .datetime(let d): out.append(contentsOf: d.description.utf8)
        case .time(let t): out.append(contentsOf: t.description.utf8)
        }
    }

    static func appendEscaped(_ bytes: some Sequence<UInt8>, to out: inout [UInt8]) {
        for byte in bytes {
            switch byte {
            case 0x5C: out.append(0x5C); out.append(0x5C)  // backslash
            case 0x09: out.append(0x5C); out.append(0x74)  // tab -> \t
            case 0x0A: out.append(0x5C); out.append(0x6E)  // newline -> \n
            case 0x0D: out.append(0x5C); out.append(0x72)  // CR -> \r
            case 0x00: out.append(0x5C); out.append(0x30)  // NUL -> \0
            case 0x1A: out.append(0x5C); out.append(0x5A)  // Ctrl-Z -> \Z
            default: out.append(byte)
            }
        }
    }
}

/// A `LOAD DATA LOCAL INFILE … INTO TABLE` statement. Identifiers are quoted by `MariaDBIdentifier`;
/// the file name is a token the client invents, so no input reaches the SQL text.
public struct LoadDataStatement: Sendable {
    public var schema: String?
    public var table: String
    /// Target columns in the order the rows list them; empty = all columns in table order. Entries that
    /// start with `@` are user variables (for `unsafeSetClause`), written by the program, not quoted.
    public var columns: [String]
    /// `binary` keeps bytes as sent (right for BLOBs and for text already in UTF-8 when every column is
    /// utf8mb4); `utf8mb4` validates text.
    public var characterSet: String
    /// Extra `SET col = expr` assignments, written by the program (never from input).
    public var unsafeSetClause: String?

    public init(schema: String? = nil, table: String, columns: [String] = [], characterSet: String = "utf8mb4", unsafeSetClause: String? = nil) {
        self.schema = schema
        self.table = table
        self.columns = columns
        self.characterSet = characterSet
        self.unsafeSetClause = unsafeSetClause
    }

    func sql(fileToken: String) -> String {
        let target = schema.map { MariaDBIdentifier.quote($0, table) } ?? MariaDBIdentifier.quote(table)
        var sql = "LOAD DATA LOCAL INFILE '\(fileToken)' INTO TABLE \(target) CHARACTER SET \(characterSet == "binary" ? "binary" : "utf8mb4")"
        // Hex literals: independent of NO_BACKSLASH_ESCAPES, which changes what '\\t' means.
        sql += " FIELDS TERMINATED BY X'09' ESCAPED BY X'5C' LINES TERMINATED BY X'0A'"
        if !columns.isEmpty {
            sql += " (" + columns.map { $0.hasPrefix("@") && $0.dropFirst().allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) ? $0 : MariaDBIdentifier.quote($0) }.joined(separator: ", ") + ")"
        }
        if let set = unsafeSetClause { sql += " SET " + set }
        return sql
    }
}
