import Foundation
import MariaDB

/// What to do with a row whose value cannot be carried over exactly.
public enum BadRowPolicy: String, Sendable, Codable, CaseIterable { case stop, quarantine }

public struct TableCopyResult: Sendable, Codable {
    public var table: String
    public var rows: Int
    public var bytes: Int
    public var quarantined: Int
    /// Decimals rounded to the column's scale (`--round-decimals` only; otherwise such a value stops the run).
    public var rounded = 0
    public var seconds: Double
    /// Checksums of the rows as sent, per chunk in key order (the source side of the verification).
    public var digests: ChunkDigests?
}

/// Copies one table: a reader thread streams the SQLite rows in key order, converts every value exactly
/// and encodes LOAD DATA text; the loader streams it into MariaDB with `LOAD DATA LOCAL INFILE`. Memory is
/// bounded by the queue (a few 256 KiB chunks), whatever the table's size.
struct TableCopier {
    let sourcePath: String
    let plan: TablePlan
    let badRows: BadRowPolicy
    let quarantine: QuarantineFile?
    let skipRowids: Set<Int64>
    let progress: @Sendable (Int) -> Void

    /// The SELECT that reads the table in copy order. `rowid` is appended for rowid tables (for messages).
    static func selectSQL(_ plan: TablePlan) -> String { selectSQL(plan, after: nil, limit: nil) }

    /// The single integer column the copy order follows (rowid or an integer primary key), if any: tables
    /// ordered by one can be copied in batches and resumed from the last key.
    static func batchKey(_ plan: TablePlan) -> String? {
        guard plan.sourceOrder.count == 1 else { return nil }
        let key = plan.sourceOrder[0]
        if key == "rowid" { return plan.withoutRowID ? nil : "rowid" }
        if key == plan.autoIncrementColumn { return key }
        if let column = plan.column(key), case .integer = column.type { return key }
        return nil
    }

    static func selectSQL(_ plan: TablePlan, after: Int64?, limit: Int?) -> String {
        let columns = plan.columns.map { SourceInspector.quote($0.name) }
        let order = plan.sourceOrder.map { $0 == "rowid" ? "rowid" : SourceInspector.quote($0) }.joined(separator: ", ")
        let rowid = plan.withoutRowID ? "NULL" : "rowid"
        var sql = "SELECT \(columns.joined(separator: ", ")), \(rowid) FROM \(SourceInspector.quote(plan.name))"
        if let after, let key = batchKey(plan) { sql += " WHERE \(key == "rowid" ? "rowid" : SourceInspector.quote(key)) > \(after)" }
        sql += " ORDER BY \(order)"
        if let limit { sql += " LIMIT \(limit)" }
        return sql
    }

    func copy(into connection: BlockingConnection) throws -> TableCopyResult { try copy(into: connection, after: nil, limit: nil).0 }

