import Foundation
import MariaDB

/// Settings from the process environment over `.env.<STOREFRONT_ENV>` over `.env`.
///
/// `STOREFRONT_ENV` = `development` (default), `staging` or `production` (stricter: `ProductionPolicy`);
/// `DATABASE_URL` = `sqlite://PATH` (default `./storefront.sqlite`), `sqlite::memory:`, or
/// `mysql://user@host:port/db`; `DATABASE_PASSWORD_FILE` (0600) for the MySQL password;
/// `DATABASE_REPLICA_URLS` comma-separated; `DB_POOL_MIN`, `DB_POOL_MAX`, `DB_POOL_ACQUIRE_TIMEOUT_MS`,
/// `DB_POOL_MAX_LIFETIME_SECONDS`;
/// `ADMIN_API_KEY` (or `ADMIN_API_KEY_FILE`); `CATALOG_CACHE_TTL_SECONDS`; `SQLITE_BUSY_TIMEOUT_MS`;
/// `WRITE_GATE_MAX_WAIT_MS` (how long a write waits while writes are frozen); `ADMIN_API_KEYS_FILE` (scoped
/// admin keys); `PASSWORD_HASH_COST` (bcrypt, default 12); `SESSION_TTL_SECONDS` (default 43200);
/// `SIGNIN_FAILURES_PER_ACCOUNT`, `SIGNIN_ATTEMPTS_PER_ADDRESS`, `SIGNUPS_PER_ADDRESS` (`COUNT/SECONDS`);
/// `TRUSTED_PROXIES` (comma-separated addresses whose `X-Forwarded-For` is believed); `AUDIT_LOG_FILE`,
/// `AUDIT_KEY_FILE` (the application audit log and the key of its chain); `PII_KEY_FILE` (keys sealing personal
/// data); `DATABASE_CREDENTIALS_FILE` (the MariaDB account, followed while serving).
public struct StorefrontConfiguration: Sendable {
    public enum DatabaseTarget: Sendable, Equatable {
        case sqlite(path: String)
        case sqliteMemory
        case mariaDB(MariaDBConfigurationBox)
    }

    public var database: DatabaseTarget
    public var replicas: [MariaDBConfiguration]
    public var poolMinimum: Int
    public var poolMaximum: Int
    public var poolAcquireTimeout: Duration
    /// Connections are replaced after this age (`DB_POOL_MAX_LIFETIME_SECONDS`, default 1800): below the
    /// server's or a proxy's `wait_timeout`, and how soon every connection has made a new TLS handshake (new
    /// certificates) or signed in afresh after a change.
    public var poolMaximumLifetime: Duration = .seconds(1_800)
    public var adminAPIKey: String?
    public var catalogCacheTTL: Duration
    /// How long an SQLite statement waits for a lock another process (or connection) holds before it fails.
    public var sqliteBusyTimeout: Duration
    public var environment: StorefrontEnvironment
    /// `DATABASE_PASSWORD_FILE`: kept as a path, so a database switched to later reads the password then.
    public var passwordFile: String?
    /// How long a write request waits at a frozen write gate before it answers `503 write_frozen`.
    public var writeGateMaxWait: Duration
    /// Scoped admin keys (`ADMIN_API_KEYS_FILE`), in addition to `adminAPIKey`, which has every scope.
    public var adminKeys: [AdminKey] = []
    /// bcrypt's cost: 2^cost rounds. 12 takes a few hundred milliseconds here; production refuses less than 10.
    public var passwordHashCost = 12
    public var sessionTTL: Duration = .seconds(43_200)
    public var rateLimits = RateLimits()
    public var trustedProxies: [String] = []
    /// `AUDIT_LOG_FILE`: the application audit log (one per process); `AUDIT_KEY_FILE` keys its hash chain.
    public var auditLogFile: String?
    public var auditKeyFile: String?
    /// How customers' personal data is stored: sealed with the keys of `PII_KEY_FILE`, or in clear without.
    public var pii = PIICodec.plain
    /// `DATABASE_CREDENTIALS_FILE`: the MariaDB account (`[client]` `user=`, `password=`), watched while serving.
    public var credentialsFile: String?
    /// The settings whose URL carries a password (`mysql://user:secret@host`): a URL is printed, logged and
    /// pasted; production refuses it (`ProductionPolicy`).
    public var passwordsInURLs: [String] = []

    /// `adminAPIKey` (all scopes, named `admin`) and the scoped keys.
    public var allAdminKeys: [AdminKey] {
        let main = adminAPIKey.flatMap {
            $0.isEmpty
                ? nil
                : AdminKey(
                    name: "admin", scopes: Set(AdminScope.allCases),
                    secret: $0)
        }
        return (main.map { [$0] } ?? []) + adminKeys
    }

