import FluentKit
import Foundation
import MariaDB
import Storefront

/// A lock on the shop's data taken from outside the shop, so that a request needing it waits until the test
/// lets go: a slow request whose end the test controls.
struct OutsideLock: Sendable {
    let release: @Sendable () async -> Void

    /// SQLite: another connection holds the file's write lock (`BEGIN IMMEDIATE`), so the shop's writes wait
    /// (up to its busy timeout) while its reads go on.
    static func sqliteWriter(path: String) async throws -> OutsideLock {
        let other = StorefrontDatabase(StorefrontConfiguration(database: .sqlite(path: path)))
        let (locked, lockedSignal) = AsyncStream<Void>.makeStream()
        let (released, releaseSignal) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await other.database().transaction { tx in
                _ = try await Customer.query(on: tx).count()
                lockedSignal.yield()
                for await _ in released { break }
            }
        }
        for await _ in locked { break }
        return OutsideLock {
            releaseSignal.yield()
            _ = await holder.result
            await other.shutdown()
        }
    }

    /// MariaDB: `LOCK TABLES table WRITE` on another connection, so every request touching the table waits.
    static func mariaDBTable(_ table: String, configuration: MariaDBConfiguration) async throws -> OutsideLock {
        let connection = try await MariaDBConnection.connect(configuration)
        try await connection.execute(MariaDBQuery(unsafeSQL: "LOCK TABLES \(MariaDBIdentifier.quote(table)) WRITE"))
        return OutsideLock {
            _ = try? await connection.execute(MariaDBQuery(unsafeSQL: "UNLOCK TABLES"))
            try? await connection.close()
        }
    }
}
