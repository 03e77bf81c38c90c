import Foundation
import MariaDB

/// What one applied batch did.
public struct AppliedBatch: Sendable {
    public var changes = 0
    public var upserted = 0
    public var deleted = 0
    public var position: Int64 = 0
    public var seconds = 0.0
}

/// Applies the change log to MariaDB in `seq` order, in batches. For every key a batch names, the current
/// source row is re-read: it exists → the target row is replaced by it; it is gone → the target row is
/// deleted. Inside one target transaction every named row is deleted first and the present ones inserted
/// again (never `REPLACE` or `ON DUPLICATE KEY UPDATE`: the first cascades, the second would update the
/// *other* row on a unique-key clash), each inserted row is read back and compared with what was sent, and
/// the applied position is stored. A unique key still held by a row outside the batch (changed later in the
/// log) pulls that row into the batch.
///
/// The session runs with `foreign_key_checks = 0` (rows of a batch arrive in any order; the source's own
/// cascades are in the log as changes) and `@dbctl_applier = 1`, which the reverse capture ignores.
/// One owner: used from one thread.
public final class ChangeApplier: @unchecked Sendable {
    public let plan: MigrationPlan
    let connection: BlockingConnection
    public private(set) var position: Int64
    public private(set) var totals = AppliedBatch()
    /// Tables with at least one applied change since the snapshot (kept in the target's state, so a resumed
    /// run knows them too); the others still hold exactly the verified copy.
    public private(set) var touched: Set<String> = []
    /// Rows per INSERT/DELETE statement.
    var statementRows = 500

    public init(plan: MigrationPlan, target: MariaDBConfiguration, position: Int64) throws {
        self.plan = plan
        self.position = position
        connection = try BlockingConnection.connect(target)
        try connection.execute("SET SESSION foreign_key_checks = 0")
        try connection.execute("SET @dbctl_applier = 1")
        if let list = try OnlineState.all(on: connection)["touched_tables"] {
            touched = Set(list.split(separator: "\n").map(String.init))
        }
    }

    deinit { connection.close() }
    public func close() { connection.close() }

    /// Applies up to `limit` changes after the current position. `file` may be inside a write transaction
    /// (the cut-over's drain); otherwise the batch and its rows are read in one read transaction, so they
    /// come from one consistent state of the source.
    public func applyNext(from file: SQLiteSource, limit: Int) throws -> AppliedBatch {
        let started = Date()
        let ownTransaction = !file.inTransaction
        if ownTransaction { try file.executeScript("BEGIN") }
        defer { if ownTransaction { try? file.executeScript("COMMIT") } }
        let changes = try ChangeLog.read(after: position, limit: limit, on: file)
        guard let last = changes.last else { return AppliedBatch(position: position) }
        var keys: [String: [[SQLiteValue]]] = [:]
        var seen: [String: Set<[SQLiteValue]>] = [:]
        var order: [String] = []
        for change in changes {
            guard let table = plan.table(change.table) else {
                throw MigrationError("change log seq \(change.seq): table \(change.table) is not in the migration plan")
            }
            let key = Array(change.key.prefix(table.primaryKey.count))
            if seen[table.name] == nil {
                order.append(table.name)
                seen[table.name] = []
            }
            if seen[table.name]!.insert(key).inserted { keys[table.name, default: []].append(key) }
        }
        var batch = AppliedBatch(changes: changes.count, position: last.seq)
        var attempt = 0
        while true {
            attempt += 1
            do {
                try connection.begin()
                var counts = (upserted: 0, deleted: 0)
                for name in order {
                    let result = try apply(plan.table(name)!, keys: keys[name]!, file: file)
                    counts.upserted += result.upserted
                    counts.deleted += result.deleted
                }
                try OnlineState.set("applied_seq", String(last.seq), on: connection)
                let newlyTouched = touched.union(order)
                if newlyTouched != touched {
                    try OnlineState.set("touched_tables", newlyTouched.sorted().joined(separator: "\n"), on: connection)
                }
                try connection.commit()
                batch.upserted = counts.upserted
                batch.deleted = counts.deleted
                break
            } catch let clash as UniqueClash where attempt < 16 {
                try? connection.rollback()
                for (table, extra) in clash.keys { keys[table, default: []] += extra }
                for table in clash.keys.keys where !order.contains(table) { order.append(table) }
            } catch {
                try? connection.rollback()
                throw error
            }
        }
        position = last.seq
        touched.formUnion(order)
        batch.seconds = Date().timeIntervalSince(started)
        totals.changes += batch.changes
        totals.upserted += batch.upserted
        totals.deleted += batch.deleted
        totals.position = position
        totals.seconds += batch.seconds
        return batch
    }

