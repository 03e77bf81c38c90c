import Foundation
import MariaDB
@_spi(CodableUtilities) import SQLKit

/// Turns the `Encodable` binds SQLKit and Fluent produce into `MariaDBValue`s: direct conversion when the
/// type has one, single-value unwrapping for wrappers and raw-value enums, JSON text otherwise (arrays,
/// dictionaries, nested structs), like the SQLite driver does.
public struct MariaDBDataEncoder: Sendable {
    public init() {}

    public func encode(_ value: any Encodable) throws -> MariaDBValue {
        if let convertible = value as? any MariaDBValueConvertible { return convertible.mariaDBValue }
        let encoder = SingleValueEncoder()
        do {
            try value.encode(to: encoder)
            guard let encoded = encoder.value else { throw SQLCodingError.unsupportedOperation("missing value", codingPath: []) }
            return encoded
        } catch is SQLCodingError {
            let json = JSONEncoder()
            json.dateEncodingStrategy = .iso8601
            return .string(String(decoding: try json.encode(value), as: UTF8.self))
        }
    }

    private final class SingleValueEncoder: Encoder, SingleValueEncodingContainer {
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }
        var value: MariaDBValue?

        func container<K: CodingKey>(keyedBy: K.Type) -> KeyedEncodingContainer<K> { .invalid(at: codingPath) }
        func unkeyedContainer() -> any UnkeyedEncodingContainer { .invalid(at: codingPath) }
        func singleValueContainer() -> any SingleValueEncodingContainer { self }

        func encodeNil() throws { value = .null }
        func encode(_ v: Bool) throws { value = v.mariaDBValue }
        func encode(_ v: String) throws { value = .string(v) }
        func encode(_ v: Double) throws { value = .double(v) }
        func encode(_ v: Float) throws { value = .double(Double(v)) }
        func encode(_ v: Int) throws { value = .int(Int64(v)) }
        func encode(_ v: Int8) throws { value = .int(Int64(v)) }
        func encode(_ v: Int16) throws { value = .int(Int64(v)) }
        func encode(_ v: Int32) throws { value = .int(Int64(v)) }
        func encode(_ v: Int64) throws { value = .int(v) }
        func encode(_ v: UInt) throws { value = .uint(UInt64(v)) }
        func encode(_ v: UInt8) throws { value = .uint(UInt64(v)) }
        func encode(_ v: UInt16) throws { value = .uint(UInt64(v)) }
        func encode(_ v: UInt32) throws { value = .uint(UInt64(v)) }
        func encode(_ v: UInt64) throws { value = .uint(v) }
        func encode<T: Encodable>(_ v: T) throws {
            if let convertible = v as? any MariaDBValueConvertible {
                value = convertible.mariaDBValue
            } else {
                try v.encode(to: self)
            }
        }
    }
}
