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
        var sourceRows: [Verifier.CanonicalRow] = []
        let sqliteList = (keys + columns).map(SourceInspector.quote).joined(separator: ", ")
        let sqliteOrder = keys.map(SourceInspector.quote).joined(separator: ", ")
        try source.query("SELECT \(sqliteList) FROM \(SourceInspector.quote(table.name)) ORDER BY \(sqliteOrder)") {
            row in
            var key: [String] = []
            for (i, name) in keys.enumerated() {
                let type = table.column(name)!.type
                key.append(Self.canonical(row.value(i), as: type))
            }
            let values = columns.enumerated().map {
                Self.canonical(row.value(keys.count + $0.offset), as: types[$0.element.lowercased()]!)
            }
            sourceRows.append(Verifier.CanonicalRow(key: key, numericKey: key.map { Int64($0) }, values: values))
        }
        var index = 0
        let list = (keys + columns).map(MariaDBIdentifier.quote).joined(separator: ", ")
        let query = "SELECT \(list) FROM \(MariaDBIdentifier.quote(table.name)) ORDER BY \(Verifier.orderBy(table))"
        _ = try connection.stream(MariaDBQuery(unsafeSQL: query), prepared: true) { row in
            result.targetRows += 1
            let canonical = row.values.map(Verifier.canonical)
            let target = Verifier.CanonicalRow(
                key: Array(canonical.prefix(keys.count)), numericKey: canonical.prefix(keys.count).map { Int64($0) },
                values: Array(canonical.dropFirst(keys.count)))
            while index < sourceRows.count, Verifier.compare(sourceRows[index], target) < 0 { index += 1 }
            guard index < sourceRows.count, Verifier.compare(sourceRows[index], target) == 0 else { return }
            let differing = zip(zip(sourceRows[index].values, target.values), columns).filter { $0.0.0 != $0.0.1 }.map(
                \.1)
            if !differing.isEmpty, result.differences.count < maxReportedDifferences {
                result.differences.append(
                    Verifier.describe(table, target)
                        + " (column\(differing.count > 1 ? "s" : "") \(differing.joined(separator: ", ")))"
                )
            }
            index += 1
        }
        result.sourceRows = sourceRows.count
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
