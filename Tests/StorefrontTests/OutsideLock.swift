import Foundation
import MariaDB
import Storefront

/// A lock on the shop's data taken from outside the shop, so that a request needing it waits until the test
/// lets go: a slow request whose end the test controls.
struct OutsideLock: Sendable {
    let release: @Sendable () async -> Void

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
