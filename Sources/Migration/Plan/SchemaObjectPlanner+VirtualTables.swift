import Foundation
import MariaDB

/// What virtual tables become: tables added to the plan, the relations the translator sees, and
/// which external-content FTS tables became a FULLTEXT index on their content table.
struct VirtualTableOutcome {
    var relations: [TranslationCatalog.Relation] = []
    /// Lowercased FTS table → its content table.
    var ftsIndexes: [String: String] = [:]
}

extension SchemaObjectPlanner {
    /// FTS3/4/5 tables keep their documents searchable on MariaDB: an FTS table with its own content
    /// becomes a real table (rowid + columns) with a FULLTEXT index; one over a content table becomes a
    /// FULLTEXT index on that table plus a view under the FTS table's name. The shadow tables are never
    /// copied. R*Tree tables become plain tables (their range queries are ordinary comparisons); other
    /// modules are refused.
    func virtualTables(_ plan: inout MigrationPlan, objects: inout [SchemaObjectPlan]) throws -> VirtualTableOutcome {
        var outcome = VirtualTableOutcome()
        for table in schema.virtualTables {
            var object = SchemaObjectPlan(
                kind: .virtualTable, name: table.name, table: table.name, sourceSQL: table.sql, action: .refuse)
            let module = table.module.lowercased()
            if existing
                && (target.tables.contains(table.name.lowercased()) || target.views.contains(table.name.lowercased()))
            {
                object.action = .keep
                object.reason = "the target already has \(table.name) (the application's own); its rows are not copied"
                objects.append(object)
                continue
            }
            do {
                switch module {
                case "fts3", "fts4", "fts5": try fts(table, &plan, &object, &outcome)
                case "rtree", "rtree_i32": try rtree(table, &plan, &object, &outcome)
                default:
                    throw TranslationRefusal(
                        "USING \(table.module)", "the \(table.module) module has no MariaDB counterpart")
                }
            } catch {
                object.action = .refuse
                object.reason = "\(error)"
                outcome.relations.append(
                    .init(name: table.name, columns: [], missingReason: "virtual table not carried over"))
            }
            objects.append(object)
        }
        return outcome
    }

    static func unquote(_ text: String) -> String {
        var t = text.trimmingCharacters(in: .whitespaces)
        if let first = t.first, "'\"`[".contains(first), t.count >= 2 { t = String(t.dropFirst().dropLast()) }
        return t
    }

    /// Columns and options of an FTS declaration: `a, b UNINDEXED, content='t', tokenize='porter'`.
    static func ftsArguments(
        _ arguments: [String]
    ) -> (columns: [(name: String, indexed: Bool)], options: [String: String]) {
        var columns: [(name: String, indexed: Bool)] = []
        var options: [String: String] = [:]
        for argument in arguments {
            guard let tokens = try? SQLTokenizer.tokenize(argument), let first = tokens.first, first.kind != .end else {
                continue
            }
            if tokens.count >= 4, tokens[1].isSymbol("=") {
                options[first.text.lowercased()] = tokens[2].text
                continue
            }
            // fts3/4 allow a type after the name (it means nothing); fts5 marks columns UNINDEXED.
            let unindexed = tokens.dropLast().last?.isKeyword("UNINDEXED") ?? false
            columns.append((first.text, !unindexed))
        }
        if let notIndexed = options["notindexed"] {
            columns = columns.map { ($0.name, $0.indexed && $0.name.lowercased() != notIndexed.lowercased()) }
        }
        return (columns, options)
    }

