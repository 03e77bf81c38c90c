import Foundation

/// A Swift type that maps to and from one SQL value.
public protocol MariaDBValueConvertible: Sendable {
    var mariaDBValue: MariaDBValue { get }
    /// nil when the SQL value cannot represent this type exactly (out of range, wrong kind, NULL).
    init?(mariaDBValue: MariaDBValue)
}

extension MariaDBValue: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { self }
    public init?(mariaDBValue: MariaDBValue) { self = mariaDBValue }
}

extension Int64: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { .int(self) }
    public init?(mariaDBValue value: MariaDBValue) {
        switch value {
        case .int(let v): self = v
        case .uint(let v): guard let x = Int64(exactly: v) else { return nil }; self = x
        case .decimal(let d): guard !d.text.contains("."), let x = Int64(d.text) else { return nil }; self = x
        case .string(let s): guard let x = Int64(s) else { return nil }; self = x
        case .double(let d): guard let x = Int64(exactly: d) else { return nil }; self = x
        default: return nil
        }
    }
}

extension UInt64: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { .uint(self) }
    public init?(mariaDBValue value: MariaDBValue) {
        switch value {
        case .uint(let v): self = v
        case .int(let v): guard let x = UInt64(exactly: v) else { return nil }; self = x
        case .decimal(let d): guard !d.text.contains("."), let x = UInt64(d.text) else { return nil }; self = x
        case .string(let s): guard let x = UInt64(s) else { return nil }; self = x
        default: return nil
        }
    }
}

extension FixedWidthInteger where Self: SignedInteger {
    public var mariaDBValue: MariaDBValue { .int(Int64(self)) }
    public init?(mariaDBValue value: MariaDBValue) {
        guard let wide = Int64(mariaDBValue: value), let x = Self(exactly: wide) else { return nil }
        self = x
    }
}

extension Int: MariaDBValueConvertible {}
extension Int32: MariaDBValueConvertible {}
extension Int16: MariaDBValueConvertible {}
extension Int8: MariaDBValueConvertible {}

extension UInt: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { .uint(UInt64(self)) }
    public init?(mariaDBValue value: MariaDBValue) {
        guard let wide = UInt64(mariaDBValue: value), let x = UInt(exactly: wide) else { return nil }
        self = x
    }
}

extension UInt32: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { .uint(UInt64(self)) }
    public init?(mariaDBValue value: MariaDBValue) {
        guard let wide = UInt64(mariaDBValue: value), let x = UInt32(exactly: wide) else { return nil }
        self = x
    }
}

extension UInt16: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { .uint(UInt64(self)) }
    public init?(mariaDBValue value: MariaDBValue) {
        guard let wide = UInt64(mariaDBValue: value), let x = UInt16(exactly: wide) else { return nil }
        self = x
    }
}

extension UInt8: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { .uint(UInt64(self)) }
    public init?(mariaDBValue value: MariaDBValue) {
        guard let wide = UInt64(mariaDBValue: value), let x = UInt8(exactly: wide) else { return nil }
        self = x
    }
}

extension Bool: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { .int(self ? 1 : 0) }
    public init?(mariaDBValue value: MariaDBValue) {
        switch value {
        case .int(let v): guard v == 0 || v == 1 else { return nil }; self = v == 1
        case .uint(let v): guard v == 0 || v == 1 else { return nil }; self = v == 1
        case .bytes(let b) where b.count == 1: guard b[0] <= 1 else { return nil }; self = b[0] == 1  // BIT(1)
        default: return nil
        }
    }
}

extension Double: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { .double(self) }
    public init?(mariaDBValue value: MariaDBValue) {
        switch value {
        case .double(let v): self = v
        case .int(let v): guard let x = Double(exactly: v) else { return nil }; self = x
        case .uint(let v): guard let x = Double(exactly: v) else { return nil }; self = x
        case .decimal(let d): self = d.approximateDouble
        default: return nil
        }
    }
}

extension Float: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { .double(Double(self)) }
    public init?(mariaDBValue value: MariaDBValue) {
        guard let d = Double(mariaDBValue: value) else { return nil }
        self = Float(d)
    }
}

extension String: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { .string(self) }
    public init?(mariaDBValue value: MariaDBValue) {
        switch value {
        case .string(let s), .json(let s): self = s
        case .decimal(let d): self = d.text
        case .bytes(let b): guard let s = String(validating: b, as: UTF8.self) else { return nil }; self = s
        case .date(let d): self = d.dateString
        case .datetime(let d): self = d.description
        case .time(let t): self = t.description
        case .int(let v): self = String(v)
        case .uint(let v): self = String(v)
        default: return nil
        }
    }
}

extension Array: MariaDBValueConvertible where Element == UInt8 {
    public var mariaDBValue: MariaDBValue { .bytes(self) }
    public init?(mariaDBValue value: MariaDBValue) {
        switch value {
        case .bytes(let b): self = b
        case .string(let s): self = Array(s.utf8)
        default: return nil
        }
    }
}

extension Data: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { .bytes(Array(self)) }
    public init?(mariaDBValue value: MariaDBValue) {
        guard let bytes = [UInt8](mariaDBValue: value) else { return nil }
        self = Data(bytes)
    }
}

extension MariaDBDecimal: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { .decimal(self) }
    public init?(mariaDBValue value: MariaDBValue) {
        switch value {
        case .decimal(let d): self = d
        case .int(let v): self = MariaDBDecimal(v)
        case .uint(let v): guard let d = MariaDBDecimal(String(v)) else { return nil }; self = d
        case .string(let s): guard let d = MariaDBDecimal(s) else { return nil }; self = d
        default: return nil
        }
    }
}

extension Decimal: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { MariaDBDecimal(self).map(MariaDBValue.decimal) ?? .null }
    public init?(mariaDBValue value: MariaDBValue) {
        guard let exact = MariaDBDecimal(mariaDBValue: value), let d = exact.foundationDecimal else { return nil }
        self = d
    }
}

extension MariaDBDateTime: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { .datetime(self) }
    public init?(mariaDBValue value: MariaDBValue) {
        switch value {
        case .datetime(let d), .date(let d): self = d
        case .string(let s): guard let d = MariaDBDateTime(parsing: Substring(s)) else { return nil }; self = d
        default: return nil
        }
    }
}

extension MariaDBTime: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { .time(self) }
    public init?(mariaDBValue value: MariaDBValue) {
        guard case .time(let t) = value else { return nil }
        self = t
    }
}

extension Date: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { .datetime(MariaDBDateTime(self)) }
    public init?(mariaDBValue value: MariaDBValue) {
        guard let dt = MariaDBDateTime(mariaDBValue: value), let date = dt.date else { return nil }
        self = date
    }
}

extension UUID: MariaDBValueConvertible {
    /// Stored as its 36-character text, as fluent-sqlite stores it, so a copy between the two is 1:1.
    public var mariaDBValue: MariaDBValue { .string(uuidString) }
    public init?(mariaDBValue value: MariaDBValue) {
        switch value {
        case .string(let s): guard let u = UUID(uuidString: s) else { return nil }; self = u
        case .bytes(let b) where b.count == 16:
            self = UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
        default: return nil
        }
    }
}

extension Optional: MariaDBValueConvertible where Wrapped: MariaDBValueConvertible {
    public var mariaDBValue: MariaDBValue { self?.mariaDBValue ?? .null }
    public init?(mariaDBValue value: MariaDBValue) {
        if value.isNull { self = .none; return }
        guard let wrapped = Wrapped(mariaDBValue: value) else { return nil }
        self = .some(wrapped)
    }
}
