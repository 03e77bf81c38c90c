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
    /// `PRAGMA quick_check` (the default) or the full `integrity_check`. The quick check reads every page,
    /// record and table b-tree; the full one also proves each SQLite index matches its table, ten times the
    /// cost here, and the copy never reads those indexes (the target builds its own).
    public var quickCheck = true
    /// `--round-decimals`: round decimals with more fraction digits than the column keeps (counted) instead
    /// of widening the scale (generic schema) or stopping (the application's schema).
    public var roundDecimals = false
    /// `--delete-unmatched-seeded`: seeded target rows with no source counterpart are deleted, not a stop.
    public var deleteUnmatchedSeeded = false
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

    /// Read-only: checks both sides and computes the plan (or takes `planOverride`). The whole-file passes
    /// (integrity check, orphan check, data profile for a generic plan) run at the same time.
    public func inspect(planOverride: MigrationPlan? = nil) throws -> Inspection {
        let source = try SQLiteSource(path: sourcePath)
        defer { source.close() }
        let quick = quickCheck
        let integrity = BackgroundPass(path: sourcePath) { try $0.integrityCheck(quick: quick) }
        // On an early error the background pass finishes on its own; it holds its own connection.
        let sourceSchema = try SourceInspector(source: source).schema()
        let connection = try BlockingConnection.connect(target)
        defer { connection.close() }
        let orphans: [String: [(rowid: Int64?, parent: String, fk: Int)]]
        var plan: MigrationPlan?
        var ormCheck: Check?
        do {
            var profiles: BackgroundPass<[String: (rows: Int, columns: [String: ColumnProfile])]>?
            if let planOverride {
                plan = planOverride
            } else if try useExistingSchema(source: source, schema: sourceSchema, target: connection) {
                plan = try Self.existingPlan(source: source, schema: sourceSchema, target: connection, roundDecimals: roundDecimals)
            } else {
                let tables = sourceSchema.tables
                profiles = BackgroundPass(path: sourcePath) { source in
                    var result: [String: (rows: Int, columns: [String: ColumnProfile])] = [:]
                    for table in tables { result[table.name] = try DataProfiler(source: source).profile(table) }
                    return result
                }
                if schema == .auto, sourceSchema.orm != .none, try presentApplicationTables(sourceSchema, target: connection).isEmpty {
                    ormCheck = Self.ormSchemaCheck(sourceSchema.orm)
                }
            }
            // The orphan check looks up every foreign key in its parent: the tables are split between this thread
            // and a second one (the integrity check and the profile run on their own).
            let withKeys = sourceSchema.tables.filter { !$0.foreignKeys.isEmpty }.map(\.name)
            let half = stride(from: 1, to: withKeys.count, by: 2).map { withKeys[$0] }
            let other = BackgroundPass(path: sourcePath) { try DataProfiler(source: $0).orphans(tables: half) }
            let mine = stride(from: 0, to: withKeys.count, by: 2).map { withKeys[$0] }
            orphans = try DataProfiler(source: source).orphans(tables: mine).merging(try other.value()) { $0 + $1 }
            if let profiles {
                var planner = Planner(schema: sourceSchema, profiles: try profiles.value(), orphans: orphans, onOrphan: onOrphan, sourcePath: sourcePath)
                planner.roundDecimals = roundDecimals
                plan = try planner.genericPlan()
            }
        } catch {
            _ = try? integrity.value()
            throw error
        }
        var checks = try SourceChecks.run(source, schema: sourceSchema, orphans: orphans, onOrphan: onOrphan, quick: quickCheck,
                                          integrity: try integrity.value())
        if let ormCheck { checks.append(ormCheck) }
        guard var plan else { throw MigrationError("no plan") }
        try planSchemaObjects(&plan, checks: &checks, source: source, schema: sourceSchema, target: connection)
        plan.estimatedSeconds = MigrationPlan.estimateSeconds(rows: plan.estimatedRows)
        if plan.schemaMode == .existing && !targetHasState(connection) {
            let seeded = try SeededRowsInspector(plan: plan, target: connection).inspect()
            checks.append(SeededRowsInspector.check(seeded, planRows: plan.estimatedRows, deleteUnmatched: deleteUnmatchedSeeded))
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: sourcePath)[.size] as? Int) ?? 0
        checks += try TargetChecks.run(connection, plan: plan, sourceBytes: bytes ?? 0)
        return Inspection(plan: plan, checks: checks, orphans: orphans.mapValues { $0.compactMap(\.rowid) })
    }

    /// The source's application tables the target already has (ORM bookkeeping tables aside).
    func presentApplicationTables(_ schema: SourceSchema, target: BlockingConnection) throws -> [String] {
        let targetTables = Set(try target.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()").rows.map { try $0.decode(0, as: String.self) })
        return schema.tables.map(\.name).filter { !ExistingSchemaPlanner.ormBookkeeping.contains($0) && targetTables.contains($0) }
    }

    /// `--schema auto`: the application's own tables when the target has all of them; an unfinished run
    /// resumes in the mode it started with (its state records the plan's fingerprint).
    func useExistingSchema(source: SQLiteSource, schema sourceSchema: SourceSchema, target connection: BlockingConnection) throws -> Bool {
        guard schema != .existing else { return true }
        guard schema == .auto else { return false }
        let appTables = sourceSchema.tables.map(\.name).filter { !ExistingSchemaPlanner.ormBookkeeping.contains($0) }
        guard !appTables.isEmpty, try presentApplicationTables(sourceSchema, target: connection).count == appTables.count else { return false }
        guard targetHasState(connection) else { return true }
        let started = try connection.query(MariaDBQuery(unsafeSQL: "SELECT rows_copied FROM \(MariaDBIdentifier.quote(Migrator.stateTable)) WHERE table_name = '*'")).rows.first
        let existingPlan = try? Self.existingPlan(source: source, schema: sourceSchema, target: connection, roundDecimals: roundDecimals)
        return try existingPlan != nil && started?.decode(0, as: String.self) == existingPlan?.fingerprint
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
        var verifier = Verifier(plan: inspection.plan, target: target)
        verifier.excludeQuarantined = options.badRows == .quarantine
        verifier.excludedRowids = skip
        let migrator = Migrator(plan: inspection.plan, target: target, options: options, reporter: reporter)
        if verify {
            let early = verifier
            migrator.afterCopy = { table, result, connection in try early.verifyAfterCopy(table, result: result, on: connection) }
        }
        let objects = SchemaObjectCreator(plan: inspection.plan, target: target)
        try objects.createTablesBeforeData()
        report.copy = try migrator.run(orphanRowids: skip)
        report.schemaObjects = try objects.createAfterData()
        if verify {
            // Copy-time digests stand for the source only when every source row was read: rows sent plus
            // rows set aside must equal the table's count.
            let source = try SQLiteSource(path: sourcePath)
            defer { source.close() }
            var sent: [String: TableCopyResult] = [:]
            let early = Set(migrator.afterCopyResults.all.map(\.table))
            for result in report.copy?.tables ?? [] where !early.contains(result.table) {
                if case .integer(let count) = try source.scalar("SELECT count(*) FROM \(SourceInspector.quote(result.table))"),
                   Int(count) == result.rows + result.quarantined {
                    sent[result.table] = result
                }
            }
            report.verification = try verifier.verifyAll(parallel: options.parallelTables, sent: sent, done: migrator.afterCopyResults.all)
            report.schemaObjectVerification = try SchemaObjectVerifier(plan: inspection.plan, target: target).verifyAll()
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
