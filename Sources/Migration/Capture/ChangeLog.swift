import Foundation

/// One logged change: which row (by primary key) of which table; the row itself is re-read when applied.
public struct Change: Sendable {
    public var seq: Int64
    public var table: String
    public var op: String
    public var key: [SQLiteValue]
}

/// Reading, measuring and trimming the change log in the live file.
public enum ChangeLog {
    static let table = ChangeCapture.quote(ChangeCapture.changeTable)
    /// The highest `seq` ever handed out (AUTOINCREMENT's high-water mark survives trimming).
    static let highWaterSQL = """
        SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = '\(ChangeCapture.changeTable)'), 0)
        """

    /// Changes after `position`, oldest first, at most `limit`.
    public static func read(after position: Int64, limit: Int, on file: SQLiteSource) throws -> [Change] {
        var changes: [Change] = []
        try file.query(
            "SELECT seq, tbl, op, k1, k2, k3, k4 FROM \(table) WHERE seq > ? ORDER BY seq LIMIT ?",
            binds: [.integer(position), .integer(Int64(limit))]
        ) { row in
            changes.append(
                Change(
                    seq: row.int(0) ?? 0, table: row.text(1) ?? "", op: row.text(2) ?? "",
                    key: (3..<7).map(row.value)))
        }
        return changes
    }

    public static func highWater(_ file: SQLiteSource) throws -> Int64 {
        if case .integer(let seq) = try file.scalar(highWaterSQL) { return seq }
        return 0
    }

    /// Changes not yet applied and the age of the oldest of them, in seconds.
    public static func lag(after position: Int64, on file: SQLiteSource) throws -> (pending: Int, oldestSeconds: Double)
    {
        let row =
            try file.rows(
                "SELECT count(*), (julianday('now') - min(at)) * 86400.0 FROM \(table) WHERE seq > ?",
                binds: [.integer(position)]
            ).first ?? []
        var pending = 0
        var age = 0.0
        if case .integer(let n)? = row.first { pending = Int(n) }
        if row.count > 1, case .real(let seconds) = row[1] { age = max(0, seconds) }
        return (pending, age)
    }

    /// Deletes applied changes (at most `limit` per call, so the write lock is held for milliseconds).
    /// A busy file is skipped this time: trimming is never worth making the shop wait.
    @discardableResult
    public static func trim(through position: Int64, limit: Int = 5_000, on file: SQLiteSource) throws -> Int {
        do {
            return try file.execute(
                "DELETE FROM \(table) WHERE seq IN (SELECT seq FROM \(table) WHERE seq <= ? ORDER BY seq LIMIT ?)",
                binds: [.integer(position), .integer(Int64(limit))])
        } catch is SQLiteBusyError {
            return 0
        }
    }
}
