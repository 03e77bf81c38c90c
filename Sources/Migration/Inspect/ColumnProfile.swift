import Foundation
import MariaDB

/// What one pass over a column's values found: storage classes, ranges, lengths, formats, bad bytes.
public struct ColumnProfile: Sendable, Codable {
    public var storageClasses: [String: Int] = [:]
    public var maxChars = 0
    public var maxBytes = 0
    public var minInteger: Int64?
    public var maxInteger: Int64?
    public var minReal: Double?
    public var maxReal: Double?
    /// Largest number of fraction digits among REAL values printed with 15 significant digits.
    public var maxRealFractionDigits = 0
    public var maxRealIntegerDigits = 0
    public var nonFiniteReals = 0
    /// Numbers (integer or real) in the Julian-day range of the years 1000–9999.
    public var julianRangeNumbers = 0
    public var invalidUTF8 = 0
    public var textsWithNUL = 0
    /// Texts that parse as ISO date/datetime, and the most fraction digits they carry.
    public var isoDateTimes = 0
    public var isoDates = 0
    public var maxISOFractionDigits = 0
    /// Texts that are plain decimal numbers (`-12.50`), with their widest integer and fraction parts.
    public var decimalTexts = 0
    public var maxTextIntegerDigits = 0
    public var maxTextFractionDigits = 0
    /// As `maxTextFractionDigits`, without trailing zeros (`1.50` carries one significant decimal).
    public var maxTextSignificantFractionDigits = 0

    public var total: Int { storageClasses.values.reduce(0, +) }
    public var nonNull: Int { total - (storageClasses["null"] ?? 0) }
    public func count(_ storageClass: String) -> Int { storageClasses[storageClass] ?? 0 }

    mutating func add(_ value: SQLiteValue) {
        storageClasses[value.storageClass, default: 0] += 1
        switch value {
        case .null: break
        case .integer(let v):
            if TemporalNumbers.julianRange.contains(Double(v)) { julianRangeNumbers += 1 }
            minInteger = min(minInteger ?? v, v)
            maxInteger = max(maxInteger ?? v, v)
            maxRealIntegerDigits = max(maxRealIntegerDigits, String(v.magnitude).count)
        case .real(let d):
            guard d.isFinite else { nonFiniteReals += 1; return }
            if TemporalNumbers.julianRange.contains(d) { julianRangeNumbers += 1 }
            minReal = min(minReal ?? d, d)
            maxReal = max(maxReal ?? d, d)
            let text = ValueConversion.expandExponent(ValueConversion.sqliteRealText(d))
            if let decimal = MariaDBDecimal(text) {
                maxRealFractionDigits = max(maxRealFractionDigits, ValueConversion.fractionDigits(decimal))
                maxRealIntegerDigits = max(maxRealIntegerDigits, decimal.text.split(separator: ".")[0].filter(\.isNumber).count)
            } else {
                maxRealFractionDigits = max(maxRealFractionDigits, 6)
                maxRealIntegerDigits = max(maxRealIntegerDigits, 16)
            }
        case .text(let bytes):
            maxBytes = max(maxBytes, bytes.count)
            guard let text = String(validating: bytes, as: UTF8.self) else { invalidUTF8 += 1; return }
            maxChars = max(maxChars, text.unicodeScalars.count)
            if bytes.contains(0) { textsWithNUL += 1 }
            if bytes.count <= 40 {
                if let parsed = ValueConversion.parseISODateTime(text) {
                    if parsed.dateOnly { isoDates += 1 } else { isoDateTimes += 1 }
                    maxISOFractionDigits = max(maxISOFractionDigits, parsed.fractionDigits)
                } else if let decimal = MariaDBDecimal(text), !text.hasPrefix("+") {
                    decimalTexts += 1
                    maxTextFractionDigits = max(maxTextFractionDigits, decimal.scale)
                    maxTextSignificantFractionDigits = max(maxTextSignificantFractionDigits, ValueConversion.fractionDigits(decimal))
                    maxTextIntegerDigits = max(maxTextIntegerDigits, decimal.text.split(separator: ".")[0].filter(\.isNumber).count)
                }
            }
        case .blob(let bytes):
            maxBytes = max(maxBytes, bytes.count)
        }
    }
}

/// One pass over a table, profiling every column.
public struct DataProfiler {
    public let source: SQLiteSource
    public init(source: SQLiteSource) { self.source = source }

    public func profile(_ table: SourceTable) throws -> (rows: Int, columns: [String: ColumnProfile]) {
        let columns = table.columns.filter { !$0.isGenerated }
        var profiles = Array(repeating: ColumnProfile(), count: columns.count)
        var rows = 0
        let list = columns.map { SourceInspector.quote($0.name) }.joined(separator: ", ")
        try source.query("SELECT \(list) FROM \(SourceInspector.quote(table.name))") { row in
            rows += 1
            for i in 0..<columns.count { profiles[i].add(row.value(i)) }
        }
        var result: [String: ColumnProfile] = [:]
        for (i, column) in columns.enumerated() { result[column.name] = profiles[i] }
        return (rows, result)
    }

    /// Rows whose foreign keys point nowhere (`PRAGMA foreign_key_check`), by table.
    public func orphans(tables: [String]? = nil) throws -> [String: [(rowid: Int64?, parent: String, fk: Int)]] {
        var result: [String: [(Int64?, String, Int)]] = [:]
        let pragmas = tables.map { $0.map { "PRAGMA foreign_key_check(\(SourceInspector.quote($0)))" } } ?? ["PRAGMA foreign_key_check"]
        for pragma in pragmas { try source.query(pragma) { row in
            let table = row.text(0) ?? ""
            result[table, default: []].append((row.int(1), row.text(2) ?? "", Int(row.int(3) ?? 0)))
        } }
        return result.mapValues { $0.map { (rowid: $0.0, parent: $0.1, fk: $0.2) } }
    }
}
