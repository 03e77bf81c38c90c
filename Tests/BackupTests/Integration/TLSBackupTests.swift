import Backup
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Testing

/// Backups of a server that refuses plaintext: mariadb-backup and mariadb-binlog get the connection's TLS
/// settings (CA, server certificate checked) through their option file, and the restore replays to the mark.
@Suite struct TLSBackupTests {
    @Test func aServerThatRefusesPlaintextIsBackedUpAndRestoredOverVerifiedTLS() async throws {
        try await TestServer.withTLSServer({ $0.set("require_secure_transport", "ON") }) { certs, server in
            let options = "?sslmode=verify-identity&sslca=\(certs.caFile)"
            try await BackupFixture.with(server: server, urlOptions: options) { fixture in
                var shop = server.adminConfiguration(database: "tls_shop")
                shop.database = nil
                let admin = try await MariaDBConnection.connect(shop)
                _ = try await admin.execute("CREATE DATABASE tls_shop")
                try await admin.close()
                shop.database = "tls_shop"
                let workload = ShopWorkload(configuration: shop)
                try await workload.seed(rows: 10)
                let full = try await PhysicalBackup(environment: fixture.environment, kind: .full)
                    .execute(try await PhysicalBackup(environment: fixture.environment, kind: .full).plan())
                #expect(full.tableChecksums["tls_shop.orders"] != nil, "\(full.tableChecksums.keys.sorted())")
                for _ in 0..<10 { try await workload.writeOnce(using: nil) }
                let marker = try await ShopMarker.take(server.adminConfiguration(), database: "tls_shop", holding: nil)
                try await BackupRestoreTests.flushBinlogs(server)
                let archived = try await BinlogArchiver(environment: fixture.environment).archive(execute: true)
                #expect(archived.problems.isEmpty, "\(archived.problems)")
                let restored = try await RestoredServer.checksums(
                    fixture, .latestArchived, from: .posix, database: "tls_shop")
                #expect(restored.checksums == marker.checksums)
            }
        }
    }

    /// The tools check the server's certificate themselves: on a server whose certificate names another host,
    /// dbctl's verify-ca connection passes (CA right, name unchecked) and mariadb-backup, told to verify, refuses.
    @Test func theToolsVerifyTheServerThemselves() async throws {
        try await TestServer.withTLSServer({ $0.tls = nil }) { certs, _ in
            var options = MariaDBServer.Options()
            options.tls = certs.wrongNameServerFiles
            options.set("require_secure_transport", "ON")
            let server = try await TestServer.start(options)
            do {
                try await BackupFixture.with(server: server, urlOptions: "?sslmode=verify-ca&sslca=\(certs.caFile)") {
                    fixture in
                    let backup = PhysicalBackup(environment: fixture.environment, kind: .full)
                    let plan = try await backup.plan()
                    await #expect {
                        _ = try await backup.execute(plan)
                    } throws: { error in
                        "\(error)".contains("mariadb-backup exited 1")
                            && "\(error)".contains("SSL certificate validation")
                    }
                }
            } catch {
                try? await server.stop()
                throw error
            }
            try await server.stop()
        }
    }
}
