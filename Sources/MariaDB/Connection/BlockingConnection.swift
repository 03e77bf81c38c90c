import CMariaDB
import Foundation

/// A synchronous connection owning one Connector/C `MYSQL*` handle.
///
/// Not thread-safe by design: the handle is used by one thread at a time. `MariaDBConnection` is the
/// async facade that guarantees that; code that owns a dedicated thread (the migrator's copy workers,
/// benchmarks) may use this type directly.
///
/// `@unchecked Sendable` so it can be handed to a thread-pool thread. Safety rests on the rule above,
/// which `MariaDBConnection` enforces with its busy flag.
public final class BlockingConnection: @unchecked Sendable {
    let mysql: UnsafeMutablePointer<MYSQL>
    public let configuration: MariaDBConfiguration
    var statements: StatementCache
    public var isClosed: Bool { state.contains(.closed) }
    /// Set when the connection broke; it must then be discarded, never reused.
    public var isBroken: Bool { state.contains(.broken) }
    /// Both flags in one stored property: `checkOpen` runs before every statement and reads it once.
    private var state: State = []

    private struct State: OptionSet {
        let rawValue: UInt8
        static let closed = State(rawValue: 1)
        static let broken = State(rawValue: 2)
    }

    private static let libraryInitialised: Bool = { sf_library_init() == 0 }()

