import Backup
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Testing

/// Objects changed behind dbctl's back: each is named by `verify`, and `restore` refuses; nothing is
/// silently wrong. Then key rotation and a missing key.
@Suite(.mariaDB, .serialized) struct TamperTests {
    /// A full and an incremental of a few MiB, and at least three archived binlogs.
    static func backups(_ fixture: BackupFixture, _ server: MariaDBServer) async throws -> (BackupRecord, BackupRecord)
    {
        let shop = try TestServer.freshDatabase("tamper")
        let workload = ShopWorkload(configuration: shop)
        try await workload.seed(rows: 20)
        let connection = try await MariaDBConnection.connect(shop)
        // Incompressible bulk so the data object spans several encrypted chunks.
        _ = try await connection.execute("CREATE TABLE blobs (id INT PRIMARY KEY AUTO_INCREMENT, data LONGBLOB)")
        _ = try await connection.execute(
            "INSERT INTO blobs (data) SELECT REPEAT(SHA2(RAND(), 256), 20000) FROM seq_1_to_8")
        try await connection.close()
        let environment = fixture.environment
        let full = try await PhysicalBackup(environment: environment, kind: .full)
            .execute(try await PhysicalBackup(environment: environment, kind: .full).plan())
        for _ in 0..<3 {
            for _ in 0..<5 { try await workload.writeOnce(using: nil) }
            try await BackupRestoreTests.flushBinlogs(server)
        }
        let incremental = try await PhysicalBackup(environment: environment, kind: .incremental)
            .execute(try await PhysicalBackup(environment: environment, kind: .incremental).plan())
        try await BackupRestoreTests.flushBinlogs(server)
        let outcome = try await BinlogArchiver(environment: environment).archive(execute: true)
        #expect(outcome.problems.isEmpty, "\(outcome.problems)")
        return (full, incremental)
    }

    enum Tamper: String, CaseIterable {
        case flipByte, truncate, delete, swapChunks, replaceWithOtherBackup, dropMiddleBinlog, flipManifestCopy
    }

    @Test func everyTamperingIsNamedAndRestoreRefuses() async throws {
        let server = try TestServer.require()
        try await BackupFixture.with(server: server) { fixture in
            let (full, incremental) = try await Self.backups(fixture, server)
            let repo = fixture.repository
            let pristine = fixture.root + "/pristine"
            try FileManager.default.copyItem(atPath: repo, toPath: pristine)
            let catalog = try await BackupCatalog.load(fixture.environment)
            let binlogs = catalog.binlogs
            #expect(binlogs.count >= 3, "\(binlogs.map(\.name))")
            let dataKey = full.objects[0].key
            let dataFile = repo + "/" + dataKey
            #expect(full.objects[0].cipherBytes > 3 << 20, "several chunks: \(full.objects[0].cipherBytes)")

            for tamper in Tamper.allCases {
                var named = dataKey
                switch tamper {
                case .flipByte: try Self.flip(dataFile, at: 3 << 19)
                case .truncate: try Self.truncate(dataFile, by: 100)
                case .delete: try FileManager.default.removeItem(atPath: dataFile)
                case .swapChunks: try Self.swapChunks(dataFile, 1, 2)
                case .replaceWithOtherBackup:
                    try FileManager.default.removeItem(atPath: dataFile)
                    try FileManager.default.copyItem(atPath: repo + "/" + incremental.objects[0].key, toPath: dataFile)
                case .dropMiddleBinlog:
                    named = binlogs[binlogs.count / 2].object.key
                    try FileManager.default.removeItem(atPath: repo + "/" + named)
                case .flipManifestCopy:
                    named = "backups/\(full.id)/manifest.copy.sealed"
                    try Self.flip(repo + "/" + named, at: 40)
                }
                let report = try await Verifier(environment: fixture.environment)
                    .verify(location: try fixture.location(.posix))
                #expect(!report.ok, "\(tamper) not found")
                #expect(report.problems.contains { $0.contains(named) }, "\(tamper): \(report.problems)")
                if tamper != .dropMiddleBinlog && tamper != .flipManifestCopy {
                    await #expect(throws: (any Error).self, "\(tamper): restore must refuse") {
                        _ = try await RestoredServer.checksums(
                            fixture, .backup(full.id), from: .posix,
                            database: "tamper")
                    }
                }
                try FileManager.default.removeItem(atPath: repo)
                try FileManager.default.copyItem(atPath: pristine, toPath: repo)
            }
            let clean = try await Verifier(environment: fixture.environment).verify(
                location: try fixture.location(.posix))
            #expect(clean.ok, "\(clean.problems)")
        }
    }

    @Test func backupsBeforeAndAfterKeyRotationRestore() async throws {
        let server = try TestServer.require()
        try await BackupFixture.with(server: server) { fixture in
            let shop = try TestServer.freshDatabase("keys")
            let workload = ShopWorkload(configuration: shop)
            try await workload.seed(rows: 5)
            let environment = fixture.environment
            let before = try await PhysicalBackup(environment: environment, kind: .full)
                .execute(try await PhysicalBackup(environment: environment, kind: .full).plan())
            let oldKey = environment.keyRing.current.id
            let rotation = try await KeyRotation(environment: environment).rotate(execute: true)
            #expect(rotation.newKeyID != oldKey && rotation.problems.isEmpty, "\(rotation.problems)")
            try fixture.reload()
            #expect(fixture.environment.keyRing.current.id == rotation.newKeyID)
            try await workload.writeOnce(using: nil)
            let after = try await PhysicalBackup(environment: fixture.environment, kind: .incremental)
                .execute(try await PhysicalBackup(environment: fixture.environment, kind: .incremental).plan())
            let catalog = try await BackupCatalog.load(fixture.environment)
            #expect(catalog.backup(before.id)?.objects[0].wrappedKey.keyID == rotation.newKeyID, "re-wrapped")
            #expect(after.objects[0].wrappedKey.keyID == rotation.newKeyID)
            let report = try await Verifier(environment: fixture.environment).verify(
                location: try fixture.location(.posix))
            #expect(report.ok, "\(report.problems)")
            let restored = try await RestoredServer.checksums(
                fixture, .backup(after.id), from: .posix,
                database: shop.database!)
            #expect(!restored.checksums.isEmpty)

            // Without the key file nothing opens, and the error names the file.
            try FileManager.default.moveItem(atPath: fixture.keyFile, toPath: fixture.keyFile + ".away")
            #expect { try fixture.reload() } throws: { "\($0)".contains(fixture.keyFile) }
        }
    }

    static func flip(_ path: String, at offset: UInt64) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        let byte = try handle.read(upToCount: 1) ?? Data([0])
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data([byte[0] ^ 0x01]))
    }

    static func truncate(_ path: String, by bytes: UInt64) throws {
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64 ?? 0
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.truncate(atOffset: size - bytes)
    }

    /// Swaps two whole encrypted chunks (header, then chunks of 1 MiB + 16-byte tag).
    static func swapChunks(_ path: String, _ first: Int, _ second: Int) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        let header = 62
        let chunk = (1 << 20) + 16
        let a = header + first * chunk
        let b = header + second * chunk
        let chunkA = data.subdata(in: a..<(a + chunk))
        let chunkB = data.subdata(in: b..<(b + chunk))
        data.replaceSubrange(a..<(a + chunk), with: chunkB)
        data.replaceSubrange(b..<(b + chunk), with: chunkA)
        try data.write(to: URL(fileURLWithPath: path))
    }
}
