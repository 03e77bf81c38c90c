import Foundation
import MariaDB

extension TableCopier {
    /// A load into the application's schema hit a unique key (duplicate-entry warning): names the key's columns
    /// and the primary keys of two source rows the target's collation considers equal. SQLite compared them
    /// as different (trailing spaces under a PAD SPACE collation, case or accents under a `_ci` one).
    func duplicateKey(_ error: any Error, connection: BlockingConnection) throws -> MigrationError? {
        guard let error = error as? MariaDBError, error.errno == 1062 || error.errno == 1586,
              let range = error.message.range(of: "for key '", options: .backwards) else { return nil }
        let quotedKey = error.message[range.upperBound...].prefix { $0 != "'" }
        let keyName = String(quotedKey.split(separator: ".").last ?? quotedKey)
        let columns = try connection.query("""
            SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = \(plan.name)
              AND INDEX_NAME = \(keyName) ORDER BY SEQ_IN_INDEX
            """).rows.map { try $0.decode(0, as: String.self) }
        guard !columns.isEmpty, columns.allSatisfy({ plan.column($0) != nil }) else { return nil }
        let keys = plan.primaryKey.isEmpty ? ["rowid"] : plan.primaryKey
        let list = (keys + columns).map { $0 == "rowid" ? "rowid" : SourceInspector.quote($0) }.joined(separator: ", ")
        let source = try SQLiteSource(path: sourcePath)
        defer { source.close() }
        var seen: [String: String] = [:]
        var found: (String, String)?
        try source.query("SELECT \(list) FROM \(SourceInspector.quote(plan.name)) ORDER BY \(keys.map { $0 == "rowid" ? "rowid" : SourceInspector.quote($0) }.joined(separator: ", "))") { row in
            guard found == nil else { return }
            var parts: [String] = []
            for (offset, name) in columns.enumerated() {
                let value = row.value(keys.count + offset)
                if case .null = value { return }
                guard let column = plan.column(name),
                      let converted = try? ValueConversion.convert(value, to: column.type, numbers: column.temporalNumbers) else { return }
                parts.append(Self.collationKey(Verifier.canonical(converted), collation: column.collation))
            }
            let key = keys.enumerated().map { "\($0.element)=\(OrphanNames.text(row.value($0.offset)))" }.joined(separator: ", ")
            let joined = parts.joined(separator: "\u{1F}")
            if let first = seen[joined] { found = (first, key) } else { seen[joined] = key }
        }
        guard let (first, second) = found else { return nil }
        let collations = Set(columns.compactMap { plan.column($0)?.collation }).sorted()
        var rule: [String] = []
        if collations.contains(where: { !$0.contains("nopad") }) {
            rule.append("PAD SPACE: trailing spaces are ignored")
        }
        if collations.contains(where: { $0.contains("_ci") }) { rule.append("case and accents are folded") }
        return MigrationError("""
            table \(plan.name), unique key \(keyName) (\(columns.joined(separator: ", "))): rows \(first) and \(second) are equal \
            under the target's \(collations.joined(separator: ", "))\(rule.isEmpty ? "" : " (\(rule.joined(separator: "; ")))"), \
            which SQLite compared as different; nothing of this table was written
            """)
    }

    /// How a collation sees a value, closely enough to find the pair MariaDB rejected.
    static func collationKey(_ text: String, collation: String?) -> String {
        guard let collation = collation?.lowercased() else { return text }
        var key = text
        if !collation.contains("nopad") {
            while key.hasSuffix(" ") { key.removeLast() }
        }
        if collation.contains("_ci") { key = key.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil) }
        return key
    }
}
