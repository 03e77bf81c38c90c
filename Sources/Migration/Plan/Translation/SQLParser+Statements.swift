extension SQLParser {
    /// A whole statement must be consumed; trailing text is refused rather than ignored.
    mutating func expectEnd() throws {
        _ = accept(symbol: ";")
        guard current.kind == .end else { throw unexpected("unexpected text after the statement") }
    }

    /// `CREATE [TEMP] VIEW [IF NOT EXISTS] name [(columns)] AS select`.
    static func createView(_ sql: String) throws -> SQLCreateView {
        var parser = try SQLParser(sql)
        try parser.expect(keyword: "CREATE")
        if parser.accept(keyword: "TEMP") || parser.accept(keyword: "TEMPORARY") {
            throw TranslationRefusal("CREATE TEMP VIEW", "a temporary view is not part of the database file")
        }
        try parser.expect(keyword: "VIEW")
        if parser.accept(keyword: "IF") { try parser.expect(keyword: "NOT"); try parser.expect(keyword: "EXISTS") }
        let name = try parser.qualifiedName()
        let columns = parser.current.isSymbol("(") ? try parser.identifierList() : []
        try parser.expect(keyword: "AS")
        let select = try parser.select()
        try parser.expectEnd()
        return SQLCreateView(name: name, columns: columns, select: select)
    }

    /// `CREATE [TEMP] TRIGGER [IF NOT EXISTS] name [BEFORE|AFTER|INSTEAD OF] event ON table
    /// [FOR EACH ROW] [WHEN expr] BEGIN statement; … END`.
    static func createTrigger(_ sql: String) throws -> SQLCreateTrigger {
        var parser = try SQLParser(sql)
        try parser.expect(keyword: "CREATE")
        let temporary = parser.accept(keyword: "TEMP") || parser.accept(keyword: "TEMPORARY")
        try parser.expect(keyword: "TRIGGER")
        if parser.accept(keyword: "IF") { try parser.expect(keyword: "NOT"); try parser.expect(keyword: "EXISTS") }
        let name = try parser.qualifiedName()
        var timing = "BEFORE"
        if parser.accept(keyword: "BEFORE") {
            timing = "BEFORE"
        } else if parser.accept(keyword: "AFTER") {
            timing = "AFTER"
        } else if parser.accept(keyword: "INSTEAD") {
            try parser.expect(keyword: "OF"); timing = "INSTEAD OF"
        }
        guard let event = parser.current.keyword, ["INSERT", "UPDATE", "DELETE"].contains(event) else {
            throw parser.unexpected("expected INSERT, UPDATE or DELETE")
        }
        _ = parser.advance()
        var columns: [String] = []
        if event == "UPDATE" && parser.accept(keyword: "OF") {
            repeat { columns.append(try parser.identifier("a column")) } while parser.accept(symbol: ",")
        }
        try parser.expect(keyword: "ON")
        let table = try parser.qualifiedName()
        if parser.accept(keyword: "FOR") {
            try parser.expect(keyword: "EACH")
            try parser.expect(keyword: "ROW")
        }
        let when = parser.accept(keyword: "WHEN") ? try parser.expression() : nil
        try parser.expect(keyword: "BEGIN")
        var body: [SQLStatement] = []
        while !parser.current.isKeyword("END") {
            guard parser.current.kind != .end else { throw parser.unexpected("expected END") }
            body.append(try parser.statement())
            try parser.expect(symbol: ";")
        }
        _ = parser.advance()
        try parser.expectEnd()
        return SQLCreateTrigger(
            name: name, timing: timing, event: event, updateColumns: columns, table: table,
            when: when, body: body, temporary: temporary)
    }

    /// A generated column's expression, as `PRAGMA table_xinfo` cannot give it: taken from the CREATE TABLE.
    static func expression(_ sql: String) throws -> SQLExpr {
        var parser = try SQLParser(sql)
        let expression = try parser.expression()
        try parser.expectEnd()
        return expression
    }

    /// `main.name` or `name`.
    mutating func qualifiedName() throws -> String {
        let first = try identifier()
        guard accept(symbol: ".") else { return first }
        let second = try memberName()
        guard first.lowercased() == "main" || first.lowercased() == "temp" else {
            throw TranslationRefusal("\(first).\(second)", "belongs to the attached database \(first)")
        }
        return second
    }

    /// One statement of a trigger body.
    mutating func statement() throws -> SQLStatement {
        if current.isKeyword("WITH") {
            throw TranslationRefusal("WITH", "a common table expression before a trigger statement is not supported")
        }
        if current.isKeyword("SELECT") || current.isKeyword("VALUES") { return .select(try select()) }
        if current.isKeyword("INSERT") || current.isKeyword("REPLACE") { return .insert(try insert()) }
        if accept(keyword: "UPDATE") { return .update(try update()) }
        if accept(keyword: "DELETE") {
            try expect(keyword: "FROM")
            var delete = SQLDelete(table: try qualifiedName())
            if accept(keyword: "WHERE") { delete.whereClause = try expression() }
            delete.returning = current.isKeyword("RETURNING")
            delete.orderOrLimit = current.isKeyword("ORDER") || current.isKeyword("LIMIT")
            skipToStatementEnd()
            return .delete(delete)
        }
        throw unexpected("expected SELECT, INSERT, UPDATE or DELETE")
    }

    mutating func insert() throws -> SQLInsert {
        var conflict: String?
        if accept(keyword: "REPLACE") {
            conflict = "REPLACE"
        } else {
            try expect(keyword: "INSERT")
            if accept(keyword: "OR") { conflict = advance().text.uppercased() }
        }
        try expect(keyword: "INTO")
        let table = try qualifiedName()
        if accept(keyword: "AS") { _ = try identifier("an alias") }
        let columns = current.isSymbol("(") ? try identifierList() : nil
        var source: SQLInsert.Source
        if accept(keyword: "DEFAULT") {
            try expect(keyword: "VALUES")
            source = .defaultValues
        } else {
            let select = try self.select()
            if case .values(let rows) = select.body, select.with.isEmpty, select.orderBy.isEmpty, select.limit == nil {
                source = .values(rows)
            } else {
                source = .select(select)
            }
        }
        var insert = SQLInsert(conflict: conflict, table: table, columns: columns, source: source)
        insert.upsert = current.isKeyword("ON")
        insert.returning = current.isKeyword("RETURNING")
        skipToStatementEnd()
        return insert
    }

    mutating func update() throws -> SQLUpdate {
        var conflict: String?
        if accept(keyword: "OR") { conflict = advance().text.uppercased() }
        let table = try qualifiedName()
        try expect(keyword: "SET")
        var assignments: [SQLAssignment] = []
        repeat {
            let columns = current.isSymbol("(") ? try identifierList() : [try identifier("a column")]
            try expect(symbol: "=")
            assignments.append(SQLAssignment(columns: columns, value: try expression()))
        } while accept(symbol: ",")
        var update = SQLUpdate(conflict: conflict, table: table, assignments: assignments)
        if accept(keyword: "FROM") { update.from = try joinSource() }
        if accept(keyword: "WHERE") { update.whereClause = try expression() }
        update.returning = current.isKeyword("RETURNING")
        update.orderOrLimit = current.isKeyword("ORDER") || current.isKeyword("LIMIT")
        skipToStatementEnd()
        return update
    }

    /// Skips an unsupported tail (RETURNING, upsert, ORDER BY/LIMIT) that the caller refuses by flag.
    mutating func skipToStatementEnd() {
        var depth = 0
        while current.kind != .end {
            if current.isSymbol("(") || current.isKeyword("CASE") { depth += 1 }
            if depth == 0 && (current.isSymbol(";") || current.isKeyword("END")) { return }
            if current.isSymbol(")") || current.isKeyword("END") { depth -= 1 }
            _ = advance()
        }
    }
}
