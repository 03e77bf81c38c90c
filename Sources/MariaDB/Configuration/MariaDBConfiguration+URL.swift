import Foundation

extension MariaDBConfiguration {
    /// Parses `mysql://user:pass@host:port/db?sslmode=verify-identity&sslca=/path/ca.pem`.
    ///
    /// Accepted schemes: `mysql`, `mariadb`. Query parameters: `sslmode` (`disable|prefer|require|verify-ca|
    /// verify-identity`), `sslca`, `sslcert`, `sslkey`, `tls_version`, `connect_timeout`, `read_timeout`,
    /// `write_timeout` (seconds), `password_file`, `socket`, `local_infile` (`0|1`), `sql_mode`,
    /// `statement_cache`. Unknown parameters are rejected so typos do not silently weaken security.
    /// Errors never echo the password.
    public init(url string: String) throws {
        guard let components = URLComponents(string: string) else {
            throw MariaDBError(code: .configuration, message: "malformed database URL \(Self.redacted(string)): expected mysql://user[:password]@host[:port]/database")
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "mysql" || scheme == "mariadb" else {
            throw MariaDBError(code: .configuration, message: "database URL \(Self.redacted(string)) must start with mysql:// or mariadb://")
        }
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw MariaDBError(code: .configuration, message: "database URL \(Self.redacted(string)) has no user name (mysql://USER@host/db)")
        }
        let host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        let port = components.port ?? 3306
        guard (1...65535).contains(port) else {
            throw MariaDBError(code: .configuration, message: "database URL \(Self.redacted(string)) has port \(port) outside 1-65535")
        }
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        self.init(
            host: host == "localhost" ? "127.0.0.1" : host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")),
            port: port, username: user,
            password: components.percentEncodedPassword.flatMap { $0.removingPercentEncoding },
            database: database.isEmpty ? nil : database.removingPercentEncoding)
        try applyQuery(components.queryItems ?? [], url: Self.redacted(string))
    }

    private mutating func applyQuery(_ items: [URLQueryItem], url: String) throws {
        func seconds(_ item: URLQueryItem) throws -> UInt32 {
            guard let text = item.value, let value = UInt32(text) else {
                throw MariaDBError(code: .configuration, message: "database URL \(url): \(item.name) must be a whole number of seconds")
            }
            return value
        }
        for item in items {
            let value = item.value ?? ""
            switch item.name.lowercased() {
            case "sslmode", "ssl-mode", "ssl_mode", "tls":
                guard let mode = TLS.Mode(rawValue: value.lowercased().replacingOccurrences(of: "_", with: "-")) else {
                    throw MariaDBError(code: .configuration, message: "database URL \(url): sslmode '\(value)' is not one of disable, prefer, require, verify-ca, verify-identity")
                }
                tls.mode = mode
            case "sslca", "ssl-ca", "ssl_ca": tls.caFile = value
            case "sslcert", "ssl-cert", "ssl_cert": tls.certificateFile = value
            case "sslkey", "ssl-key", "ssl_key": tls.keyFile = value
            case "tls_version", "tls-version": tls.versions = value
            case "connect_timeout", "connect-timeout": connectTimeout = try seconds(item)
            case "read_timeout", "read-timeout": readTimeout = try seconds(item)
            case "write_timeout", "write-timeout": writeTimeout = try seconds(item)
            case "password_file", "password-file": try loadPassword(fromFile: value)
            case "socket", "unix_socket": unixSocket = value
            case "local_infile", "local-infile": allowLocalInfile = value == "1" || value.lowercased() == "true"
            case "sql_mode", "sql-mode": sqlMode = value
            case "statement_cache", "statement-cache":
                guard let capacity = Int(value), capacity >= 0 else {
                    throw MariaDBError(code: .configuration, message: "database URL \(url): statement_cache must be a non-negative integer")
                }
                statementCacheCapacity = capacity
            default:
                throw MariaDBError(code: .configuration, message: "database URL \(url): unknown parameter '\(item.name)'")
            }
        }
        if tls.mode == .verifyCA || tls.mode == .verifyIdentity, tls.caFile == nil {
            throw MariaDBError(code: .configuration, message: "database URL \(url): sslmode=\(tls.mode.rawValue) needs sslca=/path/to/ca.pem")
        }
    }

    /// The URL with any password replaced by `***`, for messages.
    public static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url[schemeEnd.upperBound...].lastIndex(of: "@") else { return url }
        let userInfo = url[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
