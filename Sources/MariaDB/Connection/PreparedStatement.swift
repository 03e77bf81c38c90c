import CMariaDB

/// One server-side prepared statement (`MYSQL_STMT*`), owned by the connection that prepared it and used
/// only on that connection's thread. Result buffers are kept between executions.
final class PreparedStatement {
    enum FetchMode { case buffered, streamed }

    let sql: String
    let stmt: UnsafeMutablePointer<MYSQL_STMT>
    unowned let connection: BlockingConnection
    /// The connection's handle, read on every execution without going through the unowned reference.
    private let mysql: UnsafeMutablePointer<MYSQL>
    let parameterCount: Int
    /// Kept between executions; nil for a statement without placeholders.
    private let parameters: ParameterBuffers?
    private var results: ResultBuffers?
    /// The `stmt->bind` array Connector/C held when it was last given `results`' binds, nil when it holds
    /// none of ours. Connector/C keeps result binds across executions with the same columns, so they are
    /// registered again only when the columns changed or Connector/C replaced its array (grown buffers
    /// are re-registered by `ResultBuffers.fetchTruncated` itself).
    private var boundResultArray: UnsafeMutablePointer<MYSQL_BIND>?
    private var closed = false
    /// Tick of the last use, for the statement cache's LRU eviction.
    var lastUse: UInt64 = 0

    init(connection: BlockingConnection, sql: String) throws {
        guard let stmt = mysql_stmt_init(connection.mysql) else {
            throw MariaDBError(code: .client, message: "out of memory creating a statement")
        }
        self.sql = sql
        self.stmt = stmt
        self.connection = connection
        self.mysql = connection.mysql
        if mysql_stmt_prepare(stmt, sql, UInt(sql.utf8.count)) != 0 {
            let error = Self.error(stmt, context: "prepare")
            mysql_stmt_close(stmt)
            connection.markBrokenIfLost(error)
            throw error
        }
        self.parameterCount = Int(mysql_stmt_param_count(stmt))
        self.parameters = parameterCount > 0 ? ParameterBuffers(count: parameterCount) : nil
    }

    func close() {
        guard !closed else { return }
        closed = true
        results = nil
        mysql_stmt_close(stmt)
    }

    deinit { close() }

    static func error(_ stmt: UnsafeMutablePointer<MYSQL_STMT>, context: String) -> MariaDBError {
        let errno = mysql_stmt_errno(stmt)
        return MariaDBError(
            code: MariaDBError.code(forErrno: errno), errno: errno, sqlState: String(cString: mysql_stmt_sqlstate(stmt)),
            message: String(cString: mysql_stmt_error(stmt)), context: context)
    }

    private func fail(_ context: String) -> MariaDBError {
        let error = Self.error(stmt, context: context)
        connection.markBrokenIfLost(error)
        return error
    }

    /// Executes with `binds`; rows go to `onRow` (streamed or after buffering) and metadata is returned.
    func execute(binds: [MariaDBValue], mode: FetchMode, onRow: (MariaDBRow) throws -> Void) throws -> (QueryMetadata, MariaDBColumns?) {
        guard binds.count == parameterCount else {
            throw MariaDBError(code: .misuse, message: "statement has \(parameterCount) placeholders but \(binds.count) values were bound")
        }
        if let parameters, !parameters.bind(binds, to: stmt) { throw fail("bind parameters") }
        let executed = mysql_stmt_execute(stmt) == 0
        parameters?.releaseLargeBuffers()
        if !executed { throw fail("execute") }

        let fieldCount = Int(mysql_stmt_field_count(stmt))
        var columns: MariaDBColumns?
        if fieldCount > 0 {
            columns = try fetchRows(fieldCount: fieldCount, mode: mode, onRow: onRow)
        }
        let metadata = QueryMetadata(
            affectedRows: fieldCount > 0 ? 0 : UInt64(mysql_stmt_affected_rows(stmt)),
            lastInsertID: UInt64(mysql_stmt_insert_id(stmt)),
            warningCount: Int(mysql_warning_count(mysql)))
        try drainMoreResults()
        return (metadata, columns)
    }

    private func fetchRows(fieldCount: Int, mode: FetchMode, onRow: (MariaDBRow) throws -> Void) throws -> MariaDBColumns {
        guard let fields = stmt.pointee.fields else { throw MariaDBError(code: .client, message: "result without field metadata") }
        let buffers: ResultBuffers
        if let cached = results, cached.matches(fields, count: fieldCount) {
            buffers = cached
        } else {
            buffers = ResultBuffers(fields: fields, count: fieldCount)
            results = buffers
            boundResultArray = nil
        }
        var freed = false
        defer { if !freed { mysql_stmt_free_result(stmt) } }
        // A result that announces more results (stored procedures) makes Connector/C re-read the metadata
        // and replace its bind array on the next execution, so such statements bind every time.
        let moreResults = mysql.pointee.server_status & UInt32(SERVER_MORE_RESULTS_EXIST) != 0
        if boundResultArray == nil || boundResultArray != stmt.pointee.bind || stmt.pointee.bind_result_done == 0
            || moreResults {
            boundResultArray = nil
            if mysql_stmt_bind_result(stmt, buffers.binds) != 0 { throw fail("bind result") }
            boundResultArray = moreResults ? nil : stmt.pointee.bind
        }
        if mode == .buffered, mysql_stmt_store_result(stmt) != 0 { throw fail("store result") }
        while true {
            let status = mysql_stmt_fetch(stmt)
            if status == MYSQL_NO_DATA { break }
            if status == 1 { throw fail("fetch row") }
            if status == MYSQL_DATA_TRUNCATED { try buffers.fetchTruncated(stmt) }
            let row = MariaDBRow(columns: buffers.columns, values: buffers.values())
            try onRow(row)
        }
        mysql_stmt_free_result(stmt)
        freed = true
        return buffers.columns
    }

    /// Stored procedures can return several results; all must be consumed before the next command.
    private func drainMoreResults() throws {
        while mysql_stmt_more_results(stmt) != 0 {
            boundResultArray = nil
            let status = mysql_stmt_next_result(stmt)
            if status > 0 { throw fail("next result") }
            if status < 0 { break }
            if mysql_stmt_field_count(stmt) > 0 {
                mysql_stmt_store_result(stmt)
                mysql_stmt_free_result(stmt)
            }
        }
    }
}
