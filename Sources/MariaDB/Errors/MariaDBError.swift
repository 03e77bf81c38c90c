/// An error from the MariaDB client: a server error (errno + SQLSTATE), a client error
/// (Connector/C 2xxx codes), or a misuse detected by this library.
///
/// `description` is safe to log: it never contains bound values, passwords or row data. The
/// full server message, which can quote data (a duplicate key value, for example), is only in
/// `debugDescription`.
public struct MariaDBError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of failure this is. Extensible: new codes are static members.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The server rejected a statement; `errno`/`sqlState` say why.
        public static let server = Code("server")
        /// The connection could not be established (host, port, network, handshake).
        public static let connectionFailed = Code("connection_failed")
        /// The connection broke during an operation.
        public static let connectionLost = Code("connection_lost")
        /// Credentials were rejected.
        public static let accessDenied = Code("access_denied")
        /// TLS could not be negotiated or the server certificate failed verification.
        public static let tls = Code("tls")
        /// The configuration (URL, option, file) is invalid.
        public static let configuration = Code("configuration")
        /// A value could not be converted to or from its SQL representation.
        public static let conversion = Code("conversion")
        /// The client library reported an error not covered above.
        public static let client = Code("client")
        /// The API was used incorrectly (closed connection, concurrent use).
        public static let misuse = Code("misuse")
        /// A `LOAD DATA LOCAL INFILE` source failed or the server asked for an unexpected file.
        public static let localInfile = Code("local_infile")
        /// The server produced warnings where the caller asked for none.
        public static let warnings = Code("warnings")
    }

    public var code: Code
    /// Server or client error number (`mysql_errno`), 0 when the error did not come from Connector/C.
    public var errno: UInt32
    /// Five-character SQLSTATE, `"HY000"` when unknown.
    public var sqlState: String
    /// The library's message. May quote data; see `debugDescription`.
    public var message: String
    /// A short, data-free summary of what was being done ("connect to 127.0.0.1:3306", "prepare").
    public var context: String
    public var underlying: (any Error)?

    public init(
        code: Code, errno: UInt32 = 0, sqlState: String = "HY000", message: String,
        context: String = "", underlying: (any Error)? = nil
    ) {
        self.code = code
        self.errno = errno
        self.sqlState = sqlState
        self.message = message
        self.context = context
        self.underlying = underlying
    }

    public var description: String {
        var text = "MariaDB \(code.rawValue) error"
        if errno != 0 { text += " \(errno) (\(sqlState))" }
        if !context.isEmpty { text += " during \(context)" }
        text += ": \(safeMessage)"
        return text
    }

    public var debugDescription: String {
        var text = "MariaDBError(code: \(code), errno: \(errno), sqlState: \(sqlState), context: \(context), message: \(message)"
        if let underlying { text += ", underlying: \(String(reflecting: underlying))" }
        return text + ")"
    }

    /// The message as `description` shows it (offending values redacted), for wrapping in other errors.
    public var safeMessageForReport: String { "\(errno) \(safeMessage)" }

    /// The message with the offending value removed, for server errors known to echo row data
    /// ("Duplicate entry 'x' for key …", "Incorrect integer value: 'x' for column …").
    var safeMessage: String {
        switch errno {
        case 1062, 1586, 1022, 1292, 1366, 1367, 1411, 1525:
            return Self.redactFirstQuoted(message)
        default:
            return message
        }
    }

    static func redactFirstQuoted(_ message: String) -> String {
        guard let open = message.firstIndex(of: "'"),
              let close = message[message.index(after: open)...].firstIndex(of: "'")
        else { return message }
        return String(message[..<open]) + "'…'" + String(message[message.index(after: close)...])
    }
}
