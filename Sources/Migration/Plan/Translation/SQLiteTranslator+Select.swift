/// A translated query and what it returns (names where SQLite gives a usable one, and types).
struct TranslatedSelect {
    var sql: String
    var columns: [TranslationCatalog.Column]
}

extension SQLiteTranslator {
    /// A query nested in the current one (subquery, IN, EXISTS, FROM): outer names stay visible.
    mutating func subselect(_ select: SQLSelect) throws -> TranslatedSelect {
        let savedFrames = frames
        defer { frames = savedFrames }
        return try query(select)
    }

    mutating func query(_ select: SQLSelect) throws -> TranslatedSelect {
        scopes.append(TranslationScope())
        defer { scopes.removeLast() }
        var prefix = ""
        if !select.with.isEmpty {
            var tables: [String] = []
            for table in select.with { tables.append(try commonTable(table, recursive: select.recursive)) }
            prefix = "WITH \(select.recursive ? "RECURSIVE " : "")\(tables.joined(separator: ", ")) "
        }
        var result: TranslatedSelect
        if case .core(let core) = select.body {
            // ORDER BY of a simple SELECT sees its FROM columns and result aliases.
            result = try self.core(core, orderBy: select.orderBy)
        } else {
            result = try body(select.body)
            if !select.orderBy.isEmpty {
                result.sql += " ORDER BY " + (try compoundOrder(select.orderBy, result.columns))
            }
        }
        if let limit = select.limit {
            result.sql += " LIMIT " + (try limitValue(limit))
            if let offset = select.offset { result.sql += " OFFSET " + (try limitValue(offset)) }
        }
        result.sql = prefix + result.sql
        return result
    }

    mutating func limitValue(_ expression: SQLExpr) throws -> String {
        guard case .literal(.integer(let text)) = expression, let value = Int64(text) else {
            throw TranslationRefusal(
                "LIMIT \(try translate(expression).sql)", "MariaDB takes only integer literals in LIMIT here")
        }
        // SQLite reads a negative LIMIT as no limit.
        return value < 0 ? "18446744073709551615" : text
    }

    mutating func commonTable(_ table: SQLCommonTable, recursive: Bool) throws -> String {
        let index = scopes.count - 1
        var translated: TranslatedSelect
        if recursive, case .compound(let anchor, _, _) = table.select.body {
            // The recursive part reads the table itself. Its column types are taken from the anchor and
            // kept only if the whole query then yields the same types (a fixpoint); otherwise unknown.
            var probe = self
            let anchorColumns = try probe.body(anchor).columns
            let names = table.columns.isEmpty ? anchorColumns.map(\.name) : table.columns
            let assumed = anchorColumns.count == names.count ? anchorColumns.map(\.type) : names.map { _ in .unknown }
            func register(_ types: [SQLValueType], into translator: inout SQLiteTranslator) {
                translator.scopes[index].commonTables[table.name] = TranslationCatalog.Relation(
                    name: table.name, columns: zip(names, types).map { TranslationCatalog.Column(name: $0, type: $1) })
            }
            var attempt = self
            register(assumed, into: &attempt)
            let result = try attempt.subselect(table.select)
            if result.columns.map(\.type) == assumed {
                self = attempt
                translated = result
            } else {
                register(names.map { _ in .unknown }, into: &self)
                translated = try subselect(table.select)
                translated.columns = translated.columns.map { TranslationCatalog.Column(name: $0.name, type: .unknown) }
            }
        } else {
            translated = try subselect(table.select)
        }
        var columns = translated.columns
        if !table.columns.isEmpty {
            guard table.columns.count == columns.count else {
                throw TranslationRefusal(
                    "WITH \(table.name)(…)", "names \(table.columns.count) columns for \(columns.count)")
            }
            for i in columns.indices { columns[i].name = table.columns[i] }
        }
        scopes[index].commonTables[table.name] = TranslationCatalog.Relation(name: table.name, columns: columns)
        let names = table.columns.isEmpty ? "" : " (" + table.columns.map(Self.quote).joined(separator: ", ") + ")"
        if table.materialized != nil { note("the CTE hint \(table.materialized!) is dropped; MariaDB decides") }
        return "\(Self.quote(table.name))\(names) AS (\(translated.sql))"
    }

