import SQLKit

/// Table options that every `CREATE TABLE` issued through Fluent carries on MariaDB/MySQL, so a table never
/// inherits what a server or database happens to default to: `latin1` (MySQL 5.7 and many hosted servers),
/// MyISAM (no transactions, no foreign keys) or `COMPACT` rows (767-byte index keys, too short for a
/// `VARCHAR(254)` in utf8mb4). The connection always speaks utf8mb4, so the tables store utf8mb4 too.
public struct MariaDBTableOptions: Sendable, Equatable {
    public let engine: String
    public let rowFormat: String
    public let characterSet: String
    public let collation: String

    /// InnoDB, `DYNAMIC` rows, `utf8mb4` / `utf8mb4_unicode_ci` (what Storefront's own servers default to).
    public static let standard = MariaDBTableOptions(
        checkedEngine: "InnoDB", rowFormat: "DYNAMIC", characterSet: "utf8mb4", collation: "utf8mb4_unicode_ci")

    /// Each option is a bare word (letters, digits, `_`); anything else is refused, as it would end up in DDL.
    public init(engine: String = "InnoDB", rowFormat: String = "DYNAMIC", characterSet: String = "utf8mb4",
                collation: String = "utf8mb4_unicode_ci") throws {
        for (name, value) in [("engine", engine), ("row format", rowFormat),
                              ("character set", characterSet), ("collation", collation)] {
            guard Self.isBareWord(value) else {
                throw MariaDBTableOptionsError(description: "table \(name) must be letters, digits or '_'")
            }
        }
        self.init(checkedEngine: engine, rowFormat: rowFormat, characterSet: characterSet, collation: collation)
    }

    private init(checkedEngine: String, rowFormat: String, characterSet: String, collation: String) {
        self.engine = checkedEngine
        self.rowFormat = rowFormat
        self.characterSet = characterSet
        self.collation = collation
    }

    static func isBareWord(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A)
            || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }
    }

    /// `ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`
    public var clause: String {
        "ENGINE=\(engine) ROW_FORMAT=\(rowFormat) DEFAULT CHARSET=\(characterSet) COLLATE=\(collation)"
    }

    /// `statement` followed by the options (only bare words checked at init reach the SQL).
    func appended(to statement: any SQLExpression) -> any SQLExpression {
        SQLList([statement, SQLRaw(clause)], separator: SQLRaw(" "))
    }
}

public struct MariaDBTableOptionsError: Error, CustomStringConvertible {
    public let description: String
}
