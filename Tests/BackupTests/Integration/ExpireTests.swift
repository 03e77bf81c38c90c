import Backup
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Testing

/// Retention on real backups under a simulated clock: expire deletes exactly what the GFS plan names, keeps
/// chains whole and the binlogs the kept backups need, and what stays still verifies and restores.
@Suite(.mariaDB, .serialized) struct ExpireTests {
    @Test func expireKeepsTheGFSSetAndWhatItNeeds() async throws {
        let server = try TestServer.require()
        // At 01:00 UTC, so that each day's full and the incremental three hours later fall on the same calendar
        // day whatever the hour the test runs (the daily keeps the newest backup of each day).
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let tomorrow = utc.date(byAdding: .day, value: 1, to: utc.startOfDay(for: Date()))!
        let clock = SimulatedClock(tomorrow.addingTimeInterval(3600))
        let retention = "  retention: {hourly: 0, daily: 2, weekly: 0, monthly: 0, yearly: 0}"
        try await BackupFixture.with(server: server, extraBackup: retention, now: { clock.now }) { fixture in
            let shop = try TestServer.freshDatabase("expire")
            let workload = ShopWorkload(configuration: shop)
            try await workload.seed(rows: 5)
            let environment = fixture.environment
            var taken: [BackupRecord] = []
            // Four days, each a full and an incremental on top, binlogs archived in between.
            for _ in 0..<4 {
                for kind in [BackupRecord.Kind.full, .incremental] {
                    try await workload.writeOnce(using: nil)
                    taken.append(try await PhysicalBackup(environment: environment, kind: kind)
                        .execute(try await PhysicalBackup(environment: environment, kind: kind).plan()))
                    try await BackupRestoreTests.flushBinlogs(server)
                    _ = try await BinlogArchiver(environment: environment).archive(execute: true)
                    clock.advance(by: 3 * 3600)
                }
                clock.advance(by: 18 * 3600)
            }
            let dry = try await Expirer(environment: environment).run(execute: false)
            let planned = Set(dry[0].expire.map(\.0))
            let before = try await BackupCatalog.load(environment)
            #expect(before.backups.count == 8, "a dry run deletes nothing")
            // Two days kept, each by its newest full; with no hourly count the incrementals go (the newest state
            // stays reachable from the last full through the binlogs, checked below).
            let expected = Set([0, 1, 2, 3, 5, 7].map { taken[$0].id })
            #expect(planned == expected, "planned \(planned.sorted()), expected \(expected.sorted())")
            let done = try await Expirer(environment: environment).run(execute: true)
            #expect(done[0].problems.isEmpty, "\(done[0].problems)")
            let after = try await BackupCatalog.load(environment)
            #expect(Set(after.backups.map(\.id)) == Set([taken[4].id, taken[6].id]))
            for id in expected {
                #expect(!FileManager.default.fileExists(atPath: fixture.repository + "/backups/\(id)/data.mbs.sealed"),
                        "\(id) deleted")
            }
            for record in after.backups {
                if let parent = record.parent { #expect(after.backup(parent) != nil, "chain of \(record.id) whole") }
            }
            #expect(!done[0].expireBinlogs.isEmpty, "binlogs older than every kept backup go")
            let report = try await Verifier(environment: environment).verify(location: try fixture.location(.posix))
            #expect(report.ok, "\(report.problems)")
            let marker = try await ShopMarker.take(server.adminConfiguration(), database: shop.database!, holding: nil)
            let restored = try await RestoredServer.checksums(fixture, .latestArchived, from: .posix,
                                                              database: shop.database!)
            #expect(restored.outcome.plan.chain.map(\.id) == [taken[6].id], "the last full, rolled forward")
            #expect(restored.checksums == marker.checksums, "the newest state is still recoverable")
        }
    }
}
