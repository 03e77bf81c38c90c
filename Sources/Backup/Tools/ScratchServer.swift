import Foundation
import MariaDB

/// A mariadbd on a restored or prepared data directory, owned by this process: by default reachable only over
/// its own socket with grant checks off (the account data of the backup is not known to us, and nothing but
/// this process can connect), or on a loopback port with grants on for `restore --start`.
final class ScratchServer: @unchecked Sendable {
    let baseDirectory: String
    let dataDirectory: String
    let process: Process
    let socket: String
    let port: Int?
    /// Set when the server runs with its grant tables (for replaying binlogs, which may hold account
    /// statements): a throw-away account made at start-up, over the socket only.
    let account: (user: String, password: String)?

    private init(
        baseDirectory: String, dataDirectory: String, process: Process, socket: String, port: Int?,
        account: (user: String, password: String)? = nil
    ) {
        self.account = account
        self.baseDirectory = baseDirectory
        self.dataDirectory = dataDirectory
        self.process = process
        self.socket = socket
        self.port = port
    }

    var pid: Int32 { process.processIdentifier }

    /// The my.cnf used to start a server on `dataDirectory`.
    static func configuration(
        dataDirectory: String, baseDirectory: String, port: Int?, open: Bool,
        initFile: String? = nil
    ) -> String {
        var lines = [
            "[mariadbd]", "datadir = \(dataDirectory)", "socket = \(baseDirectory)/mariadb.sock",
            "pid_file = \(baseDirectory)/mariadb.pid", "log_error = \(baseDirectory)/error.log",
            "tmpdir = \(baseDirectory)/tmp", "innodb_buffer_pool_size = 256M", "skip_slave_start",
            "innodb_flush_log_at_trx_commit = 2", "character_set_server = utf8mb4",
        ]
        if geteuid() == 0 { lines.append("user = root") }
        lines += encryptionLines(dataDirectory: dataDirectory)
        if open, let port {
            lines += ["port = \(port)", "bind_address = 127.0.0.1"]
        } else if let initFile {
            lines += ["skip_networking", "init_file = \(initFile)"]
        } else {
            lines += ["skip_networking", "skip_grant_tables"]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The key-management settings mariadb-backup recorded in the copy's `backup-my.cnf`: a server with
    /// encrypted tablespaces or logs cannot start on the copy without the same key plugin and key file.
    static func encryptionLines(dataDirectory: String) -> [String] {
        guard let text = try? String(contentsOfFile: dataDirectory + "/backup-my.cnf", encoding: .utf8) else {
            return []
        }
        return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { line in
            let name =
                line.split(separator: "=").first.map {
                    $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "-", with: "_")
                } ?? ""
            return name.hasPrefix("plugin_load") || name.hasPrefix("file_key_management")
                || name.hasPrefix("innodb_encrypt") || name == "encrypt_binlog" || name.hasPrefix("encrypt_tmp")
        }
    }

    static func start(
        dataDirectory: String, baseDirectory: String, port: Int? = nil, open: Bool = false,
        withGrants: Bool = false, timeout: TimeInterval = 120
    ) async throws -> ScratchServer {
        let fm = FileManager.default
        try fm.createDirectory(atPath: baseDirectory + "/tmp", withIntermediateDirectories: true)
        let cnf = baseDirectory + "/my.cnf"
        var account: (user: String, password: String)?
        var initFile: String?
        if withGrants && !open {
            // Hex only, generated here: safe in the statement. Not binlogged; dropped after the replay.
            let made = (user: "dbctl_restore", password: UUID().uuidString.replacingOccurrences(of: "-", with: ""))
            let path = baseDirectory + "/init.sql"
            let sql =
                "SET sql_log_bin = 0;\nCREATE OR REPLACE USER '\(made.user)'@'localhost' IDENTIFIED BY "
                + "'\(made.password)';\nGRANT ALL PRIVILEGES ON *.* TO '\(made.user)'@'localhost' WITH GRANT OPTION;\n"
            guard fm.createFile(atPath: path, contents: Data(sql.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw BackupError(.precondition, "cannot write \(path)")
            }
            account = made
            initFile = path
        }
        try configuration(
            dataDirectory: dataDirectory, baseDirectory: baseDirectory, port: port, open: open,
            initFile: initFile
        )
        .write(toFile: cnf, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ToolProcess.find("mariadbd"))
        process.arguments = ["--defaults-file=\(cnf)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = ScratchServer(
            baseDirectory: baseDirectory, dataDirectory: dataDirectory, process: process,
            socket: baseDirectory + "/mariadb.sock", port: open ? port : nil, account: account)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard process.isRunning else {
                throw BackupError(
                    .tool,
                    "mariadbd on \(dataDirectory) exited with status \(process.terminationStatus)"
                        + " while starting: \(ToolProcess.tail(of: baseDirectory + "/error.log"))")
            }
            if open {
                if fm.fileExists(atPath: baseDirectory + "/mariadb.pid") { return server }
            } else if let connection = try? await MariaDBConnection.connect(server.clientConfiguration()) {
                try? await connection.close()
                return server
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        await server.stop()
        throw BackupError(
            .tool,
            "mariadbd on \(dataDirectory) did not answer within \(Int(timeout)) s: "
                + ToolProcess.tail(of: baseDirectory + "/error.log"))
    }

    /// Over the socket; with grant checks off any user name is accepted.
    func clientConfiguration(database: String? = nil) -> MariaDBConfiguration {
        var configuration = MariaDBConfiguration(
            host: "localhost", port: 0, username: account?.user ?? "root",
            password: account?.password, database: database)
        configuration.unixSocket = socket
        return configuration
    }

    /// Shuts the server down (SIGTERM, then SIGKILL after a grace period) and waits for it.
    func stop(grace: TimeInterval = 60) async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        while process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
    }
}
