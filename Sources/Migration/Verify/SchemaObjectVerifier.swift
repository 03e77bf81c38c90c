import Foundation
import MariaDB

/// The comparison of one view (its rows) or one table's generated columns (their values) on both sides.
public struct SchemaObjectVerification: Sendable, Codable {
    public enum Kind: String, Sendable, Codable { case view, generatedColumns = "generated_columns" }

    public var kind: Kind
    /// The view, or the table whose generated columns were compared.
    public var name: String
    public var columns: [String]
    public var sourceRows: Int
    public var targetRows: Int
    /// What differs: keys and columns for generated columns, row counts for views (never values).
    public var differences: [String]
    /// Why the comparison could not run (e.g. the view is missing on the target).
    public var error: String?
    public var seconds: Double

    /// For generated columns a row on one side only is the table verification's finding, not counted here.
    public var identical: Bool {
        error == nil && differences.isEmpty && (kind == .generatedColumns || sourceRows == targetRows)
    }
}

/// Compares what views return and what generated columns hold, SQLite against MariaDB. Each SQLite
/// value is converted to the type of the target's column (information_schema) exactly as the copy
/// converts values, then compared in the canonical form table verification uses.
public struct SchemaObjectVerifier: Sendable {
    public let plan: MigrationPlan
    public let target: MariaDBConfiguration
    public var maxReportedDifferences = 100

    public init(plan: MigrationPlan, target: MariaDBConfiguration) {
        self.plan = plan
        self.target = target
    }

    public func verifyAll() throws -> [SchemaObjectVerification] {
        let objects = plan.schemaObjects ?? []
        guard !objects.isEmpty else { return [] }
        let source = try SQLiteSource(path: plan.source)
        defer { source.close() }
        let connection = try BlockingConnection.connect(target)
        defer { connection.close() }
        var results: [SchemaObjectVerification] = []
        let generatedTables = Set(
            objects.filter { $0.kind == .generatedColumn && $0.action != .refuse && $0.action != .skip }.compactMap(
                \.table))
        for table in plan.tables where generatedTables.contains(table.name) {
            let names = objects.filter {
                $0.kind == .generatedColumn && $0.table == table.name
                    && ($0.action == .create || $0.reason == SchemaObjectPlanner.computedByTarget)
            }
            .map { String($0.name.dropFirst(table.name.count + 1)) }
            guard !names.isEmpty else { continue }
            results.append(try verifyGenerated(table, columns: names, source, connection))
        }
        for object in objects where (object.action == .create || object.action == .keep) && object.columns != nil {
            guard object.kind == .view || object.kind == .virtualTable else { continue }
            results.append(try verifyView(object.name, columns: object.columns ?? [], source, connection))
        }
        return results
    }

    /// The target column types by lowercased name, for converting SQLite's values.
    func targetTypes(_ relation: String, _ connection: BlockingConnection) throws -> [String: TargetType] {
        var types: [String: TargetType] = [:]
        for row in try connection.query(
            """
            SELECT COLUMN_NAME, COLUMN_TYPE, DATA_TYPE FROM information_schema.COLUMNS
            WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = \(relation)
            """
        ).rows {
            let type = TargetType.parse(
                columnType: try row.decode(1, as: String.self), dataType: try row.decode(2, as: String.self))
            types[try row.decode(0, as: String.self).lowercased()] = type ?? .text("LONGTEXT")
        }
        return types
    }

    static func canonical(_ value: SQLiteValue, as type: TargetType) -> String {
        guard let converted = try? ValueConversion.convert(value, to: type) else {
            return "\u{0}UNCONVERTIBLE \(value.storageClass)"
        }
        return Verifier.canonical(converted)
    }

    func verifyView(
        _ name: String, columns: [String], _ source: SQLiteSource, _ connection: BlockingConnection
    ) throws -> SchemaObjectVerification {
        let started = Date()
        var result = SchemaObjectVerification(
            kind: .view, name: name, columns: columns, sourceRows: 0, targetRows: 0, differences: [], seconds: 0)
        let types = try targetTypes(name, connection)
        guard !types.isEmpty else {
            result.error = "the view does not exist on the target"
            return result
        }
        let typeList = columns.map { types[$0.lowercased()] }
        guard typeList.allSatisfy({ $0 != nil }) else {
            result.error = "the target's \(name) has no column \(columns.first { types[$0.lowercased()] == nil } ?? "")"
            return result
        }
        var sourceDigests: [UInt64] = []
        let sqliteList = columns.map(SourceInspector.quote).joined(separator: ", ")
        try source.query("SELECT \(sqliteList) FROM \(SourceInspector.quote(name))") { row in
            sourceDigests.append(
                Digest.of((0..<columns.count).map { Self.canonical(row.value($0), as: typeList[$0]!) }))
        }
        var targetDigests: [UInt64] = []
        let list = columns.map(MariaDBIdentifier.quote).joined(separator: ", ")
        _ = try connection.stream(
            MariaDBQuery(unsafeSQL: "SELECT \(list) FROM \(MariaDBIdentifier.quote(name))"), prepared: true
        ) { row in
            targetDigests.append(Digest.of(row.values.map(Verifier.canonical)))
        }
        result.sourceRows = sourceDigests.count
        result.targetRows = targetDigests.count
        let (onlySource, onlyTarget) = Self.multisetDifference(sourceDigests.sorted(), targetDigests.sorted())
        if onlySource + onlyTarget > 0 {
            result.differences.append("\(onlySource) row(s) only in SQLite, \(onlyTarget) only in MariaDB")
        }
        result.seconds = Date().timeIntervalSince(started)
        return result
    }

    static func multisetDifference(_ a: [UInt64], _ b: [UInt64]) -> (Int, Int) {
        var i = 0, j = 0, onlyA = 0, onlyB = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i] < b[j]) {
                onlyA += 1; i += 1
            } else if i == a.count || b[j] < a[i] {
                onlyB += 1; j += 1
            } else {
                i += 1; j += 1
            }
        }
        return (onlyA, onlyB)
    }
}

extension SchemaObjectVerifier {
    /// `dbctl verify` on its own: the views and generated columns the source has, compared with the
    /// target's (a view the target lacks is a difference).
    public static func verifyExisting(
        plan: MigrationPlan, schema: SourceSchema, source: SQLiteSource,
        target: MariaDBConfiguration
    ) throws -> [SchemaObjectVerification] {
        var probe = plan
        if probe.schemaObjects == nil {
            let connection = try BlockingConnection.connect(target)
            defer { connection.close() }
            var planner = SchemaObjectPlanner(schema: schema, source: source)
            planner.target = try TargetSchemaObjects.read(connection)
            try planner.plan(&probe)
        }
        var checked = plan
        checked.schemaObjects = probe.schemaObjects
        return try SchemaObjectVerifier(plan: checked, target: target).verifyAll()
    }
}
