import Foundation
import MariaDB

public struct TableVerification: Sendable, Codable {
    public var table: String
    public var sourceRows: Int
    public var targetRows: Int
    public var chunks: Int
    public var mismatchedChunks: Int
    /// Differing rows: key and the columns that differ (values are not reported: they may be personal data).
    public var differences: [RowDifference]
    public var seconds: Double
    /// Source rows deliberately not copied (quarantined bad values or orphans); excluded from the comparison.
    public var excludedSourceRows: Int
    public var identical: Bool { sourceRows == targetRows && differences.isEmpty && mismatchedChunks == 0 }
}

public struct RowDifference: Sendable, Codable {
    public enum Kind: String, Sendable, Codable { case missingInTarget = "missing_in_target", extraInTarget = "extra_in_target", valuesDiffer = "values_differ" }
    public var kind: Kind
    public var key: String
    public var columns: [String]
}

/// Compares source and target row by row in key order, over a canonical encoding of each value: the
/// source value converted exactly as the copy converts it, the target value as MariaDB returns it
/// (binary protocol: doubles bit for bit, decimals as text, datetimes with microseconds). Per chunk of
/// rows a digest of each side is kept; a chunk whose digests differ has its rows listed.
public struct Verifier: Sendable {
    public let plan: MigrationPlan
    public let target: MariaDBConfiguration
    public static let defaultChunkSize = 10_000
    public var chunkSize = Verifier.defaultChunkSize
    public var maxReportedDifferences = 1_000
    /// When rows were quarantined, source rows that cannot be converted (and these rowids) are not expected
    /// in the target; otherwise an unconvertible source row is a difference.
    public var excludeQuarantined = false
    public var excludedRowids: [String: Set<Int64>] = [:]

    public init(plan: MigrationPlan, target: MariaDBConfiguration) {
        self.plan = plan
        self.target = target
    }

    /// Verifies tables; where the copy recorded its chunk digests (`sent`), the source side is already
    /// known and only the target is read, falling back to the full row-by-row comparison on any mismatch.
    public func verifyAll(parallel: Int = 2, sent: [String: TableCopyResult] = [:], done: [TableVerification] = []) throws -> [TableVerification] {
        let finished = Set(done.map(\.table))
        let tables = plan.tables.filter { !finished.contains($0.name) }.sorted { $0.rows > $1.rows }
        let checked = try TableWorkers.run(tables, workers: parallel, target: target) { table, connection in
            if let digests = sent[table.name]?.digests, let quick = try quickVerify(table, expected: digests, on: connection) {
                return quick
            }
            return try verify(table, on: connection)
        }
        return (checked + done).sorted { $0.table < $1.table }
    }

    /// Right after a table's copy, on the copy's connection: the digests recorded while copying stand for the
    /// source when every source row was read (rows sent plus rows set aside equal the table's count); then
    /// only the target is read. nil when that does not hold or anything differs (the full pass follows later).
    public func verifyAfterCopy(_ table: TablePlan, result: TableCopyResult, on connection: BlockingConnection) throws -> TableVerification? {
        guard let digests = result.digests else { return nil }
        let source = try SQLiteSource(path: plan.source)
        defer { source.close() }
        guard case .integer(let count) = try source.scalar("SELECT count(*) FROM \(SourceInspector.quote(table.name))"),
              Int(count) == result.rows + result.quarantined else { return nil }
        return try quickVerify(table, expected: digests, on: connection)
    }

    /// Reads the target in key order and compares its chunk digests with the ones recorded while copying.
    /// nil when anything differs (the caller then runs the full comparison to name the rows).
    func quickVerify(_ table: TablePlan, expected: ChunkDigests, on connection: BlockingConnection) throws -> TableVerification? {
        guard !table.primaryKey.isEmpty, expected.chunkSize == chunkSize else { return nil }
        let started = Date()
        var actual = ChunkDigests(chunkSize: chunkSize)
        let columns = table.columns.map { MariaDBIdentifier.quote($0.name) }.joined(separator: ", ")
        let order = Self.orderBy(table)
        try connection.stream(MariaDBQuery(unsafeSQL: "SELECT \(columns) FROM \(MariaDBIdentifier.quote(table.name)) ORDER BY \(order)"), prepared: true) { row in
            actual.add(row: row.values)
        }
        actual.finish()
        guard actual.rows == expected.rows, actual.digests == expected.digests else { return nil }
        return TableVerification(table: table.name, sourceRows: expected.rows, targetRows: actual.rows, chunks: actual.digests.count, mismatchedChunks: 0,
                                 differences: [], seconds: Date().timeIntervalSince(started), excludedSourceRows: 0)
    }

