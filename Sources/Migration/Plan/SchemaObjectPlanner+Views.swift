import Foundation
import MariaDB

extension SchemaObjectPlanner {
    /// Views in dependency order (a view on views comes after them), each translated with the catalog
    /// of the tables and of the views translated before it.
    func views(_ catalog: inout TranslationCatalog) throws -> [SchemaObjectPlan] {
        var parsed: [String: Result<SQLCreateView, TranslationRefusal>] = [:]
        for definition in schema.viewDefinitions {
            parsed[definition.name] = Result { try SQLParser.createView(definition.sql) }.mapError {
                $0 as? TranslationRefusal ?? TranslationRefusal("CREATE VIEW", "\($0)")
            }
        }
        let order = Self.dependencyOrder(schema.viewDefinitions.map(\.name)) { name in
            (try? parsed[name]?.get()).map { Self.readNames($0.select) } ?? []
        }
        var objects: [SchemaObjectPlan] = []
        for name in order {
            guard let definition = schema.viewDefinitions.first(where: { $0.name == name }) else { continue }
            let object = view(definition, parsed[name]!, &catalog)
            objects.append(object)
        }
        return objects
    }

    func view(
        _ definition: SourceDefinition, _ parsed: Result<SQLCreateView, TranslationRefusal>,
        _ catalog: inout TranslationCatalog
    ) -> SchemaObjectPlan {
        let names = (try? sqliteColumns(definition.name)) ?? []
        var object = SchemaObjectPlan(kind: .view, name: definition.name, sourceSQL: definition.sql, action: .refuse)
        object.columns = names
        if existing
            && (target.views.contains(definition.name.lowercased())
                || target.tables.contains(definition.name.lowercased()))
        {
            object.action = .keep
            object.reason = "the target already has \(definition.name) (the application's own)"
            catalog.add(
                .init(name: definition.name, columns: names.map { .init(name: $0, type: .unknown) }, isView: true))
            return object
        }
        do {
            let view = try parsed.get()
            object.dependsOn = Self.readNames(view.select)
            guard !names.isEmpty else {
                throw TranslationRefusal(definition.name, "SQLite itself cannot read this view")
            }
            if let long = names.first(where: { $0.utf8.count > 64 }) {
                throw TranslationRefusal(
                    "column \(long.prefix(40))…", "MariaDB names are at most 64 characters; alias it in the view")
            }
            var translator = SQLiteTranslator(catalog: catalog, context: .view)
            let query = try translator.query(view.select)
            let columnList = names.map(MariaDBIdentifier.quote).joined(separator: ", ")
            object.targetSQL = [
                "CREATE OR REPLACE SQL SECURITY INVOKER VIEW \(MariaDBIdentifier.quote(definition.name)) "
                    + "(\(columnList)) AS \(query.sql)"
            ]
            object.notes = translator.notes
            object.action = .create
            let types =
                query.columns.count == names.count ? query.columns.map(\.type) : names.map { _ in SQLValueType.unknown }
            catalog.add(
                .init(name: definition.name, columns: zip(names, types).map { .init(name: $0, type: $1) }, isView: true)
            )
        } catch {
            object.reason = "\(error)"
            catalog.add(
                .init(name: definition.name, columns: [], isView: true, missingReason: "it cannot be translated"))
        }
        return object
    }

    /// SQLite's own names for a view's columns (what `SELECT *` on it returns).
    func sqliteColumns(_ view: String) throws -> [String] {
        try source.rows("SELECT name FROM pragma_table_info(?)", binds: [.text(Array(view.utf8))]).compactMap { row in
            if case .text(let bytes) = row[0] { return String(decoding: bytes, as: UTF8.self) }
            return nil
        }
    }

    /// Orders names so that each comes after the names it depends on (Kahn's algorithm; a cycle, which
    /// SQLite does not allow for views, keeps the remaining names in their original order).
    static func dependencyOrder(_ names: [String], dependencies: (String) -> [String]) -> [String] {
        let lower = Set(names.map { $0.lowercased() })
        var pending = names
        var done: [String] = []
        var doneSet = Set<String>()
        while !pending.isEmpty {
            guard
                let next = pending.firstIndex(where: { name in
                    dependencies(name).allSatisfy {
                        !lower.contains($0.lowercased()) || doneSet.contains($0.lowercased())
                            || $0.lowercased() == name.lowercased()
                    }
                })
            else {
                done += pending
                break
            }
            let name = pending.remove(at: next)
            done.append(name)
            doneSet.insert(name.lowercased())
        }
        return done
    }

    /// The tables and views a query reads (common-table names excluded).
    static func readNames(_ select: SQLSelect) -> [String] {
        var names: [String] = []
        var local = Set(select.with.map { $0.name.lowercased() })
        for table in select.with { names += readNames(table.select) }
        func visitExpression(_ expression: SQLExpr) {
            for select in expression.subqueries { names += readNames(select) }
        }
        func visitFrom(_ item: SQLFromItem) {
            switch item {
            case .table(_, let name, _): if !local.contains(name.lowercased()) { names.append(name) }
            case .subquery(let select, _): names += readNames(select)
            case .tableFunction: break
            case .join(let l, let join, let r):
                visitFrom(l)
                visitFrom(r)
                if let on = join.on { visitExpression(on) }
            }
        }
        func visitBody(_ body: SQLSelectBody) {
            switch body {
            case .core(let core):
                if let from = core.from { visitFrom(from) }
                for expression in [core.whereClause, core.having].compactMap({ $0 }) + core.groupBy {
                    visitExpression(expression)
                }
                for case .expression(let e, _) in core.columns { visitExpression(e) }
            case .values(let rows): rows.joined().forEach(visitExpression)
            case .compound(let l, _, let r):
                visitBody(l)
                visitBody(r)
            }
        }
        visitBody(select.body)
        local.removeAll()
        return names
    }
}
