import Foundation

/// An exact decimal number, kept as its canonical text (`-123.4500`), as DECIMAL columns send it.
/// Up to 65 digits, like MySQL's DECIMAL; converting to `Double` is explicit and lossy by name.
public struct MariaDBDecimal: Sendable, Hashable, CustomStringConvertible, LosslessStringConvertible, Comparable {
    /// Canonical text: optional `-`, at least one integer digit, optional `.` and fraction digits.
    public let text: String

    /// Accepts `-12.50`, `+3`, `.5`, `7.`; rejects exponents, spaces, NaN and anything non-numeric.
    public init?(_ description: String) {
        var bytes = Array(description.utf8)
        guard !bytes.isEmpty else { return nil }
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            bytes.removeFirst()
        }
        var integer: [UInt8] = []
        var fraction: [UInt8] = []
        var seenPoint = false
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                if seenPoint { return nil }
                seenPoint = true
            } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                if seenPoint { fraction.append(byte) } else { integer.append(byte) }
            } else {
                return nil
            }
        }
        guard !integer.isEmpty || !fraction.isEmpty, integer.count + fraction.count <= 65 else { return nil }
        while integer.count > 1, integer.first == UInt8(ascii: "0") { integer.removeFirst() }
        if integer.isEmpty { integer = [UInt8(ascii: "0")] }
        let isZero = integer == [UInt8(ascii: "0")] && fraction.allSatisfy { $0 == UInt8(ascii: "0") }
        var out = (negative && !isZero) ? "-" : ""
        out += String(decoding: integer, as: UTF8.self)
        if !fraction.isEmpty { out += "." + String(decoding: fraction, as: UTF8.self) }
        self.text = out
    }

    public init(_ value: Int64) { self.text = String(value) }

    /// Exact conversion from Foundation's `Decimal` (its `description` is plain positional notation).
    public init?(_ value: Decimal) {
        guard !value.isNaN else { return nil }
        self.init(value.description)
    }

    public var description: String { text }

    public var isNegative: Bool { text.hasPrefix("-") }
    /// Digits after the point as written (`12.50` → 2).
    public var scale: Int { text.firstIndex(of: ".").map { text.distance(from: $0, to: text.endIndex) - 1 } ?? 0 }
    /// Total significant digits as written, excluding leading zeros of the integer part.
    public var precision: Int {
        let digits = text.filter(\.isNumber)
        let integerDigits = text.split(separator: ".").first.map { $0.filter(\.isNumber) } ?? ""
        return integerDigits == "0" ? max(digits.count - 1, 1) : digits.count
    }

    /// Foundation's `Decimal` holds 38 significant digits; beyond that this returns nil rather than round.
    public var foundationDecimal: Decimal? {
        let significant = text.filter(\.isNumber).drop(while: { $0 == "0" })
        guard significant.count <= 38 else { return nil }
        return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
    }

    /// Lossy by design: the nearest binary double.
    public var approximateDouble: Double { Double(text) ?? .nan }

    public static func < (lhs: MariaDBDecimal, rhs: MariaDBDecimal) -> Bool {
        lhs.compare(rhs) < 0
    }

    public static func == (lhs: MariaDBDecimal, rhs: MariaDBDecimal) -> Bool { lhs.compare(rhs) == 0 }
    public func hash(into hasher: inout Hasher) { hasher.combine(normalizedForHash) }

    /// Text with trailing fraction zeros removed, so `1.50` and `1.5` hash alike.
    private var normalizedForHash: String {
        guard text.contains(".") else { return text }
        var t = text
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t == "-0" ? "0" : t
    }

    private func compare(_ other: MariaDBDecimal) -> Int {
        if isNegative != other.isNegative { return isNegative ? -1 : 1 }
        let magnitude = Self.compareMagnitude(self.text.trimmingCharacters(in: ["-"]), other.text.trimmingCharacters(in: ["-"]))
        return isNegative ? -magnitude : magnitude
    }

    private static func compareMagnitude(_ a: String, _ b: String) -> Int {
        let pa = a.split(separator: ".", omittingEmptySubsequences: false)
        let pb = b.split(separator: ".", omittingEmptySubsequences: false)
        let ia = String(pa[0]), ib = String(pb[0])
        if ia.count != ib.count { return ia.count < ib.count ? -1 : 1 }
        if ia != ib { return ia < ib ? -1 : 1 }
        var fa = pa.count > 1 ? String(pa[1]) : "", fb = pb.count > 1 ? String(pb[1]) : ""
        let width = max(fa.count, fb.count)
        fa += String(repeating: "0", count: width - fa.count)
        fb += String(repeating: "0", count: width - fb.count)
        return fa == fb ? 0 : (fa < fb ? -1 : 1)
    }
}