    mutating func body(_ body: SQLSelectBody) throws -> TranslatedSelect {
        switch body {
        case .core(let core): return try self.core(core, orderBy: [])
        case .values(let rows):
            var sqlRows: [String] = []
            var types: [SQLValueType] = []
            for row in rows {
                let values = try row.map { try translate($0) }
                if types.isEmpty {
                    types = values.map(\.type)
                } else {
                    types = zip(types, values).map { $0.union($1.type) }
                }
                sqlRows.append("(" + values.map(\.sql).joined(separator: ", ") + ")")
            }
            // SQLite names VALUES columns column1, column2, …; MariaDB names them after the first row.
            let columns = types.enumerated().map {
                TranslationCatalog.Column(name: "column\($0.offset + 1)", type: $0.element)
            }
            return TranslatedSelect(sql: "VALUES " + sqlRows.joined(separator: ", "), columns: columns)
        case .compound(let left, let op, let right):
            let l = try self.body(left)
            let r = try self.body(right)
            guard l.columns.count == r.columns.count || l.columns.isEmpty || r.columns.isEmpty else {
                throw TranslationRefusal(op, "the two SELECTs return different numbers of columns")
            }
            let columns = zip(l.columns, r.columns).map {
                TranslationCatalog.Column(name: $0.name, type: $0.type.union($1.type))
            }
            return TranslatedSelect(sql: "\(l.sql) \(op) \(r.sql)", columns: columns.isEmpty ? l.columns : columns)
        }
    }

    mutating func compoundOrder(_ terms: [SQLOrderTerm], _ columns: [TranslationCatalog.Column]) throws -> String {
        try terms.map { term in
            var key: String
            switch term.expression {
            case .literal(.integer(let n)): key = n
            case .column(nil, let name, _) where columns.contains(where: { $0.name.lowercased() == name.lowercased() }):
                key = Self.quote(name)
            default:
                throw TranslationRefusal(
                    "ORDER BY", "a compound SELECT is ordered by result column names or numbers only")
            }
            if term.collation != nil { throw TranslationRefusal("ORDER BY … COLLATE", "on a compound SELECT") }
            if term.nulls != nil { throw TranslationRefusal("NULLS FIRST/LAST", "on a compound SELECT") }
            return key + (term.descending ? " DESC" : "")
        }.joined(separator: ", ")
    }

    mutating func core(_ core: SQLSelectCore, orderBy: [SQLOrderTerm]) throws -> TranslatedSelect {
        scopes.append(TranslationScope())
        frames.append(AggregateFrame())
        defer { scopes.removeLast(); frames.removeLast() }
        var sql = "SELECT " + (core.distinct ? "DISTINCT " : "")
        var from = ""
        if let item = core.from { from = " FROM " + (try fromItem(item, top: true)) }
        for case .expression(let expression, let alias?) in core.columns {
            scopes[scopes.count - 1].resultAliases[alias] = expression
        }
        var clauses = ""
        if let condition = core.whereClause {
            scopes[scopes.count - 1].clause = .whereClause
            clauses += " WHERE " + (try translate(condition)).sql
        }
        if !core.groupBy.isEmpty {
            scopes[scopes.count - 1].clause = .groupBy
            clauses += " GROUP BY " + (try core.groupBy.map { try translate($0).sql }).joined(separator: ", ")
        }
        if let having = core.having {
            scopes[scopes.count - 1].clause = .having
            clauses += " HAVING " + (try translate(having)).sql
        }
        scopes[scopes.count - 1].clause = .select
        var columns: [TranslationCatalog.Column] = []
        var parts: [String] = []
        for column in core.columns {
            let (part, described) = try resultColumn(column)
            parts.append(part)
            columns += described
        }
        if !core.windows.isEmpty {
            let windows = try core.windows.map {
                "\(Self.quote($0.name ?? "w")) AS \(try windowSpecification($0.unnamed))"
            }
            clauses += " WINDOW " + windows.joined(separator: ", ")
        }
        if !orderBy.isEmpty {
            scopes[scopes.count - 1].clause = .orderBy
            clauses += " ORDER BY " + (try orderTerms(orderBy))
        }
        try checkBareColumns(core)
        sql += parts.joined(separator: ", ") + from + clauses
        return TranslatedSelect(sql: sql, columns: columns)
    }

