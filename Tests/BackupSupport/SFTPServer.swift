import Backup
import Foundation

/// A private OpenSSH server on 127.0.0.1 for SFTP location tests, running as the current user (root or not)
/// with its own host key, a client key pair and known-hosts files, all in its own temporary directory.
///
/// `stop()` kills it by PID and removes the directory. `pause()`/`resume()` (SIGSTOP/SIGCONT) make it hang
/// with the port still accepting; `halt()` and `restart()` make it refuse connections and come back on the
/// same port.
public final class SFTPServer: @unchecked Sendable {
    // `process` changes only in start/halt/restart/stop, which a test calls one at a time.
    public let directory: TemporaryDirectory
    public let port: Int
    public let user: String
    /// The client's private key (no passphrase).
    public let identityFile: String
    /// `[127.0.0.1]:port` with this server's host key.
    public let knownHostsFile: String
    /// `[127.0.0.1]:port` with some other host key, as after a server was replaced or impersonated.
    public let wrongKnownHostsFile: String
    /// An absolute directory the SFTP user can write: the remote root for test locations.
    public let dataDirectory: String
    let configFile: String
    private var process: ServerProcess?

    private init(directory: TemporaryDirectory, port: Int, user: String) {
        self.directory = directory
        self.port = port
        self.user = user
        identityFile = directory.file("client_key")
        knownHostsFile = directory.file("known_hosts")
        wrongKnownHostsFile = directory.file("wrong_known_hosts")
        dataDirectory = directory.file("data")
        configFile = directory.file("sshd_config")
    }

    /// Starts a server on a free port and waits until it greets with its SSH banner.
    public static func start() async throws -> SFTPServer {
        guard let sshd = Programs.find("sshd") else {
            throw TestServerError("sshd not found: apt-get install -y openssh-server (scripts/backup-test-deps.sh)")
        }
        guard let keygen = Programs.find("ssh-keygen") else {
            throw TestServerError("ssh-keygen not found: apt-get install -y openssh-client")
        }
        try preparePrivilegeSeparationDirectory()
        var lastError: (any Error)?
        // A port found free can be taken by someone else before sshd binds it; try a few.
        for _ in 0..<3 {
            let directory = try TemporaryDirectory("sftp-server")
            let server = SFTPServer(directory: directory, port: try FreePort.next(), user: currentUser())
            do {
                try server.writeKeysAndConfig(keygen: keygen)
                try await server.launch(sshd)
                return server
            } catch {
                lastError = error
                await server.stop()
            }
        }
        throw lastError ?? TestServerError("sshd did not start")
    }

    /// Runs `body` with a fresh server and stops it afterwards, whether `body` succeeded or threw.
    public static func run<T: Sendable>(_ body: (SFTPServer) async throws -> T) async throws -> T {
        let server = try await start()
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// A location on this server under `dataDirectory/path`; the default timeout suits a loaded machine, tests of
    /// an unreachable server pass a short one.
    public func location(name: String = "sftp", path: String = "", connectTimeout: Int = 30) -> SFTPLocation {
        SFTPLocation(
            name: name, host: "127.0.0.1", port: port, user: user, identityFile: identityFile,
            knownHostsFile: knownHostsFile, path: path.isEmpty ? dataDirectory : dataDirectory + "/" + path,
            connectTimeout: connectTimeout)
    }

    /// Freezes the server: connections are still accepted by the kernel but never answered.
    public func pause() { process?.pause() }
    public func resume() { process?.resume() }

    /// Stops the server but keeps its files, so that connections are refused until ``restart()``.
    public func halt() async {
        await process?.stop()
        process = nil
    }

    /// Starts the server again on the same port with the same keys.
    public func restart() async throws {
        await halt()
        guard let sshd = Programs.find("sshd") else { throw TestServerError("sshd not found") }
        try await launch(sshd)
    }

    /// Stops the server (by PID) and removes its directory.
    public func stop() async {
        await halt()
        directory.remove()
    }

    private func launch(_ sshd: String) async throws {
        let server = try ServerProcess(
            name: "sshd", executable: sshd, arguments: ["-D", "-e", "-f", configFile],
            logFile: directory.file("sshd.log"))
        process = server
        let port = port
        // sshd says when it listens; only then is one connection opened, and its greeting awaited patiently
        // (sshd starts a process per connection, which on a loaded machine takes seconds).
        let log = server.logFile
        try await server.wait(
            until: { Self.logSays("Server listening on 127.0.0.1 port \(port)", log) }, timeout: 60,
            what: "to listen on 127.0.0.1:\(port)")
        try await server.wait(
            until: { FreePort.accepts(port, banner: "SSH-", patience: 20) }, timeout: 60,
            what: "to greet on 127.0.0.1:\(port)")
        // A first login proves the keys and the account; sshd refuses accounts with a locked password ("!"
        // in /etc/shadow) when PAM is off, and its log is where that shows.
        do {
            _ = try await location().list(prefix: "")
        } catch {
            throw TestServerError("cannot log in to the test sshd as \(user): \(error); sshd log: \(server.logTail())")
        }
    }

    private static func logSays(_ line: String, _ logFile: String) -> Bool {
        ((try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "").contains(line)
    }

    private func writeKeysAndConfig(keygen: String) throws {
        let hostKey = directory.file("host_key")
        let otherKey = directory.file("other_host_key")
        for key in [hostKey, otherKey, identityFile] {
            try Programs.run(keygen, ["-q", "-t", "ed25519", "-N", "", "-C", "backup-test", "-f", key])
        }
        let clientPublic = try String(contentsOfFile: identityFile + ".pub", encoding: .utf8)
        try directory.write("authorized_keys", Data(clientPublic.utf8))
        func knownHostsLine(_ publicKeyFile: String) throws -> String {
            let fields = try String(contentsOfFile: publicKeyFile, encoding: .utf8).split(separator: " ")
            return "[127.0.0.1]:\(port) \(fields[0]) \(fields[1])\n"
        }
        try directory.write("known_hosts", Data(try knownHostsLine(hostKey + ".pub").utf8))
        try directory.write("wrong_known_hosts", Data(try knownHostsLine(otherKey + ".pub").utf8))
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let config = """
            ListenAddress 127.0.0.1
            Port \(port)
            HostKey \(hostKey)
            AuthorizedKeysFile \(directory.file("authorized_keys"))
            PidFile \(directory.file("sshd.pid"))
            StrictModes no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            PermitRootLogin prohibit-password
            AllowUsers \(user)
            Subsystem sftp internal-sftp
            LogLevel VERBOSE
            MaxStartups 100:30:200
            LoginGraceTime 60

            """
        try directory.write("sshd_config", Data(config.utf8))
    }

    /// sshd started by root insists on its privilege separation directory (Debian's /run/sshd).
    private static func preparePrivilegeSeparationDirectory() throws {
        guard geteuid() == 0, !FileManager.default.fileExists(atPath: "/run/sshd") else { return }
        try FileManager.default.createDirectory(
            atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    }

    private static func currentUser() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "root"
    }
}
