import Foundation
import MariaDB

/// Why a value could not be carried over exactly.
public struct ConversionFailure: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// How a temporal column's numbers are to be read.
public enum TemporalNumbers: String, Sendable, Codable {
    /// Unix epoch seconds (fluent-sqlite stores `Date` as REAL seconds).
    case unixSeconds
    /// Julian day numbers (SQLite's `julianday()`).
    case julianDay
    /// Both in one column: a number in the Julian-day range of the years 1000–9999 is a Julian day, any
    /// other number Unix seconds (the two ranges overlap only in January–March 1970 as Unix seconds).
    case perValue

    /// Julian days of 1000-01-01 00:00 and 10000-01-01 00:00: the dates DATETIME can hold.
    public static let julianRange = 2_086_302.5..<5_373_484.5
}

/// Exact conversion of SQLite values to the target column type: every value either arrives exactly or fails
/// with a reason. Decimals with more fraction digits than the column keeps are rounded (half-even) only when
/// the plan says so (`--round-decimals`), and the caller counts them.
public enum ValueConversion {
    static let julianUnixEpoch = 2_440_587.5

    public static func convert(_ value: SQLiteValue, to type: TargetType, numbers: TemporalNumbers = .unixSeconds,
                               roundDecimals: Bool = false) throws -> MariaDBValue {
        var rounded = false
        return try convert(value, to: type, numbers: numbers, roundDecimals: roundDecimals, rounded: &rounded)
    }

