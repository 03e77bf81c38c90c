import Foundation
import MariaDB

/// One try at the cut-over and how long each step took (milliseconds).
public struct CutOverAttempt: Sendable, Codable {
    public var attempt: Int
    public var outcome: String
    public var reason: String?
    /// From the first freeze call to the last thaw answer, as dbctl measured it.
    public var pauseMs: Double = 0
    /// Each instance's own measure of its write gate's pause.
    public var gatePauseMs: [Double] = []
    public var drainedChanges = 0
    public var steps: [String: Double] = [:]
}

/// Why an attempt gave up without harm (the shop thawed on SQLite; retry later) or must stop the run.
enum CutOverAbort: Error {
    case backOff(String)
    case stop(String)
}

/// The cut-over: freeze every instance → take SQLite's write lock → drain the change log to its end (the
/// sentinel: with the writers held, the log's high-water mark is the last change there will be) → compare
/// every table's count on both sides → AUTO_INCREMENT above the maxima → fence SQLite and commit → switch
/// every instance → thaw. Up to the commit, any step that would push the pause past the budget rolls back,
/// thaws on SQLite and reports a back-off: nothing happened. After it, a failed switch moves the switched
/// instances back, lifts the fence and thaws on SQLite.
struct CutOver {
    let plan: MigrationPlan
    let live: SQLiteSource
    let applier: ChangeApplier
    let target: MariaDBConfiguration
    let capture: ChangeCapture
    let control: AppControl
    /// The database URL the instances switch to (no password; `appPasswordFile` carries it).
    let appTargetURL: String
    let appPasswordFile: String?
    let hooks: Hooks
    let maxPauseMs: Int
    let leaseMs: Int
    let environment: [String: String]

    func attempt(_ number: Int) throws -> CutOverAttempt {
        var record = CutOverAttempt(attempt: number, outcome: "switched")
        let started = Date()
        var mark = started
        func step(_ name: String) {
            let now = Date()
            record.steps[name] = now.timeIntervalSince(mark) * 1000
            mark = now
        }
        func remaining() -> Int { maxPauseMs - Int(Date().timeIntervalSince(started) * 1000) }
        func within(_ what: String) throws {
            if remaining() <= 0 { throw CutOverAbort.backOff("\(what) took the pause past \(maxPauseMs) ms") }
        }
        var frozen: [AppInstance] = []
        var sqliteLocked = false
        var committed = false
        do {
            // 1. Freeze every instance (at once).
            let freezes = control.onAll { [leaseMs, maxPauseMs] app in
                try control.freeze(app, leaseMs: leaseMs, drainTimeoutMs: max(50, maxPauseMs / 2))
            }
            for (app, result) in zip(control.apps, freezes) {
                if case .success = result { frozen.append(app) }
            }
            if let failure = freezes.first(where: {
                if case .failure = $0 { return true }
                return false
            }),
                case .failure(let error) = failure
            {
                throw CutOverAbort.backOff("freeze: \(error)")
            }
            step("freeze")
            try within("freezing the instances")
            // 2. SQLite's write lock: writers outside the instances (and in-flight ones) wait on their busy timeout.
            live.setBusyTimeout(milliseconds: Int32(max(1, remaining())))
            do { try live.executeScript("BEGIN IMMEDIATE") } catch is SQLiteBusyError {
                throw CutOverAbort.backOff("another writer held SQLite's write lock for the whole pause budget")
            }
            sqliteLocked = true
            step("lock")
            let problems = try capture.schemaChanges(live)
            if !problems.isEmpty {
                throw CutOverAbort.stop(
                    "the source's schema changed during the migration: \(problems.joined(separator: "; "))")
            }
            // 3. Drain to the end of the log.
            while true {
                let batch = try applier.applyNext(from: live, limit: 5_000)
                record.drainedChanges += batch.changes
                if batch.changes == 0 { break }
                try within("draining \(record.drainedChanges) changes")
            }
            step("drain")
            // 4. Counts on both sides, and AUTO_INCREMENT.
            try compareCounts()
            step("counts")
            try within("comparing the table counts")
            try AutoIncrement.align(plan: plan, source: live, target: applier)
            step("auto_increment")
            try within("aligning AUTO_INCREMENT")
            // 5. Fence SQLite, then switch the application.
            let tables = try Fence.applicationTables(live)
            var script = Fence.installScript(tables: tables, message: Fence.message(target: target.endpoint))
            script += capture.tables.flatMap { table in
                ["_i", "_u", "_d"].map { ChangeCapture.triggerPrefix + table.name + $0 }
            }
            .map { "DROP TRIGGER IF EXISTS \(ChangeCapture.quote($0));\n" }.joined()
            script +=
                "INSERT OR REPLACE INTO \(ChangeCapture.quote(ChangeCapture.metaTable)) VALUES ('phase', 'cut_over');\n"
            try live.executeScript(script)
            try within("fencing SQLite")
            if let hook = hooks.cutOver {
                // The application's writers are waiting on SQLite's lock; the hook repoints and reloads it.
                try Hooks.run(hook, event: "cut-over", environment: environment, timeoutSeconds: hooks.timeoutSeconds)
                step("hook")
            }
            try live.executeScript("COMMIT")
            sqliteLocked = false
            committed = true
            try applier.setPhase(.cutOver)
            step("fence")
            Failpoint.reached("after-fence")
            if !control.apps.isEmpty {
                try switchAll()
                step("switch")
            }
            let thaws = control.onAll { app in try control.thaw(app) }
            frozen = []
            for result in thaws {
                if case .success(let state) = result, let paused = state.paused_ms { record.gatePauseMs.append(paused) }
            }
            step("thaw")
            record.pauseMs = Date().timeIntervalSince(started) * 1000
            return record
        } catch {
            if sqliteLocked { try? live.executeScript("ROLLBACK") }
            if committed { try undoFence() }
            if !frozen.isEmpty { _ = AppControl(apps: frozen).onAll { app in try control.thaw(app) } }
            record.pauseMs = Date().timeIntervalSince(started) * 1000
            switch error {
            case CutOverAbort.backOff(let reason):
                record.outcome = "backed_off"
                record.reason = reason
                return record
            case CutOverAbort.stop(let reason):
                throw MigrationError(reason)
            default:
                if error is AppControlError || String(describing: error).hasPrefix("app ") {
                    record.outcome = "backed_off"
                    record.reason = "\(error)"
                    return record
                }
                throw error
            }
        }
    }

