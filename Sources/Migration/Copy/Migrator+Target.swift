import Foundation
import MariaDB

extension MigrationPlan {
    /// A fingerprint of the plan's tables and column types: a resumed run must be the same migration.
    public var fingerprint: String {
        let data = (try? JSONEncoder().encode(tables.map { [$0.name] + $0.columns.map { "\($0.name):\($0.type.sql)" } })) ?? Data()
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(hash, radix: 16)
    }
}

extension Migrator {
    /// Creates the state table and the schema (generic mode), or resumes. Returns the tables already copied
    /// and, for an application-created schema, the tables whose seeded rows the load replaces.
    func prepareTarget(_ admin: BlockingConnection) throws -> (done: Set<String>, seeded: [SeededTable]) {
        let state = MariaDBIdentifier.quote(Self.stateTable)
        let existing = Set(try admin.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()").rows.map { try $0.decode(0, as: String.self) })
        if existing.contains(Self.stateTable) { return (try resume(admin, existing: existing), []) }
        var seeded: [SeededTable] = []
        switch plan.schemaMode {
        case .generic:
            let clash = plan.tables.map(\.name).filter(existing.contains)
            guard clash.isEmpty else {
                throw MigrationError("target \(target.endpoint) already has tables \(clash.prefix(5).joined(separator: ", ")); migrate into an empty database, or use --schema existing to load into tables the application created")
            }
            for table in plan.tables { try admin.execute(MariaDBQuery(unsafeSQL: plan.createTableDDL(table))) }
        case .existing:
            seeded = try SeededRowsInspector(plan: plan, target: admin).inspect()
            let check = SeededRowsInspector.check(seeded, planRows: plan.estimatedRows, deleteUnmatched: options.deleteUnmatchedSeeded)
            guard check.status != .failed else { throw MigrationError("\(check.name): \(check.detail); nothing was written") }
        }
        try admin.execute(MariaDBQuery(unsafeSQL: """
            CREATE TABLE \(state) (table_name VARCHAR(255) NOT NULL PRIMARY KEY, status VARCHAR(16) NOT NULL,
              rows_copied VARCHAR(64) NOT NULL, finished_at DATETIME(6) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
            """))
        try admin.execute("INSERT INTO \(unsafeRaw: state) VALUES ('*', 'started', \(plan.fingerprint), UTC_TIMESTAMP(6))")
        return ([], seeded)
    }

    /// An earlier run of the same plan stopped: finished tables are skipped, partial ones continue after their
    /// last committed key, the rest are emptied and reloaded.
    func resume(_ admin: BlockingConnection, existing: Set<String>) throws -> Set<String> {
        let state = MariaDBIdentifier.quote(Self.stateTable)
        let fingerprint = try admin.query(MariaDBQuery(unsafeSQL: "SELECT rows_copied FROM \(state) WHERE table_name = '*'")).rows.first.map { try $0.decode(0, as: String.self) }
        guard fingerprint == plan.fingerprint else {
            throw MigrationError("target \(target.endpoint) holds an unfinished migration of a different plan (\(Self.stateTable)); drop the database or use the same plan")
        }
        let done = Set(try admin.query(MariaDBQuery(unsafeSQL: "SELECT table_name FROM \(state) WHERE status = 'copied'")).rows.map { try $0.decode(0, as: String.self) })
        for row in try admin.query(MariaDBQuery(unsafeSQL: "SELECT table_name, rows_copied FROM \(state) WHERE status = 'partial'")).rows {
            let parts = try row.decode(1, as: String.self).split(separator: "|")
            if parts.count == 2, let rows = Int(parts[0]), let key = Int64(parts[1]) { resumePoints[try row.decode(0, as: String.self)] = (rows, key) }
        }
        logger.info("resuming", metadata: ["tables_done": "\(done.count)", "tables_partial": "\(resumePoints.count)", "tables_left": "\(plan.tables.count - done.count)"])
        // Tables without a checkpoint were rolled back (a seeded table still holds its seeded rows): empty them.
        try admin.execute("SET SESSION foreign_key_checks = 0")  // rows of other tables may still reference them
        for table in plan.tables where !done.contains(table.name) && resumePoints[table.name] == nil && existing.contains(table.name) {
            try admin.execute(MariaDBQuery(unsafeSQL: "DELETE FROM \(MariaDBIdentifier.quote(table.name))"))
        }
        for table in plan.tables where !existing.contains(table.name) && plan.schemaMode == .generic {
            try admin.execute(MariaDBQuery(unsafeSQL: plan.createTableDDL(table)))
        }
        return done
    }

    /// Removes the tool's state once nothing can resume: the application's database holds only its tables.
    public static func removeState(_ target: MariaDBConfiguration) throws {
        let admin = try BlockingConnection.connect(target)
        defer { admin.close() }
        try admin.execute(MariaDBQuery(unsafeSQL: "DROP TABLE IF EXISTS \(MariaDBIdentifier.quote(stateTable))"))
    }
}
