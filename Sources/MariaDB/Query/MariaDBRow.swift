import CMariaDB

/// Description of one result column, as the server reported it.
public struct MariaDBColumn: Sendable, Hashable {
    public var name: String
    public var table: String
    /// Connector/C `enum_field_types` raw value (`MYSQL_TYPE_*`).
    public var type: UInt32
    public var flags: UInt32
    public var charsetNumber: UInt32
    public var length: UInt
    public var decimals: UInt32

    public var isUnsigned: Bool { flags & UInt32(UNSIGNED_FLAG) != 0 }
    public var isBinary: Bool { charsetNumber == 63 }
    public var isNullable: Bool { flags & UInt32(NOT_NULL_FLAG) == 0 }

    public init(
        name: String, table: String, type: UInt32, flags: UInt32, charsetNumber: UInt32, length: UInt, decimals: UInt32
    ) {
        self.name = name
        self.table = table
        self.type = type
        self.flags = flags
        self.charsetNumber = charsetNumber
        self.length = length
        self.decimals = decimals
    }

    init(_ field: MYSQL_FIELD) {
        self.name = field.name.map { String(cString: $0) } ?? ""
        self.table = field.table.map { String(cString: $0) } ?? ""
        self.type = field.type.rawValue
        self.flags = field.flags
        self.charsetNumber = field.charsetnr
        self.length = field.length
        self.decimals = field.decimals
    }
}

/// The columns of a result, shared by all its rows.
public final class MariaDBColumns: Sendable {
    public let columns: [MariaDBColumn]
    let indexByName: [String: Int]

    public init(_ columns: [MariaDBColumn]) {
        self.columns = columns
        var index: [String: Int] = [:]
        for (i, column) in columns.enumerated() where index[column.name] == nil { index[column.name] = i }
        self.indexByName = index
    }

    public var names: [String] { columns.map(\.name) }
    public func index(of name: String) -> Int? { indexByName[name] }
}

/// One result row.
public struct MariaDBRow: Sendable {
    public let columns: MariaDBColumns
    public let values: [MariaDBValue]

    public init(columns: MariaDBColumns, values: [MariaDBValue]) {
        self.columns = columns
        self.values = values
    }

    public subscript(index: Int) -> MariaDBValue { values[index] }
    public subscript(name: String) -> MariaDBValue? { columns.index(of: name).map { values[$0] } }

    // The decoders are inlinable so that they are specialised for the caller's type: unspecialised, every
    // call looks up `Optional<T>` metadata at run time and copies the value through value witnesses, which
    // costs more instructions than Connector/C spends decoding the whole row.

    /// Converts one column; the error names the column and the wanted type, never the value.
    @inlinable
    public func decode<T: MariaDBValueConvertible>(_ name: String, as type: T.Type = T.self) throws -> T {
        guard let index = columns.index(of: name) else { throw missingColumnError(name) }
        return try decode(index, as: type)
    }

    @inlinable
    public func decode<T: MariaDBValueConvertible>(_ index: Int, as type: T.Type = T.self) throws -> T {
        if let converted = T(mariaDBValue: values[index]) { return converted }
        throw conversionError(index, wanted: T.self)
    }

    @usableFromInline
    func missingColumnError(_ name: String) -> MariaDBError {
        MariaDBError(
            code: .conversion,
            message: "result has no column '\(name)' (columns: \(columns.names.joined(separator: ", ")))")
    }

    @usableFromInline
    func conversionError(_ index: Int, wanted: Any.Type) -> MariaDBError {
        let column = columns.columns[index]
        return MariaDBError(
            code: .conversion,
            message:
                "column '\(column.name)' holds \(values[index].kindName), which cannot be read as \(wanted) exactly")
    }
}

extension MariaDBValue {
    /// The value as text, whatever the wire type (server variables and `SHOW` output come back as text or
    /// numbers).
    public var text: String {
        switch self {
        case .null: ""
        case .string(let value), .json(let value): value
        case .bytes(let bytes): String(decoding: bytes, as: UTF8.self)
        default: description
        }
    }

    /// The kind of value, for messages that must not show the value itself.
    public var kindName: String {
        switch self {
        case .null: return "NULL"
        case .int: return "a signed integer"
        case .uint: return "an unsigned integer"
        case .double: return "a double"
        case .decimal: return "a decimal"
        case .string: return "text"
        case .bytes: return "bytes"
        case .date: return "a date"
        case .datetime: return "a datetime"
        case .time: return "a time"
        case .json: return "JSON"
        }
    }
}

/// What a statement did: affected rows, the AUTO_INCREMENT id it generated, warnings. All from the
/// same call on the same connection, so concurrent inserts elsewhere cannot mix them up.
public struct QueryMetadata: Sendable, Hashable {
    public var affectedRows: UInt64
    public var lastInsertID: UInt64
    public var warningCount: Int

    public init(affectedRows: UInt64 = 0, lastInsertID: UInt64 = 0, warningCount: Int = 0) {
        self.affectedRows = affectedRows
        self.lastInsertID = lastInsertID
        self.warningCount = warningCount
    }
}

/// A fully buffered result.
public struct MariaDBResult: Sendable {
    public var columns: MariaDBColumns
    public var rows: [MariaDBRow]
    public var metadata: QueryMetadata
}
