import Foundation

/// ISO 8601 UTC times as the notifications and the alert book write them: whole seconds unless the time has
/// a fraction, then milliseconds.
enum Timestamp {
    static func string(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1_000).rounded()
        let whole = milliseconds.truncatingRemainder(dividingBy: 1_000) == 0
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: !whole, timeZone: .gmt)
        return Date(timeIntervalSince1970: milliseconds / 1_000).formatted(style)
    }

    static func date(_ text: String) -> Date? {
        for fractional in [false, true] {
            if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: fractional).parse(text) {
                return date
            }
        }
        return nil
    }

    static func decode<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> Date {
        let text = try container.decode(String.self, forKey: key)
        guard let date = date(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container, debugDescription: "\(text) is not an ISO 8601 time")
        }
        return date
    }
}
