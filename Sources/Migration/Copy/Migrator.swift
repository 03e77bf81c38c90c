import Foundation
import Logging
import MariaDB

/// Options of one `dbctl migrate --execute` run.
public struct MigrationOptions: Sendable {
    public var badRows: BadRowPolicy = .stop
    public var onOrphan: Planner.OrphanPolicy = .stop
    public var quarantinePath: String?
    public var parallelTables = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
    /// Rows per committed batch for tables ordered by one integer key: the unit a killed run resumes from.
    /// A multiple of the verification chunk size, so copy-time checksums line up across batches.
    public var batchRows = 250_000
    public init() {}
}

public struct MigrationRunResult: Sendable, Codable {
    public var tables: [TableCopyResult]
    public var skippedTables: [String]
    public var quarantined: Int
    public var phases: [String: Double]
}

/// Applies a plan: creates tables, copies them in parallel, adds indexes and foreign keys, sets
/// AUTO_INCREMENT. Progress is checkpointed per table in `_dbctl_migration`, in the same transaction as the
/// table's rows, so a killed run resumes by skipping finished tables and reloading the rest.
public final class Migrator: @unchecked Sendable {
    public let plan: MigrationPlan
    public let target: MariaDBConfiguration
    public let options: MigrationOptions
    let logger: Logger
    let reporter: ProgressReporter

    public static let stateTable = "_dbctl_migration"
    /// Tables Django's `migrate` fills on an empty database (post_migrate): their rows are replaced by the
    /// source's, whose ids other tables reference.
    public static let regeneratedTables: Set<String> = ["django_content_type", "auth_permission"]

    public init(plan: MigrationPlan, target: MariaDBConfiguration, options: MigrationOptions, logger: Logger = Logger(label: "dbctl.migrate"), reporter: ProgressReporter = ProgressReporter()) {
        self.plan = plan
        self.target = target
        self.options = options
        self.logger = logger
        self.reporter = reporter
    }

    /// A fingerprint of the plan: a resumed run must be the same migration.
    var planFingerprint: String {
        let data = (try? JSONEncoder().encode(plan.tables.map { [$0.name] + $0.columns.map { "\($0.name):\($0.type.sql)" } })) ?? Data()
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(hash, radix: 16)
    }

    /// Tables interrupted in an earlier run after some batches: rows copied and the last key committed.
    var resumePoints: [String: (rows: Int, lastKey: Int64)] = [:]

    public func run(orphanRowids: [String: Set<Int64>] = [:]) throws -> MigrationRunResult {
        var phases: [String: Double] = [:]
        let admin = try BlockingConnection.connect(target)
        defer { admin.close() }
        var started = Date()
        let done = try prepareTarget(admin)
        phases["schema"] = Date().timeIntervalSince(started)

        started = Date()
        let quarantine = try options.quarantinePath.map { try QuarantineFile(path: $0) }
        defer { quarantine?.close() }
        let pending = plan.tables.filter { !done.contains($0.name) }.sorted { $0.rows > $1.rows }
        reporter.start(totalRows: pending.map(\.rows).reduce(0, +))
        let results = try copyInParallel(pending, quarantine: quarantine, orphanRowids: orphanRowids)
        reporter.finish()
        phases["copy"] = Date().timeIntervalSince(started)

        started = Date()
        if plan.schemaMode == .generic { try addIndexesAndForeignKeys(admin) }
        try setAutoIncrement(admin)
        phases["indexes"] = Date().timeIntervalSince(started)
        try admin.execute(MariaDBQuery(unsafeSQL: "UPDATE \(MariaDBIdentifier.quote(Self.stateTable)) SET status = 'complete' WHERE table_name = '*'"))
        return MigrationRunResult(tables: results, skippedTables: Array(done).sorted(), quarantined: quarantine?.count ?? 0, phases: phases)
    }

