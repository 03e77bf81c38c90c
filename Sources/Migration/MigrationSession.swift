import Foundation
import MariaDB

/// The whole `migrate` flow as a library call: inspect → plan → (execute → verify). The CLI and the tests
/// both go through it.
public struct MigrationSession {
    public enum SchemaChoice: String, Sendable, CaseIterable { case auto, existing, generic }

    public var sourcePath: String
    public var target: MariaDBConfiguration
    public var schema: SchemaChoice = .auto
    public var onOrphan: Planner.OrphanPolicy = .stop
    public var quickCheck = false
    /// Accept leaving out views, triggers, generated columns and virtual tables that cannot be translated.
    public var skipUntranslated = false

    public init(sourcePath: String, target: MariaDBConfiguration) {
        self.sourcePath = sourcePath
        self.target = target
    }

    public struct Inspection: Sendable {
        public var plan: MigrationPlan
        public var checks: [Check]
        public var orphans: [String: [Int64]]
        public var failed: [Check] { checks.filter { $0.status == .failed } }
    }

    /// Read-only: checks both sides and computes the plan (or takes `planOverride`).
    public func inspect(planOverride: MigrationPlan? = nil) throws -> Inspection {
        let source = try SQLiteSource(path: sourcePath)
        defer { source.close() }
        // The integrity check reads the whole file; it runs on its own connection while the catalog,
        // orphans and target are inspected.
        final class Box: @unchecked Sendable { var result: Result<[String], any Error> = .success([]) }
        let integrity = Box()
        let done = DispatchSemaphore(value: 0)
        let path = sourcePath, quick = quickCheck
        Thread.detachNewThread {
            integrity.result = Result { let s = try SQLiteSource(path: path); defer { s.close() }; return try s.integrityCheck(quick: quick) }
            done.signal()
        }
        let sourceSchema: SourceSchema
        let orphans: [String: [(rowid: Int64?, parent: String, fk: Int)]]
        do {
            sourceSchema = try SourceInspector(source: source).schema()
            orphans = try DataProfiler(source: source).orphans()
        } catch {
            done.wait()
            throw error
        }
        done.wait()
        let profiler = DataProfiler(source: source)
        var checks = try SourceChecks.run(source, schema: sourceSchema, orphans: orphans, onOrphan: onOrphan, quick: quickCheck, integrity: try integrity.result.get())
        let connection = try BlockingConnection.connect(target)
        defer { connection.close() }
        var plan: MigrationPlan
        if let planOverride {
            plan = planOverride
        } else {
            let targetTables = Set(try connection.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()").rows.map { try $0.decode(0, as: String.self) })
            let appTables = sourceSchema.tables.map(\.name).filter { !ExistingSchemaPlanner.ormBookkeeping.contains($0) }
            let useExisting = schema == .existing
                || (schema == .auto && !appTables.isEmpty && appTables.allSatisfy(targetTables.contains) && !targetTables.contains(Migrator.stateTable))
            if useExisting {
                plan = try Self.existingPlan(source: source, schema: sourceSchema, target: connection)
            } else {
                var profiles: [String: (rows: Int, columns: [String: ColumnProfile])] = [:]
                for table in sourceSchema.tables { profiles[table.name] = try profiler.profile(table) }
                plan = try Planner(schema: sourceSchema, profiles: profiles, orphans: orphans, onOrphan: onOrphan, sourcePath: sourcePath).genericPlan()
            }
        }
        try planSchemaObjects(&plan, checks: &checks, source: source, schema: sourceSchema, target: connection)
        plan.estimatedSeconds = MigrationPlan.estimateSeconds(rows: plan.estimatedRows)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: sourcePath)[.size] as? Int) ?? 0
        checks += try TargetChecks.run(connection, plan: plan, sourceBytes: bytes ?? 0)
        return Inspection(plan: plan, checks: checks, orphans: orphans.mapValues { $0.compactMap(\.rowid) })
    }

    /// The plan for loading into the target's own tables (`--schema existing`, and `verify` without a plan file).
    public static func existingPlan(source: SQLiteSource, schema: SourceSchema, target: BlockingConnection) throws -> MigrationPlan {
        var counts: [String: Int] = [:]
        for table in schema.tables {
            if case .integer(let n) = try source.scalar("SELECT count(*) FROM \(SourceInspector.quote(table.name))") { counts[table.name] = Int(n) }
        }
        return try ExistingSchemaPlanner(schema: schema, sourcePath: source.path, rowCounts: counts).plan(target: target)
    }

    /// Writes: copies, then verifies (unless `verify` is false). Refuses when a check failed.
    public func execute(_ inspection: Inspection, options: MigrationOptions, verify: Bool = true, reporter: ProgressReporter = ProgressReporter()) throws -> MigrationReport {
        let started = Date()
        guard inspection.failed.isEmpty else {
            throw MigrationError("\(inspection.failed.count) check(s) failed (\(inspection.failed.map(\.name).joined(separator: ", "))); nothing was written")
        }
        var report = MigrationReport(source: sourcePath, target: target.endpoint, plan: inspection.plan, checks: inspection.checks,
                                     orphans: inspection.orphans.mapValues(\.count))
        var skip: [String: Set<Int64>] = [:]
        if options.onOrphan == .quarantine { skip = inspection.orphans.mapValues(Set.init) }
        let objects = SchemaObjectCreator(plan: inspection.plan, target: target)
        try objects.createTablesBeforeData()
        report.copy = try Migrator(plan: inspection.plan, target: target, options: options, reporter: reporter).run(orphanRowids: skip)
        report.schemaObjects = try objects.createAfterData()
        if verify {
            var verifier = Verifier(plan: inspection.plan, target: target)
            verifier.excludeQuarantined = options.badRows == .quarantine
            verifier.excludedRowids = skip
            // Copy-time digests stand for the source only when every source row was read: rows sent plus
            // rows set aside must equal the table's count.
            let source = try SQLiteSource(path: sourcePath)
            defer { source.close() }
            var sent: [String: TableCopyResult] = [:]
            for result in report.copy?.tables ?? [] {
                if case .integer(let count) = try source.scalar("SELECT count(*) FROM \(SourceInspector.quote(result.table))"),
                   Int(count) == result.rows + result.quarantined {
                    sent[result.table] = result
                }
            }
            report.verification = try verifier.verifyAll(parallel: options.parallelTables, sent: sent)
            report.schemaObjectVerification = try SchemaObjectVerifier(plan: inspection.plan, target: target)
                .verifyAll()
        }
        report.totalSeconds = Date().timeIntervalSince(started)
        return report
    }
}
