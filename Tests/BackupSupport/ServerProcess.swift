import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A server program started for tests, known by its PID, with its output in a log file.
///
/// Started with `posix_spawn` rather than Foundation's `Process`: sshd closes every inherited descriptor at
/// start-up, which on Linux makes `Process`'s exit monitor wait for sshd itself, and every `Process` started
/// after it (ssh-keygen, for one) is then never reported as finished.
final class ServerProcess: @unchecked Sendable {
    // `status` is guarded by `lock`: `isRunning` may be asked from several tasks.
    let pid: pid_t
    let logFile: String
    let name: String
    private let lock = NSLock()
    private var status: Int32?

    init(name: String, executable: String, arguments: [String], logFile: String) throws {
        self.name = name
        self.logFile = logFile
        let log = open(logFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer {
            if log >= 0 { close(log) }
            if null >= 0 { close(null) }
        }
        guard log >= 0, null >= 0 else { throw TestServerError("cannot open \(logFile): errno \(errno)") }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawn_file_actions_adddup2(&actions, null, 0)
        posix_spawn_file_actions_adddup2(&actions, log, 1)
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #else
        // A long-lived server must not keep other children's pipes open (glibc 2.34+, looked up because
        // Swift's Glibc module does not declare this GNU extension).
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        }
        #endif
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else { throw TestServerError("cannot start \(executable): errno \(result)") }
        self.pid = pid
    }

    var isRunning: Bool {
        lock.withLock {
            if status == nil {
                var raw: Int32 = 0
                if waitpid(pid, &raw, WNOHANG) == pid { status = raw }
            }
            return status == nil
        }
    }

    var exitDescription: String {
        guard let raw = lock.withLock({ status }) else { return "running" }
        let signal = raw & 0x7F
        return signal == 0 ? "exit status \((raw >> 8) & 0xFF)" : "signal \(signal)"
    }

    /// The last lines of the log, for error messages.
    func logTail(_ count: Int = 5) -> String {
        let text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(count).joined(separator: " | ")
    }

    func pause() { if isRunning { kill(pid, SIGSTOP) } }
    func resume() { if isRunning { kill(pid, SIGCONT) } }

    /// SIGTERM (after SIGCONT, in case it is paused), then SIGKILL if it has not gone within `timeout`.
    func stop(timeout: TimeInterval = 10) async {
        guard isRunning else { return }
        kill(pid, SIGCONT)
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { try? await Task.sleep(nanoseconds: 20_000_000) }
        if isRunning {
            kill(pid, SIGKILL)
            while isRunning { try? await Task.sleep(nanoseconds: 20_000_000) }
        }
    }

    /// Waits until `ready` holds, failing early when the program exits.
    func wait(until ready: @Sendable () async -> Bool, timeout: TimeInterval, what: String) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !isRunning { throw TestServerError("\(name) ended (\(exitDescription)) \(what): \(logTail())") }
            if await ready() { return }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw TestServerError("\(name) not ready \(what) after \(Int(timeout)) s: \(logTail())")
    }
}

enum Programs {
    /// The first executable called `name` in `PATH` or the usual system directories.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init)
            + ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin", "/bin"]
        return directories.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a program to completion; throws with its output when it fails.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw TestServerError("\(executable) \(arguments.joined(separator: " ")) failed: \(output)")
        }
        return output
    }
}
