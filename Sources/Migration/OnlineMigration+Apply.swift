import Foundation
import MariaDB

extension OnlineMigration {
    /// Applies changes until the lag is under `maxLagRows`, then tries the cut-over; a backed-off attempt
    /// waits (0.5 s, doubling to 8 s) while the applier keeps up.
    func applyAndCutOver(
        plan: MigrationPlan, live: SQLiteSource, state: [String: String], report: inout OnlineReport,
        log: @escaping (String) -> Void
    ) throws {
        let position = Int64(state["applied_seq"] ?? "0") ?? 0
        let applier = try ChangeApplier(plan: plan, target: session.target, position: position)
        defer { applier.close() }
        let capture = ChangeCapture(tables: plan.tables)
        try AutoIncrement.align(plan: plan, source: live, target: applier)
        try applier.withConnection { try ReverseCapture.install(plan: plan, on: $0) }
        let appURL = options.appTargetURL ?? "mysql://\(session.target.endpoint)"
        var lastReport = Date.distantPast
        var lastTrim = Date()
        var nextAttempt = Date()
        var backOff = 0.5
        var postponedSaid = false
        let applyStarted = Date()
        var attempt = 0
        do {
            var lastSchemaCheck = Date.distantPast
            while true {
                // Once a second (and again inside the cut-over's lock): a schema change stops the run before
                // it can cut over, so rows applied meanwhile never serve the shop.
                let problems = Date().timeIntervalSince(lastSchemaCheck) >= 1 ? try capture.schemaChanges(live) : []
                if lastSchemaCheck.timeIntervalSinceNow <= -1 { lastSchemaCheck = Date() }
                if !problems.isEmpty {
                    throw MigrationError(
                        """
                        the source's schema changed during the migration (\(problems.joined(separator: "; "))); nothing of it \
                        was applied and the shop stays on SQLite. Run dbctl migrate abort, change both schemas, and start again
                        """)
                }
                let batch = try applier.applyNext(from: live, limit: options.batchChanges)
                let now = Date()
                if now.timeIntervalSince(lastTrim) >= 1 {
                    live.setBusyTimeout(milliseconds: 20)
                    try ChangeLog.trim(through: applier.position, on: live)
                    live.setBusyTimeout(milliseconds: 5_000)
                    lastTrim = now
                }
                let lag = try ChangeLog.lag(after: applier.position, on: live)
                let elapsed = max(0.001, now.timeIntervalSince(applyStarted))
                if now.timeIntervalSince(lastReport) >= options.progressInterval {
                    let rate = Double(applier.totals.changes) / elapsed
                    log(
                        String(
                            format: "applying: %d changes applied (%.0f/s), %d pending, oldest %.1f s",
                            applier.totals.changes, rate, lag.pending, lag.oldestSeconds))
                    try applier.withConnection { connection in
                        try OnlineState.set("pending", String(lag.pending), on: connection)
                        try OnlineState.set("oldest_seconds", String(format: "%.3f", lag.oldestSeconds), on: connection)
                        try OnlineState.set("applied_changes", String(applier.totals.changes), on: connection)
                        try OnlineState.set("changes_per_second", String(format: "%.1f", rate), on: connection)
                    }
                    lastReport = now
                }
                if lag.pending <= options.maxLagRows {
                    if let flag = options.postponeFlagFile, FileManager.default.fileExists(atPath: flag) {
                        if !postponedSaid {
                            log("cut-over postponed while \(flag) exists; changes keep being applied")
                            postponedSaid = true
                        }
                    } else if now >= nextAttempt {
                        attempt += 1
                        if let hook = options.hooks.beforeCutOver {
                            try Hooks.run(
                                hook, event: "before-cut-over",
                                environment: environment(report, attempt: attempt, pending: lag.pending),
                                timeoutSeconds: options.hooks.timeoutSeconds)
                        }
                        let cutOver = CutOver(
                            plan: plan, live: live, applier: applier, target: session.target, capture: capture,
                            control: AppControl(apps: options.apps), appTargetURL: appURL,
                            appPasswordFile: options.appPasswordFile, hooks: options.hooks,
                            maxPauseMs: options.maxPauseMs, leaseMs: options.leaseMs,
                            environment: environment(report, attempt: attempt, pending: lag.pending))
                        let record = try cutOver.attempt(attempt)
                        report.attempts.append(record)
                        if record.outcome == "switched" {
                            report.pauseMs = record.pauseMs
                            report.lagAtCutOver = lag.pending
                            report.oldestSecondsAtCutOver = lag.oldestSeconds
                            try applier.withConnection { connection in
                                try OnlineState.set(
                                    "last_pause_ms", String(format: "%.1f", record.pauseMs), on: connection)
                                try OnlineState.set(
                                    "cut_over_at", ISO8601DateFormatter().string(from: Date()), on: connection)
                            }
                            log(String(format: "cut over in %.0f ms (attempt %d)", record.pauseMs, attempt))
                            break
                        }
                        log(
                            String(
                                format:
                                    "cut-over attempt %d backed off after %.0f ms: %@; the shop writes on SQLite, "
                                    + "retrying in %.1f s",
                                attempt, record.pauseMs, record.reason ?? "", backOff))
                        guard attempt < options.maxAttempts else {
                            throw MigrationError(
                                "the cut-over backed off \(attempt) times (last: \(record.reason ?? "?")); the shop "
                                    + "stays on SQLite and the changes keep being captured: rerun to try again, or "
                                    + "dbctl migrate abort"
                            )
                        }
                        nextAttempt = Date().addingTimeInterval(backOff)
                        backOff = min(backOff * 2, 8)
                    }
                }
                if batch.changes == 0 {
                    usleep(20_000)
                } else if options.niceRatio > 0 {
                    usleep(UInt32(min(5, batch.seconds * options.niceRatio) * 1_000_000))
                }
            }
        } catch {
            runFailureHook(error, report: report, attempt: attempt)
            throw error
        }
        report.phase = OnlineState.Phase.cutOver.rawValue
        report.appliedChanges = applier.totals.changes
        report.applySeconds = applier.totals.seconds
        report.changesPerSecond =
            applier.totals.seconds > 0 ? Double(applier.totals.changes) / applier.totals.seconds : 0
        if let hook = options.hooks.success {
            try Hooks.run(
                hook, event: "success", environment: environment(report, attempt: attempt, pending: 0),
                timeoutSeconds: options.hooks.timeoutSeconds)
        }
    }
}
