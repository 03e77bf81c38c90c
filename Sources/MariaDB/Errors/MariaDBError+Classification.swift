extension MariaDBError {
    /// 1213 `ER_LOCK_DEADLOCK`: the transaction was rolled back; retry the whole transaction.
    public var isDeadlock: Bool { errno == 1213 }
    /// 1205 `ER_LOCK_WAIT_TIMEOUT`: the statement (not the transaction) timed out waiting for a lock.
    public var isLockWaitTimeout: Bool { errno == 1205 }
    /// 1062 `ER_DUP_ENTRY`, 1586 `ER_DUP_ENTRY_WITH_KEY_NAME`.
    public var isDuplicateKey: Bool { errno == 1062 || errno == 1586 }
    /// 2006 server gone away, 2013 lost connection during query, 2055 lost connection at handshake.
    public var isConnectionLost: Bool { code == .connectionLost || [2006, 2013, 2055].contains(errno) }
    /// 1045 `ER_ACCESS_DENIED_ERROR`, 1044 `ER_DBACCESS_DENIED_ERROR`, 1698 (plugin denied).
    public var isAccessDenied: Bool { code == .accessDenied || [1044, 1045, 1698].contains(errno) }
    /// 1290 `ER_OPTION_PREVENTS_STATEMENT` (`--read-only`), 1792 read-only transaction.
    public var isReadOnly: Bool { errno == 1290 || errno == 1792 }
    /// 1049 `ER_BAD_DB_ERROR`.
    public var isUnknownDatabase: Bool { errno == 1049 }
    /// 1146 `ER_NO_SUCH_TABLE`.
    public var isUnknownTable: Bool { errno == 1146 }
    /// 1064 `ER_PARSE_ERROR`.
    public var isSyntaxError: Bool { errno == 1064 || errno == 1149 }
    /// Duplicate key, foreign key (1451/1452), NOT NULL (1048), CHECK (4025 MariaDB, 3819 MySQL).
    public var isConstraintViolation: Bool { isDuplicateKey || [1048, 1451, 1452, 4025, 3819].contains(errno) }
    /// Errors after which retrying the whole transaction is the documented remedy.
    public var isRetryableTransactionFailure: Bool { isDeadlock || isLockWaitTimeout }

    /// Chooses the code for an errno reported by Connector/C.
    static func code(forErrno errno: UInt32) -> Code {
        switch errno {
        case 1044, 1045, 1698: return .accessDenied
        case 2006, 2013, 2055: return .connectionLost
        case 2002, 2003, 2005, 2012, 2059: return .connectionFailed
        case 2026: return .tls
        case 2000...2999: return .client
        case 0: return .client
        default: return .server
        }
    }
}
