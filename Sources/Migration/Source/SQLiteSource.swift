import CSQLite
import Foundation

/// Why reading the source failed; names the file and, where known, the table.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Another connection held the lock a statement needed for longer than the busy timeout.
public struct SQLiteBusyError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var description: String { "source \(path): database is locked (another writer held it past the busy timeout)" }
}

/// A read-only SQLite database, opened with the system SQLite through its C API: exact bytes, no
/// conversions. One owner: used from one thread at a time (each copy worker opens its own).
public final class SQLiteSource: @unchecked Sendable {
    public let path: String
    private var db: OpaquePointer?

    public convenience init(path: String) throws { try self.init(path: path, writable: false) }

    /// `writable` opens the file read-write: the online migration installs its change capture and fence in
    /// the live file; everything else reads only. `busyTimeoutMilliseconds` bounds every wait for a lock.
    public init(path: String, writable: Bool, busyTimeoutMilliseconds: Int32 = 10_000) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw MigrationError("source \(path): no such SQLite file")
        }
        var handle: OpaquePointer?
        let mode = writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY
        let status = sqlite3_open_v2(path, &handle, mode | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "status \(status)"
            sqlite3_close(handle)
            throw MigrationError("source \(path): cannot open: \(message)")
        }
        db = handle
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        // Touch the schema now so "file is not a database" surfaces here, with the file name.
        do { _ = try scalar("SELECT count(*) FROM sqlite_master") } catch {
            close()
            throw MigrationError("source \(path): not a readable SQLite database (\(error))")
        }
    }

    deinit { close() }

    public func close() {
        if let db { sqlite3_close_v2(db) }
        db = nil
    }

    /// Runs `sql` and hands each row to `onRow` as a view valid only during the call.
    public func query(_ sql: String, binds: [SQLiteValue] = [], onRow: (SQLiteRowView) throws -> Void) throws {
        guard let db else { throw MigrationError("source \(path): closed") }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw MigrationError("source \(path): \(String(cString: sqlite3_errmsg(db))) in: \(sql.prefix(200))")
        }
        defer { sqlite3_finalize(statement) }
        for (index, value) in binds.enumerated() {
            let position = Int32(index + 1)
            switch value {
            case .null: sqlite3_bind_null(statement, position)
            case .integer(let v): sqlite3_bind_int64(statement, position, v)
            case .real(let v): sqlite3_bind_double(statement, position, v)
            case .text(let bytes): bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(1, bytes.count)) {
                    _ = sf_sqlite3_bind_text_transient(statement, position, $0, Int32(bytes.count))
                }
            }
            case .blob(let bytes): bytes.withUnsafeBytes { _ = sqlite3_bind_blob(statement, position, $0.baseAddress, Int32(bytes.count), nil) }
            }
        }
        let view = SQLiteRowView(statement: statement)
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else {
                if status & 0xff == SQLITE_BUSY { throw SQLiteBusyError(path: path) }
                throw MigrationError("source \(path): \(String(cString: sqlite3_errmsg(db))) while reading: \(sql.prefix(200))")
            }
            try onRow(view)
        }
    }

    /// Runs a statement that returns no rows; the number of rows it changed.
    @discardableResult
    public func execute(_ sql: String, binds: [SQLiteValue] = []) throws -> Int {
        try query(sql, binds: binds) { _ in }
        return Int(sqlite3_changes(db))
    }

    /// Runs several `;`-separated statements without binds (DDL, BEGIN/COMMIT).
    public func executeScript(_ sql: String) throws {
        guard let db else { throw MigrationError("source \(path): closed") }
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(db, sql, nil, nil, &message)
        guard status == SQLITE_OK else {
            if status & 0xff == SQLITE_BUSY { sqlite3_free(message); throw SQLiteBusyError(path: path) }
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db))
            sqlite3_free(message)
            throw MigrationError("source \(path): \(text)")
        }
    }

    /// The busy timeout for the following statements (a cut-over waits no longer than its budget).
    public func setBusyTimeout(milliseconds: Int32) { if let db { sqlite3_busy_timeout(db, milliseconds) } }

    /// True while this connection is inside a transaction.
    public var inTransaction: Bool { db.map { sqlite3_get_autocommit($0) == 0 } ?? false }

    public func rows(_ sql: String, binds: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        var rows: [[SQLiteValue]] = []
        try query(sql, binds: binds) { rows.append($0.values) }
        return rows
    }

    public func scalar(_ sql: String) throws -> SQLiteValue {
        try rows(sql).first?.first ?? .null
    }

    /// `PRAGMA integrity_check` (or `quick_check`): "ok" or the problems found.
    public func integrityCheck(quick: Bool = false) throws -> [String] {
        try rows(quick ? "PRAGMA quick_check" : "PRAGMA integrity_check").compactMap { row in
            if case .text(let bytes) = row.first { return String(decoding: bytes, as: UTF8.self) }
            return nil
        }
    }
}

/// The current row of a running statement.
public struct SQLiteRowView {
    let statement: OpaquePointer

    public var count: Int { Int(sqlite3_column_count(statement)) }

    public func value(_ index: Int) -> SQLiteValue {
        let i = Int32(index)
        switch sqlite3_column_type(statement, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, i))
        case SQLITE_TEXT:
            let length = Int(sqlite3_column_bytes(statement, i))
            guard length > 0, let pointer = sqlite3_column_text(statement, i) else { return .text([]) }
            return .text(Array(UnsafeBufferPointer(start: pointer, count: length)))
        case SQLITE_BLOB:
            let length = Int(sqlite3_column_bytes(statement, i))
            guard length > 0, let pointer = sqlite3_column_blob(statement, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: pointer, count: length)))
        default: return .null
        }
    }

    public var values: [SQLiteValue] { (0..<count).map(value) }

    public func text(_ index: Int) -> String? {
        if case .text(let bytes) = value(index) { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    public func int(_ index: Int) -> Int64? {
        if case .integer(let v) = value(index) { return v }
        return nil
    }
}