    /// As `convert`, and sets `rounded` when a decimal lost fraction digits to the column's scale.
    public static func convert(_ value: SQLiteValue, to type: TargetType, numbers: TemporalNumbers, roundDecimals: Bool,
                               rounded: inout Bool) throws -> MariaDBValue {
        if case .null = value { return .null }
        switch type {
        case .integer(let bits, let unsigned):
            let v = try integer(value)
            let (low, high): (Int64, Int64) = unsigned
                ? (0, bits >= 64 ? Int64.max : (Int64(1) << bits) - 1)
                : (bits >= 64 ? Int64.min : -(Int64(1) << (bits - 1)), bits >= 64 ? Int64.max : (Int64(1) << (bits - 1)) - 1)
            guard v >= low && v <= high else { throw ConversionFailure(reason: "integer \(v) is outside \(type.sql)") }
            return .int(v)
        case .boolean:
            let v = try integer(value)
            guard v == 0 || v == 1 else { throw ConversionFailure(reason: "boolean column holds \(v), not 0 or 1") }
            return .int(v)
        case .decimal(let precision, let scale):
            let (exact, lost) = try decimal(value, precision: precision, scale: scale, round: roundDecimals)
            rounded = lost
            return .decimal(exact)
        case .double:
            switch value {
            case .real(let d):
                guard d.isFinite else { throw ConversionFailure(reason: "REAL \(d) (NaN/Infinity) has no MySQL DOUBLE value") }
                return .double(d)
            case .integer(let i):
                guard let d = Double(exactly: i) else { throw ConversionFailure(reason: "integer \(i) is not exact as DOUBLE") }
                return .double(d)
            case .text(let bytes):
                guard let s = String(validating: bytes, as: UTF8.self), let d = Double(s), d.isFinite else {
                    throw ConversionFailure(reason: "text is not a finite number")
                }
                return .double(d)
            default: throw ConversionFailure(reason: "\(value.storageClass) value in a DOUBLE column")
            }
        case .varchar(let length):
            let text = try textValue(value)
            guard text.unicodeScalars.count <= length else { throw ConversionFailure(reason: "text of \(text.unicodeScalars.count) characters exceeds VARCHAR(\(length))") }
            return .string(text)
        case .text(let kind):
            let text = try textValue(value)
            let limit = ["TEXT": 65_535, "MEDIUMTEXT": 16_777_215].first { $0.key == kind }?.value ?? Int.max
            guard text.utf8.count <= limit else { throw ConversionFailure(reason: "text of \(text.utf8.count) bytes exceeds \(kind)") }
            return .string(text)
        case .json:
            let text = try textValue(value)
            guard (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil else {
                throw ConversionFailure(reason: "text is not valid JSON")
            }
            return .string(text)
        case .varbinary(let length):
            let bytes = try bytesValue(value)
            guard bytes.count <= length else { throw ConversionFailure(reason: "\(bytes.count) bytes exceed VARBINARY(\(length))") }
            return .bytes(bytes)
        case .blob:
            return .bytes(try bytesValue(value))
        case .date:
            let dt = try dateTime(value, numbers: numbers, fsp: 6)
            guard dt.hour == 0, dt.minute == 0, dt.second == 0, dt.microsecond == 0 else {
                throw ConversionFailure(reason: "DATE column holds a time of day (\(dt.description))")
            }
            return .date(dt)
        case .datetime(let fsp):
            return .datetime(try dateTime(value, numbers: numbers, fsp: fsp))
        case .uuid:
            return .string(try uuidText(value))
        case .time:
            let text = try textValue(value)
            guard let t = MariaDBTime(parsing: Substring(text)) else { throw ConversionFailure(reason: "text is not a TIME value (HH:MM:SS[.ffffff])") }
            return .time(t)
        }
    }

    /// 32 hex digits (Django on SQLite), 36-character text or 16 bytes → lower-case hyphenated UUID text,
    /// the form MariaDB's UUID type returns.
    static func uuidText(_ value: SQLiteValue) throws -> String {
        var hex: String
        switch value {
        case .blob(let bytes) where bytes.count == 16: hex = bytes.map { String(format: "%02x", $0) }.joined()
        default: hex = try textValue(value).lowercased().replacingOccurrences(of: "-", with: "")
        }
        guard hex.count == 32, hex.allSatisfy(\.isHexDigit) else { throw ConversionFailure(reason: "value is not a UUID") }
        let c = Array(hex)
        hex = String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
        return hex
    }

    static func integer(_ value: SQLiteValue) throws -> Int64 {
        switch value {
        case .integer(let v): return v
        case .real(let d):
            guard d.isFinite, d.rounded() == d, let v = Int64(exactly: d) else { throw ConversionFailure(reason: "REAL \(sqliteRealText(d)) is not a whole number in range") }
            return v
        case .text(let bytes):
            guard let s = String(validating: bytes, as: UTF8.self), let v = Int64(s) else { throw ConversionFailure(reason: "text is not an integer") }
            return v
        default: throw ConversionFailure(reason: "\(value.storageClass) value in an integer column")
        }
    }

    /// Decimals as Django and fluent read them: REAL through 15 significant digits (SQLite's own text for
    /// it), TEXT and INTEGER exactly. More fraction digits than the scale is an error unless `round` (then
    /// half-even, reported as lost); more integer digits than the column allows is always an error.
    static func decimal(_ value: SQLiteValue, precision: Int, scale: Int, round: Bool) throws -> (MariaDBDecimal, Bool) {
        let text: String
        switch value {
        case .integer(let v): text = String(v)
        case .real(let d):
            guard d.isFinite else { throw ConversionFailure(reason: "REAL \(d) has no DECIMAL value") }
            text = sqliteRealText(d, forDecimal: true)
        case .text(let bytes):
            guard let s = String(validating: bytes, as: UTF8.self) else { throw ConversionFailure(reason: "invalid UTF-8 in a decimal column") }
            text = s.trimmingCharacters(in: .whitespaces)
        default: throw ConversionFailure(reason: "\(value.storageClass) value in a DECIMAL column")
        }
        guard let exact = MariaDBDecimal(expandExponent(text)) else { throw ConversionFailure(reason: "value is not a decimal number") }
        let digits = fractionDigits(exact)
        if digits > scale && !round {
            throw ConversionFailure(reason: "decimal \(exact.text.prefix(70)) has \(digits) fraction digits but DECIMAL(\(precision),\(scale)) "
                                    + "keeps \(scale); widen the column's scale, or pass --round-decimals to round half-even (counted in the report)")
        }
        let rounded = roundHalfEven(exact, scale: scale)
        let integerDigits = rounded.text.split(separator: ".")[0].filter(\.isNumber).drop { $0 == "0" }.count
        guard integerDigits <= precision - scale else {
            throw ConversionFailure(reason: "decimal with \(integerDigits) integer digits overflows DECIMAL(\(precision),\(scale))")
        }
        return (rounded, digits > scale)
    }

    /// Significant fraction digits (trailing zeros do not count: `1.50` needs one).
    static func fractionDigits(_ value: MariaDBDecimal) -> Int {
        let parts = value.text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count > 1 else { return 0 }
        return parts[1].reversed().drop { $0 == "0" }.count
    }

    /// `1.5e-05` → `0.000015` (exact digit shuffling, no floating point).
    static func expandExponent(_ text: String) -> String {
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }), let exponent = Int(text[text.index(after: e)...]) else { return text }
        var mantissa = String(text[..<e])
        let negative = mantissa.hasPrefix("-")
        if negative || mantissa.hasPrefix("+") { mantissa.removeFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        var digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
        var point = parts[0].count + exponent
        if point <= 0 { digits = String(repeating: "0", count: -point + 1) + digits; point = 1 }
        if point > digits.count { digits += String(repeating: "0", count: point - digits.count) }
        let head = digits.prefix(point), tail = digits.dropFirst(point)
        return (negative ? "-" : "") + head + (tail.isEmpty ? "" : "." + tail)
    }

