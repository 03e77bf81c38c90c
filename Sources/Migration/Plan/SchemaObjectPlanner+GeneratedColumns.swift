import Foundation

extension SchemaObjectPlanner {
    /// Generated columns: in a generic schema each becomes `GENERATED ALWAYS AS (…) VIRTUAL|PERSISTENT`
    /// in CREATE TABLE (typed from the values SQLite computed); with `--schema existing` a column the
    /// target has is the application's (a plain one is loaded with SQLite's values), a missing one is added.
    func generatedColumns(_ plan: inout MigrationPlan) throws -> [SchemaObjectPlan] {
        var objects: [SchemaObjectPlan] = []
        for table in schema.tables where table.columns.contains(where: \.isGenerated) {
            guard let index = plan.tables.firstIndex(where: { $0.name == table.name }) else { continue }
            let definitions: [String: GeneratedColumnDefinition]
            do { definitions = try SQLParser.generatedColumns(table.sql) } catch let refusal as TranslationRefusal {
                for column in table.columns where column.isGenerated {
                    objects.append(
                        .init(
                            kind: .generatedColumn, name: "\(table.name).\(column.name)", table: table.name,
                            sourceSQL: table.sql, action: .refuse, reason: "CREATE TABLE not understood: \(refusal)"))
                }
                continue
            }
            objects += try generatedColumns(of: table, definitions, &plan.tables[index])
        }
        return objects
    }

    func generatedColumns(
        of table: SourceTable, _ definitions: [String: GeneratedColumnDefinition],
        _ tablePlan: inout TablePlan
    ) throws -> [SchemaObjectPlan] {
        var objects: [SchemaObjectPlan] = []
        let generated = table.columns.filter(\.isGenerated)
        let profile = try profileGenerated(table)
        // Columns the expression may use: ordinary ones, and generated ones defined before it (MariaDB's rule).
        var columns: [TranslationCatalog.Column] = tablePlan.columns.map { column in
            let affinity = table.columns.first { $0.name == column.name }?.affinity ?? ""
            return .init(name: column.name, type: SQLValueType.of(column.type, affinity: affinity))
        }
        for column in generated {
            columns.append(
                .init(name: column.name, type: .unknown, missingReason: "a generated column defined after this one"))
        }
        let targetColumns = target.columns[table.name.lowercased()]
        var plans: [GeneratedColumnPlan] = []
        for column in generated {
            let name = "\(table.name).\(column.name)"
            let position = table.columns.firstIndex { $0.name == column.name } ?? table.columns.count
            guard let definition = definitions[column.name.lowercased()] else {
                objects.append(
                    .init(
                        kind: .generatedColumn, name: name, table: table.name, sourceSQL: table.sql, action: .refuse,
                        reason: "its expression was not found in CREATE TABLE"))
                continue
            }
            let sourceSQL = "\(column.name) AS (\(definition.text)) \(definition.stored ? "STORED" : "VIRTUAL")"
            if existing, let isGenerated = targetColumns?[column.name.lowercased()] {
                let reason =
                    isGenerated
                    ? Self.computedByTarget
                    : "the target column is a plain column: SQLite's values are loaded into it"
                objects.append(
                    .init(
                        kind: .generatedColumn, name: name, table: table.name, sourceSQL: sourceSQL, action: .keep,
                        reason: reason))
                markAvailable(column.name, &columns)
                continue
            }
            var translator = SQLiteTranslator(catalog: TranslationCatalog(), context: .generatedColumn)
            translator.scopes = [
                TranslationScope(sources: [
                    .init(alias: table.name, relation: .init(name: table.name, columns: columns))
                ])
            ]
            do {
                let expression = try translator.translate(definition.expression)
                let type = chooseType(table, column, profile[column.name] ?? ColumnProfile())
                let plan = GeneratedColumnPlan(
                    name: column.name, position: position, type: type, stored: definition.stored,
                    expression: expression.sql)
                let sql =
                    existing ? ["ALTER TABLE \(SQLiteTranslator.quote(table.name)) ADD COLUMN \(plan.definition)"] : []
                objects.append(
                    .init(
                        kind: .generatedColumn, name: name, table: table.name, sourceSQL: sourceSQL, action: .create,
                        targetSQL: sql,
                        reason: existing ? nil : "defined in CREATE TABLE \(table.name): \(plan.definition)",
                        notes: translator.notes))
                plans.append(plan)
                if let i = columns.firstIndex(where: { $0.name == column.name }) {
                    columns[i] = .init(name: column.name, type: SQLValueType.of(type, affinity: column.affinity))
                }
            } catch let refusal as TranslationRefusal {
                objects.append(
                    .init(
                        kind: .generatedColumn, name: name, table: table.name, sourceSQL: sourceSQL, action: .refuse,
                        reason: refusal.description))
            }
        }
        if !existing {
            tablePlan.generatedColumns = plans.isEmpty ? nil : plans
            fixIndexes(&tablePlan, refused: Set(generated.map(\.name)).subtracting(plans.map(\.name)))
        } else {
            tablePlan.generatedColumns = plans.isEmpty ? nil : plans
        }
        return objects
    }

    func markAvailable(_ name: String, _ columns: inout [TranslationCatalog.Column]) {
        if let i = columns.firstIndex(where: { $0.name == name }) { columns[i].missingReason = nil }
    }

    /// The values SQLite computed, profiled like ordinary columns to choose the target type.
    func profileGenerated(_ table: SourceTable) throws -> [String: ColumnProfile] {
        var probe = table
        probe.columns = table.columns.filter(\.isGenerated).map {
            var c = $0; c.hidden = 0; return c
        }
        return try DataProfiler(source: source).profile(probe).columns
    }

    func chooseType(_ table: SourceTable, _ column: SourceColumn, _ profile: ColumnProfile) -> TargetType {
        let planner = Planner(schema: schema, profiles: [:], orphans: [:], onOrphan: .stop, sourcePath: source.path)
        var warnings: [String] = []
        let indexed = table.indexes.contains { $0.columns.contains(column.name) }
        return planner.chooseType(table: table, column: column, profile: profile, indexed: indexed, warnings: &warnings)
            .type
    }

    /// Indexes on generated columns: a column not carried over drops the index; long text gets the
    /// prefix or hash the planner gives ordinary columns.
    func fixIndexes(_ table: inout TablePlan, refused: Set<String>) {
        let generated = Dictionary(uniqueKeysWithValues: (table.generatedColumns ?? []).map { ($0.name, $0.type) })
        table.indexes = table.indexes.filter { index in !index.columns.contains(where: refused.contains) }
        for i in table.indexes.indices {
            for name in table.indexes[i].columns {
                guard let type = generated[name] else { continue }
                var long = false
                switch type {
                case .text, .blob: long = true
                case .varchar(let n): long = n > Planner.maxIndexedChars
                default: break
                }
                guard long else { continue }
                if table.indexes[i].unique {
                    table.indexes[i].usingHash = true
                } else {
                    table.indexes[i].prefixLengths[name] = Planner.maxIndexedChars
                }
            }
        }
    }
}
