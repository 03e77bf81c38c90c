import Foundation

/// Everything needed to open a connection. Build it from a URL (`mysql://user:pass@host:port/db?…`),
/// from fields, or from fields plus a password file.
///
/// `description` never shows the password.
public struct MariaDBConfiguration: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    /// Never logged. Prefer `passwordFile` or an environment variable over a URL on a command line.
    public var password: String?
    public var database: String?
    /// Unix socket path; when set, `host`/`port` are only used in messages.
    public var unixSocket: String?
    public var tls: TLS
    /// Seconds to wait for the TCP connect + handshake.
    public var connectTimeout: UInt32
    /// Seconds to wait for a server reply before the connection is declared lost (0 = wait forever).
    public var readTimeout: UInt32
    public var writeTimeout: UInt32
    /// Session `sql_mode` set on every new or reset connection. Strict by default.
    public var sqlMode: String
    /// Session `time_zone`; UTC so DATETIME and TIMESTAMP round-trip without shifting.
    public var timeZone: String
    /// Allow `LOAD DATA LOCAL INFILE` from Swift sources (never from arbitrary files).
    public var allowLocalInfile: Bool
    /// How many prepared statements a connection keeps for reuse.
    public var statementCacheCapacity: Int

    public static let strictSQLMode =
        "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,NO_BACKSLASH_ESCAPES"

    public init(
        host: String = "127.0.0.1", port: Int = 3306, username: String, password: String? = nil,
        database: String? = nil, tls: TLS = .disable
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.unixSocket = nil
        self.tls = tls
        self.connectTimeout = 10
        self.readTimeout = 0
        self.writeTimeout = 60
        self.sqlMode = Self.strictSQLMode
        self.timeZone = "+00:00"
        self.allowLocalInfile = true
        self.statementCacheCapacity = 128
    }

    /// The address for messages: `user@host:port/db`, never the password.
    public var endpoint: String {
        let target = unixSocket.map { "unix:\($0)" } ?? "\(host.contains(":") ? "[\(host)]" : host):\(port)"
        return "\(username)@\(target)" + (database.map { "/\($0)" } ?? "")
    }

    public var description: String {
        "MariaDBConfiguration(\(endpoint), tls: \(tls.mode.rawValue), password: \(password == nil ? "none" : "<hidden>"))"
    }

    /// Reads the password from a file (first line, trailing newline removed). Refuses files that other
    /// users can read, like ssh does for keys.
    public mutating func loadPassword(fromFile path: String) throws {
        password = try Self.readSecretFile(path)
    }

    static func readSecretFile(_ path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw MariaDBError(code: .configuration, message: "password file \(path) cannot be read: \(String(cString: strerror(Foundation.errno)))")
        }
        if info.st_mode & 0o077 != 0 {
            throw MariaDBError(code: .configuration, message: "password file \(path) is readable by group or others; run chmod 600 \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path), var text = String(data: data, encoding: .utf8) else {
            throw MariaDBError(code: .configuration, message: "password file \(path) cannot be read as UTF-8 text")
        }
        if let newline = text.firstIndex(where: { $0 == "\n" || $0 == "\r" }) { text = String(text[..<newline]) }
        return text
    }
}

extension MariaDBConfiguration {
    /// TLS settings. `verifyCA` checks the chain against `caFile`; `verifyIdentity` also checks that the
    /// certificate names the host we connected to. Connector/C 3.3 verifies nothing unless told to, so
    /// both verify modes set it explicitly.
    public struct TLS: Sendable, Equatable {
        public enum Mode: String, Sendable, CaseIterable {
            case disable, prefer, require
            case verifyCA = "verify-ca"
            case verifyIdentity = "verify-identity"
        }
        public var mode: Mode
        public var caFile: String?
        public var certificateFile: String?
        public var keyFile: String?
        /// Minimum protocol, e.g. "TLSv1.2,TLSv1.3" (Connector/C's `MARIADB_OPT_TLS_VERSION` list).
        public var versions: String?

        public init(mode: Mode, caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, versions: String? = nil) {
            self.mode = mode
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.versions = versions
        }

        public static let disable = TLS(mode: .disable)
        public static let prefer = TLS(mode: .prefer)
        public static let require = TLS(mode: .require)
    }
}