    /// Copies up to `limit` rows whose batch key is above `after`; returns the result and the last key read.
    func copy(into connection: BlockingConnection, after: Int64?, limit: Int?) throws -> (TableCopyResult, Int64?) {
        let started = Date()
        let queue = ChunkQueue<[UInt8]>(capacity: 8)
        let counters = Counters()
        let reader = Thread { [plan, sourcePath, badRows, quarantine, skipRowids, progress] in
            do {
                let source = try SQLiteSource(path: sourcePath)
                defer { source.close() }
                var chunk: [UInt8] = []
                chunk.reserveCapacity(300_000)
                var converted = [MariaDBValue](repeating: .null, count: plan.columns.count)
                let columnCount = plan.columns.count
                var rows = 0
                var stop = false
                var digests = ChunkDigests(chunkSize: Verifier.defaultChunkSize)
                let keyIndex = Self.batchKey(plan).map { key in key == "rowid" ? columnCount : (plan.columns.firstIndex { $0.name == key } ?? columnCount) }
                try source.query(Self.selectSQL(plan, after: after, limit: limit)) { row in
                    if stop { return }
                    if let keyIndex { counters.lastKey = row.int(keyIndex) }
                    counters.read += 1
                    let rowid = row.int(columnCount)
                    if let rowid, skipRowids.contains(rowid) {
                        try quarantine?.write(table: plan.name, key: "rowid \(rowid)", column: "(foreign key)", reason: "orphaned foreign key (--on-orphan quarantine)",
                                              row: (0..<columnCount).map(row.value))
                        counters.quarantined += 1
                        return
                    }
                    for (index, column) in plan.columns.enumerated() {
                        let value = row.value(index)
                        do {
                            var lost = false
                            converted[index] = try ValueConversion.convert(value, to: column.type, numbers: column.temporalNumbers,
                                                                           roundDecimals: column.roundsDecimals, rounded: &lost)
                            if lost { counters.rounded += 1 }
                        } catch let failure as ConversionFailure {
                            let key = Self.keyDescription(plan, row: row, rowid: rowid)
                            let message = "table \(plan.name), \(key), column \(column.name): \(failure.reason)"
                            if badRows == .quarantine, let quarantine {
                                try quarantine.write(table: plan.name, key: key, column: column.name, reason: failure.reason, row: (0..<columnCount).map(row.value))
                                counters.quarantined += 1
                                return
                            }
                            throw MigrationError(message)
                        }
                    }
                    LoadDataFormat.appendRow(converted, to: &chunk)
                    digests.add(row: converted)
                    rows += 1
                    if chunk.count >= 256 * 1024 {
                        counters.bytes += chunk.count
                        if !queue.put(chunk) { stop = true; return }
                        chunk = []
                        chunk.reserveCapacity(300_000)
                        progress(rows)
                    }
                }
                if !chunk.isEmpty { counters.bytes += chunk.count; _ = queue.put(chunk) }
                digests.finish()
                counters.rows = rows
                counters.digests = digests
                progress(rows)
                queue.finish()
            } catch {
                queue.finish(error)
            }
        }
        reader.stackSize = 4 << 20
        reader.start()
        // The file is read as bytes (CHARACTER SET binary) so BLOBs arrive unchanged; types that parse text
        // (MariaDB's UUID) get theirs through a variable converted to utf8mb4.
        var columns: [String] = []
        var assignments: [String] = []
        for (index, column) in plan.columns.enumerated() {
            if column.type == .uuid {
                columns.append("@c\(index)")
                assignments.append("\(MariaDBIdentifier.quote(column.name)) = CONVERT(@c\(index) USING utf8mb4)")
            } else {
                columns.append(column.name)
            }
        }
        let statement = LoadDataStatement(table: plan.name, columns: columns, characterSet: "binary",
                                          unsafeSetClause: assignments.isEmpty ? nil : assignments.joined(separator: ", "))
        do {
            let metadata = try connection.loadData(statement, from: QueueInfileSource(queue: queue), failOnWarnings: true)
            guard Int(metadata.affectedRows) == counters.rows else {
                throw MigrationError("table \(plan.name): \(counters.rows) rows sent but the server stored \(metadata.affectedRows)")
            }
        } catch {
            queue.cancel()
            // The reader's own error (a bad value, with table/key/column) explains the failure best.
            while (try? queue.take()) != nil {}
            if let readerError = counters.readerError(queue) { throw readerError }
            if let located = try? locate(error, after: after) { throw located }
            if !connection.isBroken, let duplicate = try? duplicateKey(error, connection: connection) { throw duplicate }
            throw error
        }
        return (TableCopyResult(table: plan.name, rows: counters.rows, bytes: counters.bytes, quarantined: counters.quarantined,
                                rounded: counters.rounded, seconds: Date().timeIntervalSince(started), digests: counters.digests),
                counters.read == (limit ?? -1) ? counters.lastKey : nil)
    }

    /// The server reports a rejected value by its position in the load ("… for column `db`.`t`.`c` at row
    /// 7"); the rows were sent in key order, so the source row at that position names the key.
    func locate(_ error: any Error, after: Int64?) throws -> MigrationError? {
        guard let error = error as? MariaDBError, error.code == .warnings || error.code == .server,
              let rowRange = error.message.range(of: " at row "),
              let position = Int(error.message[rowRange.upperBound...].prefix { $0.isNumber }), position >= 1 else { return nil }
        var column = "?"
        if let columnRange = error.message.range(of: "for column ") {
            let rest = error.message[columnRange.upperBound...]
            column = String(rest.prefix { $0 != " " }).split(separator: ".").last.map { $0.trimmingCharacters(in: ["`", "'"]) } ?? column
        }
        let source = try SQLiteSource(path: sourcePath)
        defer { source.close() }
        // Rows skipped before it (quarantine) would shift the position; the message then names a neighbour.
        var key = "row \(position) of the load"
        try source.query(Self.selectSQL(plan, after: after, limit: nil) + " LIMIT 1 OFFSET \(position - 1)") { row in
            key = Self.keyDescription(plan, row: row, rowid: row.int(plan.columns.count))
        }
        return MigrationError("table \(plan.name), \(key), column \(column): the server rejected the value (\(error.safeMessageForReport)); nothing of this table was written")
    }

    /// `id=42` (primary key values) or `rowid 17`; for locating the row, never other column values.
    static func keyDescription(_ plan: TablePlan, row: SQLiteRowView, rowid: Int64?) -> String {
        let keys = plan.primaryKey.compactMap { name -> String? in
            guard let index = plan.columns.firstIndex(where: { $0.name == name }) else { return nil }
            switch row.value(index) {
            case .integer(let v): return "\(name)=\(v)"
            case .text(let b): return "\(name)='\(String(decoding: b.prefix(64), as: UTF8.self))'"
            case .real(let d): return "\(name)=\(d)"
            case .blob(let b): return "\(name)=x'\(b.prefix(32).map { String(format: "%02x", $0) }.joined())'"
            case .null: return "\(name)=NULL"
            }
        }
        if !keys.isEmpty { return "primary key " + keys.joined(separator: ", ") }
        return rowid.map { "rowid \($0)" } ?? "row"
    }
}

/// Counters written by the reader thread, read after it finished (ordered by the queue's lock).
final class Counters: @unchecked Sendable {
    var rows = 0
    var bytes = 0
    var quarantined = 0
    var rounded = 0
    var digests: ChunkDigests?
    var lastKey: Int64?
    var read = 0
    func readerError(_ queue: ChunkQueue<[UInt8]>) -> (any Error)? {
        do { _ = try queue.take(); return nil } catch { return error }
    }
}
