import Backup
import Foundation
import MariaDB
import MariaDBServer

/// Restores a plan into a fresh directory with a server left running on it (as `restore --start` does), reads
/// the shop's checksums there, and stops it.
enum RestoredServer {
    static func checksums(
        _ fixture: BackupFixture, _ target: RestorePlanner.Target, from kind: BackupFixture.Kind,
        database: String, inspect: ((MariaDBConnection) async throws -> Void)? = nil
    ) async throws -> (checksums: [String: String], outcome: RestoreRunner.Outcome) {
        let location = try fixture.location(kind)
        let catalog = try await BackupCatalog.load(fixture.environment)
        let plan = try RestorePlanner(catalog: catalog, location: location.name).plan(target)
        let directory = fixture.root + "/restored-\(UUID().uuidString.prefix(6))"
        let port = try FreePort.pick()
        let outcome = try await RestoreRunner(environment: fixture.environment)
            .run(plan, location: location, into: directory, startPort: port)
        defer {
            if let pid = outcome.serverPID { stop(pid) }
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: directory + ".server")
        }
        var admin = fixture.server.adminConfiguration()
        admin.port = port
        admin.tls = .disable  // the restored server runs on loopback without the source's certificates
        let connection = try await connectWithRetry(admin)
        let checksums = try await ShopMarker.checksums(connection, database: database)
        try await inspect?(connection)
        try await connection.close()
        return (checksums, outcome)
    }

    static func connectWithRetry(_ configuration: MariaDBConfiguration) async throws -> MariaDBConnection {
        var lastError: (any Error)?
        for _ in 0..<150 {
            do { return try await MariaDBConnection.connect(configuration) } catch { lastError = error }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw lastError!
    }

    static func stop(_ pid: Int32) {
        kill(pid, SIGTERM)
        for _ in 0..<600 where kill(pid, 0) == 0 { usleep(100_000) }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
    }
}