    /// Switches every instance; on any failure the ones already switched go back to SQLite.
    func switchAll() throws {
        let before = control.onAll { app in try control.state(app) }
        if Failpoint.armed == "after-first-switch", let first = control.apps.first {
            _ = try? control.switchDatabase(
                first, url: appTargetURL, passwordFile: appPasswordFile, timeoutMs: max(2_000, maxPauseMs * 4))
            Failpoint.reached("after-first-switch")
        }
        let results = control.onAll { [appTargetURL, appPasswordFile, maxPauseMs] app in
            try control.switchDatabase(
                app, url: appTargetURL, passwordFile: appPasswordFile, timeoutMs: max(2_000, maxPauseMs * 4))
        }
        guard
            let failure = results.compactMap({ result -> (any Error)? in
                if case .failure(let error) = result { return error }
                return nil
            }).first
        else { return }
        for (index, result) in results.enumerated() {
            guard case .success = result, case .success(let old) = before[index] else { continue }
            _ = try? control.switchDatabase(
                control.apps[index], url: "sqlite://" + old.database, passwordFile: nil, timeoutMs: 5_000)
        }
        throw failure
    }

    /// The switch failed after SQLite was fenced: lift the fence, put the capture back (no write happened
    /// in between: every writer was held), return to applying.
    func undoFence() throws {
        try live.executeScript("BEGIN IMMEDIATE")
        do {
            var script = try Fence.removeScript(live)
            script += capture.tables.map(capture.triggers).joined()
            script += "DELETE FROM \(ChangeCapture.quote(ChangeCapture.metaTable)) WHERE name = 'phase';\n"
            try live.executeScript(script)
            try live.executeScript("COMMIT")
        } catch {
            try? live.executeScript("ROLLBACK")
            throw error
        }
        try applier.setPhase(.applying)
    }

    /// The row count on both sides of every table that changed since the snapshot (the target's counted on
    /// another thread at the same time). A table without a change still holds the verified copy: its
    /// capture triggers were in place the whole time (the schema check proves it), so nothing was missed.
    func compareCounts() throws {
        let names = plan.tables.map(\.name).filter(applier.touched.contains)
        let targetCounts = BackgroundTargetCounts(target: target, tables: names)
        var differences: [String] = []
        var sourceCounts: [String: Int64] = [:]
        for name in names {
            if case .integer(let n) = try live.scalar("SELECT count(*) FROM \(SourceInspector.quote(name))") {
                sourceCounts[name] = n
            }
        }
        let counted = try targetCounts.value()
        for name in names where sourceCounts[name] != counted[name] {
            differences.append("\(name): SQLite \(sourceCounts[name] ?? -1), MariaDB \(counted[name] ?? -1)")
        }
        if !differences.isEmpty {
            throw CutOverAbort.stop(
                "row counts differ after draining the change log: \(differences.joined(separator: "; ")); the shop "
                    + "stays on SQLite"
            )
        }
    }
}

/// `count(*)` of each table on a connection of its own, on its own thread.
final class BackgroundTargetCounts: @unchecked Sendable {
    private var result: Result<[String: Int64], any Error>?
    private let done = DispatchSemaphore(value: 0)

    init(target: MariaDBConfiguration, tables: [String]) {
        Thread.detachNewThread { [self] in
            result = Result {
                let connection = try BlockingConnection.connect(target)
                defer { connection.close() }
                var counts: [String: Int64] = [:]
                for table in tables {
                    let row = try connection.query(
                        MariaDBQuery(unsafeSQL: "SELECT count(*) FROM \(MariaDBIdentifier.quote(table))")
                    ).rows.first
                    counts[table] = try row?.decode(0, as: Int64.self)
                }
                return counts
            }
            done.signal()
        }
    }

    func value() throws -> [String: Int64] {
        done.wait()
        return try result!.get()
    }
}
