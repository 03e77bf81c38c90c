import Foundation
import MariaDB

/// `migrate status`, `migrate finish` and `migrate abort`: read or close an online migration's window.
public enum OnlineMaintenance {
    public struct Status: Sendable, Codable {
        public var phase: String
        public var source: String?
        /// Rows the snapshot's copy has written so far (all of them once it is done).
        public var rowsCopied: Int?
        public var snapshotPosition: Int64?
        public var appliedPosition: Int64?
        public var appliedChanges: Int?
        public var changesPerSecond: Double?
        public var pendingChanges: Int?
        public var oldestPendingSeconds: Double?
        public var lastPauseMs: Double?
        public var cutOverAt: String?
        /// After the cut-over: changes made on MariaDB that a rollback would carry back to SQLite.
        public var changesSinceCutOver: Int?
        public var updatedFromSource: Bool

        public var text: String {
            var lines = ["phase: \(phase)"]
            if let source { lines.append("source: \(source)") }
            if let rowsCopied { lines.append("rows copied from the snapshot: \(rowsCopied)") }
            if let snapshotPosition { lines.append("snapshot at change: \(snapshotPosition)") }
            if let appliedPosition { lines.append("applied up to change: \(appliedPosition)") }
            if let appliedChanges {
                lines.append(
                    "changes applied since the snapshot: \(appliedChanges)"
                        + (changesPerSecond.map { String(format: " (%.0f/s)", $0) } ?? ""))
            }
            if let pendingChanges {
                lines.append(
                    "lag: \(pendingChanges) changes pending"
                        + (oldestPendingSeconds.map { String(format: ", oldest %.1f s", $0) } ?? "")
                        + (updatedFromSource ? "" : " (as last recorded by the applier)"))
            }
            if let lastPauseMs { lines.append(String(format: "last cut-over pause: %.0f ms", lastPauseMs)) }
            if let cutOverAt { lines.append("cut over at: \(cutOverAt)") }
            if let changesSinceCutOver {
                lines.append(
                    "changes on MariaDB since the cut-over: \(changesSinceCutOver) (dbctl rollback carries them "
                        + "back; dbctl migrate finish closes the window)"
                )
            }
            return lines.joined(separator: "\n")
        }
    }

    public static func status(target: MariaDBConfiguration, sourcePath: String?) throws -> Status {
        let connection = try BlockingConnection.connect(target)
        defer { connection.close() }
        let state = try OnlineState.all(on: connection)
        guard let phase = state["phase"] else {
            throw MigrationError("target \(target.endpoint): no online migration in progress (no \(OnlineState.table))")
        }
        var status = Status(
            phase: phase, source: state["source"], snapshotPosition: state["snapshot_position"].flatMap { Int64($0) },
            appliedPosition: state["applied_seq"].flatMap { Int64($0) },
            appliedChanges: state["applied_changes"].flatMap { Int($0) },
            changesPerSecond: state["changes_per_second"].flatMap { Double($0) },
            pendingChanges: state["pending"].flatMap { Int($0) },
            oldestPendingSeconds: state["oldest_seconds"].flatMap { Double($0) },
            lastPauseMs: state["last_pause_ms"].flatMap { Double($0) },
            cutOverAt: state["cut_over_at"], changesSinceCutOver: nil, updatedFromSource: false)
        if phase == OnlineState.Phase.cutOver.rawValue {
            let row = try? connection.query(
                MariaDBQuery(
                    unsafeSQL:
                        "SELECT count(*) FROM \(MariaDBIdentifier.quote(ReverseCapture.changeTable)) WHERE applied = 0")
            ).rows.first
            status.changesSinceCutOver = (try? row?.decode(0, as: Int.self)) ?? nil
        }
        status.rowsCopied = state["rows_copied"].flatMap { Int($0) } ?? (try? copiedSoFar(connection))
        if phase != OnlineState.Phase.cutOver.rawValue, let path = sourcePath ?? state["source"],
            let source = try? SQLiteSource(path: path), try ChangeCapture.isInstalled(source),
            let applied = status.appliedPosition
        {
            defer { source.close() }
            let lag = try ChangeLog.lag(after: applied, on: source)
            status.pendingChanges = lag.pending
            status.oldestPendingSeconds = lag.oldestSeconds
            status.updatedFromSource = true
        }
        return status
    }

