import Backup
import BackupTestSupport
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Testing

/// Full, incremental and binlog archiving under a write load into three kinds of location; restores to the
/// newest state, to GTIDs and to a time in the middle of the window, each compared with the state the test
/// recorded at that instant under a global read lock.
@Suite(.mariaDB, .serialized) struct BackupRestoreTests {
    static func flushBinlogs(_ server: MariaDBServer) async throws {
        let connection = try await MariaDBConnection.connect(server.adminConfiguration())
        _ = try await connection.execute("FLUSH BINARY LOGS")
        try await connection.close()
    }

    @Test func backupsUnderLoadRestoreToEveryRecordedPoint() async throws {
        let server = try TestServer.require()
        let shop = try TestServer.freshDatabase("shop")
        let database = try #require(shop.database)
        try await BackupFixture.with(server: server, kinds: [.posix, .sftp, .s3]) { fixture in
            let workload = ShopWorkload(configuration: shop)
            try await workload.seed(rows: 20)
            workload.start()
            do {
                let environment = fixture.environment
                let full = try await PhysicalBackup(environment: environment, kind: .full)
                    .execute(try await PhysicalBackup(environment: environment, kind: .full).plan())
                #expect(full.locations.values.allSatisfy { $0.status == .stored }, "\(full.locations)")
                #expect(!full.gtid.isEmpty && !full.tableChecksums.isEmpty)
                let first = try await ShopMarker.take(
                    server.adminConfiguration(), database: database, holding: workload)
                try await Task.sleep(for: .seconds(1))
                let incrementalPlan = try await PhysicalBackup(environment: environment, kind: .incremental).plan()
                #expect(incrementalPlan.parent?.id == full.id)
                let incremental = try await PhysicalBackup(environment: environment, kind: .incremental).execute(
                    incrementalPlan)
                #expect(incremental.parent == full.id && incremental.fromLSN > 0)
                let middle = try await ShopMarker.take(
                    server.adminConfiguration(), database: database, holding: workload)
                try await Self.flushBinlogs(server)
                let archived = try await BinlogArchiver(environment: environment).archive(execute: true)
                #expect(archived.problems.isEmpty, "\(archived.problems)")
                #expect(!archived.archived.isEmpty)
                try await Task.sleep(for: .seconds(1))
                let transactions = try await workload.stop()
                #expect(transactions > 20, "the load kept writing through the backups")
                let last = try await ShopMarker.take(server.adminConfiguration(), database: database, holding: workload)
                try await Self.flushBinlogs(server)
                _ = try await BinlogArchiver(environment: environment).archive(execute: true)

                let atMiddle = try await RestoredServer.checksums(
                    fixture, .gtid(try #require(GTIDPosition(middle.gtid))), from: .s3, database: database)
                #expect(atMiddle.checksums == middle.checksums, "restore to GTID \(middle.gtid) from S3")
                let atTime = try await RestoredServer.checksums(
                    fixture, .time(first.time), from: .sftp, database: database)
                #expect(atTime.checksums == first.checksums, "restore to \(first.time) from SFTP")
                #expect(atTime.outcome.plan.backup.id == full.id)
                let latest = try await RestoredServer.checksums(
                    fixture, .latestArchived, from: .posix, database: database)
                #expect(latest.checksums == last.checksums, "restore through every archived binlog")
                #expect(latest.outcome.plan.chain.map(\.id) == [full.id, incremental.id])

                let beyond = GTIDPosition(last.gtid).map { position -> GTIDPosition in
                    var later = position
                    for gtid in position.gtids {
                        later.advance(.init(domain: gtid.domain, server: gtid.server, sequence: gtid.sequence + 1000))
                    }
                    return later
                }
                let catalog = try await BackupCatalog.load(environment)
                #expect {
                    try RestorePlanner(catalog: catalog, location: "local").plan(.gtid(try #require(beyond)))
                } throws: { error in "\(error)".contains("recoverable window") }

                for location in environment.locations {
                    let report = try await Verifier(environment: environment).verify(location: location)
                    #expect(report.ok, "\(location.name): \(report.problems)")
                    #expect(report.backupsChecked == 2)
                }
                let drill = try await Drill(environment: environment).run(location: try fixture.location(.posix))
                #expect(drill.succeeded, "\(drill.problems)")
                #expect(drill.tablesChecked >= 3)
            } catch {
                _ = try? await workload.stop()
                throw error
            }
        }
    }
}
