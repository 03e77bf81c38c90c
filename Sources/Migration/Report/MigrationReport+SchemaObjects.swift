extension SchemaObjectOutcome {
    var label: String {
        let noun = [
            "view": "view", "trigger": "trigger", "generated_column": "generated column",
            "virtual_table": "virtual table",
        ]
        return "\(noun[kind.rawValue] ?? kind.rawValue) \(name)"
    }
}

extension MigrationReport {
    /// One line per view, trigger, generated column and virtual table: what happened and why.
    public var schemaObjectLines: [String] {
        guard let objects = schemaObjects, !objects.isEmpty else { return [] }
        let count = { (status: SchemaObjectOutcome.Status) in objects.filter { $0.status == status }.count }
        var summary: [String] = []
        if count(.planned) > 0 { summary.append("\(count(.planned)) to create") }
        if count(.created) > 0 { summary.append("\(count(.created)) created") }
        if count(.kept) > 0 { summary.append("\(count(.kept)) kept (the target's own)") }
        summary.append("\(count(.notCarriedOver)) not carried over")
        var lines = ["schema objects: " + summary.joined(separator: ", ")]
        for object in objects {
            switch object.status {
            case .created, .planned:
                lines.append(
                    "  \(object.status == .created ? "created" : "will create") \(object.label)"
                        + (object.notes.isEmpty ? "" : " (note: \(object.notes.joined(separator: "; ")))"))
            case .kept:
                lines.append("  kept \(object.label): \(object.reason ?? "the target's own")")
            case .notCarriedOver:
                lines.append("  NOT carried over: \(object.label): \(object.reason ?? "")")
            }
        }
        return lines
    }

    var schemaObjectVerificationLines: [String] {
        guard let results = schemaObjectVerification, !results.isEmpty else { return [] }
        let differing = results.filter { !$0.identical }
        let views = results.filter { $0.kind == .view }.count
        let tables = results.count - views
        var compared: [String] = []
        if views > 0 { compared.append("\(views) view(s)") }
        if tables > 0 { compared.append("generated columns of \(tables) table(s)") }
        var lines = [
            differing.isEmpty
                ? "verify: identical — " + compared.joined(separator: ", ")
                : "verify: \(differing.count) view(s) or generated column set(s) differ"
        ]
        for result in differing {
            let what = result.kind == .view ? "view \(result.name)" : "generated columns of \(result.name)"
            if let error = result.error { lines.append("  \(what): \(error)"); continue }
            lines.append("  \(what): source \(result.sourceRows) rows, target \(result.targetRows)")
            for difference in result.differences.prefix(20) { lines.append("    values_differ: \(difference)") }
            if result.differences.count > 20 {
                lines.append("    … \(result.differences.count - 20) more in the JSON report")
            }
        }
        return lines
    }
}
