import Foundation
import Logging
import Notify
import ServiceLifecycle

/// The backup schedules inside `dbctl agent`: full, incremental, drill, point-in-time drill and expire on
/// their cron times, binlog archiving continuously (or on its own cron), catch-up of locations that were
/// down, and the condition alerts, every tick. A job missed while the agent was down runs once on start.
public final class BackupScheduleService: Service, @unchecked Sendable {
    let environment: BackupEnvironment
    let alerts: BackupAlerts
    let logger: Logger
    private var scheduler: Scheduler
    private var lastBinlogSuccess: Date?

    struct State: Codable {
        var lastRun: [String: Date]
        var lastBinlogSuccess: Date?
    }

    public init(environment: BackupEnvironment, logger: Logger = Logger(label: "dbctl.agent.backup")) throws {
        self.environment = environment
        self.logger = logger
        alerts = try BackupAlerts(environment: environment, logAlerts: true)
        let schedule = environment.section.schedule
        var jobs: [ScheduledJob] = []
        for (name, text) in [("full", schedule.full), ("incremental", schedule.incremental),
                             ("binlogs", schedule.binlogs), ("drill", schedule.drill),
                             ("pitr_drill", schedule.pointInTimeDrill), ("expire", schedule.expire),
                             ("verify", schedule.verify)] {
            do {
                jobs.append(ScheduledJob(name: name, entry: try ScheduleEntry(parsing: text)))
            } catch {
                throw BackupError(.invalidArgument, "\(environment.configuration.file): backup.schedule."
                                  + "\(name == "pitr_drill" ? "pitr_drill" : name): \(error)")
            }
        }
        let state = FileManager.default.contents(atPath: environment.work.agentStateFile)
            .flatMap { try? Catalog.decoder().decode(State.self, from: $0) }
        // First start: a full backup at once (nothing else can run without one); the rest on their next time.
        let now = environment.now()
        let firstStart = ["incremental": now, "drill": now, "pitr_drill": now, "expire": now, "verify": now]
        scheduler = Scheduler(jobs: jobs, lastRun: state?.lastRun ?? firstStart)
        lastBinlogSuccess = state?.lastBinlogSuccess
    }

    public func run() async throws {
        logger.info("backup schedules started", metadata: ["jobs": "\(scheduler.jobs.map(\.name))"])
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await tick()
            try? await gracefulShutdownSleep(environment.configuration.agent.tick)
        }
    }

    func gracefulShutdownSleep(_ seconds: TimeInterval) async throws {
        try await cancelWhenGracefulShutdown {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        }
    }

    /// One pass: due jobs in order, then catch-up and conditions. Public for tests with a simulated clock.
    public func tick() async {
        let now = environment.now()
        var due = scheduler.due(now: now)
        // A full that is due replaces the incremental of the same hour.
        if due.contains("full") { due.removeAll { $0 == "incremental" } }
        due = scheduler.continuousJobs + due
        for job in due {
            scheduler.recordRun(job, at: now)
            await run(job)
        }
        if let outcome = try? await CatchUp(environment: environment).run(), !outcome.problems.isEmpty {
            logger.warning("catch-up incomplete", metadata: ["problems": "\(outcome.problems)"])
        }
        if let catalog = try? await CatalogStore(environment: environment).load() {
            await alerts.reconcileConditions(await BackupConditions(environment: environment)
                .evaluate(catalog: catalog, lastBinlogSuccess: lastBinlogSuccess))
        }
        saveState()
    }

    func run(_ job: String) async {
        logger.info("job started", metadata: ["job": "\(job)"])
        do {
            switch job {
            case "full", "incremental":
                let kind: BackupRecord.Kind = job == "full" ? .full : .incremental
                do {
                    let backup = PhysicalBackup(environment: environment, kind: kind)
                    var plan = try await backup.plan()
                    if kind == .incremental, plan.parent == nil {
                        // No chain yet: the first backup has to be a full one.
                        plan = try await PhysicalBackup(environment: environment, kind: .full).plan()
                        let record = try await PhysicalBackup(environment: environment, kind: .full).execute(plan)
                        await alerts.backupSucceeded(record)
                        return
                    }
                    let record = try await backup.execute(plan)
                    await alerts.backupSucceeded(record)
                } catch {
                    await alerts.backupFailed(kind, error: error)
                    throw error
                }
            case "binlogs":
                do {
                    let outcome = try await BinlogArchiver(environment: environment).archive(execute: true)
                    await alerts.binlogsArchived(outcome)
                    if outcome.problems.isEmpty { lastBinlogSuccess = environment.now() }
                } catch {
                    await alerts.binlogsFailed(error)
                    throw error
                }
            case "drill", "pitr_drill":
                for location in environment.locations {
                    let record = try await Drill(environment: environment)
                        .run(location: location, pointInTime: job == "pitr_drill")
                    await alerts.drilled(record)
                }
            case "verify":
                var reports: [Verifier.Report] = []
                for location in environment.locations {
                    reports.append(try await Verifier(environment: environment).verify(location: location))
                }
                await alerts.verified(reports)
            case "expire":
                _ = try await Expirer(environment: environment).run(execute: true)
            default:
                return
            }
            logger.info("job finished", metadata: ["job": "\(job)"])
        } catch {
            logger.error("job failed", metadata: ["job": "\(job)", "error": "\(error)"])
        }
    }

    func saveState() {
        let state = State(lastRun: scheduler.lastRun, lastBinlogSuccess: lastBinlogSuccess)
        guard let data = try? Catalog.encoder().encode(state) else { return }
        let path = environment.work.agentStateFile
        FileManager.default.createFile(atPath: path + ".tmp", contents: data, attributes: [.posixPermissions: 0o600])
        rename(path + ".tmp", path)
    }
}
