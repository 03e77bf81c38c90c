import Foundation
import MariaDB

/// What became of one view, trigger, generated column or virtual table, for the report.
public struct SchemaObjectOutcome: Sendable, Codable {
    public enum Status: String, Sendable, Codable {
        /// Dry run: what `--execute` would do.
        case planned
        case created
        /// The target's own (`--schema existing`).
        case kept
        case notCarriedOver = "not_carried_over"
    }

    public var kind: SchemaObjectPlan.Kind
    public var name: String
    public var status: Status
    public var reason: String?
    public var notes: [String]
    public var sql: [String]

    public init(_ object: SchemaObjectPlan, status: Status) {
        self.kind = object.kind
        self.name = object.name
        self.status = status
        self.reason = object.reason
        self.notes = object.notes
        self.sql = object.targetSQL
    }

    /// The outcome a plan promises before anything runs.
    public static func planned(_ object: SchemaObjectPlan) -> SchemaObjectOutcome {
        switch object.action {
        case .create: return SchemaObjectOutcome(object, status: .planned)
        case .keep: return SchemaObjectOutcome(object, status: .kept)
        case .skip, .refuse: return SchemaObjectOutcome(object, status: .notCarriedOver)
        }
    }
}

/// Creates the translated objects on the target. Tables standing in for virtual tables exist before the
/// copy; FULLTEXT indexes, generated columns added to existing tables, views (in dependency order) and
/// triggers come after the data, indexes and foreign keys, so no trigger fires during the copy. Every
/// statement can run again (a resumed run repeats this step).
public struct SchemaObjectCreator {
    public let plan: MigrationPlan
    public let target: MariaDBConfiguration

    public init(plan: MigrationPlan, target: MariaDBConfiguration) {
        self.plan = plan
        self.target = target
    }

    var objects: [SchemaObjectPlan] { plan.schemaObjects ?? [] }

    static func isTableCreation(_ sql: String) -> Bool { sql.hasPrefix("CREATE TABLE") }

    /// `--schema existing`: the tables for virtual tables the target lacks, so the copy can fill them.
    public func createTablesBeforeData() throws {
        let statements = objects.filter { $0.action == .create && $0.kind == .virtualTable }.flatMap(\.targetSQL)
            .filter(Self.isTableCreation)
        guard !statements.isEmpty else { return }
        let connection = try BlockingConnection.connect(target)
        defer { connection.close() }
        for sql in statements { try connection.execute(MariaDBQuery(unsafeSQL: sql)) }
    }

    public func createAfterData() throws -> [SchemaObjectOutcome] {
        guard !objects.isEmpty else { return [] }
        let connection = try BlockingConnection.connect(target)
        defer { connection.close() }
        // String literals in views and triggers compare as bytes, as SQLite's do.
        try connection.execute("SET NAMES utf8mb4 COLLATE utf8mb4_bin")
        var outcomes: [SchemaObjectOutcome] = []
        for object in objects {
            switch object.action {
            case .create:
                for sql in object.targetSQL where !Self.isTableCreation(sql) {
                    do { try connection.execute(MariaDBQuery(unsafeSQL: sql)) } catch let error as MariaDBError {
                        // Added by an interrupted earlier run (ER_DUP_KEYNAME, ER_DUP_FIELDNAME).
                        if sql.hasPrefix("ALTER TABLE") && (error.errno == 1061 || error.errno == 1060) { continue }
                        throw MigrationError(
                            "\(object.label): MariaDB rejected the translated statement "
                                + "(\(error.safeMessageForReport)); the data is copied — correct targetSQL "
                                + "in the plan file (--write-plan) and rerun with --plan-file"
                        )
                    }
                }
                outcomes.append(SchemaObjectOutcome(object, status: .created))
            case .keep: outcomes.append(SchemaObjectOutcome(object, status: .kept))
            case .skip, .refuse: outcomes.append(SchemaObjectOutcome(object, status: .notCarriedOver))
            }
        }
        return outcomes
    }
}
