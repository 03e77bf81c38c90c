import Backup
import DatabaseSecurity
import DbctlConfig
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Testing

/// A server whose tablespaces, redo log and binlogs are encrypted (`dbctl security encryption`): a full
/// backup, the binlogs after it, and a restore to the marker on a server that reads the same key file.
@Suite struct EncryptedServerBackupTests {
    @Test func anEncryptedServerIsBackedUpAndRestored() async throws {
        let directory = NSTemporaryDirectory() + "storefront-encrypted-backup-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keys = EncryptionKeys(
            section: EncryptionSection(keyFile: directory + "/keys/keys.enc", filekeyFile: directory + "/keys/filekey"))
        try keys.create()
        var options = MariaDBServer.Options()
        for line in keys.serverSettings() {
            let parts = line.components(separatedBy: " = ")
            options.set(parts[0], parts[1])
        }
        let server = try await TestServer.start(options)
        do {
            try await BackupFixture.with(server: server) { fixture in
                let admin = try await MariaDBConnection.connect(server.adminConfiguration())
                _ = try await admin.execute("CREATE DATABASE sealed_shop")
                try await admin.close()
                let shop = server.adminConfiguration(database: "sealed_shop")
                let workload = ShopWorkload(configuration: shop)
                try await workload.seed(rows: 10)
                let full = try await PhysicalBackup(environment: fixture.environment, kind: .full)
                    .execute(try await PhysicalBackup(environment: fixture.environment, kind: .full).plan())
                #expect(full.tableChecksums["sealed_shop.orders"] != nil, "\(full.tableChecksums.keys.sorted())")
                for _ in 0..<10 { try await workload.writeOnce(using: nil) }
                let marker = try await ShopMarker.take(
                    server.adminConfiguration(), database: "sealed_shop", holding: nil)
                try await BackupRestoreTests.flushBinlogs(server)
                let archived = try await BinlogArchiver(environment: fixture.environment).archive(execute: true)
                #expect(archived.problems.isEmpty, "\(archived.problems)")
                let restored = try await RestoredServer.checksums(
                    fixture, .latestArchived, from: .posix, database: "sealed_shop")
                #expect(restored.checksums == marker.checksums)
            }
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }
}
