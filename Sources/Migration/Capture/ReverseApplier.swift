import Foundation
import MariaDB

/// Applies MariaDB's change log (`ReverseCapture`) back to the SQLite file, for `dbctl rollback`. Same
/// method as the forward applier: the named keys' current MariaDB rows are read, converted to the storage
/// the source used (`ReverseConversion`), and written in one SQLite write transaction through the fence
/// (delete every named key, insert the present rows). Every written row is read back, converted forward,
/// and must equal MariaDB's row, or the transaction rolls back and the run stops naming table and key.
/// The changes are then marked applied in MariaDB; a run killed in between re-applies them (idempotent).
/// One owner: used from one thread.
public final class ReverseApplier: @unchecked Sendable {
    public let plan: MigrationPlan
    let connection: BlockingConnection
    var styles: [String: [ColumnStyle]] = [:]
    public private(set) var applied = 0

    public init(plan: MigrationPlan, target: MariaDBConfiguration) throws {
        self.plan = plan
        connection = try BlockingConnection.connect(target)
    }

    deinit { connection.close() }
    public func close() { connection.close() }

    /// Changes not yet applied and the age of the oldest, in seconds.
    public func lag() throws -> (pending: Int, oldestSeconds: Double) {
        let row = try connection.query(
            MariaDBQuery(
                unsafeSQL: """
                    SELECT count(*), coalesce(TIMESTAMPDIFF(MICROSECOND, min(at), NOW(6)), 0) / 1e6 FROM \(ReverseCapture.quote(ReverseCapture.changeTable))
                      WHERE applied = 0
                    """)
        ).rows.first
        return (
            Int(try row?.decode(0, as: Int64.self) ?? 0), Double((try? row?.decode(1, as: String.self)) ?? "0") ?? 0
        )
    }

    /// Applies up to `limit` unapplied changes. `file` may already be inside the caller's write transaction
    /// (the rollback's final drain); otherwise each batch takes and releases SQLite's write lock.
    public func applyNext(to file: SQLiteSource, limit: Int) throws -> Int {
        var changes: [(seq: Int64, table: String, key: [MariaDBValue])] = []
        let sql =
            "SELECT seq, tbl, k1, k2, k3, k4 FROM \(ReverseCapture.quote(ReverseCapture.changeTable)) WHERE applied "
                + "= 0 ORDER BY seq LIMIT ?"
        for row in try connection.query(MariaDBQuery(unsafeSQL: sql, binds: [.int(Int64(limit))])).rows {
            let table = try row.decode(1, as: String.self)
            guard let plan = plan.table(table) else {
                throw MigrationError(
                    "MariaDB change log seq \(try row.decode(0, as: Int64.self)): table \(table) is not in the "
                        + "migration plan"
                )
            }
            let key = try (0..<plan.primaryKey.count).map {
                try Self.keyValue(row.values[2 + $0], column: plan.column(plan.primaryKey[$0])!)
            }
            changes.append((try row.decode(0, as: Int64.self), table, key))
        }
        guard !changes.isEmpty else { return 0 }
        var keys: [String: [[MariaDBValue]]] = [:]
        var seen: [String: Set<[String]>] = [:]
        var order: [String] = []
        for change in changes {
            if seen[change.table] == nil {
                seen[change.table] = []
                order.append(change.table)
            }
            if seen[change.table]!.insert(change.key.map(Verifier.canonical)).inserted {
                keys[change.table, default: []].append(change.key)
            }
        }
        let ownTransaction = !file.inTransaction
        if ownTransaction { try file.executeScript("BEGIN IMMEDIATE") }
        do {
            try Fence.bypass(file)
            for name in order { try apply(plan.table(name)!, keys: keys[name]!, file: file) }
            try Fence.closeBypass(file)
            if ownTransaction { try file.executeScript("COMMIT") }
        } catch {
            if ownTransaction { try? file.executeScript("ROLLBACK") } else { try? Fence.closeBypass(file) }
            throw error
        }
        for chunk in changes.map(\.seq).chunked(1_000) {
            let list = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            try connection.execute(
                MariaDBQuery(
                    unsafeSQL:
                        "UPDATE \(ReverseCapture.quote(ReverseCapture.changeTable)) SET applied = 1 WHERE seq IN "
                            + "(\(list))",
                    binds: chunk.map { .int($0) }))
        }
        applied += changes.count
        return changes.count
    }

