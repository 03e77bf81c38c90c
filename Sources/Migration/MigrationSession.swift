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
    /// `--round-decimals`: round decimals with more fraction digits than the column keeps (counted) instead
    /// of widening the scale (generic schema) or stopping (the application's schema).
    public var roundDecimals = false
    /// `--delete-unmatched-seeded`: seeded target rows with no source counterpart are deleted, not a stop.
    public var deleteUnmatchedSeeded = false

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
            let presentTables = appTables.filter(targetTables.contains)
            var useExisting = schema == .existing
                || (schema == .auto && !appTables.isEmpty && presentTables.count == appTables.count && !targetTables.contains(Migrator.stateTable))
            if schema == .auto && targetTables.contains(Migrator.stateTable) && presentTables.count == appTables.count {
                // An unfinished run: resume in the mode it started with (the state records the plan's fingerprint).
                let started = try connection.query(MariaDBQuery(unsafeSQL: "SELECT rows_copied FROM \(MariaDBIdentifier.quote(Migrator.stateTable)) WHERE table_name = '*'")).rows.first
                let existingPlan = try? Self.existingPlan(source: source, schema: sourceSchema, target: connection, roundDecimals: roundDecimals)
                useExisting = try existingPlan != nil && started?.decode(0, as: String.self) == existingPlan?.fingerprint
            }
            if useExisting {
                plan = try Self.existingPlan(source: source, schema: sourceSchema, target: connection, roundDecimals: roundDecimals)
            } else {
                var profiles: [String: (rows: Int, columns: [String: ColumnProfile])] = [:]
                for table in sourceSchema.tables { profiles[table.name] = try profiler.profile(table) }
                var planner = Planner(schema: sourceSchema, profiles: profiles, orphans: orphans, onOrphan: onOrphan, sourcePath: sourcePath)
                planner.roundDecimals = roundDecimals
                plan = try planner.genericPlan()
                if schema == .auto, sourceSchema.orm != .none, presentTables.isEmpty {
                    checks.append(Self.ormSchemaCheck(sourceSchema.orm))
                }
            }
        }
        plan.estimatedSeconds = MigrationPlan.estimateSeconds(rows: plan.estimatedRows)
        if plan.schemaMode == .existing && !targetHasState(connection) {
            let seeded = try SeededRowsInspector(plan: plan, target: connection).inspect()
            checks.append(SeededRowsInspector.check(seeded, planRows: plan.estimatedRows, deleteUnmatched: deleteUnmatchedSeeded))
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: sourcePath)[.size] as? Int) ?? 0
        checks += try TargetChecks.run(connection, plan: plan, sourceBytes: bytes ?? 0)
        return Inspection(plan: plan, checks: checks, orphans: orphans.mapValues { $0.compactMap(\.rowid) })
    }

    /// The plan for loading into the target's own tables (`--schema existing`, and `verify` without a plan file).
    public static func existingPlan(source: SQLiteSource, schema: SourceSchema, target: BlockingConnection,
                                    roundDecimals: Bool = false) throws -> MigrationPlan {
        var counts: [String: Int] = [:]
        for table in schema.tables {
            if case .integer(let n) = try source.scalar("SELECT count(*) FROM \(SourceInspector.quote(table.name))") { counts[table.name] = Int(n) }
        }
        var planner = ExistingSchemaPlanner(schema: schema, sourcePath: source.path, rowCounts: counts)
        planner.roundDecimals = roundDecimals
        return try planner.plan(target: target)
    }

    func targetHasState(_ connection: BlockingConnection) -> Bool {
        let rows = try? connection.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = \(Migrator.stateTable)").rows
        return !(rows ?? []).isEmpty
    }

    /// An ORM's database into an empty target: the ORM must create its own schema first, or the user asks
    /// for the generic one on purpose.
    static func ormSchemaCheck(_ orm: SourceSchema.ORM) -> Check {
        let command = orm == .django
            ? "`python manage.py migrate --database <alias>` (a DATABASES entry pointing at the target)"
            : "`storefront migrate` with DATABASE_URL=mysql://…/<database> (or the application's own Fluent migrations)"
        let why = orm == .django
            ? "DecimalField precision and scale, datetime(6), Django's index and constraint names"
            : "the models' exact column types, indexes and foreign keys"
        return Check(name: "target.schema", status: .failed, detail: """
            the source is a \(orm.rawValue) database but the target has none of its tables; the schema the ORM expects \
            (\(why)) comes from the ORM itself: run \(command) against the target first, then dbctl migrate loads \
            into it — or pass --schema generic to derive an approximate schema from the SQLite file on purpose
            """)
    }

    /// Writes: copies, then verifies (unless `verify` is false). Refuses when a check failed.
    public func execute(_ inspection: Inspection, options: MigrationOptions, verify: Bool = true, reporter: ProgressReporter = ProgressReporter()) throws -> MigrationReport {
        let started = Date()
        guard inspection.failed.isEmpty else {
            throw MigrationError("\(inspection.failed.count) check(s) failed (\(inspection.failed.map(\.name).joined(separator: ", "))); nothing was written")
        }
        var report = MigrationReport(source: sourcePath, target: target.endpoint, plan: inspection.plan, checks: inspection.checks,
                                     orphans: inspection.orphans.mapValues(\.count))
        var options = options
        options.deleteUnmatchedSeeded = options.deleteUnmatchedSeeded || deleteUnmatchedSeeded
        var skip: [String: Set<Int64>] = [:]
        if options.onOrphan == .quarantine { skip = inspection.orphans.mapValues(Set.init) }
        report.copy = try Migrator(plan: inspection.plan, target: target, options: options, reporter: reporter).run(orphanRowids: skip)
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
        }
        // The state is kept only while a run can still resume (or re-verify after a difference).
        if !verify || report.verified {
            try Migrator.removeState(target)
            report.stateRemoved = true
        }
        report.totalSeconds = Date().timeIntervalSince(started)
        return report
    }
}