    public init(
        database: DatabaseTarget, replicas: [MariaDBConfiguration] = [], poolMinimum: Int = 1,
        poolMaximum: Int = 10, poolAcquireTimeout: Duration = .seconds(2), adminAPIKey: String? = nil,
        catalogCacheTTL: Duration = .seconds(30), sqliteBusyTimeout: Duration = .seconds(5),
        environment: StorefrontEnvironment = .development, passwordFile: String? = nil,
        writeGateMaxWait: Duration = .seconds(30)
    ) {
        self.database = database
        self.replicas = replicas
        self.poolMinimum = poolMinimum
        self.poolMaximum = poolMaximum
        self.poolAcquireTimeout = poolAcquireTimeout
        self.adminAPIKey = adminAPIKey
        self.catalogCacheTTL = catalogCacheTTL
        self.sqliteBusyTimeout = sqliteBusyTimeout
        self.environment = environment
        self.passwordFile = passwordFile
        self.writeGateMaxWait = writeGateMaxWait
    }

    /// Reads the process environment over `.env.<STOREFRONT_ENV>` over `.env` from `dotEnvDirectory` (files
    /// that are missing are skipped). In production every `ProductionPolicy` problem is reported at once.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment, dotEnvDirectory: String = "."
    ) throws -> StorefrontConfiguration {
        var env = try DotEnv.load(path: dotEnvDirectory + "/.env")
        let kind = try StorefrontEnvironment(named: environment["STOREFRONT_ENV"] ?? env["STOREFRONT_ENV"])
        env.merge(try DotEnv.load(path: dotEnvDirectory + "/.env.\(kind.rawValue)")) { _, specific in specific }
        env.merge(environment) { _, process in process }
        func int(_ key: String, _ fallback: Int) throws -> Int {
            guard let text = env[key] else { return fallback }
            guard let value = Int(text), value >= 0 else {
                throw StorefrontConfigurationError("\(key)=\(text) is not a non-negative integer")
            }
            return value
        }
        let url = env["DATABASE_URL"] ?? "sqlite://./storefront.sqlite"
        let database = try parseDatabaseURL(url, passwordFile: env["DATABASE_PASSWORD_FILE"])
        let replicas = try (env["DATABASE_REPLICA_URLS"] ?? "").split(separator: ",").map {
            text -> MariaDBConfiguration in
            guard
                case .mariaDB(let box) = try parseDatabaseURL(
                    String(text).trimmingCharacters(in: .whitespaces), passwordFile: env["DATABASE_PASSWORD_FILE"])
            else {
                throw StorefrontConfigurationError("DATABASE_REPLICA_URLS must list mysql:// URLs")
            }
            return box.configuration
        }
        var adminKey = env["ADMIN_API_KEY"]
        if adminKey == nil, let file = env["ADMIN_API_KEY_FILE"] {
            try SecretFile.checkPrivate(file, setting: "ADMIN_API_KEY_FILE")
            adminKey = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let minimum = try int("DB_POOL_MIN", 1)
        let maximum = try int("DB_POOL_MAX", 10)
        guard maximum >= 1, minimum <= maximum else {
            throw StorefrontConfigurationError(
                "DB_POOL_MIN (\(minimum)) must be ≤ DB_POOL_MAX (\(maximum)), and DB_POOL_MAX ≥ 1")
        }
        var configuration = StorefrontConfiguration(
            database: database, replicas: replicas, poolMinimum: minimum, poolMaximum: maximum,
            poolAcquireTimeout: .milliseconds(try int("DB_POOL_ACQUIRE_TIMEOUT_MS", 2000)), adminAPIKey: adminKey,
            catalogCacheTTL: .seconds(try int("CATALOG_CACHE_TTL_SECONDS", 30)),
            sqliteBusyTimeout: .milliseconds(try int("SQLITE_BUSY_TIMEOUT_MS", 5000)),
            environment: kind, passwordFile: env["DATABASE_PASSWORD_FILE"],
            writeGateMaxWait: .milliseconds(try int("WRITE_GATE_MAX_WAIT_MS", 30_000)))
        configuration.passwordsInURLs = [
            ("DATABASE_URL", url), ("DATABASE_REPLICA_URLS", env["DATABASE_REPLICA_URLS"] ?? ""),
        ].filter { _, text in
            text.split(separator: ",").contains { URLComponents(string: String($0))?.password?.isEmpty == false }
        }.map(\.0)
        let lifetime = try int("DB_POOL_MAX_LIFETIME_SECONDS", 1_800)
        guard lifetime >= 1 else { throw StorefrontConfigurationError("DB_POOL_MAX_LIFETIME_SECONDS must be ≥ 1") }
        configuration.poolMaximumLifetime = .seconds(lifetime)
        if let file = env["ADMIN_API_KEYS_FILE"] { configuration.adminKeys = try AdminKey.load(file: file) }
        let cost = try int("PASSWORD_HASH_COST", 12)
        guard (4...31).contains(cost) else {
            throw StorefrontConfigurationError("PASSWORD_HASH_COST=\(cost) must be 4…31")
        }
        configuration.passwordHashCost = cost
        let ttl = try int("SESSION_TTL_SECONDS", 43_200)
        guard ttl >= 60 else { throw StorefrontConfigurationError("SESSION_TTL_SECONDS=\(ttl) must be at least 60") }
        configuration.sessionTTL = .seconds(ttl)
        if let text = env["SIGNIN_FAILURES_PER_ACCOUNT"] {
            configuration.rateLimits.signInFailuresPerAccount = try RateLimit(
                parsing: text, setting: "SIGNIN_FAILURES_PER_ACCOUNT")
        }
        if let text = env["SIGNIN_ATTEMPTS_PER_ADDRESS"] {
            configuration.rateLimits.signInAttemptsPerAddress = try RateLimit(
                parsing: text, setting: "SIGNIN_ATTEMPTS_PER_ADDRESS")
        }
        if let text = env["SIGNUPS_PER_ADDRESS"] {
            configuration.rateLimits.signUpsPerAddress = try RateLimit(parsing: text, setting: "SIGNUPS_PER_ADDRESS")
        }
        if let file = env["PII_KEY_FILE"] { configuration.pii = try PIICodec.load(file: file) }
        switch env["PII_PLAINTEXT"] {
        case nil: configuration.pii.acceptsPlaintext = kind != .production
        case "accept": configuration.pii.acceptsPlaintext = true
        case "refuse": configuration.pii.acceptsPlaintext = false
        case let other?: throw StorefrontConfigurationError("PII_PLAINTEXT=\(other) must be accept or refuse")
        }
        if let file = env["DATABASE_CREDENTIALS_FILE"] {
            let credentials = try DatabaseCredentials.load(file)
            guard case .mariaDB(let box) = configuration.database else {
                throw StorefrontConfigurationError("DATABASE_CREDENTIALS_FILE applies to a mysql:// DATABASE_URL only")
            }
            configuration.database = .mariaDB(MariaDBConfigurationBox(credentials.applied(to: box.configuration)))
            configuration.replicas = configuration.replicas.map(credentials.applied)
            configuration.credentialsFile = file
        }
        configuration.auditLogFile = env["AUDIT_LOG_FILE"]
        configuration.auditKeyFile = env["AUDIT_KEY_FILE"]
        configuration.trustedProxies = (env["TRUSTED_PROXIES"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if kind == .production {
            let problems = ProductionPolicy.problems(in: configuration)
            guard problems.isEmpty else {
                throw StorefrontConfigurationError(problems: problems.map { "STOREFRONT_ENV=production: " + $0 })
            }
        }
        return configuration
    }

    public static func parseDatabaseURL(_ url: String, passwordFile: String? = nil) throws -> DatabaseTarget {
        if url == "sqlite::memory:" || url == "sqlite://:memory:" { return .sqliteMemory }
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else {
                throw StorefrontConfigurationError(
                    "DATABASE_URL sqlite:// needs a path, e.g. sqlite://./storefront.sqlite")
            }
            return .sqlite(path: path)
        }
        if url.hasPrefix("mysql://") || url.hasPrefix("mariadb://") {
            var configuration = try MariaDBConfiguration(url: url)
            if let passwordFile { try configuration.loadPassword(fromFile: passwordFile) }
            return .mariaDB(MariaDBConfigurationBox(configuration))
        }
        throw StorefrontConfigurationError(
            "DATABASE_URL \(MariaDBConfiguration.redacted(url)) must start with sqlite:// or mysql://")
    }
}

/// `MariaDBConfiguration` compared by endpoint (it holds a password, so it is not `Equatable` itself).
public struct MariaDBConfigurationBox: Sendable, Equatable {
    public let configuration: MariaDBConfiguration
    public init(_ configuration: MariaDBConfiguration) { self.configuration = configuration }
    public static func == (a: Self, b: Self) -> Bool { a.configuration.endpoint == b.configuration.endpoint }
}

/// A setting that cannot be used; `problems` has one line per setting when several are wrong at once.
public struct StorefrontConfigurationError: Error, CustomStringConvertible {
    public let problems: [String]
    public var description: String { problems.joined(separator: "\n") }
    init(_ description: String) { problems = [description] }
    init(problems: [String]) { self.problems = problems }
}

/// Minimal `.env` reader: `KEY=value` lines, `#` comments, optional surrounding quotes.
enum DotEnv {
    static func load(path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var values: [String: String] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw StorefrontConfigurationError("\(path):\(number + 1): expected KEY=value")
            }
            var value = String(line[line.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[String(line[..<eq]).trimmingCharacters(in: .whitespaces)] = value
        }
        return values
    }
}
