import Foundation
import MariaDB

/// How a source column stores its values, learned from a stored value: MariaDB's values go back into
/// SQLite in the same storage class and text format the application wrote (a REAL Unix time stays REAL, an
/// ISO text keeps its separator and fraction digits, a dash-less UUID stays dash-less).
struct ColumnStyle: Sendable {
    var storage: String = "null"
    var separator: Character = " "
    var fractionDigits: Int?
    var zulu = false
    var julian = false
    var dashlessUUID = false

    static func learn(_ value: SQLiteValue, column: ColumnPlan) -> ColumnStyle {
        var style = ColumnStyle(storage: value.storageClass)
        switch value {
        case .text(let bytes):
            let text = String(decoding: bytes, as: UTF8.self)
            if column.type == .uuid || (text.count == 32 && text.allSatisfy(\.isHexDigit)) {
                style.dashlessUUID = !text.contains("-")
            }
            if text.count > 10 { style.separator = text[text.index(text.startIndex, offsetBy: 10)] == "T" ? "T" : " " }
            style.zulu = text.hasSuffix("Z")
            if let dot = text.firstIndex(of: ".") {
                style.fractionDigits = text[text.index(after: dot)...].prefix { $0.isNumber }.count
            } else {
                style.fractionDigits = text.count >= 19 ? 0 : nil
            }
        case .real(let d):
            style.julian =
                column.temporalNumbers == .julianDay
                || (column.temporalNumbers == .perValue && TemporalNumbers.julianRange.contains(d))
        default: break
        }
        return style
    }
}

/// MariaDB value → SQLite value for the way back. Its correctness is checked on every row: the value
/// written is read back, converted forward with `ValueConversion`, and must equal what MariaDB holds.
enum ReverseConversion {
    static func convert(_ value: MariaDBValue, column: ColumnPlan, style: ColumnStyle) throws -> SQLiteValue {
        switch value {
        case .null: return .null
        case .int(let v): return number(Double(v), integer: v, style: style)
        case .uint(let v): return number(Double(v), integer: Int64(truncatingIfNeeded: v), style: style)
        case .double(let d):
            if style.storage == "text" { return .text(Array(ValueConversion.sqliteRealText(d).utf8)) }
            return .real(d)
        case .decimal(let d):
            switch style.storage {
            case "integer" where !d.text.contains("."): return .integer(Int64(d.text) ?? 0)
            case "real", "integer": return .real(Double(d.text) ?? 0)
            default: return .text(Array(d.text.utf8))
            }
        case .string(let s), .json(let s):
            if column.type == .uuid || style.dashlessUUID, style.dashlessUUID {
                return .text(Array(s.replacingOccurrences(of: "-", with: "").utf8))
            }
            return style.storage == "blob" ? .blob(Array(s.utf8)) : .text(Array(s.utf8))
        case .bytes(let b): return style.storage == "text" ? .text(b) : .blob(b)
        case .date(let d): return .text(Array(d.dateString.utf8))
        case .time(let t): return .text(Array(t.description.utf8))
        case .datetime(let dt): return try dateTime(dt, style: style)
        }
    }

    static func number(_ double: Double, integer: Int64, style: ColumnStyle) -> SQLiteValue {
        switch style.storage {
        case "real": return .real(double)
        case "text": return .text(Array(String(integer).utf8))
        default: return .integer(integer)
        }
    }

    static func dateTime(_ value: MariaDBDateTime, style: ColumnStyle) throws -> SQLiteValue {
        guard let date = value.date else { throw MigrationError("datetime \(value) has no point in time") }
        switch style.storage {
        case "real":
            let seconds = date.timeIntervalSince1970
            return .real(style.julian ? seconds / 86_400 + 2_440_587.5 : seconds)
        case "integer":
            return .integer(Int64(date.timeIntervalSince1970.rounded(.down)))
        default:
            var text = String(
                format: "%04d-%02d-%02d%@%02d:%02d:%02d", value.year, value.month, value.day,
                String(style.separator), value.hour, value.minute, value.second)
            var needed = 6
            var micro = value.microsecond
            while needed > 0 && micro % 10 == 0 {
                micro /= 10
                needed -= 1
            }
            let digits = max(style.fractionDigits ?? 0, needed)
            if digits > 0 {
                let micros = String(format: "%06d", value.microsecond)
                text += "." + micros.prefix(digits)
            }
            if style.zulu { text += "Z" }
            return .text(Array(text.utf8))
        }
    }
}
