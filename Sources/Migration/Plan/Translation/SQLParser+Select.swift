extension SQLParser {
    /// `[WITH …] core { UNION [ALL] | INTERSECT | EXCEPT core } [ORDER BY …] [LIMIT …]`.
    mutating func select() throws -> SQLSelect {
        var with: [SQLCommonTable] = []
        var recursive = false
        if accept(keyword: "WITH") {
            recursive = accept(keyword: "RECURSIVE")
            repeat { with.append(try commonTable()) } while accept(symbol: ",")
        }
        var body = try selectCore()
        while let op = current.keyword, ["UNION", "INTERSECT", "EXCEPT"].contains(op) {
            _ = advance()
            let all = op == "UNION" && accept(keyword: "ALL")
            body = .compound(body, all ? "UNION ALL" : op, try selectCore())
        }
        var select = SQLSelect(with: with, recursive: recursive, body: body)
        if current.isKeyword("ORDER") { select.orderBy = try orderBy() }
        if accept(keyword: "LIMIT") {
            let first = try expression()
            if accept(keyword: "OFFSET") {
                select.limit = first
                select.offset = try expression()
            } else if accept(symbol: ",") {
                select.offset = first
                select.limit = try expression()
            } else {
                select.limit = first
            }
        }
        return select
    }

    mutating func commonTable() throws -> SQLCommonTable {
        let name = try identifier("a common table name")
        let columns = current.isSymbol("(") ? try identifierList() : []
        try expect(keyword: "AS")
        var materialized: String?
        if accept(keyword: "NOT") {
            try expect(keyword: "MATERIALIZED"); materialized = "NOT MATERIALIZED"
        } else if accept(keyword: "MATERIALIZED") {
            materialized = "MATERIALIZED"
        }
        try expect(symbol: "(")
        let select = try self.select()
        try expect(symbol: ")")
        return SQLCommonTable(name: name, columns: columns, select: select, materialized: materialized)
    }

    mutating func selectCore() throws -> SQLSelectBody {
        if accept(keyword: "VALUES") {
            var rows: [[SQLExpr]] = []
            repeat {
                try expect(symbol: "(")
                var row = [try expression()]
                while accept(symbol: ",") { row.append(try expression()) }
                try expect(symbol: ")")
                rows.append(row)
            } while accept(symbol: ",")
            return .values(rows)
        }
        try expect(keyword: "SELECT")
        var core = SQLSelectCore(columns: [])
        if accept(keyword: "DISTINCT") { core.distinct = true } else { _ = accept(keyword: "ALL") }
        repeat { core.columns.append(try resultColumn()) } while accept(symbol: ",")
        if accept(keyword: "FROM") { core.from = try joinSource() }
        if accept(keyword: "WHERE") { core.whereClause = try expression() }
        if accept(keyword: "GROUP") {
            try expect(keyword: "BY")
            repeat { core.groupBy.append(try expression()) } while accept(symbol: ",")
        }
        if accept(keyword: "HAVING") { core.having = try expression() }
        if accept(keyword: "WINDOW") {
            repeat {
                let name = try identifier("a window name")
                try expect(keyword: "AS")
                try expect(symbol: "(")
                var window = try windowDefinition()
                window.name = name
                try expect(symbol: ")")
                core.windows.append(window)
            } while accept(symbol: ",")
        }
        return .core(core)
    }

    mutating func resultColumn() throws -> SQLResultColumn {
        if accept(symbol: "*") { return .star }
        if current.kind == .word || current.kind.isQuoted, peek().isSymbol("."), peek(2).isSymbol("*") {
            let table = advance().text
            _ = advance(); _ = advance()
            return .tableStar(table)
        }
        let expression = try self.expression()
        return .expression(expression, alias: try alias())
    }

    /// `[AS] name` after a result column or a table; nil when none is written.
    mutating func alias() throws -> String? {
        if accept(keyword: "AS") { return try identifier("an alias") }
        switch current.kind {
        case .quoted, .string: return advance().text
        case .word where !Self.clauseWords.contains(current.text.uppercased()): return advance().text
        default: return nil
        }
    }

    mutating func joinSource() throws -> SQLFromItem {
        var left = try tableOrSubquery()
        while true {
            var join = SQLJoin(kind: "")
            if accept(symbol: ",") {
                join.kind = ","
            } else {
                join.natural = accept(keyword: "NATURAL")
                if let word = current.keyword, ["LEFT", "RIGHT", "FULL", "INNER", "CROSS"].contains(word) {
                    _ = advance()
                    join.kind = word
                    _ = accept(keyword: "OUTER")
                } else {
                    join.kind = "INNER"
                }
                guard accept(keyword: "JOIN") else {
                    if join.natural || join.kind != "INNER" { throw unexpected("expected JOIN") }
                    return left
                }
            }
            let right = try tableOrSubquery()
            if accept(keyword: "ON") {
                join.on = try expression()
            } else if accept(keyword: "USING") {
                join.using = try identifierList()
            }
            left = .join(left, join, right)
        }
    }

    mutating func tableOrSubquery() throws -> SQLFromItem {
        if accept(symbol: "(") {
            if current.isKeyword("SELECT") || current.isKeyword("WITH") || current.isKeyword("VALUES") {
                let select = try self.select()
                try expect(symbol: ")")
                return .subquery(select, alias: try alias())
            }
            let inner = try joinSource()
            try expect(symbol: ")")
            if let alias = try alias() {
                throw TranslationRefusal("(…) AS \(alias)", "an aliased parenthesised join is not supported")
            }
            return inner
        }
        var schema: String?
        var name = try identifier("a table name")
        if accept(symbol: ".") {
            schema = name
            name = try memberName()
        }
        if current.isSymbol("(") {
            var arguments: [SQLExpr] = []
            _ = advance()
            if !current.isSymbol(")") {
                arguments.append(try expression())
                while accept(symbol: ",") { arguments.append(try expression()) }
            }
            try expect(symbol: ")")
            return .tableFunction(name: name, arguments: arguments, alias: try alias())
        }
        let alias = try self.alias()
        if accept(keyword: "INDEXED") {
            try expect(keyword: "BY"); _ = try identifier("an index name")
        } else if current.isKeyword("NOT") && peek().isKeyword("INDEXED") {
            _ = advance(); _ = advance()
        }
        return .table(schema: schema, name: name, alias: alias)
    }
}

extension SQLToken.Kind {
    var isQuoted: Bool { if case .quoted = self { return true } else { return false } }
}