    static func roundHalfEven(_ value: MariaDBDecimal, scale: Int) -> MariaDBDecimal {
        let negative = value.isNegative
        let parts = value.text.trimmingCharacters(in: ["-"]).split(separator: ".", omittingEmptySubsequences: false)
        let integer = String(parts[0])
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        if fraction.count <= scale {
            fraction += String(repeating: "0", count: scale - fraction.count)
            return MariaDBDecimal((negative ? "-" : "") + integer + (scale > 0 ? "." + fraction : ""))!
        }
        let kept = fraction.prefix(scale)
        let dropped = fraction.dropFirst(scale)
        var digits = Array((integer + kept).utf8).map { Int($0) - 48 }
        let first = Int(dropped.first!.asciiValue!) - 48
        let restNonZero = dropped.dropFirst().contains { $0 != "0" }
        let roundUp = first > 5 || (first == 5 && (restNonZero || (digits.last ?? 0) % 2 == 1))
        if roundUp {
            var i = digits.count - 1
            while i >= 0 {
                if digits[i] == 9 { digits[i] = 0; i -= 1 } else { digits[i] += 1; break }
            }
            if i < 0 { digits.insert(1, at: 0) }
        }
        let all = digits.map(String.init).joined()
        let intPart = all.prefix(all.count - scale)
        let fracPart = all.suffix(scale)
        return MariaDBDecimal((negative ? "-" : "") + (intPart.isEmpty ? "0" : String(intPart)) + (scale > 0 ? "." + fracPart : ""))!
    }

    /// SQLite's text for a REAL (`%!.15g`): 15 significant digits, `.0` on whole numbers.
    public static func sqliteRealText(_ d: Double, forDecimal: Bool = false) -> String {
        var text = String(format: "%.15g", d)
        if !text.contains(".") && !text.contains("e") && !text.contains("n") && !text.contains("i") { text += ".0" }
        return text
    }

    static func textValue(_ value: SQLiteValue) throws -> String {
        switch value {
        case .text(let bytes), .blob(let bytes):
            guard let s = String(validating: bytes, as: UTF8.self) else {
                throw ConversionFailure(reason: "invalid UTF-8 (\(bytes.count) bytes) in a text column; map the column to VARBINARY/BLOB to keep the bytes")
            }
            return s
        case .integer(let v): return String(v)
        case .real(let d):
            guard d.isFinite else { throw ConversionFailure(reason: "REAL \(d) in a text column") }
            return sqliteRealText(d)
        case .null: return ""
        }
    }

