import Foundation
import MariaDB

/// New rows on MariaDB must not reuse an id SQLite already handed out: a table's AUTO_INCREMENT is raised
/// above both its largest id and SQLite's `sqlite_sequence` (which remembers ids of deleted rows).
enum AutoIncrement {
    static func align(plan: MigrationPlan, source: SQLiteSource, target applier: ChangeApplier) throws {
        let sequences = try source.rows("SELECT name, seq FROM sqlite_sequence").reduce(into: [String: Int64]()) {
            result, row in
            if case .integer(let seq) = row[1] { result[SQLiteValue.string(row[0])] = seq }
        }
        for table in plan.tables {
            guard let column = table.autoIncrementColumn else { continue }
            var highest = sequences[table.name] ?? 0
            if case .integer(let maximum) = try source.scalar(
                "SELECT max(\(SourceInspector.quote(column))) FROM \(SourceInspector.quote(table.name))")
            {
                highest = max(highest, maximum)
            }
            try applier.raiseAutoIncrement(table.name, above: highest)
        }
    }
}

extension ChangeApplier {
    func raiseAutoIncrement(_ table: String, above highest: Int64) throws {
        let row = try connection.query(
            MariaDBQuery(
                unsafeSQL: """
                    SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?
                    """, binds: [.string(table)])
        ).rows.first
        let current = (try? row?.decode(0, as: Int64.self)) ?? 0
        guard current <= highest else { return }
        try connection.execute(
            MariaDBQuery(unsafeSQL: "ALTER TABLE \(MariaDBIdentifier.quote(table)) AUTO_INCREMENT = \(highest + 1)"))
    }

    func setPhase(_ phase: OnlineState.Phase) throws {
        try OnlineState.set("phase", phase.rawValue, on: connection)
    }

    /// The applier's own connection, for the state it keeps next to the applied position.
    func withConnection<T>(_ body: (BlockingConnection) throws -> T) rethrows -> T { try body(connection) }
}
