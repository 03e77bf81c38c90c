import Foundation
import Notify

/// Alerts decided by looking at the catalog and the locations rather than by a run: stale backups, binlogs and
/// drills (nothing successful since the schedule's last time plus the grace period), locations near full, and
/// key-encryption keys about to be retired.
struct BackupConditions: Sendable {
    let environment: BackupEnvironment

    func evaluate(catalog: Catalog, lastBinlogSuccess: Date?) async -> [Alert] {
        let now = environment.now()
        let grace = environment.section.staleGrace
        let schedule = environment.section.schedule
        var alerts: [Alert] = []
        func stale(_ name: String, _ text: String, _ last: Date?) {
            guard let entry = try? ScheduleEntry(parsing: text), case .cron = entry else { return }
            if Staleness(entry, grace: grace).isStale(lastSuccess: last, now: now) {
                alerts.append(Alert(id: "backup.stale/\(name)", severity: .warning,
                                    summary: "no successful \(name) since \(Format.time(last)) (schedule \(text), "
                                    + "grace \(Int(grace)) s)", evidence: ["last_success": Format.time(last)],
                                    source: "backup"))
            }
        }
        let fulls = catalog.backups.filter { $0.kind == .full }
        stale("full", schedule.full, fulls.last?.ended)
        stale("incremental", schedule.incremental, catalog.backups.last?.ended)
        stale("drill", schedule.drill, catalog.drills.last { $0.succeeded }?.at)
        if schedule.binlogs == "continuous" {
            let limit = max(environment.section.binlogRotate, environment.configuration.agent.tick) * 3 + grace
            if let last = lastBinlogSuccess ?? catalog.binlogs.last?.archived, now.timeIntervalSince(last) > limit {
                alerts.append(Alert(id: "backup.stale/binlogs", severity: .warning,
                                    summary: "no binlog archived successfully since \(Format.time(last))",
                                    source: "backup"))
            }
        } else {
            stale("binlogs", schedule.binlogs, lastBinlogSuccess ?? catalog.binlogs.last?.archived)
        }
        for location in environment.locations {
            guard let space = try? await location.freeSpace(), space.total > 0 else { continue }
            let used = 100 - Int(space.free * 100 / space.total)
            if used >= environment.section.storageWarnPercent {
                alerts.append(Alert(id: "backup.storage/\(location.name)", severity: .warning,
                                    summary: "location \(location.name) is \(used)% full (\(Format.bytes(space.free)) "
                                    + "free)", evidence: ["used_percent": "\(used)"], source: "backup"))
            }
        }
        for key in environment.keyRing.keysExpiringSoon(within: 14 * 86400, now: now) {
            alerts.append(Alert(id: "backup.key/\(key.id)", severity: .warning,
                                summary: "key-encryption key \(key.id) is retired soon; run dbctl backup keys rotate",
                                source: "backup"))
        }
        return alerts
    }
}
