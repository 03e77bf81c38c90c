import DbctlConfig
import Foundation

/// `dbctl backup expire`: GFS retention per location (its own counts, or the section's), counting only
/// complete, verified backups; chains, the newest verified full and the binlogs any kept backup needs stay.
/// Dry run unless `execute`; every deletion is printed.
public struct Expirer: Sendable {
    public let environment: BackupEnvironment

    public init(environment: BackupEnvironment) { self.environment = environment }

    public struct Outcome: Sendable {
        public var location: String
        public var keep: [(String, String)]
        public var expire: [(String, String)]
        public var expireBinlogs: [(String, String)]
        public var deleted: Int
        public var problems: [String]
    }

    static func policy(_ config: RetentionConfig) -> RetentionPolicy {
        RetentionPolicy(
            hourly: config.hourly, daily: config.daily, weekly: config.weekly, monthly: config.monthly,
            yearly: config.yearly)
    }

    public func run(execute: Bool) async throws -> [Outcome] {
        let lock = try await WorkLock.acquire(environment.work, waiting: 30)
        defer { withExtendedLifetime(lock) {} }
        let store = CatalogStore(environment: environment)
        var catalog = try await store.load()
        var outcomes: [Outcome] = []
        for (location, config) in zip(environment.locations, environment.section.locations) {
            let retention = config.retention ?? environment.section.retention
            let backups = catalog.backups(in: location.name).map { record in
                RetainedBackup(
                    id: record.id, kind: record.kind == .full ? .full : .incremental, parent: record.parent,
                    end: record.ended, verified: record.locations[location.name]?.verifyError == nil,
                    gtidStart: record.gtid.isEmpty ? nil : record.gtid)
            }
            let binlogs = catalog.binlogs(in: location.name).map { record in
                RetainedBinlog(
                    name: record.name, firstGTID: record.firstGTID, lastGTID: record.lastGTID,
                    firstTime: record.firstTime ?? record.archived, lastTime: record.lastTime ?? record.archived)
            }
            let plan = RetentionPlanner.plan(
                backups: backups, binlogs: binlogs, policy: Self.policy(retention),
                now: environment.now())
            var outcome = Outcome(
                location: location.name, keep: plan.keep.sorted { $0.key < $1.key },
                expire: plan.expire.sorted { $0.key < $1.key },
                expireBinlogs: plan.expireBinlogs.sorted { $0.key < $1.key }, deleted: 0, problems: [])
            if execute {
                for (id, reason) in outcome.expire {
                    guard var record = catalog.backup(id) else { continue }
                    var keys = record.objects.map(\.key)
                    keys += [Publisher.manifestKey(id), Publisher.manifestCopyKey(id)]
                    if await delete(keys, in: location, outcome: &outcome) {
                        record.locations[location.name] = LocationState(
                            status: .expired, at: environment.now(),
                            error: reason)
                        catalog.upsert(record)
                        environment.output("expired \(id) in \(location.name): \(reason)")
                    }
                }
                for (name, reason) in outcome.expireBinlogs {
                    guard var record = catalog.binlogs.first(where: { $0.name == name }) else { continue }
                    if await delete([record.object.key], in: location, outcome: &outcome) {
                        record.locations[location.name] = LocationState(
                            status: .expired, at: environment.now(),
                            error: reason)
                        catalog.upsert(record)
                        environment.output("expired binlog \(name) in \(location.name): \(reason)")
                    }
                }
            }
            outcomes.append(outcome)
        }
        if execute {
            catalog.backups.removeAll { $0.locations.values.allSatisfy { $0.status == .expired } }
            catalog.binlogs.removeAll { $0.locations.values.allSatisfy { $0.status == .expired } }
            try await store.save(catalog)
        }
        return outcomes
    }

    func delete(_ keys: [String], in location: any BackupLocation, outcome: inout Outcome) async -> Bool {
        for key in keys {
            do {
                try await location.delete(key)
                outcome.deleted += 1
            } catch {
                outcome.problems.append("\(location.name): deleting \(key): \(error)")
                return false
            }
        }
        return true
    }
}