    struct CanonicalRow {
        var key: [String]
        var numericKey: [Int64?]
        var values: [String]
    }

    func verify(_ table: TablePlan, on connection: BlockingConnection) throws -> TableVerification {
        let started = Date()
        let keyIndexes = table.primaryKey.compactMap { key in table.columns.firstIndex { $0.name == key } }
        let hasKey = !keyIndexes.isEmpty && keyIndexes.count == table.primaryKey.count
        let queue = ChunkQueue<[CanonicalRow]>(capacity: 8)
        let excluded = Counters()
        let skip = excludedRowids[table.name] ?? []
        let excludeQuarantined = self.excludeQuarantined
        let reader = Thread { [plan] in
            do {
                let source = try SQLiteSource(path: plan.source)
                defer { source.close() }
                var batch: [CanonicalRow] = []
                var failed = false
                try source.query(TableCopier.selectSQL(table)) { row in
                    if failed { return }
                    if let rowid = row.int(table.columns.count), skip.contains(rowid) { excluded.rows += 1; return }
                    var values: [String] = []
                    values.reserveCapacity(table.columns.count)
                    var unconvertible = false
                    for (index, column) in table.columns.enumerated() {
                        let converted = (try? ValueConversion.convert(row.value(index), to: column.type, numbers: column.temporalNumbers,
                                                                          roundDecimals: column.roundsDecimals))
                        if converted == nil { unconvertible = true }
                        values.append(converted.map(Self.canonical) ?? "\u{0}UNCONVERTIBLE")
                    }
                    if unconvertible && excludeQuarantined { excluded.rows += 1; return }
                    batch.append(CanonicalRow(key: keyIndexes.map { values[$0] }, numericKey: keyIndexes.map { Int64(values[$0]) }, values: values))
                    if batch.count >= 1_000 { if !queue.put(batch) { failed = true }; batch = [] }
                }
                if !batch.isEmpty { _ = queue.put(batch) }
                queue.finish()
            } catch { queue.finish(error) }
        }
        reader.stackSize = 4 << 20
        reader.start()

        var sourceBuffer: [CanonicalRow] = []
        var sourceIndex = 0
        var sourceRows = 0, targetRows = 0
        var differences: [RowDifference] = []
        var chunkSource = Digest(), chunkTarget = Digest()
        var chunks = 0, mismatched = 0, inChunk = 0
        var unorderedSource: [UInt64] = [], unorderedTarget: [UInt64] = []
        func nextSource() throws -> CanonicalRow? {
            if sourceIndex == sourceBuffer.count {
                guard let batch = try queue.take() else { return nil }
                sourceBuffer = batch
                sourceIndex = 0
            }
            sourceIndex += 1
            sourceRows += 1
            return sourceBuffer[sourceIndex - 1]
        }
        func record(_ difference: RowDifference) {
            if differences.count < maxReportedDifferences { differences.append(difference) }
        }
        func closeChunk(force: Bool) {
            guard inChunk >= chunkSize || (force && inChunk > 0) else { return }
            chunks += 1
            if chunkSource.value != chunkTarget.value { mismatched += 1 }
            chunkSource = Digest(); chunkTarget = Digest(); inChunk = 0
        }
        var pending: CanonicalRow? = nil
        var pendingLoaded = false
        let columns = table.columns.map { MariaDBIdentifier.quote($0.name) }.joined(separator: ", ")
        let order = hasKey ? " ORDER BY " + Self.orderBy(table) : ""
        do {
            try connection.stream(MariaDBQuery(unsafeSQL: "SELECT \(columns) FROM \(MariaDBIdentifier.quote(table.name))\(order)"), prepared: true) { row in
                targetRows += 1
                let values = row.values.map(Self.canonical)
                if !hasKey {
                    unorderedTarget.append(Digest.of(values))
                    return
                }
                let target = CanonicalRow(key: keyIndexes.map { values[$0] }, numericKey: keyIndexes.map { Int64(values[$0]) }, values: values)
                chunkTarget.add(values)
                inChunk += 1
                while true {
                    if !pendingLoaded { pending = try nextSource(); pendingLoaded = true }
                    guard let source = pending else {
                        record(RowDifference(kind: .extraInTarget, key: Self.describe(table, target), columns: []))
                        break
                    }
                    let order = Self.compare(source, target)
                    if order < 0 {
                        chunkSource.add(source.values)
                        record(RowDifference(kind: .missingInTarget, key: Self.describe(table, source), columns: []))
                        pendingLoaded = false
                        continue
                    }
                    if order > 0 {
                        record(RowDifference(kind: .extraInTarget, key: Self.describe(table, target), columns: []))
                        break
                    }
                    chunkSource.add(source.values)
                    if source.values != target.values {
                        let differing = zip(zip(source.values, target.values), table.columns).filter { $0.0.0 != $0.0.1 }.map { $0.1.name }
                        record(RowDifference(kind: .valuesDiffer, key: Self.describe(table, source), columns: differing))
                    }
                    pendingLoaded = false
                    break
                }
                closeChunk(force: false)
            }
            if hasKey {
                if pendingLoaded, let source = pending { chunkSource.add(source.values); record(RowDifference(kind: .missingInTarget, key: Self.describe(table, source), columns: [])) }
                while let source = try nextSource() {
                    chunkSource.add(source.values)
                    record(RowDifference(kind: .missingInTarget, key: Self.describe(table, source), columns: []))
                }
                closeChunk(force: true)
            } else {
                while let source = try nextSource() { unorderedSource.append(Digest.of(source.values)) }
                unorderedSource.sort(); unorderedTarget.sort()
                chunks = 1
                if unorderedSource != unorderedTarget {
                    mismatched = 1
                    record(RowDifference(kind: .valuesDiffer, key: "table without primary key: row multisets differ", columns: []))
                }
            }
        } catch {
            queue.cancel()
            throw error
        }
        return TableVerification(table: table.name, sourceRows: sourceRows, targetRows: targetRows, chunks: chunks, mismatchedChunks: mismatched,
                                 differences: differences, seconds: Date().timeIntervalSince(started), excludedSourceRows: excluded.rows)
    }

