import Foundation
import MariaDB

/// The go/no-go record of a rehearsal on staging.
public struct RehearsalReport: Sendable, Codable, ReportJSON {
    public var source: String
    public var staging: String
    public var snapshotSeconds = 0.0
    public var snapshotBytes = 0
    public var copy: MigrationReport?
    public var verified = false
    public var smoke: [SmokeResult] = []
    /// Rows inserted per second into the live file during the sample (new rowids; updates are not visible
    /// without a capture, which a rehearsal does not install).
    public var sourceInsertsPerSecond = 0.0
    public var sampleSeconds = 0.0
    /// The change applier's speed on staging, measured on a synthetic batch of changes.
    public var applierChangesPerSecond = 0.0
    /// Comparing every table's count on both sides, as the cut-over does inside its pause.
    public var countCheckMs = 0.0
    public var predictedPauseMs = 0.0
    public var maxPauseMs = 500
    public var go = false
    public var reasons: [String] = []
    public var totalSeconds = 0.0

    public var text: String {
        var lines: [String] = []
        if let copy { lines.append(copy.text) }
        lines.append(
            String(
                format: "snapshot of the live file: %.1f MiB in %.2f s (the shop was not paused)",
                Double(snapshotBytes) / 1_048_576, snapshotSeconds))
        for result in smoke {
            lines.append(
                String(
                    format: "  %@ %@ → %d (%.0f ms)%@", result.ok ? "✓" : "✗", result.name, result.status,
                    result.milliseconds,
                    result.detail.map { " — \($0)" } ?? ""))
        }
        lines.append(
            String(format: "source write rate: %.1f inserts/s (sampled %.0f s)", sourceInsertsPerSecond, sampleSeconds))
        lines.append(
            String(
                format: "applier on staging: %.0f changes/s; count check %.0f ms", applierChangesPerSecond, countCheckMs
            ))
        lines.append(String(format: "predicted cut-over pause: %.0f ms (budget %d ms)", predictedPauseMs, maxPauseMs))
        lines.append(
            go
                ? "GO: staging verified identical, smoke checks passed, the pause fits the budget"
                : "NO-GO: " + reasons.joined(separator: "; "))
        return lines.joined(separator: "\n")
    }
}

/// `dbctl rehearse`: a consistent copy of the live file (the shop is not disturbed), migrated into a staging
/// server and verified, smoke-checked, measured, and judged.
public struct Rehearsal {
    public var session: MigrationSession
    public var workDirectory: String
    public var sampleSeconds = 5.0
    public var maxPauseMs = 500
    /// Instances the cut-over will switch (each costs a freeze, a switch and a thaw call).
    public var instances = 1

    public init(session: MigrationSession, workDirectory: String) {
        self.session = session
        self.workDirectory = workDirectory
    }

