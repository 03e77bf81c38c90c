import Foundation
import MariaDB

extension SchemaObjectVerifier {
    /// Reads the key and generated columns of both sides in key order and compares the values row by
    /// row. A key on one side only is the table verification's finding; here only rows on both count.
    func verifyGenerated(
        _ table: TablePlan, columns: [String], _ source: SQLiteSource,
        _ connection: BlockingConnection
    ) throws -> SchemaObjectVerification {
        let started = Date()
        var result = SchemaObjectVerification(
            kind: .generatedColumns, name: table.name, columns: columns, sourceRows: 0, targetRows: 0,
            differences: [], seconds: 0)
        let types = try targetTypes(table.name, connection)
        guard columns.allSatisfy({ types[$0.lowercased()] != nil }) else {
            result.error =
                "the target table \(table.name) lacks generated column(s) "
                + columns.filter { types[$0.lowercased()] == nil }.joined(separator: ", ")
            return result
        }
        let keys = table.primaryKey
        guard !keys.isEmpty, keys.allSatisfy({ table.column($0) != nil }) else {
            return try verifyGeneratedWithoutKey(
                table, columns: columns, types: types, source, connection, started: started)
        }
        // SQLite's rows come from a reader thread in key order, a batch at a time: memory stays bounded.
        let queue = ChunkQueue<[Verifier.CanonicalRow]>(capacity: 8)
        let keyTypes = keys.map { table.column($0)!.type }
        let valueTypes = columns.map { types[$0.lowercased()]! }
        let reader = Thread { [plan] in
            do {
                let source = try SQLiteSource(path: plan.source)
                defer { source.close() }
                var batch: [Verifier.CanonicalRow] = []
                var stopped = false
                let list = (keys + columns).map(SourceInspector.quote).joined(separator: ", ")
                let order = keys.map(SourceInspector.quote).joined(separator: ", ")
                try source.query("SELECT \(list) FROM \(SourceInspector.quote(table.name)) ORDER BY \(order)") { row in
                    if stopped { return }
                    let key = keyTypes.enumerated().map { Self.canonical(row.value($0.offset), as: $0.element) }
                    let values = valueTypes.enumerated().map { Self.canonical(row.value(keys.count + $0.offset), as: $0.element) }
                    batch.append(Verifier.CanonicalRow(key: key, numericKey: key.map { Int64($0) }, values: values))
                    if batch.count >= 1_000 {
                        if !queue.put(batch) { stopped = true }
                        batch = []
                    }
                }
                if !batch.isEmpty { _ = queue.put(batch) }
                queue.finish()
            } catch { queue.finish(error) }
        }
        reader.stackSize = 4 << 20
        reader.start()
        var buffer: [Verifier.CanonicalRow] = []
        var index = 0
        var sourceRows = 0
        /// The next SQLite row, without consuming it.
        func peek() throws -> Verifier.CanonicalRow? {
            if index == buffer.count {
                guard let next = try queue.take() else { return nil }
                buffer = next
                index = 0
            }
            return buffer[index]
        }
        let list = (keys + columns).map(MariaDBIdentifier.quote).joined(separator: ", ")
        let query = "SELECT \(list) FROM \(MariaDBIdentifier.quote(table.name)) ORDER BY \(Verifier.orderBy(table))"
        do {
            _ = try connection.stream(MariaDBQuery(unsafeSQL: query), prepared: true) { row in
                result.targetRows += 1
                let canonical = row.values.map(Verifier.canonical)
                let key = Array(canonical.prefix(keys.count))
                let target = Verifier.CanonicalRow(key: key, numericKey: key.map { Int64($0) }, values: Array(canonical.dropFirst(keys.count)))
                while let next = try peek(), Verifier.compare(next, target) < 0 { index += 1; sourceRows += 1 }
                guard let source = try peek(), Verifier.compare(source, target) == 0 else { return }
                index += 1
                sourceRows += 1
                let differing = zip(zip(source.values, target.values), columns).filter { $0.0.0 != $0.0.1 }.map(\.1)
                if !differing.isEmpty, result.differences.count < maxReportedDifferences {
                    result.differences.append(
                        Verifier.describe(table, target)
                            + " (column\(differing.count > 1 ? "s" : "") \(differing.joined(separator: ", ")))")
                }
            }
            while try peek() != nil { index += 1; sourceRows += 1 }
        } catch {
            queue.cancel()
            throw error
        }
        // Rows on one side only are the table verification's finding; here only rows on both count.
        result.sourceRows = sourceRows
        result.seconds = Date().timeIntervalSince(started)
        return result
    }

    func verifyGeneratedWithoutKey(
        _ table: TablePlan, columns: [String], types: [String: TargetType], _ source: SQLiteSource,
        _ connection: BlockingConnection, started: Date
    ) throws -> SchemaObjectVerification {
        let all = table.columns.map(\.name) + columns
        var sourceDigests: [UInt64] = []
        try source.query(
            "SELECT \(all.map(SourceInspector.quote).joined(separator: ", ")) FROM \(SourceInspector.quote(table.name))"
        ) { row in
            var values: [String] = []
            for (i, column) in table.columns.enumerated() {
                values.append(Self.canonical(row.value(i), as: column.type))
            }
            for (i, name) in columns.enumerated() {
                values.append(Self.canonical(row.value(table.columns.count + i), as: types[name.lowercased()]!))
            }
            sourceDigests.append(Digest.of(values))
        }
        var targetDigests: [UInt64] = []
        let list = all.map(MariaDBIdentifier.quote).joined(separator: ", ")
        _ = try connection.stream(
            MariaDBQuery(unsafeSQL: "SELECT \(list) FROM \(MariaDBIdentifier.quote(table.name))"), prepared: true
        ) { row in
            targetDigests.append(Digest.of(row.values.map(Verifier.canonical)))
        }
        var result = SchemaObjectVerification(
            kind: .generatedColumns, name: table.name, columns: columns, sourceRows: sourceDigests.count,
            targetRows: targetDigests.count, differences: [], seconds: 0)
        let (onlySource, onlyTarget) = Self.multisetDifference(sourceDigests.sorted(), targetDigests.sorted())
        if onlySource + onlyTarget > 0 {
            result.differences.append(
                "table without primary key: \(onlySource) row(s) only in SQLite, \(onlyTarget) only in MariaDB")
        }
        result.seconds = Date().timeIntervalSince(started)
        return result
    }
}
