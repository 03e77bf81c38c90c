import Foundation
import Logging
import MariaDB

/// A MariaDB server this process owns: its own data directory, `my.cnf`, loopback port and admin account.
///
/// `start` initialises the data directory, renders the config from a `ServerProfile`, launches `mariadbd`
/// on 127.0.0.1 and a free port and waits until it answers. `stop` shuts it down by its PID and removes
/// what it created (unless `keepFiles`). Several servers can run at once.
public final class MariaDBServer: @unchecked Sendable {
    public struct Options: Sendable {
        public var profile: ServerProfile = .test
        /// Where the server's folder is created; a fresh temporary folder when nil.
        public var baseDirectory: String?
        public var port: Int?
        public var serverID: UInt32 = 1
        public var tls: ServerConfigFile.TLSFiles?
        /// Extra `my.cnf` settings over the profile's; see `set(_:_:)`.
        public var overrides: [(String, String)] = []
        /// Keep the data directory after `stop` (the demo's persistent server).
        public var keepFiles = false
        public var startTimeout: TimeInterval = 90
        public init() {}

        /// Runs the server with `name = value` in its `my.cnf`, replacing the profile's value if it has one,
        /// e.g. `set("character_set_server", "latin1")` for a server set up like MySQL 5.7's defaults.
        public mutating func set(_ name: String, _ value: String) {
            overrides.append((name, value))
        }
    }

    public let options: Options
    public let config: ServerConfigFile
    /// The account `start` creates: all privileges, from 127.0.0.1 only.
    public let adminUser = "storefront_admin"
    /// Generated per data directory; stored 0600 next to it, never printed.
    public let adminPassword: String
    public var port: Int { config.port }
    public var baseDirectory: String { config.baseDirectory }
    public var pid: Int32 { process?.processIdentifier ?? 0 }
    private var process: Process?
    private let logger: Logger
    private let ownsDirectory: Bool

    /// Connection settings for the admin account (TCP, 127.0.0.1); over TLS checked against the server's CA
    /// when the server has certificates, so a server that refuses plaintext logins is reachable too.
    public func adminConfiguration(database: String? = nil) -> MariaDBConfiguration {
        let tls = options.tls.map { MariaDBConfiguration.TLS(mode: .verifyCA, caFile: $0.caFile) } ?? .disable
        return MariaDBConfiguration(
            host: "127.0.0.1", port: port, username: adminUser, password: adminPassword, database: database, tls: tls)
    }

    public var adminPasswordFile: String { baseDirectory + "/admin.password" }

    private init(options: Options, config: ServerConfigFile, password: String, ownsDirectory: Bool, logger: Logger) {
        self.options = options
        self.config = config
        self.adminPassword = password
        self.ownsDirectory = ownsDirectory
        self.logger = logger
    }