    static func bytesValue(_ value: SQLiteValue) throws -> [UInt8] {
        switch value {
        case .text(let bytes), .blob(let bytes): return bytes
        case .integer(let v): return Array(String(v).utf8)
        case .real(let d): return Array(sqliteRealText(d).utf8)
        case .null: return []
        }
    }

    static func dateTime(_ value: SQLiteValue, numbers: TemporalNumbers, fsp: Int) throws -> MariaDBDateTime {
        var result: MariaDBDateTime
        switch value {
        case .text(let bytes):
            guard let s = String(validating: bytes, as: UTF8.self), let parsed = parseISODateTime(s) else {
                throw ConversionFailure(reason: "text is not an ISO-8601 date or datetime")
            }
            result = parsed.value
        case .integer(let v):
            result = try fromNumber(Double(v), numbers: numbers)
        case .real(let d):
            guard d.isFinite else { throw ConversionFailure(reason: "REAL \(d) is not a point in time") }
            result = try fromNumber(d, numbers: numbers)
        default: throw ConversionFailure(reason: "\(value.storageClass) value in a datetime column")
        }
        guard (1000...9999).contains(result.year) else { throw ConversionFailure(reason: "year \(result.year) is outside DATETIME's 1000-9999") }
        if fsp < 6 {
            let unit = [1_000_000, 100_000, 10_000, 1_000, 100, 10][max(0, fsp)]
            guard result.microsecond % unit == 0 else {
                throw ConversionFailure(reason: "\(result.description) has more fraction digits than DATETIME(\(fsp)) keeps")
            }
        }
        return result
    }

    static func fromNumber(_ number: Double, numbers: TemporalNumbers) throws -> MariaDBDateTime {
        let julian = numbers == .julianDay || (numbers == .perValue && TemporalNumbers.julianRange.contains(number))
        // A Julian day is read as SQLite's date functions read it: to the millisecond (a REAL near 2.4 million
        // days cannot carry microseconds; its last bits are noise, not data).
        let seconds = julian ? Double(Int64((number * 86_400_000 + 0.5).rounded(.down)) - Int64(julianUnixEpoch * 86_400_000)) / 1000 : number
        guard abs(seconds) < 253_402_300_800 else { throw ConversionFailure(reason: "number \(number) is not a plausible \(numbers.rawValue) value") }
        return MariaDBDateTime(Date(timeIntervalSince1970: seconds))
    }

    /// ISO-8601 as SQLite's date functions and ORMs write it: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.f…]]`,
    /// `T` separator, optional `Z` or `±HH:MM` offset (converted to UTC).
    public static func parseISODateTime(_ text: String) -> (value: MariaDBDateTime, dateOnly: Bool, fractionDigits: Int)? {
        var body = Substring(text)
        var offsetSeconds = 0
        if body.hasSuffix("Z") { body = body.dropLast() }
        else if body.count > 19, let signIndex = body.lastIndex(where: { $0 == "+" || $0 == "-" }), body.distance(from: body.startIndex, to: signIndex) >= 19 {
            let offset = body[body.index(after: signIndex)...].split(separator: ":")
            guard offset.count == 2, let h = Int(offset[0]), let m = Int(offset[1]), h < 24, m < 60 else { return nil }
            offsetSeconds = (h * 3600 + m * 60) * (body[signIndex] == "-" ? -1 : 1)
            body = body[..<signIndex]
        }
        var normalized = String(body)
        if normalized.count == 16 { normalized += ":00" }  // HH:MM
        guard var value = MariaDBDateTime(parsing: Substring(normalized)),
              (1...12).contains(value.month), (1...31).contains(value.day), value.hour < 24, value.minute < 60, value.second < 60 else { return nil }
        let fraction = normalized.count > 20 ? normalized.count - 20 : 0
        if offsetSeconds != 0, let date = value.date {
            value = MariaDBDateTime(date.addingTimeInterval(Double(-offsetSeconds)))
        }
        return (value, normalized.count == 10, fraction)
    }
}
