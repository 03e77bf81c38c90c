import FluentSQLiteDriver
import NIOConcurrencyHelpers

/// Per-connection settings fluent-sqlite-driver has no hook for, applied the first time a connection is
/// used: `PRAGMA busy_timeout`, so a statement that finds the file locked by another process sleeps and
/// retries for up to that long instead of failing (SQLiteNIO's own handler retries in a busy loop, forever).
final class SQLiteConnectionSetup: Sendable {
    let busyTimeoutMilliseconds: Int
    /// Connections already set up, held weakly: the pool owns them and may replace one.
    private let prepared = NIOLockedValueBox<[ObjectIdentifier: WeakConnection]>([:])

    private struct WeakConnection: Sendable { weak var connection: SQLiteConnection? }

    init(busyTimeout: Duration) {
        let (seconds, attoseconds) = busyTimeout.components
        busyTimeoutMilliseconds = max(0, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    func prepare(_ connection: SQLiteConnection) async throws {
        let id = ObjectIdentifier(connection)
        if prepared.withLockedValue({ $0[id]?.connection === connection }) { return }
        // An integer from the configuration, not input: PRAGMA takes no bound parameters.
        _ = try await connection.query("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
        prepared.withLockedValue { entries in
            entries = entries.filter { $0.value.connection != nil }
            entries[id] = WeakConnection(connection: connection)
        }
    }
}
