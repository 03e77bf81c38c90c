import Foundation
import MariaDB

/// Settings of an online migration beyond the offline ones.
public struct OnlineOptions: Sendable {
    /// The running storefront instances (their control API); empty when `hooks.cutOver` switches the app.
    public var apps: [AppInstance] = []
    /// The URL the instances switch to; by default the target's, without its password.
    public var appTargetURL: String?
    /// The password file the instances read (their own `DATABASE_PASSWORD_FILE` when nil).
    public var appPasswordFile: String?
    public var hooks = Hooks()
    public var maxPauseMs = 500
    /// The cut-over is tried only when at most this many changes wait.
    public var maxLagRows = 1_000
    /// How long an instance's freeze lasts if dbctl stops renewing it (dies): the gate then opens by itself.
    public var leaseMs = 3_000
    /// While this file exists the run keeps applying changes and does not cut over.
    public var postponeFlagFile: String?
    public var snapshotPath: String?
    public var batchChanges = 2_000
    public var maxAttempts = 30
    public var progressInterval = 1.0
    /// After each batch the applier sleeps this many times the batch's own duration (gh-ost's nice ratio):
    /// 0.5 leaves at least a third of the time to the shop on a busy machine.
    public var niceRatio = 0.0
    public init() {}
}

/// The outcome of an online migration.
public struct OnlineReport: Sendable, Codable, ReportJSON {
    public var source: String
    public var target: String
    public var phase: String = OnlineState.Phase.copying.rawValue
    public var resumed = false
    public var snapshotPosition: Int64 = 0
    public var snapshotSeconds = 0.0
    public var copy: MigrationReport?
    public var appliedChanges = 0
    public var applySeconds = 0.0
    public var changesPerSecond = 0.0
    public var attempts: [CutOverAttempt] = []
    public var pauseMs: Double?
    /// The lag when the successful cut-over started: changes waiting, and the age of the oldest.
    public var lagAtCutOver: Int?
    public var oldestSecondsAtCutOver: Double?
    public var totalSeconds = 0.0

    public var text: String {
        var lines: [String] = []
        if let copy { lines.append(copy.text) }
        lines.append(
            "changes applied after the snapshot (position \(snapshotPosition)): \(appliedChanges)"
                + (applySeconds > 0 ? String(format: ", %.0f changes/s", changesPerSecond) : ""))
        if let lagAtCutOver {
            lines.append(
                String(
                    format: "lag when the cut-over started: %d changes waiting, the oldest %.2f s old", lagAtCutOver,
                    oldestSecondsAtCutOver ?? 0))
        }
        for attempt in attempts {
            let steps = attempt.steps.sorted { $0.key < $1.key }.map { String(format: "%@ %.1f", $0.key, $0.value) }
                .joined(separator: ", ")
            lines.append(
                String(
                    format: "cut-over attempt %d: %@ after %.0f ms%@ (%@)", attempt.attempt, attempt.outcome,
                    attempt.pauseMs,
                    attempt.reason.map { " — \($0)" } ?? "", steps))
        }
        if pauseMs != nil || phase == OnlineState.Phase.cutOver.rawValue {
            lines.append(
                pauseMs.map { String(format: "cut over: writes paused %.0f ms; the shop now writes to %@", $0, target) }
                    ?? "cut over (an interrupted cut-over, finished): the shop now writes to \(target)")
            lines.append(
                "rollback window open: dbctl rollback moves the shop back to SQLite with every order; dbctl migrate "
                    + "finish closes it"
            )
        }
        lines.append(String(format: "total %.1f s", totalSeconds))
        return lines.joined(separator: "\n")
    }
}

/// `dbctl migrate --online`: capture → snapshot → the offline copy of the snapshot (same plan, conversion and
/// verification) → apply the captured changes until the lag is small → cut over with a pause bounded by
/// `maxPauseMs` (retried with back-off when a step would exceed it).
public struct OnlineMigration {
    public var session: MigrationSession
    public var options: OnlineOptions

    public init(session: MigrationSession, options: OnlineOptions) {
        self.session = session
        self.options = options
    }

    var snapshotPath: String { options.snapshotPath ?? Snapshot.defaultPath(for: session.sourcePath) }