    /// Creates the state table and the schema (generic mode), or resumes: returns the tables already copied.
    func prepareTarget(_ admin: BlockingConnection) throws -> Set<String> {
        let state = MariaDBIdentifier.quote(Self.stateTable)
        let existing = Set(try admin.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()").rows.map { try $0.decode(0, as: String.self) })
        if existing.contains(Self.stateTable) {
            let fingerprint = try admin.query(MariaDBQuery(unsafeSQL: "SELECT rows_copied FROM \(state) WHERE table_name = '*'")).rows.first.map { try $0.decode(0, as: String.self) }
            guard fingerprint == planFingerprint else {
                throw MigrationError("target \(target.endpoint) holds an unfinished migration of a different plan (\(Self.stateTable)); drop the database or use the same plan")
            }
            let done = Set(try admin.query(MariaDBQuery(unsafeSQL: "SELECT table_name FROM \(state) WHERE status = 'copied'")).rows.map { try $0.decode(0, as: String.self) })
            for row in try admin.query(MariaDBQuery(unsafeSQL: "SELECT table_name, rows_copied FROM \(state) WHERE status = 'partial'")).rows {
                let parts = try row.decode(1, as: String.self).split(separator: "|")
                if parts.count == 2, let rows = Int(parts[0]), let key = Int64(parts[1]) { resumePoints[try row.decode(0, as: String.self)] = (rows, key) }
            }
            logger.info("resuming", metadata: ["tables_done": "\(done.count)", "tables_partial": "\(resumePoints.count)", "tables_left": "\(plan.tables.count - done.count)"])
            // Tables without a checkpoint were rolled back; empty them anyway in case rows were committed outside.
            for table in plan.tables where !done.contains(table.name) && resumePoints[table.name] == nil && existing.contains(table.name) {
                try admin.execute(MariaDBQuery(unsafeSQL: "DELETE FROM \(MariaDBIdentifier.quote(table.name))"))
            }
            for table in plan.tables where !existing.contains(table.name) && plan.schemaMode == .generic {
                try admin.execute(MariaDBQuery(unsafeSQL: plan.createTableDDL(table)))
            }
            return done
        }
        switch plan.schemaMode {
        case .generic:
            let clash = plan.tables.map(\.name).filter(existing.contains)
            guard clash.isEmpty else {
                throw MigrationError("target \(target.endpoint) already has tables \(clash.prefix(5).joined(separator: ", ")); migrate into an empty database, or use --schema existing to load into tables the application created")
            }
            for table in plan.tables { try admin.execute(MariaDBQuery(unsafeSQL: plan.createTableDDL(table))) }
        case .existing:
            for table in plan.tables {
                let count = try admin.query(MariaDBQuery(unsafeSQL: "SELECT COUNT(*) FROM \(MariaDBIdentifier.quote(table.name))")).rows[0].decode(0, as: Int.self)
                guard count == 0 || Self.regeneratedTables.contains(table.name) else {
                    throw MigrationError("target table \(table.name) already holds \(count) rows; --schema existing loads only into empty tables")
                }
            }
        }
        try admin.execute(MariaDBQuery(unsafeSQL: """
            CREATE TABLE \(state) (table_name VARCHAR(255) NOT NULL PRIMARY KEY, status VARCHAR(16) NOT NULL,
              rows_copied VARCHAR(64) NOT NULL, finished_at DATETIME(6) NOT NULL) ENGINE=InnoDB
            """))
        try admin.execute("INSERT INTO \(unsafeRaw: state) VALUES ('*', 'started', \(planFingerprint), UTC_TIMESTAMP(6))")
        return []
    }

    func copyInParallel(_ tables: [TablePlan], quarantine: QuarantineFile?, orphanRowids: [String: Set<Int64>]) throws -> [TableCopyResult] {
        try TableWorkers.run(tables, workers: options.parallelTables, target: target,
                             prepare: { try $0.execute("SET SESSION foreign_key_checks = 0") }) { [self] table, connection in
            try copyTable(table, on: connection, quarantine: quarantine, skip: orphanRowids[table.name] ?? [])
        }
    }

    func copyTable(_ table: TablePlan, on connection: BlockingConnection, quarantine: QuarantineFile?, skip: Set<Int64>) throws -> TableCopyResult {
        let reporter = self.reporter
        let resume = resumePoints[table.name]
        let batched = TableCopier.batchKey(table) != nil
        var after = resume?.lastKey
        var total = TableCopyResult(table: table.name, rows: 0, bytes: 0, quarantined: 0, seconds: 0,
                                    digests: resume == nil ? ChunkDigests(chunkSize: Verifier.defaultChunkSize) : nil)
        var copiedBefore = resume?.rows ?? 0
        // Each batch's rows and its checkpoint commit together: a kill leaves whole batches, never part of one.
        while true {
            try connection.begin()
            do {
                if after == nil && plan.schemaMode == .existing && Self.regeneratedTables.contains(table.name) {
                    try connection.execute(MariaDBQuery(unsafeSQL: "DELETE FROM \(MariaDBIdentifier.quote(table.name))"))
                }
                let offset = copiedBefore
                let copier = TableCopier(sourcePath: plan.source, plan: table, badRows: options.badRows, quarantine: quarantine, skipRowids: skip,
                                         progress: { reporter.update(table: table.name, rows: offset + $0) })
                let (result, lastKey) = try copier.copy(into: connection, after: after, limit: batched ? options.batchRows : nil)
                copiedBefore += result.rows
                let finished = lastKey == nil
                let checkpoint = finished ? String(copiedBefore) : "\(copiedBefore)|\(lastKey!)"
                try connection.execute("""
                    INSERT INTO \(unsafeRaw: MariaDBIdentifier.quote(Self.stateTable)) VALUES (\(table.name), \(finished ? "copied" : "partial"), \(checkpoint), UTC_TIMESTAMP(6))
                    ON DUPLICATE KEY UPDATE status = VALUES(status), rows_copied = VALUES(rows_copied), finished_at = VALUES(finished_at)
                    """)
                try connection.commit()
                total.rows += result.rows
                total.bytes += result.bytes
                total.quarantined += result.quarantined
                total.seconds += result.seconds
                if var digests = total.digests, let batch = result.digests {
                    digests.digests += batch.digests
                    digests.rows += batch.rows
                    total.digests = digests
                }
                if finished { break }
                after = lastKey
            } catch {
                if !connection.isBroken { try? connection.rollback() }
                throw error
            }
        }
        logger.info("table copied", metadata: ["table": "\(table.name)", "rows": "\(copiedBefore)", "seconds": "\(String(format: "%.2f", total.seconds))"])
        return total
    }

    func addIndexesAndForeignKeys(_ admin: BlockingConnection) throws {
        let existingIndexes = Set(try admin.query("SELECT CONCAT(TABLE_NAME, '.', INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()").rows.map { try $0.decode(0, as: String.self) })
        for table in plan.tables {
            var pending = table
            pending.indexes = table.indexes.filter { !existingIndexes.contains("\(table.name).\($0.name)") }
            if let sql = plan.indexDDL(pending) {
                do { try admin.execute(MariaDBQuery(unsafeSQL: sql)) } catch let error as MariaDBError where error.isDuplicateKey {
                    throw MigrationError("table \(table.name): a unique index cannot be created because the copied data has duplicates under MariaDB's comparison rules (\(error)); this happens with COLLATE NOCASE or case/accent-insensitive collations")
                }
            }
        }
        let existingFKs = Set(try admin.query("SELECT CONCAT(TABLE_NAME, '.', CONSTRAINT_NAME) FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE() AND CONSTRAINT_TYPE = 'FOREIGN KEY'").rows.map { try $0.decode(0, as: String.self) })
        for table in plan.tables {
            var pending = table
            pending.foreignKeys = table.foreignKeys.filter { !existingFKs.contains("\(table.name).\($0.name)") }
            if let sql = plan.foreignKeyDDL(pending) {
                do { try admin.execute(MariaDBQuery(unsafeSQL: sql)) } catch let error as MariaDBError {
                    throw MigrationError("table \(table.name): foreign keys could not be added: \(error)")
                }
            }
        }
    }

    func setAutoIncrement(_ admin: BlockingConnection) throws {
        for table in plan.tables {
            guard let column = table.autoIncrementColumn else { continue }
            let max = try admin.query(MariaDBQuery(unsafeSQL: "SELECT COALESCE(MAX(\(MariaDBIdentifier.quote(column))), 0) FROM \(MariaDBIdentifier.quote(table.name))")).rows[0].decode(0, as: Int64.self)
            let next = Swift.max(max + 1, table.autoIncrementFloor)
            // A literal integer the program computed; ALTER TABLE takes no placeholders.
            try admin.execute(MariaDBQuery(unsafeSQL: "ALTER TABLE \(MariaDBIdentifier.quote(table.name)) AUTO_INCREMENT = \(next)"))
        }
    }
}
