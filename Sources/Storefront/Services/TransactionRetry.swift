import CoreMetrics
import FluentKit
import FluentMariaDB
import FluentSQLiteDriver
import Foundation
import MariaDB

/// Retries a whole transaction when the database aborted it for concurrency reasons: deadlock (1213) or
/// lock-wait timeout (1205) on MariaDB; `SQLITE_BUSY` (with its extended codes, among them
/// `SQLITE_BUSY_SNAPSHOT`) and `SQLITE_LOCKED` on SQLite. Exponential backoff with full jitter, bounded
/// attempts; every outcome is counted (`storefront.transaction.retries`).
public struct TransactionRetryPolicy: Sendable {
    public var maximumAttempts = 5
    public var baseDelay: Duration = .milliseconds(5)
    public var maximumDelay: Duration = .milliseconds(200)
    public init() {}

    func delay(afterAttempt attempt: Int) -> Duration {
        let ceiling = min(baseDelay * (1 << min(attempt, 16)), maximumDelay)
        let nanos = Double(ceiling.components.seconds) * 1e9 + Double(ceiling.components.attoseconds) / 1e9
        return .nanoseconds(Int64(Double.random(in: 0...1) * nanos))
    }
}

public enum TransactionRetry {
    static func isRetryable(_ error: any Error) -> Bool {
        if let error = error as? MariaDBError { return error.isRetryableTransactionFailure }
        if let error = error as? SQLiteError { return isRetryable(error.reason) }
        return false
    }

    /// The `SQLITE_BUSY` and `SQLITE_LOCKED` families: another connection held a lock the statement needed.
    static func isRetryable(_ reason: SQLiteError.Reason) -> Bool {
        switch reason {
        case .busy, .busyInRecovery, .busyInSnapshot, .busyTimeout, .locked, .lockedBySharedCache, .lockedVirtualTable:
            return true
        default:
            return false
        }
    }

    /// Runs `body` in a transaction, retrying the whole transaction on transient concurrency failures.
    public static func run<T: Sendable>(
        on database: any Database, isolation: IsolationLevel? = nil, policy: TransactionRetryPolicy = TransactionRetryPolicy(), label: String,
        _ body: @escaping @Sendable (any Database) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let value: T
                if let isolation {
                    value = try await database.transaction(isolation: isolation) { try await body($0) }
                } else {
                    value = try await database.transaction { try await body($0) }
                }
                Counter(label: "storefront.transaction.outcomes", dimensions: [("transaction", label), ("outcome", attempt == 1 ? "committed" : "committed_after_retry")]).increment()
                return value
            } catch where isRetryable(error) && attempt < policy.maximumAttempts {
                Counter(label: "storefront.transaction.retries", dimensions: [("transaction", label)]).increment()
                try await Task.sleep(for: policy.delay(afterAttempt: attempt))
            } catch {
                let outcome = isRetryable(error) ? "gave_up" : "failed"
                Counter(label: "storefront.transaction.outcomes", dimensions: [("transaction", label), ("outcome", outcome)]).increment()
                throw error
            }
        }
    }
}
