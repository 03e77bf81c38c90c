import Foundation
import MariaDB

/// What the target already has, for `--schema existing`: its own objects are left alone.
public struct TargetSchemaObjects: Sendable {
    public var tables: Set<String> = []
    public var views: Set<String> = []
    public var triggers: Set<String> = []
    /// Lowercased table → lowercased column → whether MariaDB generates it.
    public var columns: [String: [String: Bool]] = [:]

    public init() {}

    public static func read(_ connection: BlockingConnection) throws -> TargetSchemaObjects {
        var objects = TargetSchemaObjects()
        for row in try connection.query(
            "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
        ).rows {
            let name = try row.decode(0, as: String.self).lowercased()
            if try row.decode(1, as: String.self) == "VIEW" {
                objects.views.insert(name)
            } else {
                objects.tables.insert(name)
            }
        }
        for row in try connection.query(
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"
        ).rows {
            objects.triggers.insert(try row.decode(0, as: String.self).lowercased())
        }
        let columns = try connection.query(
            """
            SELECT TABLE_NAME, COLUMN_NAME, IS_GENERATED FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
            """
        ).rows
        for row in columns {
            let table = try row.decode(0, as: String.self).lowercased()
            objects.columns[table, default: [:]][try row.decode(1, as: String.self).lowercased()] =
                try row.decode(2, as: String.self) == "ALWAYS"
        }
        return objects
    }
}

/// Plans the source's views, triggers, generated columns and virtual tables: translates each into
/// MariaDB SQL or refuses it with the construct named, orders views by dependency, and adds the tables
/// that stand in for virtual tables to the plan.
public struct SchemaObjectPlanner {
    public let schema: SourceSchema
    public let source: SQLiteSource
    public var target = TargetSchemaObjects()

    public init(schema: SourceSchema, source: SQLiteSource) {
        self.schema = schema
        self.source = source
    }

    var existing = false

    /// The reason of a generated column the target computes itself (`--schema existing`); it is verified.
    static let computedByTarget = "the target table computes it itself"

    public func plan(_ plan: inout MigrationPlan) throws {
        var planner = self
        planner.existing = plan.schemaMode == .existing
        var objects: [SchemaObjectPlan] = []
        let virtual = try planner.virtualTables(&plan, objects: &objects)
        objects += try planner.generatedColumns(&plan)
        var catalog = planner.catalog(plan, virtual: virtual.relations)
        objects += try planner.views(&catalog)
        objects += try planner.triggers(catalog, plan: plan, ftsIndexes: virtual.ftsIndexes)
        plan.schemaObjects = objects
    }

    /// The target's tables as the translator sees them, with SQLite's rowid aliases and value types.
    func catalog(_ plan: MigrationPlan, virtual: [TranslationCatalog.Relation]) -> TranslationCatalog {
        var catalog = TranslationCatalog(virtual)
        for table in plan.tables where catalog.relation(table.name) == nil {
            let source = schema.table(table.name)
            var columns: [(Int, TranslationCatalog.Column)] = []
            for column in table.columns {
                let affinity = source?.columns.first { $0.name == column.name }?.affinity ?? ""
                let position = source?.columns.firstIndex { $0.name == column.name } ?? columns.count
                columns.append(
                    (position, .init(name: column.name, type: SQLValueType.of(column.type, affinity: affinity))))
            }
            for generated in table.generatedColumns ?? [] {
                let affinity = source?.columns.first { $0.name == generated.name }?.affinity ?? ""
                columns.append(
                    (
                        generated.position,
                        .init(name: generated.name, type: SQLValueType.of(generated.type, affinity: affinity))
                    ))
            }
            for column in source?.columns ?? []
            where column.isGenerated && !columns.contains(where: { $0.1.name == column.name }) {
                let kept = existing && target.columns[table.name.lowercased()]?[column.name.lowercased()] != nil
                let reason = kept ? nil : "a generated column that is not carried over"
                columns.append(
                    (
                        source?.columns.firstIndex { $0.name == column.name } ?? 0,
                        .init(name: column.name, type: .unknown, missingReason: reason)
                    ))
            }
            catalog.add(
                .init(
                    name: table.name, columns: columns.sorted { $0.0 < $1.0 }.map(\.1), primaryKey: table.primaryKey,
                    rowidColumn: source?.rowidAlias))
        }
        return catalog
    }

    /// The check for one kind of object: failed when something cannot be translated (unless accepted).
    public static func checks(_ objects: [SchemaObjectPlan], acceptUntranslated: Bool) -> [Check] {
        let kinds: [(SchemaObjectPlan.Kind, String, String)] = [
            (.virtualTable, "source.virtual_tables", "virtual table"),
            (.generatedColumn, "source.generated_columns", "generated column"),
            (.view, "source.views", "view"), (.trigger, "source.triggers", "trigger"),
        ]
        var checks: [Check] = []
        for (kind, name, noun) in kinds {
            let group = objects.filter { $0.kind == kind }
            guard !group.isEmpty else { continue }
            let refused = group.filter { $0.action == .refuse }
            let skipped = group.filter { $0.action == .skip }
            var parts = ["\(group.filter { $0.action == .create }.count) of \(group.count) \(noun)(s) translated"]
            let kept = group.filter { $0.action == .keep }.count
            if kept > 0 { parts.append("\(kept) kept (the target's own)") }
            if !skipped.isEmpty {
                parts.append("not needed: " + skipped.map { "\($0.name) (\($0.reason ?? ""))" }.joined(separator: "; "))
            }
            if !refused.isEmpty {
                parts.append(
                    "cannot be translated: " + refused.map { "\($0.name) (\($0.reason ?? ""))" }.joined(separator: "; ")
                )
            }
            var detail = parts.joined(separator: "; ")
            let status: Check.Status
            if refused.isEmpty {
                status = .ok
            } else if acceptUntranslated {
                status = .warning
                detail += " — not carried over (--skip-untranslated)"
            } else {
                status = .failed
                detail +=
                    " — write them by hand in the plan file (--write-plan, edit targetSQL, --plan-file) "
                    + "or accept leaving them out with --skip-untranslated"
            }
            checks.append(Check(name: name, status: status, detail: detail))
        }
        return checks
    }
}
