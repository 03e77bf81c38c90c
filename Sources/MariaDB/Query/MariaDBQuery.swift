import Foundation

/// SQL text plus the values bound to its `?` placeholders.
///
/// Built by string interpolation, every interpolated value becomes a bind, never SQL text:
/// ```swift
/// let query: MariaDBQuery = "SELECT * FROM orders WHERE customer_id = \(id) AND status = \(status)"
/// // sql: "SELECT * FROM orders WHERE customer_id = ? AND status = ?", binds: [id, status]
/// ```
/// Identifiers go through `\(identifier: name)`, which quotes them with backticks.
public struct MariaDBQuery: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public var sql: String
    public var binds: [MariaDBValue]

    public init(unsafeSQL sql: String, binds: [MariaDBValue] = []) {
        self.sql = sql
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        self.sql = value
        self.binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        self.sql = stringInterpolation.sql
        self.binds = stringInterpolation.binds
    }

    /// The SQL only; bound values are never part of the description.
    public var description: String { binds.isEmpty ? sql : "\(sql) [\(binds.count) binds]" }

    public struct StringInterpolation: StringInterpolationProtocol {
        public var sql = ""
        public var binds: [MariaDBValue] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) { sql += literal }

        public mutating func appendInterpolation(_ value: some MariaDBValueConvertible) {
            sql += "?"
            binds.append(value.mariaDBValue)
        }

        /// A backtick-quoted identifier (table, column, database).
        public mutating func appendInterpolation(identifier: String) {
            sql += MariaDBIdentifier.quote(identifier)
        }

        /// `?, ?, ?` with one bind per element (for `IN (…)` lists).
        public mutating func appendInterpolation(list values: [some MariaDBValueConvertible]) {
            sql += values.map { _ in "?" }.joined(separator: ", ")
            binds.append(contentsOf: values.map(\.mariaDBValue))
        }

        /// Raw SQL text. Only for fragments the program itself wrote, never for input.
        public mutating func appendInterpolation(unsafeRaw text: String) { sql += text }
    }
}

/// The one place identifiers are quoted.
public enum MariaDBIdentifier {
    /// Wraps in backticks and doubles embedded backticks: `` a`b `` → `` `a``b` ``.
    public static func quote(_ name: String) -> String {
        "`" + name.replacingOccurrences(of: "`", with: "``") + "`"
    }

    /// `db`.`table`
    public static func quote(_ schema: String, _ name: String) -> String {
        quote(schema) + "." + quote(name)
    }
}
