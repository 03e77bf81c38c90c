/// The names one SELECT (or trigger body statement) can see: its FROM sources, its common tables and
/// its result aliases.
struct TranslationScope {
    struct Source {
        /// The name the query uses for it (alias or table name).
        var alias: String
        var relation: TranslationCatalog.Relation
    }

    enum Clause { case from, whereClause, groupBy, having, select, orderBy }

    var sources: [Source] = []
    var commonTables: [String: TranslationCatalog.Relation] = [:]
    /// `expr AS alias` of the SELECT being translated; SQLite lets WHERE refer to them, MariaDB does not.
    var resultAliases: [String: SQLExpr] = [:]
    var clause = Clause.from
}

/// Bare columns seen outside aggregates in one aggregate query, to check they are determined by the
/// GROUP BY (SQLite takes them from the row that gave min()/max(), MariaDB from any row).
struct AggregateFrame {
    var aggregateDepth = 0
    var sawAggregate = false
    var bareColumns: [(source: String, column: String)] = []
    var groupColumns: [(source: String, column: String)] = []
}

extension SQLiteTranslator {
    static let rowidNames: Set<String> = ["rowid", "oid", "_rowid_"]

    mutating func column(table: String?, name: String, quoted: Bool) throws -> TranslatedSQL {
        let written = table.map { "\($0).\(name)" } ?? name
        if let table, let row = triggerTable, ["new", "old"].contains(table.lowercased()) {
            return try triggerColumn(table.uppercased(), name, row)
        }
        for (depth, scope) in scopes.enumerated().reversed() {
            if let table {
                guard let source = scope.sources.last(where: { $0.alias.lowercased() == table.lowercased() }) else {
                    continue
                }
                return try resolved(source, name, depth: depth, written: written, qualified: true)
            }
            let matches = scope.sources.filter { $0.relation.column(name) != nil }
            if let source = matches.first {
                return try resolved(source, name, depth: depth, written: written, qualified: false)
            }
            if Self.rowidNames.contains(name.lowercased()), scope.sources.count == 1 {
                return try resolved(scope.sources[0], name, depth: depth, written: written, qualified: false)
            }
            if depth == scopes.count - 1, let aliased = try resultAlias(name, in: scope) { return aliased }
        }
        if table == nil, let row = triggerTable, context == .trigger, row.column(name) != nil {
            throw TranslationRefusal(
                name, "a bare column in a trigger names no row on MariaDB; write NEW.\(name) or OLD.\(name)")
        }
        if quoted && table == nil {
            throw TranslationRefusal(
                "\"\(name)\"",
                "is no column here, so SQLite reads it as the string '\(name)'; write it in single quotes")
        }
        throw TranslationRefusal(written, "no such column in the tables the statement reads")
    }

    /// ORDER BY, GROUP BY and HAVING may name a result alias in both databases; WHERE only in SQLite,
    /// so there the aliased expression is written out.
    mutating func resultAlias(_ name: String, in scope: TranslationScope) throws -> TranslatedSQL? {
        guard let expression = scope.resultAliases.first(where: { $0.key.lowercased() == name.lowercased() })?.value
        else { return nil }
        if scope.clause == .whereClause || scope.clause == .groupBy {
            var inner = try translate(expression)
            inner.sql = "(\(inner.sql))"
            inner.level = TranslatedSQL.atomLevel
            return inner
        }
        return .atom(Self.quote(name), try translateType(of: expression))
    }

    /// The type of an aliased result expression, without recording anything.
    mutating func translateType(of expression: SQLExpr) throws -> SQLValueType {
        let saved = (notes, frames)
        defer { (notes, frames) = saved }
        return try translate(expression).type
    }

    mutating func resolved(
        _ source: TranslationScope.Source, _ name: String, depth: Int, written: String,
        qualified: Bool
    ) throws -> TranslatedSQL {
        let relation = source.relation
        var column = relation.column(name)
        if column == nil, Self.rowidNames.contains(name.lowercased()) {
            guard let rowid = relation.rowidColumn, let aliasColumn = relation.column(rowid) else {
                throw TranslationRefusal(
                    written, "\(relation.name) has no INTEGER PRIMARY KEY, so its rowid does not exist on the target")
            }
            column = aliasColumn
        }
        guard let column else { throw TranslationRefusal(written, "no such column in \(relation.name)") }
        if let reason = column.missingReason {
            throw TranslationRefusal(written, "\(relation.name).\(column.name) is not carried over (\(reason))")
        }
        if depth == scopes.count - 1, !frames.isEmpty, frames[frames.count - 1].aggregateDepth == 0 {
            let entry = (source: source.alias.lowercased(), column: column.name.lowercased())
            switch scopes[depth].clause {
            case .groupBy: frames[frames.count - 1].groupColumns.append(entry)
            case .select, .having, .orderBy: frames[frames.count - 1].bareColumns.append(entry)
            default: break
            }
        }
        let sql = qualified ? "\(Self.quote(source.alias)).\(Self.quote(column.name))" : Self.quote(column.name)
        return .atom(sql, column.type)
    }

    func triggerColumn(_ row: String, _ name: String, _ table: TranslationCatalog.Relation) throws -> TranslatedSQL {
        if row == "NEW" && triggerEvent == "DELETE" || row == "OLD" && triggerEvent == "INSERT" {
            throw TranslationRefusal("\(row).\(name)", "there is no \(row) row in a \(triggerEvent) trigger")
        }
        var column = table.column(name)
        if column == nil, Self.rowidNames.contains(name.lowercased()), let rowid = table.rowidColumn {
            column = table.column(rowid)
        }
        guard let column else { throw TranslationRefusal("\(row).\(name)", "no such column in \(table.name)") }
        if let reason = column.missingReason {
            throw TranslationRefusal("\(row).\(name)", "\(table.name).\(column.name) is not carried over (\(reason))")
        }
        return .atom("\(row).\(Self.quote(column.name))", column.type)
    }

    /// The relation a FROM item names: a common table of an enclosing WITH, else a table or view.
    func relation(named name: String) throws -> TranslationCatalog.Relation {
        for scope in scopes.reversed() {
            if let table = scope.commonTables.first(where: { $0.key.lowercased() == name.lowercased() })?.value {
                return table
            }
        }
        guard let relation = catalog.relation(name) else {
            throw TranslationRefusal(name, "no such table or view on the target")
        }
        if let reason = relation.missingReason {
            throw TranslationRefusal(
                name, "\(relation.isView ? "view" : "table") \(relation.name) is not carried over (\(reason))")
        }
        return relation
    }
}