    func fts(
        _ table: SourceVirtualTable, _ plan: inout MigrationPlan, _ object: inout SchemaObjectPlan,
        _ outcome: inout VirtualTableOutcome
    ) throws {
        let (columns, options) = Self.ftsArguments(table.arguments)
        for unsupported in ["compress", "uncompress", "languageid"] where options[unsupported] != nil {
            throw TranslationRefusal(
                "\(unsupported)=", "FTS content stored or keyed through \(unsupported) is not carried over")
        }
        guard !columns.isEmpty else { throw TranslationRefusal("USING \(table.module)()", "no columns") }
        object.notes = [
            "MariaDB's FULLTEXT search differs from SQLite's FTS: rewrite MATCH queries as "
                + "MATCH (columns) AGAINST (…); InnoDB splits words its own way, ignores words shorter than "
                + "innodb_ft_min_token_size (3) and stopwords, "
                + "and has no stemming or bm25() ranking"
        ]
        if let tokenizer = options["tokenize"] {
            object.notes.append("tokenize=\(tokenizer) has no MariaDB counterpart")
        }
        let indexed = columns.filter(\.indexed).map(\.name)
        if let content = options["content"] {
            guard !content.isEmpty else {
                throw TranslationRefusal(
                    "content=''", "a contentless FTS table stores only its index, no text to carry over")
            }
            try externalContentFTS(
                table, content: content, columns: columns.map(\.name), indexed: indexed,
                rowid: options["content_rowid"], &plan, &object, &outcome)
            return
        }
        let ftsTable = SourceTable(
            name: table.name,
            columns: columns.map {
                SourceColumn(
                    name: $0.name, declaredType: "", notNull: false, defaultSQL: nil, hidden: 0, collation: nil)
            }, primaryKey: [], withoutRowID: false, autoincrement: false, rowidAlias: nil, foreignKeys: [], indexes: [],
            checks: [], sql: table.sql)
        let profile = try DataProfiler(source: source).profile(ftsTable)
        let maxRowid = try source.scalar("SELECT max(rowid) FROM \(SourceInspector.quote(table.name))")
        var floor: Int64 = 1
        if case .integer(let max) = maxRowid { floor = max + 1 }
        var planned = [
            ColumnPlan(
                name: "rowid", sourceType: "rowid", type: .integer(bits: 64, unsigned: false), nullable: false,
                collation: nil,
                temporalNumbers: .unixSeconds, reason: "the FTS table's rowid")
        ]
        for column in columns {
            let bytes = profile.columns[column.name]?.maxBytes ?? 0
            let type: TargetType =
                bytes <= 65_535 ? .text("TEXT") : bytes <= 16_777_215 ? .text("MEDIUMTEXT") : .text("LONGTEXT")
            planned.append(
                ColumnPlan(
                    name: column.name, sourceType: "", type: type, nullable: true, collation: "utf8mb4_bin",
                    temporalNumbers: .unixSeconds, reason: "FTS column; text for the FULLTEXT index"))
        }
        plan.tables.append(
            TablePlan(
                name: table.name, columns: planned, primaryKey: ["rowid"], sourceOrder: ["rowid"],
                autoIncrementColumn: "rowid", autoIncrementFloor: floor, indexes: [], foreignKeys: [],
                rows: profile.rows, withoutRowID: false))
        plan.estimatedRows += profile.rows
        var sql: [String] = []
        if existing, let created = plan.tables.last {
            sql.append(
                plan.createTableDDL(created).replacingOccurrences(
                    of: "CREATE TABLE", with: "CREATE TABLE IF NOT EXISTS"))
        }
        if !indexed.isEmpty { sql.append(fulltextDDL(table: table.name, columns: indexed, name: table.name)) }
        object.targetSQL = sql
        object.action = .create
        object.reason =
            "carried over as table \(table.name) (rowid, \(columns.map(\.name).joined(separator: ", "))) "
            + "with a FULLTEXT index; "
            + "shadow tables \(table.shadowTables.joined(separator: ", ")) are not copied"
        let relationColumns =
            [TranslationCatalog.Column(name: "rowid", type: .integer)]
            + columns.map { .init(name: $0.name, type: .text) }
        outcome.relations.append(
            .init(name: table.name, columns: relationColumns, primaryKey: ["rowid"], rowidColumn: "rowid"))
    }

    func fulltextDDL(table: String, columns: [String], name: String) -> String {
        let index = Planner.shortName("ft_\(name)")
        return "ALTER TABLE \(MariaDBIdentifier.quote(table)) ADD FULLTEXT INDEX \(MariaDBIdentifier.quote(index)) ("
            + columns.map(MariaDBIdentifier.quote).joined(separator: ", ") + ")"
    }

