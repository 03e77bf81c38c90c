import Foundation
import MariaDB

/// `--schema existing` (and `verify`): the target's own tables decide each column's type; source columns
/// are matched by name and every value is converted to the target column's type.
public struct ExistingSchemaPlanner {
    public let schema: SourceSchema
    public let sourcePath: String
    public let rowCounts: [String: Int]
    /// `--round-decimals`: values with more fraction digits than a DECIMAL column keeps are rounded (counted).
    public var roundDecimals = false

    public init(schema: SourceSchema, sourcePath: String, rowCounts: [String: Int]) {
        self.schema = schema
        self.sourcePath = sourcePath
        self.rowCounts = rowCounts
    }

    /// Tables the ORM manages itself (migration bookkeeping) are skipped: the target has its own.
    static let ormBookkeeping: Set<String> = ["_fluent_migrations", "django_migrations"]

    public func plan(target: BlockingConnection, tables selection: [String]? = nil) throws -> MigrationPlan {
        var warnings: [String] = []
        var plans: [TablePlan] = []
        let columnRows = try target.query("""
            SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLLATION_NAME, COLUMN_KEY
            FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION
            """).rows
        var targetColumns: [String: [(name: String, type: TargetType?, columnType: String, nullable: Bool, hasDefault: Bool, autoIncrement: Bool, collation: String?, key: String)]] = [:]
        // Columns MariaDB computes (EXTRA "VIRTUAL GENERATED"/"STORED GENERATED") are never loaded.
        var generated = Set<String>()
        for row in columnRows {
            let table = try row.decode(0, as: String.self)
            let columnType = try row.decode(2, as: String.self)
            if try row.decode(6, as: String.self).contains("GENERATED") {
                generated.insert("\(table).\(try row.decode(1, as: String.self))")
            }
            targetColumns[table, default: []].append((
                try row.decode(1, as: String.self), TargetType.parse(columnType: columnType, dataType: try row.decode(3, as: String.self)), columnType,
                try row.decode(4, as: String.self) == "YES", !row[5].isNull, (try row.decode(6, as: String.self)).contains("auto_increment"),
                try row.decode(7, as: String?.self), try row.decode(8, as: String.self)))
        }
        let pkRows = try target.query("""
            SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE
            WHERE TABLE_SCHEMA = DATABASE() AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY TABLE_NAME, ORDINAL_POSITION
            """).rows
        var targetPK: [String: [String]] = [:]
        for row in pkRows { targetPK[try row.decode(0, as: String.self), default: []].append(try row.decode(1, as: String.self)) }

        for table in schema.tables where !Self.ormBookkeeping.contains(table.name) && (selection?.contains(table.name) ?? true) {
            guard let columns = targetColumns[table.name] else {
                throw MigrationError("target table \(table.name) does not exist; run the application's migrations against the target first, or use --schema generic")
            }
            var plannedColumns: [ColumnPlan] = []
            // A source generated column whose target column is a plain one carries SQLite's values as data.
            for source in table.columns where !source.isGenerated
                || columns.contains(where: { $0.name == source.name })
                    && !generated.contains("\(table.name).\(source.name)") {
                guard let column = columns.first(where: { $0.name == source.name }) else {
                    throw MigrationError("table \(table.name): source column \(source.name) has no target column; its data would be lost")
                }
                guard let type = column.type else {
                    throw MigrationError("table \(table.name), column \(source.name): target type \(column.columnType) is not supported by the copier")
                }
                // Numbers in a temporal column are read as Unix seconds (fluent stores dates as REAL seconds).
                let numbers = TemporalNumbers.unixSeconds
                var planned = ColumnPlan(name: source.name, sourceType: source.declaredType, type: type, nullable: column.nullable,
                                         collation: column.collation, temporalNumbers: numbers, reason: "target column \(column.columnType)")
                if case .decimal = type, roundDecimals {
                    planned.rounding = true
                    planned.reason += "; longer fractions rounded half-even (--round-decimals)"
                }
                plannedColumns.append(planned)
            }
            for column in columns where !plannedColumns.contains(where: { $0.name == column.name })
                && !generated.contains("\(table.name).\(column.name)") {
                guard column.nullable || column.hasDefault || column.autoIncrement else {
                    throw MigrationError("table \(table.name): target column \(column.name) is NOT NULL without a default and has no source column")
                }
                warnings.append("table \(table.name): target column \(column.name) has no source column; it gets its default")
            }
            let primaryKey = targetPK[table.name] ?? []
            let order = table.primaryKey.isEmpty ? (table.withoutRowID ? primaryKey : ["rowid"]) : table.primaryKey
            let autoColumn = columns.first(where: \.autoIncrement)?.name
            plans.append(TablePlan(
                name: table.name, columns: plannedColumns, primaryKey: primaryKey, sourceOrder: order, autoIncrementColumn: autoColumn,
                autoIncrementFloor: (schema.sequences[table.name] ?? 0) + 1, indexes: [], foreignKeys: [], rows: rowCounts[table.name] ?? 0,
                withoutRowID: table.withoutRowID))
        }
        for name in Self.ormBookkeeping where schema.table(name) != nil {
            warnings.append("\(name): not copied; the application's own migrations created the target's copy")
        }
        return MigrationPlan(source: sourcePath, schemaMode: .existing, orm: schema.orm, tables: plans, warnings: warnings,
                             estimatedRows: plans.map(\.rows).reduce(0, +))
    }
}
