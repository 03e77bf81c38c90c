import Foundation
import MariaDB

/// One named precondition and its outcome; a failed check says what to change.
public struct Check: Sendable, Codable {
    public enum Status: String, Sendable, Codable { case ok, warning, failed }
    public var name: String
    public var status: Status
    public var detail: String
}

/// Read-only checks of the source file.
public enum SourceChecks {
    public static func run(_ source: SQLiteSource, schema: SourceSchema, orphans: [String: [(rowid: Int64?, parent: String, fk: Int)]], onOrphan: Planner.OrphanPolicy, quick: Bool,
                           integrity precomputed: [String]? = nil) throws -> [Check] {
        var checks: [Check] = []
        let integrity = try precomputed ?? source.integrityCheck(quick: quick)
        checks.append(Check(name: "source.integrity_check", status: integrity == ["ok"] ? .ok : .failed,
                            detail: integrity == ["ok"] ? "ok" : "SQLite reports damage: \(integrity.prefix(3).joined(separator: "; ")) — repair or restore the file first"))
        checks.append(Check(name: "source.orm", status: .ok, detail: schema.orm == .none ? "no ORM bookkeeping table found (generic SQLite)" : "\(schema.orm.rawValue) database"))
        let orphanCount = orphans.values.map(\.count).reduce(0, +)
        if orphanCount == 0 {
            checks.append(Check(name: "source.foreign_key_check", status: .ok, detail: "no orphaned rows"))
        } else {
            let where_ = orphans.map { entry in
                let first = schema.table(entry.key).map { OrphanNames.describe(source, schema: schema, table: $0, orphans: entry.value) } ?? []
                return "\(entry.key): \(entry.value.count) row(s) → \(Set(entry.value.map(\.parent)).sorted().joined(separator: ", "))"
                    + (first.isEmpty ? "" : " (first: \(first.joined(separator: "; ")))")
            }.sorted().joined(separator: "; ")
            let status: Check.Status = onOrphan == .stop ? .failed : .warning
            let action = onOrphan == .stop ? " — choose --on-orphan quarantine (skip and record them) or keep (copy them without the foreign key)" : " — handled by --on-orphan \(onOrphan.rawValue)"
            checks.append(Check(name: "source.foreign_key_check", status: status, detail: "\(orphanCount) orphaned row(s): \(where_)\(action)"))
        }
        let withoutKey = schema.tables.filter { $0.primaryKey.isEmpty }.map(\.name)
        if !withoutKey.isEmpty {
            checks.append(Check(name: "source.primary_keys", status: .warning, detail: "tables without a primary key: \(withoutKey.joined(separator: ", ")) (copied by rowid order; verified as row multisets)"))
        }
        return checks
    }
}

/// Read-only checks of the target server and database.
public enum TargetChecks {
    public static func run(_ connection: BlockingConnection, plan: MigrationPlan, sourceBytes: Int) throws -> [Check] {
        var checks: [Check] = []
        checks.append(Check(name: "target.version", status: .ok, detail: connection.serverVersion))
        let database = try connection.query("SELECT DATABASE()").rows.first?.decode(0, as: String?.self) ?? nil
        checks.append(Check(name: "target.database", status: database == nil ? .failed : .ok,
                            detail: database.map { "database \($0)" } ?? "no database in the target URL — add /DBNAME"))
        let grants = try connection.query("SHOW GRANTS").rows.compactMap { try $0.decode(0, as: String.self) }.joined(separator: "\n").uppercased()
        let needed = plan.schemaMode == .generic ? ["SELECT", "INSERT", "DELETE", "CREATE", "ALTER", "INDEX", "REFERENCES"] : ["SELECT", "INSERT", "DELETE", "CREATE", "ALTER"]
        let missing = grants.contains("ALL PRIVILEGES") ? [] : needed.filter { !grants.contains($0) }
        checks.append(Check(name: "target.privileges", status: missing.isEmpty ? .ok : .failed,
                            detail: missing.isEmpty ? "sufficient" : "missing \(missing.joined(separator: ", ")) — GRANT them on the target database to \(connection.configuration.username)"))
        let settings = try connection.query("SELECT @@GLOBAL.local_infile, @@GLOBAL.sql_mode, @@character_set_server, @@collation_server, @@GLOBAL.binlog_format, @@max_allowed_packet").rows[0]
        let localInfile = try settings.decode(0, as: Int.self) == 1
        checks.append(Check(name: "target.local_infile", status: localInfile ? .ok : .failed,
                            detail: localInfile ? "ON" : "OFF — the bulk load needs it: SET GLOBAL local_infile = ON (or local_infile=1 in my.cnf)"))
        let globalMode = try settings.decode(1, as: String.self)
        checks.append(Check(name: "target.sql_mode", status: .ok,
                            detail: "sessions of this tool run STRICT_ALL_TABLES and treat every warning as an error (server default: \(globalMode.isEmpty ? "none" : globalMode))"))
        let charset = try settings.decode(2, as: String.self)
        checks.append(Check(name: "target.charset", status: charset == "utf8mb4" ? .ok : .warning,
                            detail: charset == "utf8mb4" ? "utf8mb4 / \(try settings.decode(3, as: String.self))" : "server default \(charset); tables are created utf8mb4 explicitly"))
        checks.append(Check(name: "target.binlog_format", status: .ok, detail: (try? settings.decode(4, as: String.self)) ?? "binlog off"))
        // Free space: the server does not report its disk; estimate what the copy needs.
        checks.append(Check(name: "target.space_estimate", status: .ok,
                            detail: "expect about \(ByteCountFormatter.string(fromByteCount: Int64(Double(sourceBytes) * 1.6), countStyle: .file)) on the target (source \(ByteCountFormatter.string(fromByteCount: Int64(sourceBytes), countStyle: .file)) × 1.6 for InnoDB pages and indexes); check the data directory's free space"))
        return checks
    }
}
