/// One value as SQLite stored it: the storage class and the exact bytes (text is not decoded here, so
/// invalid UTF-8 and embedded NULs are seen, never silently replaced).
public enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text([UInt8])
    case blob([UInt8])

    public var storageClass: String {
        switch self {
        case .null: return "null"
        case .integer: return "integer"
        case .real: return "real"
        case .text: return "text"
        case .blob: return "blob"
        }
    }
}
