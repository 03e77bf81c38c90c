import Foundation

/// Everything a run found and did, as JSON and as text.
public struct MigrationReport: Sendable, Codable, ReportJSON {
    public var source: String
    public var target: String
    public var mode: String
    public var orm: String
    public var checks: [Check]
    public var warnings: [String]
    public var typeDecisions: [String: [String: String]]
    public var orphans: [String: Int]
    public var copy: MigrationRunResult?
    public var verification: [TableVerification]?
    /// Every view, trigger, generated column and virtual table: created, kept, or not carried over and why.
    public var schemaObjects: [SchemaObjectOutcome]?
    /// Views' rows and generated columns' values compared (part of the verification).
    public var schemaObjectVerification: [SchemaObjectVerification]?
    public var totalSeconds: Double
    /// The tool's state table was dropped: the run completed and nothing is left to resume.
    public var stateRemoved = false

    public var verified: Bool {
        (verification.map { $0.allSatisfy(\.identical) } ?? false)
            && (schemaObjectVerification ?? []).allSatisfy(\.identical)
    }

    public init(source: String, target: String, plan: MigrationPlan, checks: [Check], orphans: [String: Int]) {
        self.source = source
        self.target = target
        self.mode = plan.schemaMode.rawValue
        self.orm = plan.orm.rawValue
        self.checks = checks
        self.warnings = plan.warnings
        self.typeDecisions = Dictionary(uniqueKeysWithValues: plan.tables.map { table in
            (table.name, Dictionary(uniqueKeysWithValues: table.columns.map { ("\($0.name)", "\($0.sourceType.isEmpty ? "(none)" : $0.sourceType) → \($0.type.sql): \($0.reason)") }))
        })
        self.orphans = orphans
        self.schemaObjects = plan.schemaObjects.map { $0.map(SchemaObjectOutcome.planned) }
        self.totalSeconds = 0
    }

    public var text: String {
        var lines: [String] = []
        if let copy {
            let rows = copy.tables.map(\.rows).reduce(0, +)
            let bytes = copy.tables.map(\.bytes).reduce(0, +)
            let copySeconds = copy.phases["copy"] ?? 0
            lines.append("copy: \(rows) rows, \(ByteCountFormatter.string(fromByteCount: Int64(bytes), countStyle: .file)) in \(String(format: "%.2f", copySeconds)) s (\(String(format: "%.0f", Double(rows) / max(copySeconds, 0.001))) rows/s); schema \(String(format: "%.2f", copy.phases["schema"] ?? 0)) s, indexes+FKs \(String(format: "%.2f", copy.phases["indexes"] ?? 0)) s")
            if !copy.skippedTables.isEmpty { lines.append("resumed: \(copy.skippedTables.count) table(s) were already copied") }
            if copy.quarantined > 0 { lines.append("quarantined: \(copy.quarantined) row(s)") }
            for seeded in copy.seeded {
                lines.append("replaced \(seeded.rows) rows the target's migrations had created in \(seeded.table)"
                             + (seeded.unmatchedCount > 0 ? " (\(seeded.unmatchedCount) without a source counterpart deleted)" : ""))
            }
            for table in copy.tables where table.rounded > 0 {
                lines.append("rounded: \(table.rounded) decimal value(s) in \(table.table) to the column's scale (--round-decimals)")
            }
            func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
                s.count >= width ? s : (left ? s + String(repeating: " ", count: width - s.count) : String(repeating: " ", count: width - s.count) + s)
            }
            lines.append(pad("table", 28, left: true) + pad("rows", 11) + pad("rows/s", 11) + pad("seconds", 9))
            for table in copy.tables.sorted(by: { $0.table < $1.table }) {
                lines.append(pad(table.table, 28, left: true) + pad(String(table.rows), 11)
                             + pad(String(format: "%.0f", Double(table.rows) / max(table.seconds, 0.001)), 11) + pad(String(format: "%.2f", table.seconds), 9))
            }
        }
        lines += schemaObjectLines
        if let verification {
            let differing = verification.filter { !$0.identical }
            let rows = verification.map(\.sourceRows).reduce(0, +)
            lines.append(differing.isEmpty
                ? "verify: identical — \(verification.count) tables, \(rows) rows, \(verification.map(\.chunks).reduce(0, +)) chunks compared"
                : "verify: \(differing.count) table(s) differ")
            for table in differing {
                lines.append("  \(table.table): source \(table.sourceRows) rows, target \(table.targetRows); \(table.mismatchedChunks) chunk(s) differ")
                for difference in table.differences.prefix(20) {
                    lines.append("    \(difference.kind.rawValue): \(difference.key)\(difference.columns.isEmpty ? "" : " (columns \(difference.columns.joined(separator: ", ")))")")
                }
                if table.differences.count > 20 { lines.append("    … \(table.differences.count - 20) more in the JSON report") }
            }
        }
        lines += schemaObjectVerificationLines
        if copy != nil {
            lines.append(stateRemoved ? "state: \(Migrator.stateTable) removed; the database holds only the application's tables"
                         : "state: \(Migrator.stateTable) kept; rerun the same command to resume or re-verify")
        }
        lines.append("total: \(String(format: "%.2f", totalSeconds)) s")
        return lines.joined(separator: "\n")
    }
}
