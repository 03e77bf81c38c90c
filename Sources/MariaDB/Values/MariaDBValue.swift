/// One SQL value as it travels to or from the server. Exact types are kept exact: DECIMAL never passes
/// through `Double`, DATETIME keeps its microseconds, BLOBs stay bytes.
public enum MariaDBValue: Sendable, Hashable {
    case null
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case decimal(MariaDBDecimal)
    case string(String)
    case bytes([UInt8])
    /// DATE: the time fields are zero.
    case date(MariaDBDateTime)
    /// DATETIME and TIMESTAMP (the session time zone is UTC, so both are UTC wall-clock values).
    case datetime(MariaDBDateTime)
    /// TIME: a signed duration, up to ±838:59:59.999999.
    case time(MariaDBTime)
    /// JSON document text (MySQL's JSON type; MariaDB's JSON is LONGTEXT and arrives as `.string`).
    case json(String)

    public var isNull: Bool { if case .null = self { return true } else { return false } }
}

extension MariaDBValue: CustomStringConvertible {
    /// A readable rendering for debugging. Callers that log must not log values (they may be PII).
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .int(let v): return String(v)
        case .uint(let v): return String(v)
        case .double(let v): return String(v)
        case .decimal(let v): return v.description
        case .string(let v): return v
        case .bytes(let v): return "0x" + v.map { String($0, radix: 16).leftPad(2) }.joined()
        case .date(let v): return v.dateString
        case .datetime(let v): return v.description
        case .time(let v): return v.description
        case .json(let v): return v
        }
    }
}

extension String {
    func leftPad(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
