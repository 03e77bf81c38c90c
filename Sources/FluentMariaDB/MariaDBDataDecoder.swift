import Foundation
import MariaDB
@_spi(CodableUtilities) import SQLKit

/// Turns a `MariaDBValue` into any `Decodable`: direct conversion when the type has one, single-value
/// unwrapping for wrappers and raw-value enums, JSON decoding of text otherwise.
public struct MariaDBDataDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from value: MariaDBValue) throws -> T {
        if let convertible = type as? any MariaDBValueConvertible.Type {
            guard let converted = convertible.init(mariaDBValue: value) else {
                throw DecodingError.typeMismatch(T.self, .init(codingPath: [], debugDescription: "cannot read \(value.kindName) as \(T.self) exactly"))
            }
            return converted as! T
        }
        do {
            return try T(from: SingleValueDecoder(decoder: self, value: value))
        } catch is SQLCodingError {
            let data: Data
            switch value {
            case .string(let s), .json(let s): data = Data(s.utf8)
            case .bytes(let b): data = Data(b)
            default:
                throw DecodingError.typeMismatch(T.self, .init(codingPath: [], debugDescription: "cannot read \(value.kindName) as \(T.self)"))
            }
            let json = JSONDecoder()
            json.dateDecodingStrategy = .iso8601
            return try json.decode(T.self, from: data)
        }
    }

    private final class SingleValueDecoder: Decoder, SingleValueDecodingContainer {
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }
        let decoder: MariaDBDataDecoder
        let value: MariaDBValue

        init(decoder: MariaDBDataDecoder, value: MariaDBValue) {
            self.decoder = decoder
            self.value = value
        }

        func container<Key: CodingKey>(keyedBy: Key.Type) throws -> KeyedDecodingContainer<Key> { throw .invalid(at: codingPath) }
        func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw .invalid(at: codingPath) }
        func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

        func decodeNil() -> Bool { value.isNull }
        func decode<T: Decodable>(_: T.Type) throws -> T { try decoder.decode(T.self, from: value) }
    }
}