    /// A key as logged (BLOB text) in the column's own type.
    static func keyValue(_ value: MariaDBValue, column: ColumnPlan) throws -> MariaDBValue {
        guard case .bytes(let bytes) = value else { return value }
        let text = String(decoding: bytes, as: UTF8.self)
        switch column.type {
        case .integer, .boolean:
            guard let v = Int64(text) else {
                throw MigrationError("column \(column.name): logged key '\(text.prefix(40))' is not an integer")
            }
            return .int(v)
        case .varbinary, .blob: return .bytes(bytes)
        default: return .string(text)
        }
    }

    func apply(_ table: TablePlan, keys: [[MariaDBValue]], file: SQLiteSource) throws {
        let styles = try style(table, file: file)
        let keyIndexes = table.primaryKey.map { name in table.columns.firstIndex { $0.name == name }! }
        let columns = table.columns.map { MariaDBIdentifier.quote($0.name) }.joined(separator: ", ")
        var rows: [[MariaDBValue]] = []
        for chunk in keys.chunked(500) {
            let query = ChangeApplier.keyed(
                "SELECT \(columns) FROM \(MariaDBIdentifier.quote(table.name))", table, Array(chunk))
            try connection.stream(query, prepared: true) { rows.append($0.values) }
        }
        let match = table.primaryKey.map { "\(SourceInspector.quote($0)) = ?" }.joined(separator: " AND ")
        let name = SourceInspector.quote(table.name)
        for key in keys {
            let sqliteKey = try zip(table.primaryKey, key).map { column, value in
                try ReverseConversion.convert(
                    value, column: table.column(column)!, style: styles[table.columns.firstIndex { $0.name == column }!]
                )
            }
            try file.execute("DELETE FROM \(name) WHERE \(match)", binds: sqliteKey)
        }
        let insert =
            "INSERT INTO \(name) (\(table.columns.map { SourceInspector.quote($0.name) }.joined(separator: ", "))) "
                + "VALUES ("
            + Array(repeating: "?", count: table.columns.count).joined(separator: ", ") + ")"
        let select =
            "SELECT \(table.columns.map { SourceInspector.quote($0.name) }.joined(separator: ", ")) FROM \(name) "
                + "WHERE \(match)"
        for row in rows {
            let values = try zip(table.columns.indices, row).map { index, value in
                try ReverseConversion.convert(value, column: table.columns[index], style: styles[index])
            }
            try file.execute(insert, binds: values)
            // Read back, convert forward, compare with MariaDB's row.
            let key = keyIndexes.map { values[$0] }
            let description = zip(table.primaryKey, keyIndexes.map { Verifier.canonical(row[$0]) }).map {
                "\($0.0)=\($0.1.prefix(64))"
            }.joined(separator: ", ")
            guard let written = try file.rows(select, binds: key).first else {
                throw MigrationError(
                    "table \(table.name), primary key \(description): the row written to SQLite cannot be read back")
            }
            for (index, column) in table.columns.enumerated() {
                let forward = try? ValueConversion.convert(
                    written[index], to: column.type, numbers: column.temporalNumbers,
                    roundDecimals: column.roundsDecimals)
                guard let forward, Verifier.canonical(forward) == Verifier.canonical(row[index]) else {
                    throw MigrationError(
                        "table \(table.name), primary key \(description), column \(column.name): the value cannot be "
                            + "written back to SQLite exactly (\(Verifier.canonical(row[index]).prefix(64))); "
                                + "nothing of this batch was applied"
                    )
                }
            }
        }
    }

    /// Each column's storage style, learned once from a stored non-NULL value (the plan's source type
    /// decides when the table has none).
    func style(_ table: TablePlan, file: SQLiteSource) throws -> [ColumnStyle] {
        if let known = styles[table.name] { return known }
        var result: [ColumnStyle] = []
        for column in table.columns {
            let sample = try file.rows(
                "SELECT \(SourceInspector.quote(column.name)) FROM \(SourceInspector.quote(table.name)) WHERE "
                    + "\(SourceInspector.quote(column.name)) IS NOT NULL LIMIT 1"
            ).first?.first
            result.append(sample.map { ColumnStyle.learn($0, column: column) } ?? Self.defaultStyle(column))
        }
        styles[table.name] = result
        return result
    }

    static func defaultStyle(_ column: ColumnPlan) -> ColumnStyle {
        let declared = column.sourceType.uppercased()
        switch column.type {
        case .integer, .boolean: return ColumnStyle(storage: "integer")
        case .double: return ColumnStyle(storage: "real")
        case .decimal: return ColumnStyle(storage: declared.contains("INT") ? "integer" : "text")
        case .datetime:
            return ColumnStyle(
                storage: declared.contains("REAL") || declared.contains("DOUBLE") || declared.contains("FLOAT")
                    ? "real" : "text")
        case .varbinary, .blob: return ColumnStyle(storage: "blob")
        default: return ColumnStyle(storage: "text")
        }
    }
}
