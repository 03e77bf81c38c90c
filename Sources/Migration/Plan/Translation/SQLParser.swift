/// A recursive-descent parser for the SQLite SQL found in views, triggers and generated columns, with
/// SQLite's operator precedence (lang_expr.html "Operators", highest first): unary `~ + -`, COLLATE,
/// `|| -> ->>`, `* / %`, `+ -`, `& | << >>`, `< <= > >=`, `= == != <> IS IN LIKE GLOB MATCH REGEXP
/// BETWEEN ISNULL NOTNULL`, NOT, AND, OR. Whatever it does not know it refuses by name.
struct SQLParser {
    var tokens: [SQLToken]
    var position = 0

    init(_ sql: String) throws {
        tokens = try SQLTokenizer.tokenize(sql)
    }

    var current: SQLToken { tokens[position] }
    func peek(_ offset: Int = 1) -> SQLToken { tokens[min(position + offset, tokens.count - 1)] }
    var atEnd: Bool { current.kind == .end || current.isSymbol(";") }

    mutating func advance() -> SQLToken {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    mutating func accept(keyword: String) -> Bool {
        guard current.isKeyword(keyword) else { return false }
        position += 1
        return true
    }

    mutating func accept(symbol: String) -> Bool {
        guard current.isSymbol(symbol) else { return false }
        position += 1
        return true
    }

    mutating func expect(keyword: String) throws {
        guard accept(keyword: keyword) else { throw unexpected("expected \(keyword)") }
    }

    mutating func expect(symbol: String) throws {
        guard accept(symbol: symbol) else { throw unexpected("expected \(symbol)") }
    }

    func unexpected(_ what: String) -> TranslationRefusal {
        TranslationRefusal(current.display, "\(what) (offset \(current.offset)); the statement is not understood")
    }

    /// Words that end an expression or start a clause; never taken as an alias.
    static let clauseWords: Set<String> = [
        "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "UNION", "EXCEPT", "INTERSECT", "WINDOW",
        "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "NATURAL", "OUTER", "ON", "USING", "AS", "SELECT", "VALUES",
        "AND", "OR", "NOT", "IS", "IN", "LIKE", "GLOB", "MATCH", "REGEXP", "BETWEEN", "ESCAPE", "COLLATE", "THEN",
        "WHEN", "ELSE", "END", "CASE", "INDEXED", "SET", "BEGIN", "RETURNING", "DO", "FILTER", "OVER", "ISNULL",
        "NOTNULL", "NULLS", "ASC", "DESC", "ROWS", "RANGE", "GROUPS", "PARTITION", "DEFAULT", "ALL", "DISTINCT",
    ]

    /// An identifier: a bare word that is not a clause keyword, or any quoted name.
    mutating func identifier(_ what: String = "a name") throws -> String {
        switch current.kind {
        case .quoted:
            return advance().text
        case .word where !Self.clauseWords.contains(current.text.uppercased()):
            return advance().text
        case .string:
            // SQLite accepts 'name' where a name is expected.
            return advance().text
        default:
            throw unexpected("expected \(what)")
        }
    }

    mutating func identifierList() throws -> [String] {
        try expect(symbol: "(")
        var names = [try identifier()]
        while accept(symbol: ",") { names.append(try identifier()) }
        try expect(symbol: ")")
        return names
    }

    // MARK: expressions

    /// Binary operators written as symbols, with their SQLite precedence level (higher binds tighter).
    static let binaryLevels: [String: (Int, SQLExpr.BinaryOperator)] = [
        "<": (5, .less), "<=": (5, .lessEqual), ">": (5, .greater), ">=": (5, .greaterEqual),
        "&": (6, .bitAnd), "|": (6, .bitOr), "<<": (6, .shiftLeft), ">>": (6, .shiftRight),
        "+": (7, .add), "-": (7, .subtract), "*": (8, .multiply), "/": (8, .divide), "%": (8, .modulo),
        "||": (9, .concat), "->": (9, .jsonExtract), "->>": (9, .jsonExtractValue),
    ]

    mutating func expression(_ minimum: Int = 0) throws -> SQLExpr {
        var left: SQLExpr
        if current.isKeyword("NOT") && minimum <= 3 {
            _ = advance()
            left = .unary("NOT", try expression(3))
        } else {
            left = try unary()
        }
        while true {
            let token = current
            if token.isKeyword("OR"), minimum <= 1 {
                _ = advance(); left = .binary(.or, left, try expression(2)); continue
            }
            if token.isKeyword("AND"), minimum <= 2 {
                _ = advance(); left = .binary(.and, left, try expression(3)); continue
            }
            if minimum <= 4, let next = try equalityClass(left) { left = next; continue }
            if token.kind == .symbol, case let (level, op)? = Self.binaryLevels[token.text], minimum <= level {
                _ = advance(); left = .binary(op, left, try expression(level + 1)); continue
            }
            if minimum <= 10, token.isKeyword("COLLATE") {
                _ = advance(); left = .collate(left, try identifier("a collation")); continue
            }
            return left
        }
    }

    /// The operators of equal precedence led by `=`: comparisons for equality, IS, IN, LIKE, BETWEEN, ….
    mutating func equalityClass(_ left: SQLExpr) throws -> SQLExpr? {
        let token = current
        if token.kind == .symbol, ["=", "==", "!=", "<>"].contains(token.text) {
            _ = advance()
            return .binary(token.text == "=" || token.text == "==" ? .equal : .notEqual, left, try expression(5))
        }
        if token.isKeyword("ISNULL") { _ = advance(); return .isNull(left, negated: false) }
        if token.isKeyword("NOTNULL") { _ = advance(); return .isNull(left, negated: true) }
        if token.isKeyword("IS") {
            _ = advance()
            let negated = accept(keyword: "NOT")
            if accept(keyword: "DISTINCT") {
                try expect(keyword: "FROM")
                return .binary(negated ? .isOp : .isNot, left, try expression(5))
            }
            if current.isKeyword("NULL") { _ = advance(); return .isNull(left, negated: negated) }
            return .binary(negated ? .isNot : .isOp, left, try expression(5))
        }
        var negated = false
        if token.isKeyword("NOT") {
            let next = peek()
            let follows: Set<String> = ["IN", "LIKE", "GLOB", "MATCH", "REGEXP", "BETWEEN", "NULL"]
            guard next.kind == .word, follows.contains(next.text.uppercased()) else { return nil }
            _ = advance()
            negated = true
        }
        if negated && accept(keyword: "NULL") { return .isNull(left, negated: true) }
        if accept(keyword: "BETWEEN") {
            let low = try expression(5)
            try expect(keyword: "AND")
            return .between(left, low, try expression(5), negated: negated)
        }
        if accept(keyword: "IN") {
            if accept(symbol: "(") {
                if current.isKeyword("SELECT") || current.isKeyword("WITH") || current.isKeyword("VALUES") {
                    let select = try self.select()
                    try expect(symbol: ")")
                    return .inSelect(left, select, negated: negated)
                }
                var items: [SQLExpr] = []
                if !current.isSymbol(")") {
                    items.append(try expression())
                    while accept(symbol: ",") { items.append(try expression()) }
                }
                try expect(symbol: ")")
                return .inList(left, items, negated: negated)
            }
            return .inTable(left, try identifier("a table"), negated: negated)
        }
        for op in [SQLExpr.PatternOperator.like, .glob, .regexp, .match] where accept(keyword: op.rawValue) {
            let pattern = try expression(5)
            var escape: SQLExpr?
            if accept(keyword: "ESCAPE") { escape = try expression(5) }
            return .pattern(op, left, pattern, escape: escape, negated: negated)
        }
        if negated { throw unexpected("expected IN, LIKE, BETWEEN or NULL after NOT") }
        return nil
    }

    mutating func unary() throws -> SQLExpr {
        if current.kind == .symbol, ["-", "+", "~"].contains(current.text) {
            let op = advance().text
            return .unary(op, try unary())
        }
        return try primary()
    }

    mutating func primary() throws -> SQLExpr {
        let token = current
        switch token.kind {
        case .integer: _ = advance(); return .literal(.integer(token.text))
        case .real: _ = advance(); return .literal(.real(token.text))
        case .string: _ = advance(); return .literal(.string(token.text))
        case .blob: _ = advance(); return .literal(.blob(token.text))
        case .variable: _ = advance(); return .variable(token.text)
        case .quoted(let quote):
            return try columnReference(first: advance().text, quoted: quote == "\"")
        case .symbol where token.text == "(":
            _ = advance()
            if current.isKeyword("SELECT") || current.isKeyword("WITH") || current.isKeyword("VALUES") {
                let select = try self.select()
                try expect(symbol: ")")
                return .subquery(select)
            }
            var items = [try expression()]
            while accept(symbol: ",") { items.append(try expression()) }
            try expect(symbol: ")")
            return items.count == 1 ? items[0] : .row(items)
        case .word:
            return try wordExpression()
        default:
            throw unexpected("expected an expression")
        }
    }

    mutating func wordExpression() throws -> SQLExpr {
        let word = current.text.uppercased()
        switch word {
        case "NULL": _ = advance(); return .literal(.null)
        case "TRUE", "FALSE":
            if !peek().isSymbol(".") && !peek().isSymbol("(") {
                _ = advance()
                return .literal(.boolean(word == "TRUE"))
            }
        case "CURRENT_TIME", "CURRENT_DATE", "CURRENT_TIMESTAMP":
            _ = advance(); return .literal(.current(word))
        case "CAST":
            _ = advance()
            try expect(symbol: "(")
            let value = try expression()
            try expect(keyword: "AS")
            let type = try typeName()
            try expect(symbol: ")")
            return .cast(value, type)
        case "CASE":
            _ = advance()
            let base = current.isKeyword("WHEN") ? nil : try expression()
            var whens: [SQLWhen] = []
            while accept(keyword: "WHEN") {
                let condition = try expression()
                try expect(keyword: "THEN")
                whens.append(SQLWhen(condition: condition, result: try expression()))
            }
            let otherwise = accept(keyword: "ELSE") ? try expression() : nil
            try expect(keyword: "END")
            guard !whens.isEmpty else { throw unexpected("CASE without WHEN") }
            return .caseWhen(base, whens, otherwise)
        case "EXISTS":
            _ = advance()
            try expect(symbol: "(")
            let select = try self.select()
            try expect(symbol: ")")
            return .exists(select)
        case "RAISE":
            _ = advance()
            try expect(symbol: "(")
            let kind = advance().text.uppercased()
            var message: String?
            if accept(symbol: ",") {
                guard current.kind == .string else { throw unexpected("expected the RAISE message as a string") }
                message = advance().text
            }
            try expect(symbol: ")")
            return .raise(kind, message)
        default:
            break
        }
        if Self.clauseWords.contains(word) && !peek().isSymbol("(") { throw unexpected("expected an expression") }
        let name = advance().text
        if current.isSymbol("(") { return .function(try functionCall(name)) }
        return try columnReference(first: name, quoted: false)
    }

    mutating func columnReference(first: String, quoted: Bool) throws -> SQLExpr {
        guard accept(symbol: ".") else { return .column(table: nil, name: first, quoted: quoted) }
        let second = try memberName()
        guard accept(symbol: ".") else { return .column(table: first, name: second, quoted: false) }
        let third = try memberName()
        guard first.lowercased() == "main" else {
            throw TranslationRefusal(
                "\(first).\(second).\(third)",
                "refers to the attached database \(first), which is not migrated")
        }
        return .column(table: second, name: third, quoted: false)
    }

    /// After a dot any word is a name (`t.order`).
    mutating func memberName() throws -> String {
        switch current.kind {
        case .word, .quoted: return advance().text
        default: throw unexpected("expected a column name")
        }
    }

    mutating func typeName() throws -> String {
        var words: [String] = []
        while current.kind == .word && !current.isKeyword("AS") { words.append(advance().text) }
        guard !words.isEmpty else { throw unexpected("expected a type name") }
        var name = words.joined(separator: " ")
        if accept(symbol: "(") {
            var parts: [String] = []
            while !current.isSymbol(")") && current.kind != .end { parts.append(advance().text) }
            try expect(symbol: ")")
            name += "(" + parts.joined() + ")"
        }
        return name
    }

    mutating func functionCall(_ name: String) throws -> SQLFunctionCall {
        try expect(symbol: "(")
        var call = SQLFunctionCall(name: name, arguments: [])
        if accept(symbol: "*") {
            call.star = true
        } else if !current.isSymbol(")") {
            call.distinct = accept(keyword: "DISTINCT")
            _ = accept(keyword: "ALL")
            call.arguments.append(try expression())
            while accept(symbol: ",") { call.arguments.append(try expression()) }
            if current.isKeyword("ORDER") { call.orderBy = try orderBy() }
        }
        try expect(symbol: ")")
        if accept(keyword: "FILTER") {
            try expect(symbol: "(")
            try expect(keyword: "WHERE")
            call.filter = try expression()
            try expect(symbol: ")")
        }
        if accept(keyword: "OVER") {
            if accept(symbol: "(") {
                call.over = try windowDefinition()
                try expect(symbol: ")")
            } else {
                call.over = SQLWindow(base: try identifier("a window name"))
            }
        }
        return call
    }

    mutating func windowDefinition() throws -> SQLWindow {
        var window = SQLWindow()
        let clauses: Set<String> = ["PARTITION", "ORDER", "ROWS", "RANGE", "GROUPS"]
        if current.kind == .word && !clauses.contains(current.text.uppercased()) {
            window.base = try identifier()
        }
        if accept(keyword: "PARTITION") {
            try expect(keyword: "BY")
            window.partitionBy = [try expression()]
            while accept(symbol: ",") { window.partitionBy.append(try expression()) }
        }
        if current.isKeyword("ORDER") { window.orderBy = try orderBy() }
        if let unit = current.keyword, ["ROWS", "RANGE", "GROUPS"].contains(unit) {
            _ = advance()
            var frame: SQLFrame
            if accept(keyword: "BETWEEN") {
                let start = try frameBound()
                try expect(keyword: "AND")
                frame = SQLFrame(unit: unit, start: start, end: try frameBound())
            } else {
                frame = SQLFrame(unit: unit, start: try frameBound(), end: nil)
            }
            if accept(keyword: "EXCLUDE") {
                var words: [String] = []
                while current.kind == .word { words.append(advance().text.uppercased()) }
                frame.exclude = words.joined(separator: " ")
            }
            window.frame = frame
        }
        return window
    }

    mutating func frameBound() throws -> SQLFrame.Bound {
        if accept(keyword: "UNBOUNDED") {
            if accept(keyword: "PRECEDING") { return .unboundedPreceding }
            try expect(keyword: "FOLLOWING")
            return .unboundedFollowing
        }
        if accept(keyword: "CURRENT") { try expect(keyword: "ROW"); return .currentRow }
        let value = try expression(5)
        if accept(keyword: "PRECEDING") { return .preceding(value) }
        try expect(keyword: "FOLLOWING")
        return .following(value)
    }

    mutating func orderBy() throws -> [SQLOrderTerm] {
        try expect(keyword: "ORDER")
        try expect(keyword: "BY")
        var terms: [SQLOrderTerm] = []
        repeat {
            var expression = try self.expression()
            var collation: String?
            if case .collate(let inner, let name) = expression { expression = inner; collation = name }
            var term = SQLOrderTerm(expression: expression, collation: collation)
            if accept(keyword: "DESC") { term.descending = true } else { _ = accept(keyword: "ASC") }
            if accept(keyword: "NULLS") {
                guard let which = current.keyword, which == "FIRST" || which == "LAST" else {
                    throw unexpected("expected FIRST or LAST")
                }
                _ = advance()
                term.nulls = which
            }
            terms.append(term)
        } while accept(symbol: ",")
        return terms
    }
}
