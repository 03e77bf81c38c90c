/// A translated trigger: the CREATE TRIGGER statement and the tables its body writes.
struct TranslatedTrigger {
    var sql: String
    var writes: Set<String>
}

extension SQLiteTranslator {
    /// `CREATE TRIGGER` for MariaDB: BEFORE/AFTER INSERT/UPDATE/DELETE FOR EACH ROW; WHEN and UPDATE OF
    /// become an IF around the body; RAISE(ABORT, …) becomes SIGNAL SQLSTATE '45000'.
    mutating func trigger(_ trigger: SQLCreateTrigger) throws -> TranslatedTrigger {
        guard trigger.timing != "INSTEAD OF" else {
            throw TranslationRefusal(
                "INSTEAD OF", "MariaDB has no INSTEAD OF triggers (views are updated through their tables)")
        }
        let table = try relation(named: trigger.table)
        guard !table.isView else { throw TranslationRefusal("ON \(trigger.table)", "a trigger on a view") }
        triggerTable = table
        triggerEvent = trigger.event
        var conditions: [String] = []
        if let when = trigger.when { conditions.append(Self.operand(try translate(when), 4)) }
        if !trigger.updateColumns.isEmpty {
            var changed: [String] = []
            for name in trigger.updateColumns {
                guard let column = table.column(name) else {
                    throw TranslationRefusal("UPDATE OF \(name)", "no such column in \(table.name)")
                }
                changed.append("NOT (NEW.\(Self.quote(column.name)) <=> OLD.\(Self.quote(column.name)))")
            }
            conditions.append("(" + changed.joined(separator: " OR ") + ")")
            note("UPDATE OF fires in SQLite when a listed column is assigned, here when its value changes")
        }
        var statements: [String] = []
        var writes: Set<String> = []
        for statement in trigger.body {
            if let sql = try self.statement(statement, table: table, writes: &writes) { statements.append(sql) }
        }
        var body = statements.map { $0 + ";" }.joined(separator: " ")
        if !conditions.isEmpty && !statements.isEmpty {
            body = "IF \(conditions.joined(separator: " AND ")) THEN \(body) END IF;"
        }
        let sql =
            "CREATE OR REPLACE TRIGGER \(Self.quote(trigger.name)) \(trigger.timing) \(trigger.event) ON "
            + "\(Self.quote(table.name)) FOR EACH ROW BEGIN \(body) END"
        return TranslatedTrigger(sql: sql, writes: writes)
    }

    mutating func statement(
        _ statement: SQLStatement, table: TranslationCatalog.Relation,
        writes: inout Set<String>
    ) throws -> String? {
        switch statement {
        case .select(let select): return try raiseStatement(select)
        case .insert(let insert):
            let target = try writtenTable(insert.table, by: table)
            writes.insert(target.name.lowercased())
            return try self.insert(insert, into: target)
        case .update(let update):
            let target = try writtenTable(update.table, by: table)
            writes.insert(target.name.lowercased())
            return try self.update(update, target)
        case .delete(let delete):
            let target = try writtenTable(delete.table, by: table)
            writes.insert(target.name.lowercased())
            guard !delete.returning, !delete.orderOrLimit else {
                throw TranslationRefusal("DELETE … RETURNING/ORDER BY/LIMIT", "not translated in a trigger")
            }
            var sql = "DELETE FROM \(Self.quote(target.name))"
            if let condition = delete.whereClause {
                sql += " WHERE " + (try withSource(target) { try $0.translate(condition).sql })
            }
            return sql
        }
    }

    func writtenTable(_ name: String, by trigger: TranslationCatalog.Relation) throws -> TranslationCatalog.Relation {
        let target = try relation(named: name)
        guard target.name.lowercased() != trigger.name.lowercased() else {
            throw TranslationRefusal(
                "writes \(target.name)",
                "the trigger changes its own table, which MariaDB forbids (error 1442)")
        }
        guard !target.isView else { throw TranslationRefusal("writes \(target.name)", "writing a view from a trigger") }
        return target
    }

    mutating func withSource<T>(
        _ relation: TranslationCatalog.Relation, _ body: (inout SQLiteTranslator) throws -> T
    ) throws -> T {
        scopes.append(TranslationScope(sources: [.init(alias: relation.name, relation: relation)]))
        defer { scopes.removeLast() }
        return try body(&self)
    }

    mutating func insert(_ insert: SQLInsert, into target: TranslationCatalog.Relation) throws -> String {
        guard !insert.upsert, !insert.returning else {
            throw TranslationRefusal(
                "INSERT … ON CONFLICT/RETURNING", "SQLite's upsert and RETURNING are not translated")
        }
        var verb = "INSERT INTO"
        switch insert.conflict {
        case nil, "ABORT": break
        case "REPLACE":
            verb = "REPLACE INTO"
            note("REPLACE: MariaDB fires DELETE triggers for the rows it replaces; SQLite only with recursive_triggers")
        default:
            throw TranslationRefusal(
                "INSERT OR \(insert.conflict!)",
                "MariaDB's IGNORE turns more errors into warnings; FAIL/ROLLBACK differ")
        }
        var sql = "\(verb) \(Self.quote(target.name))"
        if let columns = insert.columns {
            let names = try columns.map { name -> String in
                guard let column = target.column(name) else {
                    throw TranslationRefusal("INSERT INTO \(target.name)(\(name))", "no such column")
                }
                if let reason = column.missingReason {
                    throw TranslationRefusal("\(target.name).\(name)", "is not carried over (\(reason))")
                }
                return Self.quote(column.name)
            }
            sql += " (" + names.joined(separator: ", ") + ")"
        }
        switch insert.source {
        case .defaultValues:
            sql += insert.columns == nil ? " () VALUES ()" : " VALUES ()"
        case .values(let rows):
            scopes.append(TranslationScope())
            defer { scopes.removeLast() }
            let values = try rows.map { row in
                "(" + (try row.map { try translate($0).sql }).joined(separator: ", ") + ")"
            }
            sql += " VALUES " + values.joined(separator: ", ")
        case .select(let select):
            sql += " " + (try subselect(select)).sql
        }
        return sql
    }