    /// Opens a connection and applies the session settings (`sql_mode`, `time_zone`).
    public static func connect(_ configuration: MariaDBConfiguration) throws -> BlockingConnection {
        guard libraryInitialised else {
            throw MariaDBError(code: .client, message: "MariaDB Connector/C failed to initialise")
        }
        guard let mysql = mysql_init(nil) else {
            throw MariaDBError(code: .client, message: "out of memory creating a connection handle")
        }
        do {
            try applyOptions(configuration, to: mysql)
            try realConnect(configuration, mysql)
        } catch {
            mysql_close(mysql)
            throw error
        }
        let connection = BlockingConnection(mysql: mysql, configuration: configuration)
        connection.installRefusingInfileHandler()
        do {
            try connection.checkTLSOutcome()
            try connection.applySessionSettings()
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    private init(mysql: UnsafeMutablePointer<MYSQL>, configuration: MariaDBConfiguration) {
        self.mysql = mysql
        self.configuration = configuration
        self.statements = StatementCache(capacity: configuration.statementCacheCapacity)
    }

    deinit {
        if !isClosed { close() }
    }

    private static func applyOptions(_ c: MariaDBConfiguration, to mysql: UnsafeMutablePointer<MYSQL>) throws {
        sf_option_uint(mysql, MYSQL_OPT_CONNECT_TIMEOUT, c.connectTimeout)
        if c.readTimeout > 0 { sf_option_uint(mysql, MYSQL_OPT_READ_TIMEOUT, c.readTimeout) }
        if c.writeTimeout > 0 { sf_option_uint(mysql, MYSQL_OPT_WRITE_TIMEOUT, c.writeTimeout) }
        sf_option_string(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        sf_option_bool(mysql, MYSQL_OPT_RECONNECT, 0)  // a silent reconnect would lose transactions
        sf_option_bool(mysql, MYSQL_OPT_LOCAL_INFILE, c.allowLocalInfile ? 1 : 0)
        if c.unixSocket == nil { sf_option_uint(mysql, MYSQL_OPT_PROTOCOL, MYSQL_PROTOCOL_TCP.rawValue) }
        try applyTLS(c.tls, to: mysql)
    }

    private static func applyTLS(_ tls: MariaDBConfiguration.TLS, to mysql: UnsafeMutablePointer<MYSQL>) throws {
        for (path, what) in [(tls.caFile, "CA"), (tls.certificateFile, "certificate"), (tls.keyFile, "key")] {
            if let path, !FileManager.default.isReadableFile(atPath: path) {
                throw MariaDBError(code: .configuration, message: "TLS \(what) file \(path) does not exist or is not readable")
            }
        }
        if tls.mode == .disable { return }
        if let ca = tls.caFile { sf_option_string(mysql, MYSQL_OPT_SSL_CA, ca) }
        if let cert = tls.certificateFile { sf_option_string(mysql, MYSQL_OPT_SSL_CERT, cert) }
        if let key = tls.keyFile { sf_option_string(mysql, MYSQL_OPT_SSL_KEY, key) }
        if let versions = tls.versions { sf_option_string(mysql, MARIADB_OPT_TLS_VERSION, versions) }
        switch tls.mode {
        case .disable:
            break
        case .prefer:
            // Asks for TLS. Connector/C 3.3 quietly continues in plain text when the server offers none,
            // which is exactly "prefer"; the stricter modes check the outcome in `checkTLSOutcome`.
            sf_option_bool(mysql, MYSQL_OPT_SSL_ENFORCE, 1)
            sf_option_bool(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, 0)
        case .require:
            sf_option_bool(mysql, MYSQL_OPT_SSL_ENFORCE, 1)
            sf_option_bool(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, 0)
        case .verifyCA:
            guard tls.caFile != nil else {
                throw MariaDBError(code: .configuration, message: "TLS mode verify-ca needs a CA file")
            }
            // With a CA file Connector/C (OpenSSL) verifies the chain during the handshake; the host name
            // is only compared when MYSQL_OPT_SSL_VERIFY_SERVER_CERT is on, which verify-identity adds.
            sf_option_bool(mysql, MYSQL_OPT_SSL_ENFORCE, 1)
            sf_option_bool(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, 0)
        case .verifyIdentity:
            guard tls.caFile != nil else {
                throw MariaDBError(code: .configuration, message: "TLS mode verify-identity needs a CA file")
            }
            sf_option_bool(mysql, MYSQL_OPT_SSL_ENFORCE, 1)
            sf_option_bool(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, 1)
        }
    }

    private static func realConnect(_ c: MariaDBConfiguration, _ mysql: UnsafeMutablePointer<MYSQL>) throws {
        let flags = UInt(CLIENT_MULTI_RESULTS)
        let result = mysql_real_connect(mysql, c.host, c.username, c.password, c.database, UInt32(c.port), c.unixSocket, flags)
        if result == nil {
            let errno = mysql_errno(mysql)
            let message = String(cString: mysql_error(mysql))
            var code = MariaDBError.code(forErrno: errno)
            if message.localizedCaseInsensitiveContains("ssl") || message.localizedCaseInsensitiveContains("tls")
                || message.localizedCaseInsensitiveContains("certificate") {
                code = .tls
            }
            throw MariaDBError(
                code: code, errno: errno, sqlState: String(cString: mysql_sqlstate(mysql)),
                message: Self.hint(for: errno, message: message, configuration: c), context: "connect to \(c.endpoint)")
        }
    }

    private static func hint(for errno: UInt32, message: String, configuration c: MariaDBConfiguration) -> String {
        switch errno {
        case 2002, 2003: return "\(message) — is the server running and listening on \(c.host):\(c.port)?"
        case 1045: return "\(message) — check the user name and password"
        case 1049: return "\(message) — create the database first or fix the database name in the URL"
        default: return message
        }
    }

    /// Connector/C 3.3 carries on without encryption when the server offers no TLS, even with
    /// `MYSQL_OPT_SSL_ENFORCE`; every mode stronger than `prefer` must refuse such a connection.
    func checkTLSOutcome() throws {
        switch configuration.tls.mode {
        case .disable, .prefer: return
        case .require, .verifyCA, .verifyIdentity:
            if tlsCipher == nil {
                throw MariaDBError(
                    code: .tls, message: "TLS mode \(configuration.tls.mode.rawValue) but the server at \(configuration.endpoint) does not offer TLS — configure ssl_cert/ssl_key on the server or lower sslmode",
                    context: "connect to \(configuration.endpoint)")
            }
        }
    }

    /// Sets `sql_mode` and `time_zone` for this session; run after connect and after `reset()`.
    func applySessionSettings() throws {
        let statement = try PreparedStatement(connection: self, sql: "SET SESSION sql_mode = ?, time_zone = ?")
        defer { statement.close() }
        _ = try statement.execute(binds: [.string(configuration.sqlMode), .string(configuration.timeZone)], mode: .buffered, onRow: { _ in })
    }

    // MARK: - Lifecycle

    public func close() {
        guard !isClosed else { return }
        statements.removeAll()
        mysql_close(mysql)
        state.insert(.closed)
    }

    /// Round trip to the server; throws when the connection is unusable.
    public func ping() throws {
        try checkOpen()
        if mysql_ping(mysql) != 0 { throw lastError(context: "ping") }
    }

    /// `COM_RESET_CONNECTION`: rolls back any transaction, drops temporary tables, user variables and
    /// server-side prepared statements, then re-applies the session settings. For returning a pooled
    /// connection to a clean state.
    public func reset() throws {
        try checkOpen()
        statements.removeAll()
        if mysql_reset_connection(mysql) != 0 { throw lastError(context: "reset connection") }
        try applySessionSettings()
    }

    func checkOpen() throws {
        let state = self.state
        if state.isEmpty { return }
        if state.contains(.closed) { throw MariaDBError(code: .misuse, message: "connection is closed") }
        throw MariaDBError(code: .connectionLost, message: "connection was lost earlier and cannot be reused")
    }

    /// Builds an error from the handle's last error and marks the connection broken if it was lost.
    func lastError(context: String) -> MariaDBError {
        let errno = mysql_errno(mysql)
        let error = MariaDBError(
            code: MariaDBError.code(forErrno: errno), errno: errno, sqlState: String(cString: mysql_sqlstate(mysql)),
            message: String(cString: mysql_error(mysql)), context: context)
        if error.isConnectionLost { state.insert(.broken) }
        return error
    }

    func markBrokenIfLost(_ error: MariaDBError) {
        if error.isConnectionLost { state.insert(.broken) }
    }

    // MARK: - Server facts

    /// e.g. "10.11.19-MariaDB-0+deb12u1".
    public var serverVersion: String { String(cString: mysql_get_server_info(mysql)) }
    /// major*10000 + minor*100 + patch, e.g. 101119.
    public var serverVersionNumber: Int { Int(mysql_get_server_version(mysql)) }
    public var isMariaDB: Bool { serverVersion.contains("MariaDB") }
    /// The server's `CLIENT_*` capability flags from the handshake.
    public var serverCapabilities: UInt64 { UInt64(sf_server_capabilities(mysql)) }
    /// MariaDB's extended capability flags (`MARIADB_CLIENT_*`), 0 on MySQL.
    public var extendedServerCapabilities: UInt64 { UInt64(sf_extended_server_capabilities(mysql)) }
    /// True while a transaction is open on this connection (the server's `SERVER_STATUS_IN_TRANS` flag).
    public var isInTransaction: Bool { mysql.pointee.server_status & UInt32(SERVER_STATUS_IN_TRANS) != 0 }
    /// The server-side connection id (for `KILL`).
    public var connectionID: UInt64 { UInt64(mysql_thread_id(mysql)) }
    /// Negotiated TLS protocol ("TLSv1.3"), nil when the connection is not encrypted.
    public var tlsVersion: String? { sf_tls_version(mysql).map { String(cString: $0) } }
    /// Negotiated cipher, nil without TLS.
    public var tlsCipher: String? { mysql_get_ssl_cipher(mysql).map { String(cString: $0) } }
}