    /// Re-reads the keys' rows from the source and makes the target hold exactly them.
    func apply(_ table: TablePlan, keys: [[SQLiteValue]], file: SQLiteSource) throws -> (upserted: Int, deleted: Int) {
        let keyIndexes = table.primaryKey.map { name in table.columns.firstIndex { $0.name == name }! }
        let columns = table.columns.map { SourceInspector.quote($0.name) }.joined(separator: ", ")
        let match = table.primaryKey.map { "\(SourceInspector.quote($0)) = ?" }.joined(separator: " AND ")
        let select = "SELECT \(columns) FROM \(SourceInspector.quote(table.name)) WHERE \(match)"
        var present: [[MariaDBValue]] = []
        var targetKeys: [[MariaDBValue]] = []
        for key in keys {
            targetKeys.append(try convertKey(table, key))
            guard let row = try file.rows(select, binds: key).first else { continue }
            present.append(try convertRow(table, row, key: key))
        }
        for chunk in targetKeys.chunked(statementRows) {
            try connection.executeWithoutWarnings(
                Self.keyed("DELETE FROM \(MariaDBIdentifier.quote(table.name))", table, Array(chunk)))
        }
        let targetColumns = table.columns.map { MariaDBIdentifier.quote($0.name) }.joined(separator: ", ")
        let placeholders = "(" + Array(repeating: "?", count: table.columns.count).joined(separator: ", ") + ")"
        let perStatement = max(1, min(statementRows, 60_000 / max(1, table.columns.count)))
        for chunk in present.chunked(perStatement) {
            let sql =
                "INSERT INTO \(MariaDBIdentifier.quote(table.name)) (\(targetColumns)) VALUES "
                + Array(repeating: placeholders, count: chunk.count).joined(separator: ", ")
            do {
                try connection.executeWithoutWarnings(MariaDBQuery(unsafeSQL: sql, binds: chunk.flatMap { $0 }))
            } catch let error as MariaDBError where error.isDuplicateKey {
                let others = try holders(
                    table, rows: Array(chunk), excluding: Set(targetKeys.map { $0.map(Verifier.canonical) }))
                guard !others.isEmpty else {
                    throw MigrationError(
                        "table \(table.name): applying changes hit a duplicate key the source does not have "
                            + "(\(error.safeMessageForReport)); nothing of this batch was applied"
                    )
                }
                throw UniqueClash(keys: [table.name: others])
            }
        }
        try verify(table, sent: present, keys: targetKeys, keyIndexes: keyIndexes)
        return (present.count, keys.count - present.count)
    }

    /// `DELETE … WHERE (k1, k2) IN ((?, ?), …)` or a SELECT with the same condition.
    static func keyed(_ head: String, _ table: TablePlan, _ keys: [[MariaDBValue]]) -> MariaDBQuery {
        let names = table.primaryKey.map(MariaDBIdentifier.quote)
        let tuple =
            names.count == 1 ? "?" : "(" + Array(repeating: "?", count: names.count).joined(separator: ", ") + ")"
        let left = names.count == 1 ? names[0] : "(" + names.joined(separator: ", ") + ")"
        let list = Array(repeating: tuple, count: keys.count).joined(separator: ", ")
        return MariaDBQuery(unsafeSQL: "\(head) WHERE \(left) IN (\(list))", binds: keys.flatMap { $0 })
    }

