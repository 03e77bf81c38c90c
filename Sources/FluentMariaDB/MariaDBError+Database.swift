import FluentKit
import MariaDB

extension MariaDBError: DatabaseError {
    public var isConstraintFailure: Bool { isConstraintViolation }
    public var isConnectionClosed: Bool { isConnectionLost }
}