    /// `prepare` runs on the staging database before the copy (the application's own migrations); `smoke`
    /// after it.
    public func run(
        prepare: () throws -> Void, smoke: () throws -> [SmokeResult], log: (String) -> Void
    ) throws -> RehearsalReport {
        let started = Date()
        var report = RehearsalReport(source: session.sourcePath, staging: session.target.endpoint)
        report.maxPauseMs = maxPauseMs
        let snapshotPath = workDirectory + "/rehearsal-\(UUID().uuidString.prefix(8)).sqlite"
        defer { Snapshot.discard(snapshotPath) }
        let live = try SQLiteSource(path: session.sourcePath)
        let before = try Self.rowids(live)
        let sampleStarted = Date()
        let snapshotStarted = Date()
        try live.execute("VACUUM INTO ?", binds: [.text(Array(snapshotPath.utf8))])
        report.snapshotSeconds = Date().timeIntervalSince(snapshotStarted)
        report.snapshotBytes = ((try? FileManager.default.attributesOfItem(atPath: snapshotPath))?[.size] as? Int) ?? 0
        log(String(format: "snapshot: %.2f s", report.snapshotSeconds))

        try prepare()
        var copySession = session
        copySession.sourcePath = snapshotPath
        let inspection = try copySession.inspect()
        guard inspection.failed.isEmpty else {
            throw MigrationError(
                "staging: \(inspection.failed.map { "\($0.name): \($0.detail)" }.joined(separator: "; "))")
        }
        let copy = try copySession.execute(
            inspection, options: MigrationOptions(), verify: true, reporter: ProgressReporter(enabled: false))
        report.copy = copy
        report.verified = copy.verified
        log("copied and verified: \(copy.verified ? "identical" : "DIFFERENCES")")
        report.countCheckMs = try countCheck(plan: inspection.plan, snapshot: snapshotPath)
        report.applierChangesPerSecond = try applierRate(plan: inspection.plan, snapshot: snapshotPath)
        report.smoke = try smoke()

        let elapsed = Date().timeIntervalSince(sampleStarted)
        if elapsed < sampleSeconds { usleep(UInt32((sampleSeconds - elapsed) * 1_000_000)) }
        // Rows above each table's highest rowid of the sample's start are the rows inserted since.
        var inserted: Int64 = 0
        for (table, highest) in before {
            let sql = "SELECT count(*) FROM \(SourceInspector.quote(table)) WHERE rowid > ?"
            if case .integer(let n)? = try live.rows(sql, binds: [.integer(highest)]).first?.first { inserted += n }
        }
        live.close()
        report.sampleSeconds = Date().timeIntervalSince(sampleStarted)
        report.sourceInsertsPerSecond = Double(inserted) / max(0.001, report.sampleSeconds)
        // The pause: every instance answers three calls (freeze, switch, thaw: a few ms each, and the switch
        // builds and checks a new pool), the counts, and the changes written during the pause's first
        // steps (about the first 50 ms) drained at the applier's speed.
        let drain =
            report.applierChangesPerSecond > 0
            ? report.sourceInsertsPerSecond * 4 * 0.05 / report.applierChangesPerSecond * 1000 : 0
        report.predictedPauseMs = report.countCheckMs + drain + Double(instances) * 30
        if !report.verified { report.reasons.append("staging did not verify identical") }
        let failed = report.smoke.filter { !$0.ok }
        if !failed.isEmpty {
            report.reasons.append("smoke checks failed: " + failed.map(\.name).joined(separator: ", "))
        }
        if report.predictedPauseMs > Double(maxPauseMs) {
            report.reasons.append(
                String(format: "the predicted pause %.0f ms exceeds %d ms", report.predictedPauseMs, maxPauseMs))
        }
        report.go = report.reasons.isEmpty
        report.totalSeconds = Date().timeIntervalSince(started)
        return report
    }

    /// The highest rowid of each rowid table (new rows get higher ones).
    static func rowids(_ file: SQLiteSource) throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        for table in try SourceInspector(source: file).schema().tables where !table.withoutRowID {
            if case .integer(let n) = try file.scalar(
                "SELECT coalesce(max(rowid), 0) FROM \(SourceInspector.quote(table.name))")
            {
                result[table.name] = n
            }
        }
        return result
    }

    func countCheck(plan: MigrationPlan, snapshot: String) throws -> Double {
        let file = try SQLiteSource(path: snapshot)
        defer { file.close() }
        let started = Date()
        let counts = BackgroundTargetCounts(target: session.target, tables: plan.tables.map(\.name))
        for table in plan.tables { _ = try file.scalar("SELECT count(*) FROM \(SourceInspector.quote(table.name))") }
        _ = try counts.value()
        return Date().timeIntervalSince(started) * 1000
    }

    /// Touches up to 2,000 rows of the largest table in the scratch copy under a capture and applies them
    /// to staging; the values do not change, so staging stays identical.
    func applierRate(plan: MigrationPlan, snapshot: String) throws -> Double {
        guard
            let table = plan.tables.filter({
                !$0.withoutRowID && !$0.primaryKey.isEmpty && $0.primaryKey.count <= ChangeCapture.maximumKeyColumns
            })
            .max(by: { $0.rows < $1.rows }), table.rows > 0
        else { return 0 }
        let file = try SQLiteSource(path: snapshot, writable: true)
        defer { file.close() }
        try ChangeCapture(tables: [table]).install(on: file, target: session.target.endpoint)
        let key = SourceInspector.quote(table.primaryKey[0])
        try file.execute(
            "UPDATE \(SourceInspector.quote(table.name)) SET \(key) = \(key) WHERE rowid IN (SELECT rowid FROM "
                + "\(SourceInspector.quote(table.name)) LIMIT 2000)"
        )
        let admin = try BlockingConnection.connect(session.target)
        defer { admin.close() }
        try OnlineState.create(on: admin)
        defer { try? OnlineState.drop(on: admin) }
        let applier = try ChangeApplier(plan: plan, target: session.target, position: 0)
        defer { applier.close() }
        let started = Date()
        var changes = 0
        while true {
            let batch = try applier.applyNext(from: file, limit: 2_000)
            if batch.changes == 0 { break }
            changes += batch.changes
        }
        return Double(changes) / max(0.001, Date().timeIntervalSince(started))
    }
}
