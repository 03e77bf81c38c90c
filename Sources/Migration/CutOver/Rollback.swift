import Foundation
import MariaDB

/// `dbctl rollback`: the running shop back to SQLite with every change made on MariaDB. The MariaDB change
/// log is applied to the fenced SQLite file while the shop keeps writing; then, within the pause budget:
/// freeze every instance → drain the rest (every writer held) → compare counts → lift the fence → switch
/// every instance to the SQLite file → thaw. A step past the budget thaws on MariaDB and retries.
public struct Rollback {
    public var sourcePath: String
    public var target: MariaDBConfiguration
    public var apps: [AppInstance]
    public var maxPauseMs = 500
    public var leaseMs = 3_000
    public var maxAttempts = 30
    /// The URL and password file the instances use for MariaDB, should they have to go back to it.
    public var appTargetURL: String?
    public var appPasswordFile: String?

    public init(sourcePath: String, target: MariaDBConfiguration, apps: [AppInstance]) {
        self.sourcePath = sourcePath
        self.target = target
        self.apps = apps
    }

    public struct Outcome: Sendable, Codable {
        public var appliedChanges = 0
        public var attempts: [CutOverAttempt] = []
        public var pauseMs: Double?
        public var totalSeconds = 0.0
    }

    /// Named checks; nothing is written.
    public func inspect() throws -> [Check] {
        var checks: [Check] = []
        let connection = try BlockingConnection.connect(target)
        defer { connection.close() }
        let state = try OnlineState.all(on: connection)
        if state["phase"] != OnlineState.Phase.cutOver.rawValue {
            checks.append(
                Check(
                    name: "rollback.state", status: .failed,
                    detail:
                        "\(target.endpoint) has no cut-over online migration to roll back (phase "
                            + "\(state["phase"] ?? "none"))"
                ))
        } else {
            checks.append(
                Check(
                    name: "rollback.state", status: .ok,
                    detail: "cut over at \(state["cut_over_at"] ?? "?"); MariaDB's changes since then are captured"))
        }
        let file = try SQLiteSource(path: sourcePath)
        defer { file.close() }
        checks.append(
            try Self.sourceCheck(file, path: sourcePath))
        if apps.isEmpty {
            checks.append(
                Check(
                    name: "rollback.apps", status: .failed,
                    detail: "name the running storefront instances with --app URL (and --app-key-file)"))
        }
        let control = AppControl(apps: apps)
        for (app, result) in zip(apps, control.onAll({ try control.state($0) })) {
            switch result {
            case .failure(let error): checks.append(Check(name: "rollback.apps", status: .failed, detail: "\(error)"))
            case .success(let s) where s.backend != "mariadb":
                checks.append(
                    Check(
                        name: "rollback.apps", status: .failed,
                        detail: "app \(app.url) runs on \(s.backend) \(s.database), not on MariaDB"))
            case .success(let s):
                checks.append(
                    Check(name: "rollback.apps", status: .ok, detail: "app \(app.url): mariadb \(s.database)"))
            }
        }
        return checks
    }

    /// The file must be the one the cut-over fenced. A rollback killed between lifting the fence and
    /// switching the instances leaves it unfenced but still marked as cut over: the fence goes back first.
    static func sourceCheck(_ file: SQLiteSource, path: String) throws -> Check {
        if try Fence.isInstalled(file) {
            return Check(name: "rollback.source", status: .ok, detail: "\(path) is fenced (no write reached it since the cut-over)")
        }
        if try interruptedRollback(file) {
            return Check(
                name: "rollback.source", status: .warning,
                detail: "\(path) is unfenced by an interrupted rollback; the fence is put back before anything else")
        }
        return Check(
            name: "rollback.source", status: .failed,
            detail: "\(path) carries no fence: it is not the file this migration left")
    }

    static func interruptedRollback(_ file: SQLiteSource) throws -> Bool {
        guard try ChangeCapture.isInstalled(file) else { return false }
        let phase = try file.rows(
            "SELECT value FROM \(ChangeCapture.quote(ChangeCapture.metaTable)) WHERE name = 'phase'"
        ).first?.first
        return phase.map(SQLiteValue.string) == OnlineState.Phase.cutOver.rawValue
    }

    public func run(log: @escaping (String) -> Void) throws -> Outcome {
        let started = Date()
        var outcome = Outcome()
        let admin = try BlockingConnection.connect(target)
        defer { admin.close() }
        let state = try OnlineState.all(on: admin)
        guard let text = state["plan"], let plan = try? JSONDecoder().decode(MigrationPlan.self, from: Data(text.utf8))
        else {
            throw MigrationError("\(target.endpoint): the online migration's plan is missing from \(OnlineState.table)")
        }
        let live = try SQLiteSource(path: sourcePath, writable: true, busyTimeoutMilliseconds: 5_000)
        defer { live.close() }
        if try !Fence.isInstalled(live), try Self.interruptedRollback(live) {
            let fence = Fence.installScript(
                tables: try Fence.applicationTables(live), message: Fence.message(target: target.endpoint))
            try live.executeScript("BEGIN IMMEDIATE;\n" + fence + "COMMIT;")
            log("an interrupted rollback had lifted the fence on \(sourcePath): fenced again")
        }
        let applier = try ReverseApplier(plan: plan, target: target)
        defer { applier.close() }
        let control = AppControl(apps: apps)
        var attempt = 0
        var nextAttempt = Date()
        var backOff = 0.5
        var lastLog = Date.distantPast
        while true {
            let applied = try applier.applyNext(to: live, limit: 2_000)
            let lag = try applier.lag()
            if Date().timeIntervalSince(lastLog) >= 1 {
                log(
                    String(
                        format: "applying back: %d changes applied, %d pending, oldest %.1f s", applier.applied,
                        lag.pending, lag.oldestSeconds))
                lastLog = Date()
            }
            if lag.pending <= 1_000 && Date() >= nextAttempt {
                attempt += 1
                let record = try cutBack(attempt, plan: plan, live: live, applier: applier, control: control)
                outcome.attempts.append(record)
                if record.outcome == "switched" {
                    outcome.pauseMs = record.pauseMs
                    break
                }
                log(
                    String(
                        format: "rollback attempt %d backed off after %.0f ms: %@", attempt, record.pauseMs,
                        record.reason ?? ""))
                guard attempt < maxAttempts else {
                    throw MigrationError("the rollback backed off \(attempt) times; the shop stays on MariaDB")
                }
                nextAttempt = Date().addingTimeInterval(backOff)
                backOff = min(backOff * 2, 8)
            }
            if applied == 0 { usleep(20_000) }
        }
        outcome.appliedChanges = applier.applied
        // The window is closed: capture and fence go, the shop is where it was before the migration.
        try ReverseCapture.remove(on: admin)
        try OnlineState.set("phase", OnlineState.Phase.rolledBack.rawValue, on: admin)
        try ChangeCapture.remove(from: live)
        outcome.totalSeconds = Date().timeIntervalSince(started)
        return outcome
    }

