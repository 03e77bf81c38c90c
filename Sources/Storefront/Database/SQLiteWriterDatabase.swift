import FluentKit
import FluentSQLiteDriver
import NIOCore
import SQLKit

/// fluent-sqlite's `Database` with two changes; everything else passes through unchanged.
///
/// - A connection is set up (`SQLiteConnectionSetup`: busy timeout) before it runs anything.
/// - `transaction` starts with `BEGIN IMMEDIATE` instead of a deferred `BEGIN`. The transaction takes the
///   write lock at its start, waiting up to the busy timeout for another process to finish, so it never has
///   to turn its read snapshot into a writer halfway through. SQLite refuses that upgrade at once when another
///   connection holds the write lock (`SQLITE_BUSY`) or has committed since the snapshot was taken
///   (`SQLITE_BUSY_SNAPSHOT`), and no waiting helps. Every transaction Storefront runs writes.
struct SQLiteWriterDatabase: Database, SQLDatabase {
    /// fluent-sqlite's database: pool-backed, or bound to one connection when `pinned`.
    let base: any Database
    let setup: SQLiteConnectionSetup
    let pinned: Bool
    let inTransaction: Bool

    var context: DatabaseContext { base.context }
    private var baseSQL: any SQLDatabase { base as! any SQLDatabase }

    /// Runs `body` on one set-up connection: this one when pinned, otherwise one leased from the pool.
    private func onConnection<T>(
        _ body: @escaping @Sendable (SQLiteWriterDatabase) async throws -> T
    ) async throws -> T {
        if pinned { return try await body(self) }
        let setup = self.setup
        let inTransaction = self.inTransaction
        return try await base.withConnection { connection -> UncheckedResult<T> in
            guard let sqlite = connection as? any SQLiteDatabase else {
                throw SQLiteWriterError(description: "fluent-sqlite's database is not an SQLiteDatabase")
            }
            try await sqlite.withConnection { try await setup.prepare($0) }
            let bound = SQLiteWriterDatabase(base: connection, setup: setup, pinned: true, inTransaction: inTransaction)
            return UncheckedResult(value: try await body(bound))
        }.value
    }

    private func future<T>(_ body: @escaping @Sendable (SQLiteWriterDatabase) async throws -> T) -> EventLoopFuture<T> {
        eventLoop.makeFutureWithTask { UncheckedResult(value: try await onConnection(body)) }.map { $0.value }
    }

    // MARK: Database

    func execute(query: DatabaseQuery,
                 onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        if pinned { return base.execute(query: query, onOutput: onOutput) }
        return future { try await $0.base.execute(query: query, onOutput: onOutput).get() }
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        if pinned { return base.execute(schema: schema) }
        return future { try await $0.base.execute(schema: schema).get() }
    }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        base.execute(enum: `enum`)
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        if pinned { return closure(self) }
        return future { try await unchecked(closure($0)) }
    }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        if inTransaction { return closure(self) }
        return future { connection in
            let tx = SQLiteWriterDatabase(base: connection.base, setup: connection.setup, pinned: true,
                                          inTransaction: true)
            try await tx.baseSQL.raw("BEGIN IMMEDIATE TRANSACTION").run()
            do {
                let value = try await unchecked(closure(tx))
                try await tx.baseSQL.raw("COMMIT TRANSACTION").run()
                return value
            } catch {
                try? await tx.baseSQL.raw("ROLLBACK TRANSACTION").run()
                throw error
            }
        }
    }

    // MARK: SQLDatabase

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { baseSQL.version }
    var dialect: any SQLDialect { baseSQL.dialect }
    var queryLogLevel: Logger.Level? { baseSQL.queryLogLevel }

    func execute(sql query: any SQLExpression,
                 _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        if pinned { return baseSQL.execute(sql: query, onRow) }
        return future { try await $0.baseSQL.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await onConnection { try await $0.baseSQL.execute(sql: query, onRow) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await onConnection { try await closure($0) }
    }
}

/// Carries a generic result across Fluent's future-based API, which predates `Sendable`.
private struct UncheckedResult<T>: @unchecked Sendable { let value: T }

/// The value of a future whose type Fluent does not require to be `Sendable`; it stays on this task.
private func unchecked<T>(_ future: EventLoopFuture<T>) async throws -> T {
    try await future.map { UncheckedResult(value: $0) }.get().value
}

struct SQLiteWriterError: Error, CustomStringConvertible {
    let description: String
}
