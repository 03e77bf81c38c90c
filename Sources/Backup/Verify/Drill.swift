import Foundation

/// `dbctl backup drill`: restores a chain into a scratch server on this host, runs `CHECK TABLE` on every
/// table, compares every table's checksum with the one recorded when the backup was prepared, measures the
/// time to a queryable server (the recovery time), and records the result in the catalog. A point-in-time
/// drill also rolls forward through the binlogs to a random GTID of the window.
public struct Drill: Sendable {
    public let environment: BackupEnvironment

    public init(environment: BackupEnvironment) { self.environment = environment }

    public func run(
        location: any BackupLocation, pointInTime: Bool = false,
        random: @Sendable (Int) -> Int = { Int.random(in: 0..<max($0, 1)) }
    ) async throws -> DrillRecord {
        let lock = try await WorkLock.acquire(environment.work, waiting: 30)
        defer { withExtendedLifetime(lock) {} }
        let store = CatalogStore(environment: environment)
        var catalog = try await store.load()
        let planner = RestorePlanner(catalog: catalog, location: location.name)
        var plan = try planner.plan(.latestBackup)
        var target: String?
        if pointInTime {
            let archived = try planner.plan(.latestArchived)
            let gtids = archived.binlogs.compactMap(\.lastGTID)
            if !gtids.isEmpty, let pick = GTIDPosition(gtids[random(gtids.count)]) {
                var position = GTIDPosition(archived.backup.gtid) ?? GTIDPosition()
                for gtid in pick.gtids { position.advance(gtid) }
                plan = try planner.plan(.gtid(position))
                target = position.description
            }
        }
        let folder = try environment.work.scratchFolder("drill")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let started = Date()
        var record = DrillRecord(
            at: environment.now(), backupID: plan.backup.id, targetGTID: target,
            location: location.name, succeeded: false, restoreSeconds: 0, tablesChecked: 0,
            problems: [])
        do {
            let outcome = try await RestoreRunner(environment: environment)
                .run(plan, location: location, into: folder + "/data")
            let server = try await ScratchServer.start(
                dataDirectory: outcome.directory, baseDirectory: folder + "/server")
            record.restoreSeconds = Date().timeIntervalSince(started)
            do {
                let checked = try await TableChecks.check(server.clientConfiguration())
                record.tablesChecked = checked.checked
                record.problems += checked.problems
                if target == nil, !plan.backup.tableChecksums.isEmpty {
                    let actual = try await TableChecks.checksums(server.clientConfiguration())
                    record.problems += TableChecks.differences(expected: plan.backup.tableChecksums, actual: actual)
                }
                await server.stop()
            } catch {
                await server.stop()
                throw error
            }
        } catch {
            record.problems.append("\(error)")
        }
        record.succeeded = record.problems.isEmpty
        catalog = try await store.load()
        catalog.drills.append(record)
        try await store.save(catalog)
        return record
    }
}
