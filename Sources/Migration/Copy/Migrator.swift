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
    /// Seeded target rows without a source counterpart are deleted instead of stopping the run.
    public var deleteUnmatchedSeeded = false
    public init() {}
}

public struct MigrationRunResult: Sendable, Codable {
    public var tables: [TableCopyResult]
    public var skippedTables: [String]
    public var quarantined: Int
    public var phases: [String: Double]
    /// Tables whose rows the target's own migrations had created, replaced by the source's.
    public var seeded: [SeededTable] = []
    public var rounded: Int { tables.map(\.rounded).reduce(0, +) }
}

/// Applies a plan: creates tables, copies them in parallel (each table's secondary indexes built as soon as
/// its rows are in, while other tables still copy), adds foreign keys, sets AUTO_INCREMENT. Progress is
/// checkpointed in `_dbctl_migration`, in the same transaction as the rows, so a killed run resumes; the
/// state table is removed once the run has completed (and verified), leaving only the application's tables.
public final class Migrator: @unchecked Sendable {
    public let plan: MigrationPlan
    public let target: MariaDBConfiguration
    public let options: MigrationOptions
    let logger: Logger
    let reporter: ProgressReporter

    public static let stateTable = "_dbctl_migration"

    public init(plan: MigrationPlan, target: MariaDBConfiguration, options: MigrationOptions, logger: Logger = Logger(label: "dbctl.migrate"), reporter: ProgressReporter = ProgressReporter()) {
        self.plan = plan
        self.target = target
        self.options = options
        self.logger = logger
        self.reporter = reporter
    }

    /// Tables interrupted in an earlier run after some batches: rows copied and the last key committed.
    var resumePoints: [String: (rows: Int, lastKey: Int64)] = [:]
    /// Tables whose seeded rows are deleted inside their first load transaction.
    var seededTables: Set<String> = []
    /// Runs on the copy worker right after a table's rows and indexes are in (the verification, so that it
    /// overlaps with the copy of the tables still loading); its results are collected in `afterCopyResults`.
    public var afterCopy: (@Sendable (TablePlan, TableCopyResult, BlockingConnection) throws -> TableVerification?)?
    public let afterCopyResults = Collected<TableVerification>()

    public func run(orphanRowids: [String: Set<Int64>] = [:]) throws -> MigrationRunResult {
        var phases: [String: Double] = [:]
        let admin = try BlockingConnection.connect(target)
        defer { admin.close() }
        var started = Date()
        let (done, seeded) = try prepareTarget(admin)
        seededTables = Set(seeded.map(\.table))
        phases["schema"] = Date().timeIntervalSince(started)

        started = Date()
        let quarantine = try options.quarantinePath.map { try QuarantineFile(path: $0) }
        defer { quarantine?.close() }
        let pending = plan.tables.filter { !done.contains($0.name) }.sorted { $0.rows > $1.rows }
        reporter.start(totalRows: pending.map(\.rows).reduce(0, +))
        let indexTime = IndexTime()
        let results = try TableWorkers.run(pending, workers: options.parallelTables, target: target,
                                           prepare: { try $0.execute("SET SESSION foreign_key_checks = 0") }) { [self] table, connection in
            let result = try copyTable(table, on: connection, quarantine: quarantine, skip: orphanRowids[table.name] ?? [])
            if plan.schemaMode == .generic {
                let indexStarted = Date()
                try addIndexes(table, on: connection)
                indexTime.add(Date().timeIntervalSince(indexStarted))
            }
            if let afterCopy, let verification = try afterCopy(table, result, connection) { afterCopyResults.append(verification) }
            return result
        }
        reporter.finish()
        phases["copy"] = Date().timeIntervalSince(started)
        phases["indexes_during_copy"] = indexTime.seconds

        started = Date()
        if plan.schemaMode == .generic {
            try admin.execute("SET SESSION foreign_key_checks = 0")
            for table in plan.tables { try addIndexes(table, on: admin) }  // tables a resumed run skipped
            try addForeignKeys(admin)
            try admin.execute("SET SESSION foreign_key_checks = 1")
        }
        try setAutoIncrement(admin)
        phases["indexes"] = Date().timeIntervalSince(started)
        try admin.execute(MariaDBQuery(unsafeSQL: "UPDATE \(MariaDBIdentifier.quote(Self.stateTable)) SET status = 'complete' WHERE table_name = '*'"))
        return MigrationRunResult(tables: results, skippedTables: Array(done).sorted(), quarantined: quarantine?.count ?? 0, phases: phases,
                                  seeded: seeded)
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
                if after == nil && seededTables.contains(table.name) {
                    // Replaced inside the load: the delete commits with the source's first batch, or not at all.
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
                total.rounded += result.rounded
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
}

/// Results handed in by several worker threads (guarded by its lock).
public final class Collected<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Element] = []
    public init() {}
    public func append(_ item: Element) { lock.lock(); items.append(item); lock.unlock() }
    public var all: [Element] { lock.lock(); defer { lock.unlock() }; return items }
}

/// Seconds the copy workers spent building indexes, summed across threads (guarded by its lock).
final class IndexTime: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0.0
    func add(_ seconds: Double) { lock.lock(); total += seconds; lock.unlock() }
    var seconds: Double { lock.lock(); defer { lock.unlock() }; return total }
}
