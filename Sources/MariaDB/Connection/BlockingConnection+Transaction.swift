/// Transaction isolation levels, as InnoDB names them.
public enum IsolationLevel: String, Sendable, CaseIterable {
    case readUncommitted = "READ UNCOMMITTED"
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension BlockingConnection {
    /// Starts a transaction with the given isolation level (applies to this transaction only).
    public func begin(isolation: IsolationLevel? = nil, readOnly: Bool = false) throws {
        if let isolation { try execute(MariaDBQuery(unsafeSQL: "SET TRANSACTION ISOLATION LEVEL \(isolation.rawValue)")) }
        try execute(readOnly ? "START TRANSACTION READ ONLY" : "START TRANSACTION")
    }

    public func commit() throws { try execute("COMMIT") }

    public func rollback() throws { try execute("ROLLBACK") }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    public func transaction<T>(isolation: IsolationLevel? = nil, readOnly: Bool = false, _ body: (BlockingConnection) throws -> T) throws -> T {
        try begin(isolation: isolation, readOnly: readOnly)
        do {
            let value = try body(self)
            try commit()
            return value
        } catch {
            if !isBroken { try? rollback() }
            throw error
        }
    }
}
