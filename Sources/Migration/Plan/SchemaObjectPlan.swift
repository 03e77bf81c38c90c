import MariaDB

/// A view, trigger, generated column or virtual table of the source and what the migration does with it.
/// Part of the plan file: the translated SQL can be reviewed and edited like the rest of the plan.
public struct SchemaObjectPlan: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case view, trigger
        case generatedColumn = "generated_column"
        case virtualTable = "virtual_table"
    }

    public enum Action: String, Sendable, Codable {
        /// Translated; created on the target (`targetSQL`).
        case create
        /// The target already has it (`--schema existing`): the application's own, left alone.
        case keep
        /// Deliberately not carried over, with the reason (e.g. FTS sync triggers a FULLTEXT index replaces).
        case skip
        /// Cannot be translated: stops the run unless accepted with `--skip-untranslated`.
        case refuse
    }

    public var kind: Kind
    /// The object's name; for a generated column `table.column`.
    public var name: String
    public var table: String?
    public var sourceSQL: String
    public var action: Action
    /// What runs on the target, in order (CREATE VIEW, CREATE TRIGGER, ALTER TABLE … ADD FULLTEXT, …).
    public var targetSQL: [String]
    /// Why it is refused, skipped or kept.
    public var reason: String?
    /// Where the translation is exact on the copied data but can differ on other data.
    public var notes: [String]
    /// Views and tables it reads, for creation order.
    public var dependsOn: [String]
    /// For a view: the columns SQLite returns, which verification compares on both sides.
    public var columns: [String]?

    public init(
        kind: Kind, name: String, table: String? = nil, sourceSQL: String, action: Action,
        targetSQL: [String] = [], reason: String? = nil, notes: [String] = [], dependsOn: [String] = []
    ) {
        self.kind = kind
        self.name = name
        self.table = table
        self.sourceSQL = sourceSQL
        self.action = action
        self.targetSQL = targetSQL
        self.reason = reason
        self.notes = notes
        self.dependsOn = dependsOn
    }

    /// "view order_totals", "generated column orders.total", …
    public var label: String {
        switch kind {
        case .view: return "view \(name)"
        case .trigger: return "trigger \(name)"
        case .generatedColumn: return "generated column \(name)"
        case .virtualTable: return "virtual table \(name)"
        }
    }
}

/// A generated column as the target table defines it: computed by MariaDB, never loaded.
public struct GeneratedColumnPlan: Sendable, Codable, Equatable {
    public var name: String
    /// Its position among all the table's columns in SQLite's order, to keep that order on the target.
    public var position: Int
    public var type: TargetType
    public var stored: Bool
    /// The MariaDB expression.
    public var expression: String

    /// `` `total` DOUBLE GENERATED ALWAYS AS (…) VIRTUAL `` (MariaDB allows no NULL/NOT NULL here).
    public var definition: String {
        let collation = type.isText && type != .json ? " COLLATE utf8mb4_bin" : ""
        return "\(MariaDBIdentifier.quote(name)) \(type.sql)\(collation) GENERATED ALWAYS AS (\(expression)) "
            + (stored ? "PERSISTENT" : "VIRTUAL")
    }
}

extension MigrationPlan {
    /// Column lines of a CREATE TABLE with the generated columns at their SQLite positions.
    static func insertGeneratedColumns(_ table: TablePlan, into lines: inout [String]) {
        for column in (table.generatedColumns ?? []).sorted(by: { $0.position < $1.position }) {
            lines.insert("  " + column.definition, at: min(column.position, lines.count))
        }
    }

    /// The schema objects' statements, in the order they run after the data.
    public var schemaObjectDDL: String {
        var out: [String] = []
        for object in schemaObjects ?? [] where object.action == .create && !object.targetSQL.isEmpty {
            out.append(
                "-- \(object.label)" + (object.notes.isEmpty ? "" : " (\(object.notes.joined(separator: "; ")))"))
            out += object.targetSQL.map { $0 + ";" }
        }
        let notCarried = (schemaObjects ?? []).filter { $0.action == .refuse || $0.action == .skip }
        for object in notCarried { out.append("-- not carried over: \(object.label): \(object.reason ?? "")") }
        return out.joined(separator: "\n")
    }
}
