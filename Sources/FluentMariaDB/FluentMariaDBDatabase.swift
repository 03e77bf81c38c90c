import FluentKit
import FluentSQL
import Logging
import MariaDB
import NIOConcurrencyHelpers
import NIOCore
import SQLKit

/// Where a Fluent database gets its connection: from the pool per statement, or a connection pinned for
/// a transaction / `withConnection` block.
enum ConnectionSource: Sendable {
    case pool(MariaDBConnectionPool)
    case pinned(MariaDBConnection)
}

/// Fluent's `Database` and SQLKit's `SQLDatabase` over our client. Reads and writes go to the primary
/// pool unless a `ReplicaRouter` sends reads outside transactions to a replica.
struct FluentMariaDBDatabase: Database, SQLDatabase {
    let source: ConnectionSource
    let router: ReplicaRouter?
    let session: RoutingSession
    let context: DatabaseContext
    let inTransaction: Bool
    var tableOptions: MariaDBTableOptions = .standard
    let encoder = MariaDBDataEncoder()
    let decoder = MariaDBDataDecoder()

    var dialect: any SQLDialect { MariaDBDialect() }
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var queryLogLevel: Logger.Level? { .debug }

    func pinned(to connection: MariaDBConnection, inTransaction: Bool) -> FluentMariaDBDatabase {
        FluentMariaDBDatabase(source: .pinned(connection), router: router, session: session, context: context,
                              inTransaction: inTransaction, tableOptions: tableOptions)
    }

    // MARK: Running SQL

    /// Serializes and runs one SQLKit expression; rows go to `onRow`, metadata is returned.
    func run(_ expression: any SQLExpression, isRead: Bool = false, onRow: @escaping @Sendable (MariaDBRow) -> Void) async throws -> QueryMetadata {
        let (sql, binds) = serialize(expression)
        let values = try binds.map { try encoder.encode($0) }
        let query = MariaDBQuery(unsafeSQL: sql, binds: values)
        if let level = queryLogLevel { logger.log(level: level, "\(sql)", metadata: ["db.binds": "\(values.count)"]) }
        let result: MariaDBResult
        switch source {
        case .pinned(let connection):
            result = try await connection.query(query)
        case .pool(let pool):
            if isRead, let router, let replica = await router.readReplica(for: session) {
                if let routed = try await router.run(query, on: replica, session: session) {
                    result = routed
                    break
                }
            }
            result = try await pool.withConnection { connection in
                let result = try await connection.query(query)
                if !isRead, let router { try await router.recordWrite(on: connection, session: session) }
                return result
            }
        }
        for row in result.rows { onRow(row) }
        return result.metadata
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let decoder = self.decoder
        _ = try await run(query) { onRow(MariaDBSQLRow(row: $0, decoder: decoder)) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        switch source {
        case .pinned: return try await closure(self)
        case .pool(let pool):
            let lease = try await pool.acquire()
            defer { pool.release(lease) }
            return try await closure(pinned(to: lease.connection, inTransaction: inTransaction))
        }
    }

    // MARK: Fluent

    /// Fluent requires outputs on the database's event loop: rows are collected off-loop, then delivered.
    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { () -> [any DatabaseOutput] in
            let outputs = NIOLockedValueBox<[any DatabaseOutput]>([])
            try await self.executeAsync(query: query) { output in outputs.withLockedValue { $0.append(output) } }
            return outputs.withLockedValue { $0 }
        }.map { outputs in
            for output in outputs { onOutput(output) }
        }
    }

    func executeAsync(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) async throws {
        let expression = SQLQueryConverter(delegate: MariaDBConverterDelegate()).convert(query)
        let decoder = self.decoder
        var isRead = false
        if case .read = query.action { isRead = !inTransaction }
        if case .aggregate = query.action { isRead = !inTransaction }
        let metadata = try await run(expression, isRead: isRead) {
            onOutput(SQLRowDatabaseOutput(row: MariaDBSQLRow(row: $0, decoder: decoder), schema: nil))
        }
        if case .create = query.action, query.customIDKey != .some(.string("")) {
            onOutput(LastInsertRow(lastInsertID: metadata.lastInsertID, idKey: query.customIDKey ?? .id))
        }
    }

    /// A new table gets explicit table options (engine, row format, character set, collation) instead of
    /// the server's defaults.
    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask {
            var statement = SQLSchemaConverter(delegate: MariaDBConverterDelegate()).convert(schema)
            if schema.action == .create { statement = self.tableOptions.appended(to: statement) }
            _ = try await self.run(statement) { _ in }
        }
    }

    /// Enums are inline column types (`ENUM('a','b')`) on MySQL: nothing to create separately.
    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        eventLoop.makeSucceededFuture(())
    }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        if inTransaction { return closure(self) }
        return eventLoop.makeFutureWithTask { [self] in
            try await self.transactionAsync { db in try await closure(db).get() }
        }.map { $0.value }
    }

    /// Runs `closure` in one transaction on one pinned connection. Nested calls join the outer one.
    func transactionAsync<T>(isolation: IsolationLevel? = nil, _ closure: @escaping @Sendable (any Database) async throws -> T) async throws -> UncheckedBox<T> {
        switch source {
        case .pinned(let connection):
            return try await runTransaction(on: connection, isolation: isolation, closure)
        case .pool(let pool):
            let lease = try await pool.acquire()
            defer { pool.release(lease) }
            return try await runTransaction(on: lease.connection, isolation: isolation, closure)
        }
    }

    private func runTransaction<T>(on connection: MariaDBConnection, isolation: IsolationLevel?, _ closure: @escaping @Sendable (any Database) async throws -> T) async throws -> UncheckedBox<T> {
        let db = pinned(to: connection, inTransaction: true)
        if let isolation { try await connection.execute(MariaDBQuery(unsafeSQL: "SET TRANSACTION ISOLATION LEVEL \(isolation.rawValue)")) }
        try await connection.execute("START TRANSACTION")
        do {
            let value = try await closure(db)
            try await connection.execute("COMMIT")
            if let router { try await router.recordWrite(on: connection, session: session) }
            return UncheckedBox(value: value)
        } catch {
            if !connection.isBroken { try? await connection.execute("ROLLBACK") }
            throw error
        }
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        switch source {
        case .pinned: return closure(self)
        case .pool(let pool):
            return eventLoop.makeFutureWithTask { [self] in
                let lease = try await pool.acquire()
                defer { pool.release(lease) }
                return UncheckedBox(value: try await closure(self.pinned(to: lease.connection, inTransaction: self.inTransaction)).get())
            }.map { $0.value }
        }
    }
}

/// Carries a non-Sendable generic result across `makeFutureWithTask` (Fluent's future API predates Sendable).
struct UncheckedBox<T>: @unchecked Sendable { let value: T }

extension Database {
    /// A transaction at `isolation` on MariaDB/MySQL. Other databases run their normal transaction (SQLite
    /// transactions are serializable). Inside an open transaction the closure joins it unchanged.
    public func transaction<T: Sendable>(isolation: IsolationLevel, _ closure: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        if let db = self as? FluentMariaDBDatabase, !db.inTransaction {
            return try await db.transactionAsync(isolation: isolation, closure).value
        }
        return try await transaction(closure)
    }
}
