import AsyncHTTPClient
import DbctlConfig
import Foundation
import Logging
import Notify

/// The backup verbs' alerts through the one notifier: each raised when something is wrong and resolved when
/// the next run finds it right, so an alert fires once, repeats while it lasts and ends with a "resolved".
public struct BackupAlerts: Sendable {
    public let notifier: Notifier
    let environment: BackupEnvironment

    /// `logAlerts`: also one log line per notification (the agent); a command prints its own outcome.
    public init(environment: BackupEnvironment, logAlerts: Bool = false) throws {
        self.environment = environment
        let book = try AlertBook(
            file: environment.work.alertsFile,
            repeatInterval: environment.configuration.agent.alertRepeat)
        let channels = AlertChannels.make(
            environment.configuration.alerts, httpClient: environment.httpClient, alsoLog: logAlerts)
        notifier = Notifier(book: book, channels: channels)
    }

    func alert(
        _ id: String, _ severity: Alert.Severity, _ summary: String,
        _ evidence: [String: String] = [:]
    ) -> Alert {
        Alert(id: id, severity: severity, summary: summary, evidence: evidence, source: "backup")
    }

    func raise(_ alert: Alert) async {
        report(await notifier.raise(alert, now: environment.now()))
    }

    func resolve(_ id: String) async {
        report(await notifier.resolve(id: id, now: environment.now()))
    }

    func report(_ delivery: DeliveryReport) {
        for failure in delivery.failures { environment.output("! alert not delivered: \(failure)") }
    }

    public func backupFailed(_ kind: BackupRecord.Kind, error: any Error) async {
        await raise(
            alert(
                "backup.failed/\(kind.rawValue)", .critical, "\(kind.rawValue) backup failed: \(Format.error(error))",
                ["error": Format.error(error)]))
    }

    public func backupSucceeded(_ record: BackupRecord) async {
        await resolve("backup.failed/\(record.kind.rawValue)")
        for (name, state) in record.locations.sorted(by: { $0.key < $1.key }) {
            if state.status == .stored {
                await resolve("backup.partial/\(name)")
            } else {
                await raise(
                    alert(
                        "backup.partial/\(name)", .warning,
                        "backup \(record.id) is partial: location \(name) is missing it",
                        ["backup": record.id, "location": name, "error": state.error ?? ""]))
            }
        }
    }

    public func binlogsArchived(_ outcome: BinlogArchiver.Outcome) async {
        await resolve("binlog.failed")
        if outcome.gaps.isEmpty {
            await resolve("binlog.gap")
        } else {
            await raise(alert("binlog.gap", .critical, outcome.gaps.joined(separator: "; ")))
        }
        if outcome.problems.isEmpty {
            await resolve("binlog.partial")
        } else {
            await raise(alert("binlog.partial", .warning, outcome.problems.joined(separator: "; ")))
        }
    }

    public func binlogsFailed(_ error: any Error) async {
        await raise(
            alert(
                "binlog.failed", .critical, "binlog archiving failed: \(Format.error(error))",
                ["error": Format.error(error)]))
    }

    public func verified(_ reports: [Verifier.Report]) async {
        for report in reports {
            let id = "backup.verify/\(report.location)"
            if report.ok {
                await resolve(id)
            } else {
                await raise(
                    alert(
                        id, .critical,
                        "verify found \(report.problems.count) problem(s) in "
                            + "\(report.location): \(report.problems.first ?? "")",
                        ["problems": report.problems.prefix(20).joined(separator: "\n")]))
            }
        }
    }

    public func drilled(_ record: DrillRecord) async {
        let id = "backup.drill/\(record.location)"
        if record.succeeded {
            await resolve(id)
        } else {
            await raise(
                alert(
                    id, .critical,
                    "restore drill of \(record.backupID) from \(record.location) failed: "
                        + (record.problems.first ?? ""), ["problems": record.problems.joined(separator: "\n")]))
        }
    }

    /// Alerts that are decided by looking, not by a run: staleness, storage, keys. `current` are the ones
    /// that hold now; every other alert of these kinds is resolved.
    public func reconcileConditions(_ current: [Alert]) async {
        let prefixes = ["backup.stale/", "backup.storage/", "backup.key/", "backup.drill-overdue"]
        let active = await notifier.book.active().filter { alert in prefixes.contains { alert.id.hasPrefix($0) } }
        for alert in current { await raise(alert) }
        for alert in active where !current.contains(where: { $0.id == alert.id }) { await resolve(alert.id) }
    }
}