    mutating func update(_ update: SQLUpdate, _ target: TranslationCatalog.Relation) throws -> String {
        guard update.from == nil, !update.returning, !update.orderOrLimit else {
            throw TranslationRefusal("UPDATE … FROM/RETURNING/ORDER BY/LIMIT", "not translated in a trigger")
        }
        guard update.conflict == nil || update.conflict == "ABORT" else {
            throw TranslationRefusal(
                "UPDATE OR \(update.conflict!)", "SQLite's conflict resolution differs from MariaDB's")
        }
        return try withSource(target) { translator in
            var sets: [String] = []
            for assignment in update.assignments {
                guard assignment.columns.count == 1, let column = target.column(assignment.columns[0]) else {
                    throw TranslationRefusal(
                        "SET \(assignment.columns.joined(separator: ", "))", "no such column, or a row assignment")
                }
                if let reason = column.missingReason {
                    throw TranslationRefusal("\(target.name).\(column.name)", "is not carried over (\(reason))")
                }
                sets.append("\(Self.quote(column.name)) = \(try translator.translate(assignment.value).sql)")
            }
            var sql = "UPDATE \(Self.quote(target.name)) SET " + sets.joined(separator: ", ")
            if let condition = update.whereClause { sql += " WHERE " + (try translator.translate(condition)).sql }
            return sql
        }
    }

    /// A SELECT in a trigger body returns nothing anyone sees; it matters only for the RAISE it holds:
    /// `SELECT RAISE(ABORT, 'm') [FROM …] [WHERE c]` and `SELECT CASE WHEN c THEN RAISE(ABORT, 'm') … END`.
    mutating func raiseStatement(_ select: SQLSelect) throws -> String? {
        guard case .core(let core) = select.body, select.with.isEmpty, core.groupBy.isEmpty, core.having == nil,
            core.columns.count == 1, case .expression(let expression, _) = core.columns[0]
        else {
            guard !Self.containsRaise(select) else {
                throw TranslationRefusal("SELECT … RAISE", "RAISE inside a complex SELECT")
            }
            note("a SELECT without RAISE in the trigger body has no effect and is left out")
            return nil
        }
        if case .raise(let kind, let message) = expression {
            let signal = try self.signal(kind, message)
            if core.from == nil, core.whereClause == nil { return signal }
            var probe = core
            probe.columns = [.expression(.literal(.integer("1")), alias: nil)]
            let exists = try subselect(SQLSelect(body: .core(probe)))
            return "IF EXISTS (\(exists.sql)) THEN \(signal); END IF"
        }
        if case .caseWhen(nil, let whens, let otherwise) = expression, core.from == nil, core.whereClause == nil {
            guard otherwise.map({ !Self.containsRaise($0) }) ?? true else {
                throw TranslationRefusal("CASE … ELSE RAISE", "RAISE in ELSE is not translated")
            }
            scopes.append(TranslationScope())
            defer { scopes.removeLast() }
            var branches: [String] = []
            for (index, when) in whens.enumerated() {
                let condition = try translate(when.condition).sql
                var action = "DO 0"
                if case .raise(let kind, let message) = when.result {
                    action = try signal(kind, message)
                } else if Self.containsRaise(when.result) {
                    throw TranslationRefusal("THEN … RAISE", "RAISE nested in an expression")
                }
                branches.append("\(index == 0 ? "IF" : "ELSEIF") \(condition) THEN \(action);")
            }
            return branches.joined(separator: " ") + " END IF"
        }
        guard !Self.containsRaise(select) else {
            throw TranslationRefusal("SELECT … RAISE", "RAISE nested in an expression")
        }
        note("a SELECT without RAISE in the trigger body has no effect and is left out")
        return nil
    }

    func signal(_ kind: String, _ message: String?) throws -> String {
        switch kind {
        case "ABORT":
            let text = message ?? ""
            guard text.count <= 128 else {
                throw TranslationRefusal(
                    "RAISE(ABORT, '\(text.prefix(20))…')", "MariaDB's MESSAGE_TEXT holds 128 characters")
            }
            return "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = \(Self.stringLiteral(text))"
        case "IGNORE":
            throw TranslationRefusal("RAISE(IGNORE)", "MariaDB cannot skip the current row silently")
        case "FAIL":
            throw TranslationRefusal(
                "RAISE(FAIL)", "keeps the rows the statement changed before; MariaDB undoes the whole statement")
        default:
            throw TranslationRefusal(
                "RAISE(\(kind))", "rolls back the whole transaction; MariaDB's SIGNAL fails the statement only")
        }
    }

    static func containsRaise(_ select: SQLSelect) -> Bool { select.containsRaise }
    static func containsRaise(_ expression: SQLExpr) -> Bool { expression.containsRaise }
}
