import FluentKit
import MariaDB
import SQLKit

/// A result row seen through SQLKit's `SQLRow`.
struct MariaDBSQLRow: SQLRow {
    let row: MariaDBRow
    let decoder: MariaDBDataDecoder

    var allColumns: [String] { row.columns.names }
    func contains(column: String) -> Bool { row.columns.index(of: column) != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let value = row[column] else { throw MissingColumn(column: column) }
        return value.isNull
    }

    func decode<D: Decodable>(column: String, as: D.Type) throws -> D {
        guard let value = row[column] else { throw MissingColumn(column: column) }
        do {
            return try decoder.decode(D.self, from: value)
        } catch {
            throw MariaDBError(code: .conversion, message: "column '\(column)': \(value.kindName) cannot be read as \(D.self)", underlying: error)
        }
    }

    struct MissingColumn: Error, CustomStringConvertible {
        let column: String
        var description: String { "result has no column '\(column)'" }
    }
}

/// The row Fluent expects back from an insert: the generated id, which MySQL reports as the last insert
/// id instead of with `RETURNING`.
struct LastInsertRow: DatabaseOutput {
    let lastInsertID: UInt64
    let idKey: FieldKey

    var description: String { "LastInsertRow(\(lastInsertID))" }
    func schema(_ schema: String) -> any DatabaseOutput { self }
    func contains(_ key: FieldKey) -> Bool { key == idKey || key == .id }
    func decodeNil(_ key: FieldKey) throws -> Bool { false }

    func decode<T: Decodable>(_ key: FieldKey, as type: T.Type) throws -> T {
        guard contains(key) else { throw SQLRowDatabaseOutput.MissingKey(key: key) }
        if let convertible = T.self as? any MariaDBValueConvertible.Type, let value = convertible.init(mariaDBValue: .uint(lastInsertID)) {
            return value as! T
        }
        throw MariaDBError(code: .conversion, message: "generated id cannot be read as \(T.self); use an integer @ID(custom:) or a client-generated UUID")
    }
}

/// `SQLRow` → Fluent `DatabaseOutput`, applying Fluent's schema prefix for joined models.
struct SQLRowDatabaseOutput: DatabaseOutput {
    let row: any SQLRow
    let schema: String?

    var description: String { "\(row.allColumns)" }
    private func column(_ key: FieldKey) -> String {
        (schema.map { .prefix(.prefix(.string($0), "_"), key) } ?? key).description
    }
    func schema(_ schema: String) -> any DatabaseOutput { SQLRowDatabaseOutput(row: row, schema: schema) }
    func contains(_ key: FieldKey) -> Bool { row.contains(column: column(key)) }
    func decodeNil(_ key: FieldKey) throws -> Bool { try row.decodeNil(column: column(key)) }
    func decode<T: Decodable>(_ key: FieldKey, as: T.Type) throws -> T { try row.decode(column: column(key), as: T.self) }

    struct MissingKey: Error, CustomStringConvertible {
        let key: FieldKey
        var description: String { "output has no field '\(key)'" }
    }
}