    /// The offline inspection plus the online checks. A run that already started takes its plan from the
    /// target's state (the target then holds data, which the offline checks would rightly refuse).
    public func inspect() throws -> MigrationSession.Inspection {
        let admin = try BlockingConnection.connect(session.target)
        defer { admin.close() }
        let state = try OnlineState.all(on: admin)
        let live = try SQLiteSource(path: session.sourcePath)
        defer { live.close() }
        var inspection: MigrationSession.Inspection
        if let text = state["plan"], let plan = try? JSONDecoder().decode(MigrationPlan.self, from: Data(text.utf8)) {
            let phase = state["phase"] ?? "?"
            let resumable = phase == OnlineState.Phase.copying.rawValue || phase == OnlineState.Phase.applying.rawValue
            inspection = .init(
                plan: plan,
                checks: resumable
                    ? [
                        Check(
                            name: "online.state", status: .ok,
                            detail: "an online migration is in progress (phase \(phase)); it resumes")
                    ] : [], orphans: [:])
            if phase == OnlineState.Phase.rolledBack.rawValue {
                inspection.checks.append(
                    Check(
                        name: "online.state", status: .failed,
                        detail: """
                            the previous online migration into \(session.target.endpoint) was rolled back; run dbctl migrate abort \
                            --execute to clear its state, empty the target's tables, and start again
                            """))
            }
            let interrupted = InterruptedCutOver(session: session, options: options)
            if phase == OnlineState.Phase.applying.rawValue || phase == OnlineState.Phase.cutOver.rawValue,
                try InterruptedCutOver.applies(live, target: session.target.endpoint)
            {
                let sides = interrupted.sides()
                let checks = interrupted.checks(sides)
                let unreachable = checks.contains { $0.status == .failed }
                if phase == OnlineState.Phase.applying.rawValue || InterruptedCutOver.leftBehind(sides) || unreachable {
                    inspection.checks = checks
                    return inspection
                }
            }
            if phase == OnlineState.Phase.cutOver.rawValue {
                inspection.checks.append(
                    Check(
                        name: "online.state", status: .failed,
                        detail: """
                            this migration already cut over to \(session.target.endpoint); use dbctl rollback to return to SQLite \
                            or dbctl migrate finish to close the rollback window
                            """))
            }
        } else {
            if try ChangeCapture.isInstalled(live) {
                let check = Check(
                    name: "online.capture", status: .failed,
                    detail: """
                        \(session.sourcePath) carries a change capture but \(session.target.endpoint) has no online state: \
                        another migration's, or one whose target was reset; run dbctl migrate abort --source … --target … first
                        """)
                return .init(plan: try session.inspect().plan, checks: [check], orphans: [:])
            }
            inspection = try session.inspect()
        }
        inspection.checks += try onlineChecks(plan: inspection.plan, live: live)
        return inspection
    }

