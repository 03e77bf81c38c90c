import CoreMetrics
import FluentKit
import Foundation
import MariaDB
import Storefront
import Testing

@Suite struct TransactionRetryTests {
    final class Attempts: @unchecked Sendable {
        let lock = NSLock()
        var count = 0
        func next() -> Int { lock.lock(); defer { lock.unlock() }; count += 1; return count }
    }

    func database() async throws -> StorefrontDatabase {
        let db = StorefrontDatabase(StorefrontConfiguration(database: .sqliteMemory))
        try await db.migrate()
        return db
    }

    @Test func deadlocksAndLockTimeoutsRetryTheWholeTransaction() async throws {
        let db = try await database()
        let attempts = Attempts()
        var policy = TransactionRetryPolicy()
        policy.baseDelay = .milliseconds(1)
        let value = try await TransactionRetry.run(on: db.database(), policy: policy, label: "test") { tx -> Int in
            let attempt = attempts.next()
            try await Category(parentID: nil, name: "c\(attempt)", slug: "c\(attempt)").create(on: tx)
            if attempt == 1 { throw MariaDBError(code: .server, errno: 1213, sqlState: "40001", message: "Deadlock found") }
            if attempt == 2 { throw MariaDBError(code: .server, errno: 1205, sqlState: "HY000", message: "Lock wait timeout exceeded") }
            return attempt
        }
        #expect(value == 3)
        // The first two attempts were rolled back: only the third attempt's row exists.
        #expect(try await Category.query(on: db.database()).all().map(\.slug) == ["c3"])
        await db.shutdown()
    }

    @Test func givesUpAfterTheLimitAndDoesNotRetryOtherErrors() async throws {
        let db = try await database()
        let attempts = Attempts()
        var policy = TransactionRetryPolicy()
        policy.maximumAttempts = 3
        policy.baseDelay = .milliseconds(1)
        await #expect(throws: MariaDBError.self) {
            _ = try await TransactionRetry.run(on: db.database(), policy: policy, label: "test") { _ -> Int in
                _ = attempts.next()
                throw MariaDBError(code: .server, errno: 1213, message: "Deadlock found")
            }
        }
        #expect(attempts.count == 3)
        let other = Attempts()
        await #expect(throws: MariaDBError.self) {
            _ = try await TransactionRetry.run(on: db.database(), policy: policy, label: "test") { _ -> Int in
                _ = other.next()
                throw MariaDBError(code: .server, errno: 1062, message: "Duplicate entry")
            }
        }
        #expect(other.count == 1)
        await db.shutdown()
    }
}