    mutating func resultColumn(_ column: SQLResultColumn) throws -> (String, [TranslationCatalog.Column]) {
        let sources = scopes[scopes.count - 1].sources
        switch column {
        case .star:
            guard !sources.isEmpty else { throw TranslationRefusal("SELECT *", "without FROM") }
            for source in sources { try checkStar(source) }
            return ("*", sources.flatMap(\.relation.columns))
        case .tableStar(let name):
            guard let source = sources.last(where: { $0.alias.lowercased() == name.lowercased() }) else {
                throw TranslationRefusal("\(name).*", "no such table in FROM")
            }
            try checkStar(source)
            return ("\(Self.quote(source.alias)).*", source.relation.columns)
        case .expression(let expression, let alias):
            let t = try translate(expression)
            var name = alias
            if name == nil, case .column(_, let columnName, _) = expression { name = columnName }
            let sql = alias.map { "\(t.sql) AS \(Self.quote($0))" } ?? t.sql
            return (sql, [TranslationCatalog.Column(name: name ?? "", type: t.type)])
        }
    }

    /// `*` on the target would leave out columns that are not carried over, and the view would change shape.
    func checkStar(_ source: TranslationScope.Source) throws {
        if let missing = source.relation.columns.first(where: { $0.missingReason != nil }) {
            throw TranslationRefusal(
                "\(source.alias).*",
                "would not include \(source.relation.name).\(missing.name), which is not carried over")
        }
    }

    /// SQLite lets an aggregate query return columns that are neither grouped nor aggregated and takes
    /// them from one row of the group (for min()/max(), the row that gave the value); MariaDB takes any
    /// row. The two agree only when the group determines the column: grouped by it, or by its table's key.
    func checkBareColumns(_ core: SQLSelectCore) throws {
        let frame = frames[frames.count - 1]
        guard frame.sawAggregate || !core.groupBy.isEmpty else { return }
        let sources = scopes[scopes.count - 1].sources
        for bare in frame.bareColumns {
            if frame.groupColumns.contains(where: { $0 == bare }) { continue }
            if let source = sources.first(where: { $0.alias.lowercased() == bare.source }) {
                let key = source.relation.primaryKey.map { $0.lowercased() }
                let grouped = Set(frame.groupColumns.filter { $0.source == bare.source }.map(\.column))
                if !key.isEmpty && key.allSatisfy(grouped.contains) { continue }
            }
            throw TranslationRefusal(
                "\(bare.source).\(bare.column)",
                "is neither grouped nor aggregated: SQLite takes it from a particular row of the group, "
                    + "MariaDB from any"
            )
        }
    }

    mutating func fromItem(_ item: SQLFromItem, top: Bool = false) throws -> String {
        switch item {
        case .table(let schema, let name, let alias):
            if let schema, schema.lowercased() != "main" {
                throw TranslationRefusal("\(schema).\(name)", "belongs to the attached database \(schema)")
            }
            let relation = try relation(named: name)
            let used = alias ?? relation.name
            scopes[scopes.count - 1].sources.append(.init(alias: used, relation: relation))
            return Self.quote(relation.name) + (alias.map { " AS \(Self.quote($0))" } ?? "")
        case .subquery(let select, let alias):
            let translated = try subselect(select)
            derivedTables += 1
            // MariaDB requires a name for every derived table.
            let name = alias ?? "_derived\(derivedTables)"
            let columns = translated.columns.filter { !$0.name.isEmpty }
            scopes[scopes.count - 1].sources.append(.init(alias: name, relation: .init(name: name, columns: columns)))
            return "(\(translated.sql)) AS \(Self.quote(name))"
        case .tableFunction(let name, _, _):
            throw TranslationRefusal("\(name)(…)", "a table-valued function has no MariaDB counterpart")
        case .join(let left, let join, let right):
            let l = try fromItem(left)
            var r = try fromItem(right)
            if case .join = right { r = "(\(r))" }
            var keyword: String
            switch join.kind {
            case ",", "CROSS": keyword = "CROSS JOIN"
            case "LEFT": keyword = "LEFT JOIN"
            case "RIGHT": keyword = "RIGHT JOIN"
            case "FULL": throw TranslationRefusal("FULL JOIN", "MariaDB has no FULL OUTER JOIN")
            default: keyword = "JOIN"
            }
            if join.natural { keyword = "NATURAL " + (keyword == "JOIN" || keyword == "CROSS JOIN" ? "JOIN" : keyword) }
            var text = "\(l) \(keyword) \(r)"
            if let on = join.on {
                scopes[scopes.count - 1].clause = .from
                text += " ON " + (try translate(on)).sql
            } else if let using = join.using {
                text += " USING (" + using.map(Self.quote).joined(separator: ", ") + ")"
            }
            return text
        }
    }
}