    func onlineChecks(plan: MigrationPlan, live: SQLiteSource) throws -> [Check] {
        var checks: [Check] = []
        let unsupported = ChangeCapture.unsupported(plan)
        checks.append(
            unsupported.isEmpty
                ? Check(
                    name: "online.keys", status: .ok, detail: "every table has a primary key the change log can carry")
                : Check(
                    name: "online.keys", status: .failed,
                    detail:
                        "the change capture needs a primary key of at most \(ChangeCapture.maximumKeyColumns) "
                        + "columns: \(unsupported.joined(separator: ", "))"
                ))
        let own = try live.rows(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND substr(name, 1, 7) <> '_dbctl_'"
        )
        .map { SQLiteValue.string($0[0]) }
        if !own.isEmpty {
            checks.append(
                Check(
                    name: "online.triggers", status: .failed,
                    detail: """
                        the source has triggers of its own (\(own.prefix(5).joined(separator: ", "))): their effects arrive as changes, and \
                        their translations on the target would fire again on every applied row; migrate this database offline
                        """))
        }
        let virtual = try live.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND upper(sql) LIKE 'CREATE VIRTUAL TABLE%'"
        ).map { SQLiteValue.string($0[0]) }
        if !virtual.isEmpty {
            checks.append(
                Check(
                    name: "online.virtual_tables", status: .failed,
                    detail: """
                        the source has virtual tables (\(virtual.prefix(5).joined(separator: ", "))) whose changes the \
                        capture cannot follow; migrate this database offline
                        """))
        }
        let mode = SQLiteValue.string(try live.scalar("PRAGMA journal_mode")).lowercased()
        checks.append(
            mode == "wal"
                ? Check(
                    name: "online.journal_mode", status: .ok,
                    detail: "WAL: the snapshot and the applier read while the shop writes")
                : Check(
                    name: "online.journal_mode", status: .warning,
                    detail:
                        "\(mode): switched to WAL before the capture starts (persistent; readers then never block "
                        + "the shop's writers)"
                ))
        if options.apps.isEmpty && options.hooks.cutOver == nil {
            checks.append(
                Check(
                    name: "online.apps", status: .failed,
                    detail:
                        "name the running storefront instances with --app URL (and --app-key-file), or pass "
                        + "--cutover-hook CMD for any other application"
                ))
        }
        let control = AppControl(apps: options.apps)
        for (app, result) in zip(options.apps, control.onAll({ app in try control.state(app) })) {
            switch result {
            case .failure(let error):
                checks.append(Check(name: "online.apps", status: .failed, detail: "\(error)"))
            case .success(let state) where state.backend != "sqlite":
                checks.append(
                    Check(
                        name: "online.apps", status: .failed,
                        detail: "app \(app.url) runs on \(state.backend) \(state.database), not on the SQLite source"))
            case .success(let state) where !Self.sameFile(state.database, session.sourcePath):
                checks.append(
                    Check(
                        name: "online.apps", status: .failed,
                        detail: "app \(app.url) runs on \(state.database), not on \(session.sourcePath)"))
            case .success(let state):
                checks.append(
                    Check(
                        name: "online.apps", status: .ok,
                        detail:
                            "app \(app.url): sqlite \(state.database), write gate ready (generation "
                            + "\(state.generation))"
                    ))
            }
        }
        checks.append(
            Check(
                name: "online.pause", status: .ok,
                detail:
                    "cut-over only when ≤ \(options.maxLagRows) changes wait; writes paused at most "
                    + "\(options.maxPauseMs) ms per attempt, else thawed on SQLite and retried (up to "
                    + "\(options.maxAttempts) attempts)"
            ))
        return checks
    }

    /// The switch needs the file to itself for an instant. In rollback-journal mode a writer that holds its
    /// reserved lock and this connection waiting for the exclusive one would deadlock, so SQLite answers
    /// "busy" at once instead of waiting: retry for up to 30 s, between the application's transactions.
    static func switchToWAL(_ file: SQLiteSource) throws {
        let deadline = Date().addingTimeInterval(30)
        while true {
            do {
                let mode = SQLiteValue.string(try file.rows("PRAGMA journal_mode = WAL").first?.first ?? .null)
                    .lowercased()
                if mode == "wal" { return }
                throw MigrationError("source \(file.path): could not switch to WAL journal mode (still \(mode))")
            } catch let busy as SQLiteBusyError {
                if Date() >= deadline { throw busy }
                usleep(UInt32.random(in: 2_000...20_000))
            } catch let error as MigrationError where error.message.contains("database is locked") {
                if Date() >= deadline { throw error }
                usleep(UInt32.random(in: 2_000...20_000))
            }
        }
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        func resolved(_ path: String) -> String {
            let stripped = path.hasPrefix("sqlite://") ? String(path.dropFirst(9)) : path
            return URL(fileURLWithPath: stripped).standardizedFileURL.resolvingSymlinksInPath().path
        }
        return resolved(a) == resolved(b)
            || (!a.hasPrefix("/")
                && URL(fileURLWithPath: a).lastPathComponent == URL(fileURLWithPath: b).lastPathComponent)
    }

    /// Runs (or resumes) the whole online migration up to a completed cut-over.
    public func run(
        _ inspection: MigrationSession.Inspection, copyOptions: MigrationOptions,
        log: @escaping (String) -> Void
    ) throws -> OnlineReport {
        let started = Date()
        guard inspection.failed.isEmpty else {
            throw MigrationError(
                "\(inspection.failed.count) check(s) failed "
                    + "(\(inspection.failed.map(\.name).joined(separator: ", "))); nothing was written"
            )
        }
        var report = OnlineReport(source: session.sourcePath, target: session.target.endpoint)
        let live = try SQLiteSource(path: session.sourcePath, writable: true, busyTimeoutMilliseconds: 5_000)
        defer { live.close() }
        let admin = try BlockingConnection.connect(session.target)
        defer { admin.close() }
        var state = try OnlineState.all(on: admin)
        if state["phase"] == OnlineState.Phase.applying.rawValue
            || state["phase"] == OnlineState.Phase.cutOver.rawValue,
            try InterruptedCutOver.applies(live, target: session.target.endpoint)
        {
            try InterruptedCutOver(session: session, options: options).finish(&report, admin: admin, log: log)
            report.totalSeconds = Date().timeIntervalSince(started)
            return report
        }
        var plan = inspection.plan
        if state.isEmpty {
            if SQLiteValue.string(try live.scalar("PRAGMA journal_mode")).lowercased() != "wal" {
                try Self.switchToWAL(live)
                log("switched \(session.sourcePath) to WAL journal mode")
            }
            try OnlineState.create(on: admin)
            try OnlineState.set("plan", String(decoding: try JSONEncoder().encode(plan), as: UTF8.self), on: admin)
            try OnlineState.set("source", URL(fileURLWithPath: session.sourcePath).standardizedFileURL.path, on: admin)
            try OnlineState.set("phase", OnlineState.Phase.copying.rawValue, on: admin)
            state = try OnlineState.all(on: admin)
        } else {
            report.resumed = true
            log(
                "resuming the online migration (phase \(state["phase"] ?? "?"), applied up to change "
                    + "\(state["applied_seq"] ?? "?"))"
            )
        }
        do {
            try copyPhase(
                plan: &plan, state: &state, live: live, admin: admin, report: &report, copyOptions: copyOptions,
                log: log)
        } catch {
            runFailureHook(error, report: report, attempt: 0)
            throw error
        }
        try applyAndCutOver(plan: plan, live: live, state: state, report: &report, log: log)
        report.totalSeconds = Date().timeIntervalSince(started)
        return report
    }

    /// Capture, snapshot and the verified copy of the snapshot, as far as the state says they are not done.
    func copyPhase(
        plan: inout MigrationPlan, state: inout [String: String], live: SQLiteSource, admin: BlockingConnection,
        report: inout OnlineReport, copyOptions: MigrationOptions, log: @escaping (String) -> Void
    ) throws {
        let capture = ChangeCapture(tables: plan.tables)
        if state["phase"] == OnlineState.Phase.copying.rawValue && state["snapshot_position"] == nil {
            // Capture first, then the snapshot: every change after the snapshot's position is in the log.
            try capture.install(on: live, target: session.target.endpoint)
            log("change capture installed on \(plan.tables.count) tables")
            let snapshot = try Snapshot.take(of: live, into: snapshotPath)
            try OnlineState.set("snapshot", snapshotPath, on: admin)
            try OnlineState.set("applied_seq", String(snapshot.position), on: admin)
            try OnlineState.set("snapshot_position", String(snapshot.position), on: admin)
            report.snapshotSeconds = snapshot.seconds
            log(
                String(
                    format: "snapshot at change %lld: %.1f MiB in %.2f s", snapshot.position,
                    Double(snapshot.bytes) / 1_048_576, snapshot.seconds))
            state = try OnlineState.all(on: admin)
        }
        report.snapshotPosition = Int64(state["snapshot_position"] ?? "0") ?? 0
        if state["phase"] == OnlineState.Phase.copying.rawValue {
            let path = state["snapshot"] ?? snapshotPath
            guard FileManager.default.fileExists(atPath: path) else {
                throw MigrationError(
                    "snapshot \(path) is gone, so the interrupted copy cannot resume; run dbctl migrate abort, empty "
                        + "the target and start again"
                )
            }
            var copySession = session
            copySession.sourcePath = path
            plan.source = path
            let copyInspection = try copySession.inspect(planOverride: plan)
            let copy = try copySession.execute(copyInspection, options: copyOptions, verify: true)
            report.copy = copy
            guard copy.verified else {
                throw MigrationError(
                    "the snapshot's copy did not verify identical; the shop stays on SQLite (the capture stays "
                        + "installed: fix and rerun, or dbctl migrate abort)"
                )
            }
            try OnlineState.set("rows_copied", String(copy.copy?.tables.reduce(0) { $0 + $1.rows } ?? 0), on: admin)
            try OnlineState.set("phase", OnlineState.Phase.applying.rawValue, on: admin)
            Snapshot.discard(path)
            plan.source = session.sourcePath
        }
    }

    /// `--hook-failure` with the error, for a run that stops at any phase.
    func runFailureHook(_ error: any Error, report: OnlineReport, attempt: Int) {
        guard let hook = options.hooks.failure else { return }
        var environment = environment(report, attempt: attempt, pending: -1)
        environment["DBCTL_ERROR"] = "\(error)"
        try? Hooks.run(hook, event: "failure", environment: environment, timeoutSeconds: options.hooks.timeoutSeconds)
    }

    func environment(_ report: OnlineReport, attempt: Int, pending: Int) -> [String: String] {
        [
            "DBCTL_SOURCE": session.sourcePath, "DBCTL_TARGET": session.target.endpoint,
            "DBCTL_ATTEMPT": String(attempt),
            "DBCTL_PENDING_CHANGES": String(pending), "DBCTL_PAUSE_MS": report.pauseMs.map { String(Int($0)) } ?? "",
        ]
    }
}
