import Foundation

extension SchemaObjectPlanner {
    /// Triggers, translated against the final catalog (tables, views, stand-ins for virtual tables). A
    /// trigger that only keeps an external-content FTS index in step is not needed: the FULLTEXT index
    /// that replaces it is maintained by MariaDB.
    func triggers(
        _ catalog: TranslationCatalog, plan: MigrationPlan, ftsIndexes: [String: String]
    ) throws -> [SchemaObjectPlan] {
        var objects: [SchemaObjectPlan] = []
        var writes: [String: (table: String, writes: Set<String>)] = [:]
        for definition in schema.triggerDefinitions {
            var object = SchemaObjectPlan(
                kind: .trigger, name: definition.name, table: definition.table, sourceSQL: definition.sql,
                action: .refuse)
            if existing && target.triggers.contains(definition.name.lowercased()) {
                object.action = .keep
                object.reason = "the target already has trigger \(definition.name) (the application's own)"
                objects.append(object)
                continue
            }
            do {
                let trigger = try SQLParser.createTrigger(definition.sql)
                let written = Set(trigger.body.compactMap(\.writtenTable).map { $0.lowercased() })
                if !written.isEmpty, let fts = written.first, written.allSatisfy({ ftsIndexes[$0] != nil }) {
                    object.action = .skip
                    object.reason =
                        "keeps the FTS index \(fts) in step with \(ftsIndexes[fts]!); "
                        + "MariaDB maintains the FULLTEXT index that replaces it"
                    objects.append(object)
                    continue
                }
                for statement in trigger.body {
                    if let table = statement.writtenTable,
                        let fts = schema.virtualTables.first(where: { $0.name.lowercased() == table.lowercased() }),
                        statement.namesColumn(fts.name)
                    {
                        throw TranslationRefusal(
                            "INSERT INTO \(fts.name)(\(fts.name), …)",
                            "an FTS command ('delete', 'rebuild', …) has no MariaDB counterpart")
                    }
                }
                var translator = SQLiteTranslator(catalog: catalog, context: .trigger)
                let translated = try translator.trigger(trigger)
                object.targetSQL = [translated.sql]
                object.notes = translator.notes + cascadeNote(trigger, plan)
                object.action = .create
                writes[definition.name] = (trigger.table.lowercased(), translated.writes)
            } catch {
                object.reason = "\(error)"
            }
            objects.append(object)
        }
        refuseTriggerCycles(&objects, writes)
        return objects
    }

    /// MariaDB refuses at run time a trigger that, through other triggers, changes the table whose
    /// statement fired it (error 1442); SQLite allows it. Such triggers are refused here.
    func refuseTriggerCycles(
        _ objects: inout [SchemaObjectPlan], _ writes: [String: (table: String, writes: Set<String>)]
    ) {
        var byTable: [String: [String]] = [:]
        for (name, entry) in writes { byTable[entry.table, default: []].append(name) }
        for (name, entry) in writes {
            var seen: Set<String> = []
            var frontier = Array(entry.writes)
            var path: [String] = []
            while let table = frontier.popLast() {
                guard seen.insert(table).inserted else { continue }
                if table == entry.table {
                    guard let i = objects.firstIndex(where: { $0.name == name }) else { break }
                    objects[i].action = .refuse
                    objects[i].targetSQL = []
                    objects[i].reason =
                        "through trigger(s) \(path.joined(separator: ", ")) it changes its own table \(entry.table), "
                        + "which MariaDB refuses (error 1442)"
                    break
                }
                for other in byTable[table] ?? [] {
                    path.append(other)
                    frontier += writes[other]?.writes ?? []
                }
            }
        }
    }

    /// SQLite fires triggers for changes made by foreign-key actions; MariaDB (InnoDB) does not.
    func cascadeNote(_ trigger: SQLCreateTrigger, _ plan: MigrationPlan) -> [String] {
        guard trigger.event != "INSERT",
            let table = plan.table(trigger.table)
                ?? plan.tables.first(where: { $0.name.lowercased() == trigger.table.lowercased() })
        else { return [] }
        let actions = table.foreignKeys.flatMap { [$0.onDelete, $0.onUpdate] }
        guard actions.contains(where: { $0 == "CASCADE" || $0 == "SET NULL" }) else { return [] }
        return [
            "MariaDB does not fire triggers for rows changed by foreign-key actions (CASCADE, SET NULL); SQLite does"
        ]
    }
}

extension SQLStatement {
    var writtenTable: String? {
        switch self {
        case .insert(let i): return i.table
        case .update(let u): return u.table
        case .delete(let d): return d.table
        case .select: return nil
        }
    }

    /// An INSERT that names the FTS table itself as a column: an FTS command.
    func namesColumn(_ name: String) -> Bool {
        if case .insert(let insert) = self {
            return insert.columns?.contains { $0.lowercased() == name.lowercased() } ?? false
        }
        return false
    }
}
