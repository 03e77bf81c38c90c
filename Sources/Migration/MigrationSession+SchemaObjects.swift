import Foundation
import MariaDB

extension MigrationSession {
    /// Plans views, triggers, generated columns and virtual tables (unless the plan file already has
    /// them) and adds their checks: an object that cannot be translated fails its check, so `--execute`
    /// refuses, unless `--skip-untranslated` accepts leaving it out.
    func planSchemaObjects(
        _ plan: inout MigrationPlan, checks: inout [Check], source: SQLiteSource, schema: SourceSchema,
        target: BlockingConnection
    ) throws {
        if plan.schemaObjects == nil {
            var planner = SchemaObjectPlanner(schema: schema, source: source)
            if plan.schemaMode == .existing { planner.target = try TargetSchemaObjects.read(target) }
            try planner.plan(&plan)
        }
        let objects = plan.schemaObjects ?? []
        checks += SchemaObjectPlanner.checks(objects, acceptUntranslated: skipUntranslated)
        if let check = try Self.privilegeCheck(objects, target) { checks.append(check) }
        if plan.schemaMode == .existing, let check = try Self.targetTriggerCheck(plan, target) { checks.append(check) }
    }

    /// CREATE VIEW and TRIGGER are privileges of their own.
    static func privilegeCheck(_ objects: [SchemaObjectPlan], _ target: BlockingConnection) throws -> Check? {
        let creating = objects.filter { $0.action == .create }
        var needed: [String] = []
        if creating.contains(where: { $0.kind == .view || $0.targetSQL.contains { $0.contains(" VIEW ") } }) {
            needed.append("CREATE VIEW")
        }
        if creating.contains(where: { $0.kind == .trigger }) { needed.append("TRIGGER") }
        guard !needed.isEmpty else { return nil }
        let grants = try target.query("SHOW GRANTS").rows.compactMap {
            try $0.decode(0, as: String.self)
        }
        .joined(separator: "\n").uppercased()
        let missing = grants.contains("ALL PRIVILEGES") ? [] : needed.filter { !grants.contains($0) }
        return Check(
            name: "target.schema_object_privileges", status: missing.isEmpty ? .ok : .failed,
            detail: missing.isEmpty
                ? "\(needed.joined(separator: ", ")) granted"
                : "missing \(missing.joined(separator: ", ")) — GRANT them on the target database to "
                    + target.configuration.username
        )
    }

    /// With `--schema existing`, the application's own triggers on the target fire while rows are loaded.
    static func targetTriggerCheck(_ plan: MigrationPlan, _ target: BlockingConnection) throws -> Check? {
        let rows = try target.query(
            """
            SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
            """
        ).rows
        let loaded = Set(plan.tables.map { $0.name.lowercased() })
        let firing = try rows.filter { loaded.contains(try $0.decode(1, as: String.self).lowercased()) }.map {
            try $0.decode(0, as: String.self)
        }
        guard !firing.isEmpty else { return nil }
        return Check(
            name: "target.triggers", status: .warning,
            detail:
                "the target's own triggers \(firing.joined(separator: ", ")) fire for every row loaded "
                    + "(LOAD DATA fires INSERT triggers)"
        )
    }
}