    /// Creates (or reuses, if `baseDirectory` already holds one) a data directory and starts the server.
    public static func start(
        _ options: Options = Options(), logger: Logger = Logger(label: "storefront.mariadb-server")
    ) async throws -> MariaDBServer {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await startOnce(options, logger: logger)
            } catch let error as MariaDBServerError
                where error.message.contains("Address already in use") && options.port == nil && attempt < 4
            {
                logger.info("port taken before the server bound it; retrying", metadata: ["attempt": "\(attempt)"])
            }
        }
    }

    /// Servers whose owning process died without stopping them (a crashed test run) are killed and their
    /// temporary folders removed, once per process, before the first start.
    private static let reapedOrphans: Bool = {
        reapOrphanedServers()
        return true
    }()

    /// Kills servers in temporary folders whose owner process is gone; returns the folders removed.
    @discardableResult
    public static func reapOrphanedServers() -> [String] {
        let fm = FileManager.default
        let temp = NSTemporaryDirectory()
        var removed: [String] = []
        for name in (try? fm.contentsOfDirectory(atPath: temp)) ?? [] where name.hasPrefix("storefront-mariadb-") {
            let base = temp + name
            guard
                let owner = (try? String(contentsOfFile: base + "/owner.pid", encoding: .utf8)).flatMap({
                    Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
                }),
                kill(owner, 0) != 0, errno == ESRCH
            else { continue }
            if let server = (try? String(contentsOfFile: base + "/mariadb.pid", encoding: .utf8)).flatMap({
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }) {
                kill(server, SIGKILL)
            }
            try? fm.removeItem(atPath: base)
            removed.append(base)
        }
        return removed
    }

    private static func startOnce(_ options: Options, logger: Logger) async throws -> MariaDBServer {
        _ = reapedOrphans
        if let problem = ServerConfigFile.problem(in: options.overrides) { throw MariaDBServerError(problem) }
        let fm = FileManager.default
        let ownsDirectory = options.baseDirectory == nil
        // Absolute: mariadb-install-db and mariadbd resolve relative paths differently.
        let base = URL(
            fileURLWithPath: options.baseDirectory
                ?? (NSTemporaryDirectory() + "storefront-mariadb-" + UUID().uuidString.prefix(8).lowercased())
        ).standardizedFileURL.path
        try fm.createDirectory(atPath: base + "/binlog", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: base + "/tmp", withIntermediateDirectories: true)
        let isRoot = geteuid() == 0
        let config = ServerConfigFile(
            profile: options.profile, baseDirectory: (base as NSString).standardizingPath,
            port: try options.port ?? FreePort.pick(),
            serverID: options.serverID, runAsUser: isRoot ? "root" : nil, tls: options.tls, overrides: options.overrides
        )
        let password = try loadOrCreatePassword(at: config.baseDirectory + "/admin.password")
        if ownsDirectory { try write("\(getpid())\n", to: config.baseDirectory + "/owner.pid", mode: 0o600) }
        try write(config.render(), to: config.baseDirectory + "/my.cnf", mode: 0o600)
        // The init file runs at every start: the admin account exists with the stored password.
        try write(Self.initSQL(user: "storefront_admin", password: password), to: config.initFile, mode: 0o600)
        let server = MariaDBServer(
            options: options, config: config, password: password, ownsDirectory: ownsDirectory, logger: logger)
        do {
            if !fm.fileExists(atPath: config.dataDirectory + "/mysql") {
                try server.initialiseDataDirectory()
            }
            try await server.launch()
        } catch {
            await server.stopQuietly()
            throw error
        }
        return server
    }

    static func initSQL(user: String, password: String) -> String {
        // The password is generated here (base64url and "-_"), never user input.
        // Not binlogged: a replica must not receive (and adopt) this server's admin password.
        """
        SET sql_log_bin = 0;
        CREATE USER IF NOT EXISTS '\(user)'@'127.0.0.1' IDENTIFIED BY '\(password)';
        ALTER USER '\(user)'@'127.0.0.1' IDENTIFIED BY '\(password)';
        GRANT ALL PRIVILEGES ON *.* TO '\(user)'@'127.0.0.1' WITH GRANT OPTION;

        """
    }

    private static func loadOrCreatePassword(at path: String) throws -> String {
        if let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8),
            !text.isEmpty
        {
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // Accepted by a password policy plugin at its defaults, which a hardened server loads.
        let password = GeneratedPassword.make()
        try write(password + "\n", to: path, mode: 0o600)
        return password
    }

    static func write(_ text: String, to path: String, mode: mode_t) throws {
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
        else {
            throw MariaDBServerError("cannot write \(path)")
        }
        chmod(path, mode)
    }

    private func initialiseDataDirectory() throws {
        let installer = try Executables.find(["mariadb-install-db", "mysql_install_db"])
        // --no-defaults: the rendered my.cnf names an init file that only makes sense once the system
        // tables exist; the redo log size is passed so the first start does not have to resize it.
        var arguments = [
            "--no-defaults", "--datadir=\(config.dataDirectory)",
            "--auth-root-authentication-method=socket", "--skip-test-db",
            // A private tmpdir: bootstraps running side by side otherwise collide on temporary table files.
            "--tmpdir=\(config.temporaryDirectory)",
        ]
        if let redo = config.profile.settings.first(where: { $0.name == "innodb_log_file_size" }) {
            arguments.append("--innodb-log-file-size=\(redo.value)")
        }
        if let user = config.runAsUser { arguments.append("--user=\(user)") }
        let started = Date()
        let (status, output) = try Executables.run(installer, arguments)
        guard status == 0 else {
            let lines = output.split(separator: "\n")
            let errors = lines.filter { $0.contains("ERROR") || $0.contains("error") }
            let tail = (errors.isEmpty ? Array(lines.prefix(5)) : Array(errors.prefix(5))).joined(separator: " | ")
            throw MariaDBServerError("mariadb-install-db failed for \(config.dataDirectory) (exit \(status)): \(tail)")
        }
        logger.debug(
            "data directory initialised",
            metadata: ["datadir": "\(config.dataDirectory)", "seconds": "\(Date().timeIntervalSince(started))"])
    }

    private func launch() async throws {
        let mariadbd = try Executables.find(["mariadbd", "mysqld"])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mariadbd)
        process.arguments = ["--defaults-file=\(config.baseDirectory)/my.cnf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(options.startTimeout)
        var lastError: (any Error)?
        while Date() < deadline {
            if !process.isRunning {
                throw MariaDBServerError(
                    "mariadbd exited with status \(process.terminationStatus) while starting on 127.0.0.1:\(port): "
                        + errorLogSummary()
                )
            }
            do {
                let connection = try BlockingConnection.connect(adminConfiguration())
                connection.close()
                logger.debug("MariaDB ready", metadata: ["port": "\(port)", "pid": "\(process.processIdentifier)"])
                return
            } catch {
                lastError = error
                try await Task.sleep(nanoseconds: 100_000_000)
            }
        }
        throw MariaDBServerError(
            "mariadbd on 127.0.0.1:\(port) not ready after \(Int(options.startTimeout)) s "
                + "(last error: \(lastError.map { "\($0)" } ?? "none")): \(errorLogSummary())"
        )
    }

    /// The `[ERROR]` lines of the server's error log, or its last lines.
    public func errorLogSummary() -> String {
        guard let data = FileManager.default.contents(atPath: config.errorLog) else {
            return "no error log at \(config.errorLog)"
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        let errors = lines.filter { $0.contains("[ERROR]") }
        return (errors.isEmpty ? Array(lines.suffix(3)) : Array(errors.suffix(3))).joined(separator: " | ")
    }

    /// Shuts the server down (SIGTERM, then SIGKILL after `timeout`) and removes its folder if this
    /// object created it and `keepFiles` is false.
    public func stop(timeout: TimeInterval = 60) async throws {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 50_000_000) }
            if process.isRunning {
                logger.warning(
                    "mariadbd did not stop in time; killing", metadata: ["pid": "\(process.processIdentifier)"])
                kill(process.processIdentifier, SIGKILL)
                while process.isRunning { try await Task.sleep(nanoseconds: 50_000_000) }
            }
        }
        process = nil
        if ownsDirectory && !options.keepFiles {
            try? FileManager.default.removeItem(atPath: config.baseDirectory)
        }
    }

    func stopQuietly() async {
        do { try await stop(timeout: 10) } catch { logger.warning("stop failed: \(error)") }
    }

    /// Kills the server without a clean shutdown (for crash-recovery tests).
    public func kill9() {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    public var isRunning: Bool { process?.isRunning ?? false }
}
