import Foundation
import Hummingbird

/// Request bodies a client sends: decoded strictly. Unknown fields, wrong types, missing fields and
/// malformed JSON are `400` errors naming the field.
protocol StrictBody: Decodable, Sendable {
    static var fields: Set<String> { get }
}

extension Request {
    /// `emptyMeansDefaults`: an empty body reads as `{}`, for requests whose fields are all optional.
    func decodeStrict<T: StrictBody>(_ type: T.Type, context: some RequestContext,
                                     emptyMeansDefaults: Bool = false) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: 1 << 20)
        } catch {
            throw APIError(.contentTooLarge, code: "body_too_large", "request body exceeds 1 MiB")
        }
        var data = Data(buffer.readableBytesView)
        if emptyMeansDefaults, data.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) { data = Data("{}".utf8) }
        guard let object = try? JSONSerialization.jsonObject(with: data) else {
            throw APIError(.badRequest, code: "malformed_json", "request body is not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else {
            throw APIError(.badRequest, code: "malformed_json", "request body must be a JSON object")
        }
        if let unknown = dictionary.keys.sorted().first(where: { !T.fields.contains($0) }) {
            throw APIError.invalid(unknown, "unknown field '\(unknown)'")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError.invalid(key.stringValue, "field '\(key.stringValue)' is required")
        } catch let DecodingError.typeMismatch(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError.invalid(field, "field '\(field)' has the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError.invalid(field, "field '\(field)' must not be null")
        } catch let DecodingError.dataCorrupted(context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError.invalid(field, "field '\(field)' is invalid")
        }
    }
}

/// Field checks with the API's error shape.
enum Validate {
    /// Trimmed text of `min...max` characters, counted as Unicode code points: what MariaDB's `VARCHAR(n)`
    /// counts, so text the API accepts always fits its column (a flag or an accent written as a combining
    /// mark is one character on screen and two or more code points).
    static func text(_ value: String, _ field: String, min: Int = 1, max: Int) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        let length = trimmed.unicodeScalars.count
        guard length >= min else {
            throw APIError.invalid(field, "field '\(field)' must have at least \(min) character(s)")
        }
        guard length <= max else {
            throw APIError.invalid(field, "field '\(field)' must have at most \(max) characters (Unicode code points)")
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.value == 0 }) else { throw APIError.invalid(field, "field '\(field)' must not contain NUL") }
        return trimmed
    }

    static func range(_ value: Int, _ field: String, _ range: ClosedRange<Int>) throws -> Int {
        guard range.contains(value) else { throw APIError.invalid(field, "field '\(field)' must be between \(range.lowerBound) and \(range.upperBound)") }
        return value
    }

    static func email(_ value: String) throws -> String {
        let email = try text(value, "email", min: 3, max: 254)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !email.contains(" ") else {
            throw APIError.invalid("email", "field 'email' is not an email address")
        }
        return email
    }

    /// The largest amount the API accepts or produces: 9,999,999,999,999.99.
    static let maximumCents: Int64 = 999_999_999_999_999

    /// "19.99" → 1999 cents. At most 2 decimals, non-negative, below 10^13.
    static func money(_ value: String, _ field: String) throws -> Int64 {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int64(parts[0]), whole >= 0, whole < 10_000_000_000_000, !parts[0].hasPrefix("+") else {
            throw APIError.invalid(field, "field '\(field)' must be a non-negative decimal with at most 2 fraction digits, e.g. \"19.99\"")
        }
        var cents: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...2).contains(fraction.count), fraction.allSatisfy(\.isNumber), let f = Int64(fraction) else {
                throw APIError.invalid(field, "field '\(field)' must be a non-negative decimal with at most 2 fraction digits, e.g. \"19.99\"")
            }
            cents = fraction.count == 1 ? f * 10 : f
        }
        return whole * 100 + cents
    }
}

func formatMoney(_ cents: Int64) -> String {
    let sign = cents < 0 ? "-" : ""
    let magnitude = cents.magnitude
    let fraction = magnitude % 100
    return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