    /// Key order as SQLite sorts (bytes): text keys are ordered with `utf8mb4_nopad_bin` (code points, trailing
    /// spaces significant), whatever collation the target column has (a case-insensitive or PAD SPACE key would
    /// otherwise interleave differently); a column in another character set is converted first.
    static func orderBy(_ table: TablePlan) -> String {
        table.primaryKey.map { name in
            let quoted = MariaDBIdentifier.quote(name)
            guard let column = table.column(name), column.type.isText else { return quoted }
            if let collation = column.collation, !collation.hasPrefix("utf8mb4") {
                return "CONVERT(\(quoted) USING utf8mb4) COLLATE utf8mb4_nopad_bin"
            }
            return quoted + " COLLATE utf8mb4_nopad_bin"
        }.joined(separator: ", ")
    }

    static func compare(_ a: CanonicalRow, _ b: CanonicalRow) -> Int {
        for i in a.key.indices {
            if let x = a.numericKey[i], let y = b.numericKey[i] {
                if x != y { return x < y ? -1 : 1 }
            } else if a.key[i] != b.key[i] {
                return Array(a.key[i].utf8).lexicographicallyPrecedes(Array(b.key[i].utf8)) ? -1 : 1
            }
        }
        return 0
    }

    static func describe(_ table: TablePlan, _ row: CanonicalRow) -> String {
        zip(table.primaryKey, row.key).map { "\($0.0)=\($0.1.prefix(64))" }.joined(separator: ", ")
    }

    /// One text per value, equal exactly when the values are equal.
    static func canonical(_ value: MariaDBValue) -> String {
        switch value {
        case .null: return "\u{0}NULL"
        case .int(let v): return String(v)
        case .uint(let v): return String(v)
        case .double(let d): return "d" + String(d.bitPattern, radix: 16)
        case .decimal(let d): return d.text
        case .string(let s), .json(let s): return s
        case .bytes(let b): return "x" + b.map { String(format: "%02x", $0) }.joined()
        case .date(let d): return d.dateString
        case .datetime(let d): return d.description
        case .time(let t): return t.description
        }
    }
}

/// FNV-1a 64 over canonical rows (fields separated by 0x1F, rows by 0x1E).
struct Digest {
    var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ values: [String]) {
        for field in values {
            for byte in field.utf8 { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            value = (value ^ 0x1F) &* 0x0000_0100_0000_01B3
        }
        value = (value ^ 0x1E) &* 0x0000_0100_0000_01B3
    }
    static func of(_ values: [String]) -> UInt64 { var d = Digest(); d.add(values); return d.value }
}