    /// While the copy runs: the rows its committed batches hold, from the copy's own state table.
    static func copiedSoFar(_ connection: BlockingConnection) throws -> Int? {
        let rows = try connection.query(
            MariaDBQuery(
                unsafeSQL:
                    "SELECT rows_copied FROM \(MariaDBIdentifier.quote(Migrator.stateTable)) WHERE table_name <> '*'")
        ).rows
        return try rows.reduce(0) { total, row in
            total + (Int(try row.decode(0, as: String.self).split(separator: "|").first ?? "") ?? 0)
        }
    }

    /// Ends the rollback window: the change capture and the tool's state go from both sides. The SQLite
    /// file keeps its fence (it is not the shop's database any more; a stray writer still gets told so).
    public static func finish(sourcePath: String, target: MariaDBConfiguration, execute: Bool) throws -> [String] {
        let connection = try BlockingConnection.connect(target)
        defer { connection.close() }
        guard let phase = try OnlineState.phase(on: connection) else {
            throw MigrationError("target \(target.endpoint): no online migration to finish (no \(OnlineState.table))")
        }
        guard phase == .cutOver else {
            throw MigrationError(
                "the online migration is in phase \(phase.rawValue), not cut over: finish closes the rollback window "
                    + "after a cut-over; use dbctl migrate abort to stop before it"
            )
        }
        let steps = [
            "drop the reverse change capture and \(OnlineState.table) in \(target.endpoint)",
            "drop the change log and capture metadata in \(sourcePath) (its write fence stays)",
        ]
        guard execute else { return steps }
        try ReverseCapture.remove(on: connection)
        try OnlineState.drop(on: connection)
        let source = try SQLiteSource(path: sourcePath, writable: true)
        defer { source.close() }
        try ChangeCapture.remove(from: source)
        return steps
    }

    /// Stops an online migration before its cut-over: the capture leaves the source (the shop is exactly as
    /// it was, on SQLite); the target keeps what was copied, without the tool's state.
    public static func abort(sourcePath: String, target: MariaDBConfiguration, execute: Bool) throws -> [String] {
        let connection = try BlockingConnection.connect(target)
        defer { connection.close() }
        let state = try OnlineState.all(on: connection)
        if state["phase"] == OnlineState.Phase.cutOver.rawValue {
            throw MigrationError(
                "the migration already cut over to \(target.endpoint); use dbctl rollback to return to SQLite")
        }
        let source = try SQLiteSource(path: sourcePath, writable: true)
        defer { source.close() }
        if try Fence.isInstalled(source) {
            throw MigrationError("\(sourcePath) is fenced (the shop moved to MariaDB); use dbctl rollback")
        }
        let snapshot = state["snapshot"] ?? Snapshot.defaultPath(for: sourcePath)
        var steps = [
            "remove the change capture (triggers, change log) from \(sourcePath)",
            "drop \(OnlineState.table) and \(Migrator.stateTable) in \(target.endpoint) (the copied rows stay; drop "
                + "the database to start over)",
        ]
        if FileManager.default.fileExists(atPath: snapshot) { steps.append("delete the snapshot \(snapshot)") }
        guard execute else { return steps }
        try ChangeCapture.remove(from: source)
        try ReverseCapture.remove(on: connection)
        try OnlineState.drop(on: connection)
        try connection.execute(
            MariaDBQuery(unsafeSQL: "DROP TABLE IF EXISTS \(MariaDBIdentifier.quote(Migrator.stateTable))"))
        Snapshot.discard(snapshot)
        return steps
    }
}
