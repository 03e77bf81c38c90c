import Logging
import NIOConcurrencyHelpers

/// An async connection. Every blocking Connector/C call runs on the connection's own thread
/// (`executor`), never on the cooperative pool.
///
/// `@unchecked Sendable` is safe because the underlying `BlockingConnection` is only touched inside
/// `withHandle`, whose bodies all run on the connection's single thread: operations issued concurrently
/// (Fluent does this inside a transaction) run one after another in arrival order, never interleaved.
public final class MariaDBConnection: @unchecked Sendable {
    private let handle: BlockingConnection
    /// The connection's thread. Adopt it with `withTaskExecutorPreference(connection.executor)` around a
    /// sequence of queries to run them without a thread hop each.
    public let executor: ConnectionExecutor
    public let logger: Logger

    private init(handle: BlockingConnection, executor: ConnectionExecutor, logger: Logger) {
        self.handle = handle
        self.executor = executor
        self.logger = logger
    }

    deinit {
        if !handle.isClosed {
            let handle = self.handle
            executor.enqueueClose(handle)
        }
        executor.shutdown()
    }

    public static func connect(_ configuration: MariaDBConfiguration, logger: Logger = Logger(label: "storefront.mariadb")) async throws -> MariaDBConnection {
        let executor = ConnectionExecutor()
        do {
            let handle = try await withTaskExecutorPreference(executor) { try BlockingConnection.connect(configuration) }
            logger.debug("connected", metadata: ["db.endpoint": "\(configuration.endpoint)", "db.connection_id": "\(handle.connectionID)"])
            return MariaDBConnection(handle: handle, executor: executor, logger: logger)
        } catch {
            executor.shutdown()
            throw error
        }
    }

    /// Runs `body` with exclusive use of the blocking connection, on the connection's thread.
    public func withHandle<T: Sendable>(_ body: @Sendable (BlockingConnection) throws -> T) async throws -> T {
        if executor.isCurrent { return try body(handle) }
        let handle = self.handle
        let executor = self.executor
        return try await withTaskExecutorPreference(executor) {
            assert(executor.isCurrent, "blocking call must run on the connection's thread")
            return try body(handle)
        }
    }

    @discardableResult
    public func query(_ query: MariaDBQuery, prepared: Bool = false) async throws -> MariaDBResult {
        try await withHandle { try $0.query(query, prepared: prepared) }
    }

    @discardableResult
    public func execute(_ query: MariaDBQuery) async throws -> QueryMetadata {
        try await withHandle { try $0.execute(query) }
    }

    /// Streams rows to `onRow`, which runs on the connection's thread; memory stays flat.
    @discardableResult
    public func stream(_ query: MariaDBQuery, prepared: Bool = false, onRow: @escaping @Sendable (MariaDBRow) throws -> Void) async throws -> QueryMetadata {
        try await withHandle { try $0.stream(query, prepared: prepared, onRow: onRow) }
    }

    public func ping() async throws { try await withHandle { try $0.ping() } }

    public func reset() async throws { try await withHandle { try $0.reset() } }

    public func close() async throws {
        try await withHandle { $0.close() }
    }

    /// Runs `body` in a transaction at `isolation`; commits on return, rolls back on throw.
    public func transaction<T: Sendable>(
        isolation: IsolationLevel? = nil, readOnly: Bool = false, _ body: (MariaDBConnection) async throws -> T
    ) async throws -> T {
        try await withHandle { try $0.begin(isolation: isolation, readOnly: readOnly) }
        do {
            let value = try await body(self)
            try await withHandle { try $0.commit() }
            return value
        } catch {
            try? await withHandle { connection in if !connection.isBroken { try connection.rollback() } }
            throw error
        }
    }

    public var serverVersion: String { handle.serverVersion }
    public var serverVersionNumber: Int { handle.serverVersionNumber }
    public var isMariaDB: Bool { handle.isMariaDB }
    public var serverCapabilities: UInt64 { handle.serverCapabilities }
    public var connectionID: UInt64 { handle.connectionID }
    public var tlsVersion: String? { handle.tlsVersion }
    public var isClosed: Bool { handle.isClosed }
    public var isBroken: Bool { handle.isBroken }
    public var configuration: MariaDBConfiguration { handle.configuration }
}

extension ConnectionExecutor {
    /// Closes a handle on its own thread when its connection object is dropped without `close()`.
    func enqueueClose(_ handle: BlockingConnection) {
        Task(executorPreference: self) { handle.close() }
    }
}
