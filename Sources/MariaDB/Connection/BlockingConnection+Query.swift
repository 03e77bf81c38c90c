import CMariaDB

extension BlockingConnection {
    /// Runs a statement and buffers its rows. Queries with binds use a cached prepared statement (binary
    /// protocol); queries without binds use the text protocol unless `prepared` is true.
    @discardableResult
    public func query(_ query: MariaDBQuery, prepared: Bool = false) throws -> MariaDBResult {
        var rows: [MariaDBRow] = []
        let (metadata, columns) = try run(query, prepared: prepared, mode: .buffered) { rows.append($0) }
        return MariaDBResult(columns: columns ?? MariaDBColumns([]), rows: rows, metadata: metadata)
    }

    /// Runs a statement that returns no rows and reports what it did.
    @discardableResult
    public func execute(_ query: MariaDBQuery) throws -> QueryMetadata {
        try run(query, prepared: false, mode: .buffered, onRow: { _ in }).0
    }

    /// Streams rows one by one without buffering the result: memory stays flat however many rows the
    /// query returns. The connection cannot run anything else until the stream ends. Throwing from
    /// `onRow` stops the stream (the remaining rows are discarded) and rethrows.
    @discardableResult
    public func stream(_ query: MariaDBQuery, prepared: Bool = false, onRow: (MariaDBRow) throws -> Void) throws -> QueryMetadata {
        try run(query, prepared: prepared, mode: .streamed, onRow: onRow).0
    }

    /// `SHOW WARNINGS` for the previous statement: (level, code, message).
    public func warnings() throws -> [(level: String, code: Int, message: String)] {
        try query("SHOW WARNINGS").rows.map {
            (try $0.decode(0, as: String.self), try $0.decode(1, as: Int.self), try $0.decode(2, as: String.self))
        }
    }

    /// Runs a statement and fails if the server raised any warning (strict copy paths use this).
    @discardableResult
    public func executeWithoutWarnings(_ query: MariaDBQuery) throws -> QueryMetadata {
        let metadata = try execute(query)
        if metadata.warningCount > 0 { throw try warningError(count: metadata.warningCount) }
        return metadata
    }

    func warningError(count: Int) throws -> MariaDBError {
        let first = try warnings().first
        return MariaDBError(
            code: .warnings, errno: UInt32(first?.code ?? 0),
            message: "\(count) warning(s); first: \(first?.message ?? "unknown")")
    }

    func run(_ query: MariaDBQuery, prepared: Bool, mode: PreparedStatement.FetchMode, onRow: (MariaDBRow) throws -> Void) throws -> (QueryMetadata, MariaDBColumns?) {
        try checkOpen()
        if query.binds.isEmpty && !prepared {
            return try runText(query.sql, mode: mode, onRow: onRow)
        }
        let statement: PreparedStatement
        if let cached = statements.get(query.sql) {
            statement = cached
        } else {
            statement = try PreparedStatement(connection: self, sql: query.sql)
            statements.insert(statement)
        }
        do {
            return try statement.execute(binds: query.binds, mode: mode, onRow: onRow)
        } catch let error as MariaDBError where error.errno == 1615 || error.errno == 2057 {
            // 1615 ER_NEED_REPREPARE / 2057 CR_NEW_STMT_METADATA: the table changed under the cached
            // statement before any row was delivered; prepare once more and run again.
            statements.remove(query.sql)
            let fresh = try PreparedStatement(connection: self, sql: query.sql)
            statements.insert(fresh)
            return try fresh.execute(binds: query.binds, mode: mode, onRow: onRow)
        }
    }

    private func runText(_ sql: String, mode: PreparedStatement.FetchMode, onRow: (MariaDBRow) throws -> Void) throws -> (QueryMetadata, MariaDBColumns?) {
        if mysql_real_query(mysql, sql, UInt(sql.utf8.count)) != 0 { throw lastError(context: "query") }
        var columns: MariaDBColumns?
        var metadata = QueryMetadata()
        if mysql_field_count(mysql) > 0 {
            let result = mode == .buffered ? mysql_store_result(mysql) : mysql_use_result(mysql)
            guard let result else { throw lastError(context: "read result") }
            defer { mysql_free_result(result) }
            let decoder = TextRowDecoder(result: result)
            columns = decoder.columns
            while let row = mysql_fetch_row(result) {
                guard let lengths = mysql_fetch_lengths(result) else { break }
                let values = decoder.values(row: row, lengths: lengths)
                try onRow(MariaDBRow(columns: decoder.columns, values: values))
            }
            if mysql_errno(mysql) != 0 { throw lastError(context: "fetch row") }
        } else {
            metadata.affectedRows = UInt64(mysql_affected_rows(mysql))
        }
        metadata.lastInsertID = UInt64(mysql_insert_id(mysql))
        metadata.warningCount = Int(mysql_warning_count(mysql))
        while mysql_more_results(mysql) != 0 {
            let status = mysql_next_result(mysql)
            if status > 0 { throw lastError(context: "next result") }
            if status < 0 { break }
            if let extra = mysql_store_result(mysql) { mysql_free_result(extra) }
        }
        return (metadata, columns)
    }
}

/// Converts text-protocol rows (every value as text) into typed values by column type.
struct TextRowDecoder {
    let columns: MariaDBColumns
    let kinds: [ResultBuffers.Kind]

    init(result: UnsafeMutablePointer<MYSQL_RES>) {
        let count = Int(mysql_num_fields(result))
        let fields = mysql_fetch_fields(result)!
        var columns: [MariaDBColumn] = []
        for i in 0..<count { columns.append(MariaDBColumn(fields[i])) }
        self.columns = MariaDBColumns(columns)
        self.kinds = columns.map(ResultBuffers.kind(of:))
    }

    func values(row: MYSQL_ROW, lengths: UnsafeMutablePointer<UInt>) -> [MariaDBValue] {
        var values: [MariaDBValue] = []
        values.reserveCapacity(kinds.count)
        for i in 0..<kinds.count {
            guard let cell = row[i] else { values.append(.null); continue }
            let bytes = UnsafeRawBufferPointer(start: cell, count: Int(lengths[i]))
            let text = { String(decoding: bytes, as: UTF8.self) }
            switch kinds[i] {
            case .integer(let unsigned):
                values.append(unsigned ? UInt64(text()).map(MariaDBValue.uint) ?? .string(text()) : Int64(text()).map(MariaDBValue.int) ?? .string(text()))
            case .double: values.append(Double(text()).map(MariaDBValue.double) ?? .string(text()))
            case .decimal: values.append(MariaDBDecimal(text()).map(MariaDBValue.decimal) ?? .string(text()))
            case .temporal(let type):
                let t = text()
                if type == MYSQL_TYPE_TIME.rawValue {
                    values.append(MariaDBTime(parsing: Substring(t)).map(MariaDBValue.time) ?? .string(t))
                } else if let dt = MariaDBDateTime(parsing: Substring(t)) {
                    values.append(type == MYSQL_TYPE_DATE.rawValue ? .date(dt) : .datetime(dt))
                } else {
                    values.append(.string(t))
                }
            case .bit, .binary: values.append(.bytes(Array(bytes)))
            case .json: values.append(.json(text()))
            case .text: values.append(.string(text()))
            case .null: values.append(.null)
            }
        }
        return values
    }
}
