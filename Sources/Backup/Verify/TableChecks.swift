import Foundation
import MariaDB

/// `CHECKSUM TABLE` and `CHECK TABLE` over every user table of a server (system schemas left out): the
/// checksums recorded at backup time and compared by drills, and the structural check a drill runs.
enum TableChecks {
    static let systemSchemas = ["mysql", "information_schema", "performance_schema", "sys"]

    static func tables(_ connection: MariaDBConnection) async throws -> [(schema: String, table: String)] {
        let rows = try await connection.query("""
            SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES
            WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN (\(list: systemSchemas))
            ORDER BY TABLE_SCHEMA, TABLE_NAME
            """).rows
        return rows.map { ($0[0].text, $0[1].text) }
    }

    /// "schema.table" → checksum text.
    static func checksums(_ configuration: MariaDBConfiguration) async throws -> [String: String] {
        let connection = try await MariaDBConnection.connect(configuration)
        do {
            var result: [String: String] = [:]
            for (schema, table) in try await tables(connection) {
                let row = try await connection.query(
                    MariaDBQuery(unsafeSQL: "CHECKSUM TABLE \(MariaDBIdentifier.quote(schema, table)) EXTENDED")).rows
                result["\(schema).\(table)"] = row.first?[1].text ?? ""
            }
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Tables whose `CHECK TABLE` does not say OK, each with the server's message.
    static func check(_ configuration: MariaDBConfiguration) async throws -> (checked: Int, problems: [String]) {
        let connection = try await MariaDBConnection.connect(configuration)
        do {
            var problems: [String] = []
            let all = try await tables(connection)
            for (schema, table) in all {
                let rows = try await connection.query(
                    MariaDBQuery(unsafeSQL: "CHECK TABLE \(MariaDBIdentifier.quote(schema, table))")).rows
                for row in rows where row[2].text.lowercased() == "error"
                    || (row[2].text.lowercased() == "status" && row[3].text != "OK") {
                    problems.append("CHECK TABLE \(schema).\(table): \(row[3].text)")
                }
            }
            try? await connection.close()
            return (all.count, problems)
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Differences between two checksum sets, one line per table.
    static func differences(expected: [String: String], actual: [String: String]) -> [String] {
        var lines: [String] = []
        for name in Set(expected.keys).union(actual.keys).sorted() {
            switch (expected[name], actual[name]) {
            case let (want?, got?) where want != got: lines.append("table \(name): checksum \(got), expected \(want)")
            case (_?, nil): lines.append("table \(name): missing after restore")
            case (nil, _?): lines.append("table \(name): present after restore but not in the backup's record")
            default: break
            }
        }
        return lines
    }
}