    func cutBack(
        _ number: Int, plan: MigrationPlan, live: SQLiteSource, applier: ReverseApplier, control: AppControl
    ) throws -> CutOverAttempt {
        var record = CutOverAttempt(attempt: number, outcome: "switched")
        let started = Date()
        var mark = started
        func step(_ name: String) {
            record.steps[name] = Date().timeIntervalSince(mark) * 1000
            mark = Date()
        }
        func over() -> Bool { Date().timeIntervalSince(started) * 1000 > Double(maxPauseMs) }
        var frozen: [AppInstance] = []
        var locked = false
        func backOff(_ reason: String) -> CutOverAttempt {
            if locked { try? live.executeScript("ROLLBACK") }
            _ = AppControl(apps: frozen).onAll { try control.thaw($0) }
            record.outcome = "backed_off"
            record.reason = reason
            record.pauseMs = Date().timeIntervalSince(started) * 1000
            return record
        }
        let before = control.onAll { try control.state($0) }
        let freezes = control.onAll { [leaseMs, maxPauseMs] in
            try control.freeze($0, leaseMs: leaseMs, drainTimeoutMs: max(50, maxPauseMs / 2))
        }
        for (app, result) in zip(apps, freezes) { if case .success = result { frozen.append(app) } }
        if frozen.count != apps.count { return backOff("freeze failed on \(apps.count - frozen.count) instance(s)") }
        step("freeze")
        live.setBusyTimeout(milliseconds: Int32(max(1, maxPauseMs)))
        do { try live.executeScript("BEGIN IMMEDIATE") } catch { return backOff("SQLite's write lock: \(error)") }
        locked = true
        step("lock")
        while true {
            let drained = try applier.applyNext(to: live, limit: 5_000)
            if drained == 0 { break }
            record.drainedChanges += drained
            if over() { return backOff("draining took the pause past \(maxPauseMs) ms") }
        }
        step("drain")
        let counts = BackgroundTargetCounts(target: target, tables: plan.tables.map(\.name))
        var differences: [String] = []
        let targetCounts = try counts.value()
        for table in plan.tables {
            if case .integer(let n) = try live.scalar("SELECT count(*) FROM \(SourceInspector.quote(table.name))"),
                n != targetCounts[table.name]
            {
                differences.append("\(table.name): SQLite \(n), MariaDB \(targetCounts[table.name] ?? -1)")
            }
        }
        if !differences.isEmpty {
            _ = backOff("counts differ")
            throw MigrationError(
                "row counts differ after applying MariaDB's changes back: \(differences.joined(separator: "; ")); "
                    + "the shop stays on MariaDB"
            )
        }
        step("counts")
        if over() { return backOff("the checks took the pause past \(maxPauseMs) ms") }
        try live.executeScript(try Fence.removeScript(live))
        try live.executeScript("COMMIT")
        locked = false
        step("unfence")
        let path = URL(fileURLWithPath: sourcePath).standardizedFileURL.path
        let switches = control.onAll {
            try control.switchDatabase($0, url: "sqlite://" + path, passwordFile: nil, timeoutMs: 5_000)
        }
        if let failure = switches.first(where: {
            if case .failure = $0 { return true }
            return false
        }), case .failure(let error) = failure {
            // Put the ones that moved back on MariaDB and fence SQLite again before anyone writes there.
            for (index, result) in switches.enumerated() {
                guard case .success = result, case .success(let old) = before[index], old.backend == "mariadb" else {
                    continue
                }
                _ = try? control.switchDatabase(
                    apps[index], url: appTargetURL ?? "mysql://\(target.endpoint)", passwordFile: appPasswordFile,
                    timeoutMs: 5_000)
            }
            try live.executeScript(
                "BEGIN IMMEDIATE; "
                    + Fence.installScript(
                        tables: try Fence.applicationTables(live), message: Fence.message(target: target.endpoint))
                    + "COMMIT;")
            return backOff("switch: \(error)")
        }
        step("switch")
        let thaws = control.onAll { try control.thaw($0) }
        for result in thaws {
            if case .success(let s) = result, let paused = s.paused_ms { record.gatePauseMs.append(paused) }
        }
        step("thaw")
        record.pauseMs = Date().timeIntervalSince(started) * 1000
        return record
    }
}
