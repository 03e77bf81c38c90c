import Backup
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Testing

/// A server the shop did not set up: MySQL 5.7-style defaults (latin1, MyISAM as the default engine, an
/// empty sql_mode, a non-UTC time zone). MyISAM tables are copied under mariadb-backup's commit block and
/// the binlogs replay onto them; the restored state is the recorded one.
@Suite(.mariaDB(.latin1Defaults), .serialized) struct StockServerBackupTests {
    @Test func myISAMAndLatin1TablesRestoreThroughTheBinlogs() async throws {
        let server = try TestServer.require()
        try await BackupFixture.with(server: server) { fixture in
            let shop = try TestServer.freshDatabase("stock")
            let database = try #require(shop.database)
            let workload = ShopWorkload(configuration: shop)
            try await workload.seed(rows: 10)
            let connection = try await MariaDBConnection.connect(shop)
            let engines = try await connection.query(
                """
                SELECT DISTINCT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = \(database)
                """
            ).rows.map { $0[0].description }
            try await connection.close()
            #expect(engines == ["MyISAM"], "the server's default engine: \(engines)")
            let full = try await PhysicalBackup(environment: fixture.environment, kind: .full)
                .execute(try await PhysicalBackup(environment: fixture.environment, kind: .full).plan())
            #expect(full.tableChecksums["\(database).orders"] != nil, "\(full.tableChecksums.keys.sorted())")
            for _ in 0..<10 { try await workload.writeOnce(using: nil) }
            // Account statements in the binlogs replay too (the replay server runs with its grant tables).
            let admin = try await MariaDBConnection.connect(server.adminConfiguration())
            _ = try await admin.execute("CREATE USER IF NOT EXISTS 'reporting'@'127.0.0.1' IDENTIFIED BY 'r-secret'")
            _ = try await admin.execute(MariaDBQuery(
                unsafeSQL: "GRANT SELECT ON \(MariaDBIdentifier.quote(database)).* TO 'reporting'@'127.0.0.1'"))
            try await admin.close()
            let marker = try await ShopMarker.take(server.adminConfiguration(), database: database, holding: nil)
            try await BackupRestoreTests.flushBinlogs(server)
            let archived = try await BinlogArchiver(environment: fixture.environment).archive(execute: true)
            #expect(archived.problems.isEmpty, "\(archived.problems)")
            let restored = try await RestoredServer.checksums(
                fixture, .latestArchived, from: .posix, database: database)
            #expect(restored.checksums == marker.checksums)
            #expect(restored.outcome.replayedTransactions >= 10)
        }
    }
}