    /// Reads the inserted rows back and compares them with what was sent; deleted keys must be absent.
    func verify(_ table: TablePlan, sent: [[MariaDBValue]], keys: [[MariaDBValue]], keyIndexes: [Int]) throws {
        var expected: [[String]: [String]] = [:]
        for row in sent {
            let values = row.map(Verifier.canonical)
            expected[keyIndexes.map { values[$0] }] = values
        }
        let columns = table.columns.map { MariaDBIdentifier.quote($0.name) }.joined(separator: ", ")
        var found = 0
        for chunk in keys.chunked(statementRows) {
            let query = Self.keyed("SELECT \(columns) FROM \(MariaDBIdentifier.quote(table.name))", table, Array(chunk))
            try connection.stream(query, prepared: true) { row in
                let values = row.values.map(Verifier.canonical)
                let key = keyIndexes.map { values[$0] }
                let description = zip(table.primaryKey, key).map { "\($0.0)=\($0.1.prefix(64))" }.joined(
                    separator: ", ")
                guard let want = expected[key] else {
                    throw MigrationError(
                        "table \(table.name), primary key \(description): the row is gone from the source but still "
                            + "in the target after applying"
                    )
                }
                if want != values {
                    let differing = zip(zip(want, values), table.columns).filter { $0.0.0 != $0.0.1 }.map { $0.1.name }
                    throw MigrationError(
                        "table \(table.name), primary key \(description), column "
                            + "\(differing.joined(separator: ", ")): the target holds another value than the source "
                                + "after applying"
                    )
                }
                found += 1
            }
        }
        guard found == sent.count else {
            throw MigrationError("table \(table.name): \(sent.count) rows applied but \(found) read back")
        }
    }

    func convertKey(_ table: TablePlan, _ key: [SQLiteValue]) throws -> [MariaDBValue] {
        try zip(table.primaryKey, key).map { name, value in
            let column = table.column(name)!
            return try ValueConversion.convert(value, to: column.type, numbers: column.temporalNumbers)
        }
    }

    /// The same exact conversion as the copy: a value that cannot be carried over stops the run, named.
    func convertRow(_ table: TablePlan, _ row: [SQLiteValue], key: [SQLiteValue]) throws -> [MariaDBValue] {
        try table.columns.enumerated().map { index, column in
            do {
                var rounded = false
                return try ValueConversion.convert(
                    row[index], to: column.type, numbers: column.temporalNumbers,
                    roundDecimals: column.roundsDecimals, rounded: &rounded)
            } catch let failure as ConversionFailure {
                let description = zip(table.primaryKey, key).map { "\($0.0)=\(Self.describe($0.1))" }.joined(
                    separator: ", ")
                throw MigrationError(
                    "table \(table.name), primary key \(description), column \(column.name): \(failure.reason)")
            }
        }
    }

    static func describe(_ value: SQLiteValue) -> String {
        switch value {
        case .integer(let v): return String(v)
        case .text(let b): return "'\(String(decoding: b.prefix(64), as: UTF8.self))'"
        case .real(let d): return String(d)
        case .blob(let b): return "x'" + b.prefix(32).map { String(format: "%02x", $0) }.joined() + "'"
        case .null: return "NULL"
        }
    }

    /// Target rows outside the batch that hold one of `rows`' unique-key values, as source keys.
    func holders(_ table: TablePlan, rows: [[MariaDBValue]], excluding: Set<[String]>) throws -> [[SQLiteValue]] {
        var found: [[SQLiteValue]] = []
        let keyList = table.primaryKey.map(MariaDBIdentifier.quote).joined(separator: ", ")
        for index in table.indexes where index.unique {
            let positions = index.columns.compactMap { name in table.columns.firstIndex { $0.name == name } }
            guard positions.count == index.columns.count else { continue }
            let match = index.columns.map { "\(MariaDBIdentifier.quote($0)) = ?" }.joined(separator: " AND ")
            for row in rows {
                let binds = positions.map { row[$0] }
                if binds.contains(where: {
                    if case .null = $0 { return true }
                    return false
                }) {
                    continue
                }
                let sql = "SELECT \(keyList) FROM \(MariaDBIdentifier.quote(table.name)) WHERE \(match)"
                for other in try connection.query(MariaDBQuery(unsafeSQL: sql, binds: binds), prepared: true).rows {
                    let values = other.values
                    guard !excluding.contains(values.map(Verifier.canonical)) else { continue }
                    found.append(try values.map(Self.sourceKey))
                }
            }
        }
        return found
    }

    /// A target key value as the source stores it (integer and text keys; others are not re-readable).
    static func sourceKey(_ value: MariaDBValue) throws -> SQLiteValue {
        switch value {
        case .int(let v): return .integer(v)
        case .uint(let v): return .integer(Int64(truncatingIfNeeded: v))
        case .string(let s): return .text(Array(s.utf8))
        case .bytes(let b): return .blob(b)
        default:
            throw MigrationError(
                "a unique-key clash involves a key of type \(value) the applier cannot look up in the source")
        }
    }
}

/// Rows outside the batch hold unique values the batch's rows now have: they join the batch.
struct UniqueClash: Error { let keys: [String: [[SQLiteValue]]] }

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
