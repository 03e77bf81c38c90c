import Foundation
import SQLKit

/// SQLKit dialect for MariaDB and MySQL. Named "mysql" because FluentSQL switches on that name (for
/// example to emit `DROP FOREIGN KEY`).
public struct MariaDBDialect: SQLDialect {
    public init() {}

    public var name: String { "mysql" }
    public var identifierQuote: any SQLExpression { SQLRaw("`") }
    public var literalStringQuote: any SQLExpression { SQLRaw("'") }
    public var supportsAutoIncrement: Bool { true }
    public var autoIncrementClause: any SQLExpression { SQLRaw("AUTO_INCREMENT") }
    public func bindPlaceholder(at position: Int) -> any SQLExpression { SQLRaw("?") }
    public func literalBoolean(_ value: Bool) -> any SQLExpression { SQLRaw(value ? "1" : "0") }
    public var enumSyntax: SQLEnumSyntax { .inline }
    public var supportsReturning: Bool { false }
    public var supportsDropBehavior: Bool { false }
    public var triggerSyntax: SQLTriggerSyntax {
        .init(create: [.supportsBody, .conditionRequiresParentheses, .supportsOrder], drop: [])
    }
    public var alterTableSyntax: SQLAlterTableSyntax {
        .init(alterColumnDefinitionClause: SQLRaw("MODIFY COLUMN"), alterColumnDefinitionTypeKeyword: nil)
    }
    public var upsertSyntax: SQLUpsertSyntax { .mysqlLike }
    public var unionFeatures: SQLUnionFeatures {
        [.union, .unionAll, .intersect, .intersectAll, .except, .exceptAll, .explicitDistinct, .parenthesizedSubqueries]
    }
    public var sharedSelectLockExpression: (any SQLExpression)? { SQLRaw("LOCK IN SHARE MODE") }
    public var exclusiveSelectLockExpression: (any SQLExpression)? { SQLRaw("FOR UPDATE") }

    public func customDataType(for dataType: SQLDataType) -> (any SQLExpression)? {
        switch dataType {
        // Indexable by default, like the upstream MySQL driver; use `.sql(raw: "TEXT")` for long text.
        case .text: return SQLRaw("VARCHAR(255)")
        default: return nil
        }
    }

    /// Constraint names are limited to 64 characters; long Fluent-generated names are shortened with a
    /// stable hash so the same schema always gets the same names.
    public func normalizeSQLConstraint(identifier: any SQLExpression) -> any SQLExpression {
        guard let id = identifier as? SQLIdentifier, id.string.utf8.count > 64 else { return identifier }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a 64
        for byte in id.string.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return SQLIdentifier(String(id.string.prefix(47)) + "_" + String(hash, radix: 16))
    }

    public func nestedSubpathExpression(in column: any SQLExpression, for path: [String]) -> (any SQLExpression)? {
        guard !path.isEmpty else { return nil }
        return SQLFunction("json_unquote", args: SQLFunction("json_extract", args: column, SQLLiteral.string("$.\(path.joined(separator: "."))")))
    }
}
