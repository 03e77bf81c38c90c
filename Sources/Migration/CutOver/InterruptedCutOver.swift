import Foundation
import MariaDB

/// A cut-over stopped (dbctl killed, the machine rebooted) after SQLite was fenced and before every instance
/// was switched. The fence commits only after the drain and the count comparison, with every writer held, so
/// MariaDB holds every order the file does and the file refuses writes since: the way forward is the only
/// safe one. The instances still on the fenced file (their write gate reopened when the lease ran out, and
/// their writes are refused) are frozen, switched and thawed; the ones already on MariaDB are left as they
/// are (a gate still closed is thawed); the target's state records the cut-over.
struct InterruptedCutOver {
    let session: MigrationSession
    let options: OnlineOptions

    /// Whether `live` carries this migration's fence: the file was fenced at the cut-over by a run into
    /// `session.target`.
    static func applies(_ live: SQLiteSource, target: String) throws -> Bool {
        guard try Fence.isInstalled(live), try ChangeCapture.isInstalled(live) else { return false }
        let meta = ChangeCapture.quote(ChangeCapture.metaTable)
        let values = try live.rows("SELECT name, value FROM \(meta) WHERE name IN ('phase', 'target')")
        let facts = Dictionary(
            values.map { (SQLiteValue.string($0[0]), SQLiteValue.string($0[1])) }, uniquingKeysWith: { $1 })
        return facts["phase"] == OnlineState.Phase.cutOver.rawValue && facts["target"] == target
    }

    /// Each instance's database as it answers now (or why it does not).
    func sides() -> [(app: AppInstance, state: Result<AppDatabaseState, any Error>)] {
        let control = AppControl(apps: options.apps)
        return Array(zip(options.apps, control.onAll { app in try control.state(app) }))
    }

    /// Whether an instance still runs on the fenced file.
    static func leftBehind(_ sides: [(app: AppInstance, state: Result<AppDatabaseState, any Error>)]) -> Bool {
        sides.contains { side in
            if case .success(let state) = side.state { return state.backend == "sqlite" }
            return false
        }
    }

    /// Where each instance is: on the fenced file (to switch), on MariaDB (done), or unreachable.
    func checks(_ sides: [(app: AppInstance, state: Result<AppDatabaseState, any Error>)]) -> [Check] {
        var checks = [
            Check(
                name: "online.interrupted", status: .ok,
                detail:
                    "\(session.sourcePath) was fenced by this migration's cut-over, which stopped before every "
                    + "instance had switched; the run finishes it (MariaDB holds every row the file does)")
        ]
        for (app, result) in sides {
            switch result {
            case .failure(let error):
                checks.append(Check(name: "online.apps", status: .failed, detail: "\(error)"))
            case .success(let state) where state.backend == "sqlite":
                checks.append(
                    Check(
                        name: "online.apps", status: .ok,
                        detail: "app \(app.url): still on the fenced \(state.database) (its writes are refused); "
                            + "it is switched"))
            case .success(let state):
                checks.append(
                    Check(
                        name: "online.apps", status: .ok,
                        detail: "app \(app.url): already on \(state.backend) \(state.database)"
                            + (state.frozen ? ", frozen: thawed" : "")))
            }
        }
        return checks
    }

    /// Switches the instances left on the fenced file and records the cut-over.
    func finish(_ report: inout OnlineReport, admin: BlockingConnection, log: (String) -> Void) throws {
        let control = AppControl(apps: options.apps)
        let appURL = options.appTargetURL ?? "mysql://\(session.target.endpoint)"
        let started = Date()
        let results = control.onAll { [options] app -> String in
            let state = try control.state(app)
            if state.backend != "sqlite" {
                if state.frozen { _ = try control.thaw(app) }
                return "app \(app.url): already on \(state.backend)"
            }
            _ = try control.freeze(app, leaseMs: options.leaseMs, drainTimeoutMs: max(50, options.maxPauseMs / 2))
            do {
                _ = try control.switchDatabase(
                    app, url: appURL, passwordFile: options.appPasswordFile,
                    timeoutMs: max(2_000, options.maxPauseMs * 4))
            } catch {
                _ = try? control.thaw(app)
                throw error
            }
            _ = try control.thaw(app)
            return "app \(app.url): switched to \(appURL)"
        }
        var failures: [String] = []
        for result in results {
            switch result {
            case .success(let line): log(line)
            case .failure(let error): failures.append("\(error)")
            }
        }
        guard failures.isEmpty else {
            throw MigrationError(
                "the interrupted cut-over could not switch every instance (\(failures.joined(separator: "; "))); "
                    + "SQLite stays fenced: fix the instance and run the same command again")
        }
        try OnlineState.set("phase", OnlineState.Phase.cutOver.rawValue, on: admin)
        if try OnlineState.all(on: admin)["cut_over_at"] == nil {
            try OnlineState.set("cut_over_at", ISO8601DateFormatter().string(from: Date()), on: admin)
        }
        report.phase = OnlineState.Phase.cutOver.rawValue
        report.resumed = true
        log(
            String(
                format: "finished the interrupted cut-over in %.0f ms: every instance writes to %@",
                Date().timeIntervalSince(started) * 1000, session.target.endpoint))
    }
}