    /// `content='t'`: the FTS table indexes rows of `t`. On MariaDB a FULLTEXT index on `t` does that, and a
    /// view under the FTS table's name returns what the FTS table returned.
    func externalContentFTS(
        _ table: SourceVirtualTable, content: String, columns: [String], indexed: [String], rowid: String?,
        _ plan: inout MigrationPlan, _ object: inout SchemaObjectPlan, _ outcome: inout VirtualTableOutcome
    ) throws {
        guard let contentPlan = plan.tables.first(where: { $0.name.lowercased() == content.lowercased() }),
            let contentSource = schema.table(contentPlan.name)
        else {
            throw TranslationRefusal("content='\(content)'", "the content table is not migrated")
        }
        var rowidColumn = rowid.flatMap { name in
            contentPlan.columns.first { $0.name.lowercased() == name.lowercased() }?.name
        }
        if rowid == nil || rowid?.lowercased() == "rowid" { rowidColumn = contentSource.rowidAlias }
        guard let rowidColumn else {
            throw TranslationRefusal(
                "content='\(content)'",
                "\(content) has no INTEGER PRIMARY KEY, so the rowids the index uses do not exist on the target")
        }
        var selected: [String] = []
        for name in columns {
            guard let column = contentPlan.columns.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw TranslationRefusal("\(table.name).\(name)", "no such column in the content table \(content)")
            }
            if indexed.contains(name) && !column.type.isText {
                throw TranslationRefusal(
                    "\(content).\(name)", "is \(column.type.sql) on the target; FULLTEXT indexes only text")
            }
            selected.append(column.name)
        }
        let list = (["rowid"] + columns).map(MariaDBIdentifier.quote).joined(separator: ", ")
        let select = ([rowidColumn] + selected).map(MariaDBIdentifier.quote).joined(separator: ", ")
        object.targetSQL = [
            fulltextDDL(
                table: contentPlan.name,
                columns: indexed.compactMap { n in selected.first { $0.lowercased() == n.lowercased() } },
                name: table.name),
            "CREATE OR REPLACE SQL SECURITY INVOKER VIEW \(MariaDBIdentifier.quote(table.name)) (\(list)) "
                + "AS SELECT \(select) FROM \(MariaDBIdentifier.quote(contentPlan.name))",
        ]
        object.columns = ["rowid"] + columns
        object.action = .create
        object.reason =
            "an index over \(contentPlan.name): carried over as a FULLTEXT index on \(contentPlan.name) "
            + "and a view \(table.name); "
            + "shadow tables \(table.shadowTables.joined(separator: ", ")) are not copied"
        outcome.ftsIndexes[table.name.lowercased()] = contentPlan.name
        outcome.relations.append(
            .init(
                name: table.name, columns: ([("rowid")] + columns).map { .init(name: $0, type: .unknown) }, isView: true
            ))
    }

    /// `rtree(id, minX, maxX, …, +aux)`: a table with the same columns; the coordinates are 32-bit floats
    /// (rtree) or integers (rtree_i32) that a DOUBLE/BIGINT holds exactly.
    func rtree(
        _ table: SourceVirtualTable, _ plan: inout MigrationPlan, _ object: inout SchemaObjectPlan,
        _ outcome: inout VirtualTableOutcome
    ) throws {
        let names = table.arguments.map { Self.unquote($0.split(separator: " ").first.map(String.init) ?? $0) }
        guard names.count >= 3 else { throw TranslationRefusal("USING rtree()", "fewer than three columns") }
        let integers = table.module.lowercased() == "rtree_i32"
        let probe = SourceTable(
            name: table.name,
            columns: names.map {
                SourceColumn(
                    name: $0.hasPrefix("+") ? String($0.dropFirst()) : $0, declaredType: "", notNull: false,
                    defaultSQL: nil, hidden: 0, collation: nil)
            }, primaryKey: [], withoutRowID: false, autoincrement: false, rowidAlias: nil, foreignKeys: [], indexes: [],
            checks: [], sql: table.sql)
        let profile = try DataProfiler(source: source).profile(probe)
        var columns: [ColumnPlan] = []
        for (index, column) in probe.columns.enumerated() {
            let auxiliary = names[index].hasPrefix("+")
            var type: TargetType = index == 0 || integers ? .integer(bits: 64, unsigned: false) : .double
            if auxiliary { type = chooseType(probe, column, profile.columns[column.name] ?? ColumnProfile()) }
            columns.append(
                ColumnPlan(
                    name: column.name, sourceType: "", type: type, nullable: auxiliary,
                    collation: type.isText ? "utf8mb4_bin" : nil,
                    temporalNumbers: .unixSeconds,
                    reason: index == 0 ? "R*Tree id" : (auxiliary ? "R*Tree auxiliary column" : "R*Tree coordinate")))
        }
        let maxID = try source.scalar(
            "SELECT max(\(SourceInspector.quote(columns[0].name))) FROM \(SourceInspector.quote(table.name))")
        var floor: Int64 = 1
        if case .integer(let max) = maxID { floor = max + 1 }
        plan.tables.append(
            TablePlan(
                name: table.name, columns: columns, primaryKey: [columns[0].name], sourceOrder: [columns[0].name],
                autoIncrementColumn: columns[0].name, autoIncrementFloor: floor, indexes: [], foreignKeys: [],
                rows: profile.rows, withoutRowID: false))
        plan.estimatedRows += profile.rows
        if existing, let created = plan.tables.last {
            object.targetSQL = [
                plan.createTableDDL(created).replacingOccurrences(
                    of: "CREATE TABLE", with: "CREATE TABLE IF NOT EXISTS")
            ]
        }
        object.action = .create
        object.reason =
            "carried over as a plain table \(table.name); shadow tables "
            + "\(table.shadowTables.joined(separator: ", ")) are not copied"
        object.notes = ["its range queries run as ordinary comparisons on MariaDB, without an R*Tree index"]
        outcome.relations.append(
            .init(
                name: table.name,
                columns: columns.map { .init(name: $0.name, type: SQLValueType.of($0.type, affinity: "")) },
                primaryKey: [columns[0].name], rowidColumn: columns[0].name))
    }
}
