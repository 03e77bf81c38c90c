import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One program started with `posix_spawn`: its standard streams on sockets that no other child can
/// inherit, every other descriptor closed, signal dispositions and mask reset.
///
/// Foundation's `Process` on Linux would be simpler, but children it starts concurrently inherit each other's
/// pipe ends and exit-notification socket, so a long-lived sibling (a database server, a daemon that closes
/// its descriptors) delays or swallows the termination of a short-lived one, and a waiting backup hangs.
final class ChildProcess: @unchecked Sendable {
    // `status` and `stopRequested` are shared with the cancellation handler and guarded by `lock`; the
    // descriptors belong to the one thread that runs `communicate`.
    let pid: pid_t
    private let input: Int32
    private let output: Int32
    private let errors: Int32
    private let lock = NSLock()
    private var status: Int32?
    private var stopRequested = false

    init(_ executable: String, _ arguments: [String], environment: [String: String]?) throws {
        var stdin: [Int32] = [-1, -1]
        var stdout: [Int32] = [-1, -1]
        var stderr: [Int32] = [-1, -1]
        defer {
            for fd in [stdin[1], stdout[1], stderr[1]] where fd >= 0 { close(fd) }
        }
        for index in 0..<3 {
            var pair: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Self.streamCloseOnExec, 0, &pair) == 0 else {
                let error = SystemCallError("socketpair", executable, errno: errno)
                for fd in stdin + stdout + stderr where fd >= 0 { close(fd) }
                throw error
            }
            #if canImport(Darwin)
            var on: Int32 = 1
            setsockopt(pair[0], SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
            for fd in pair { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            #endif
            switch index {
            case 0: stdin = pair
            case 1: stdout = pair
            default: stderr = pair
            }
        }
        var pid: pid_t = 0
        let result = try Self.spawn(
            executable, arguments, environment: environment, streams: (stdin[1], stdout[1], stderr[1]), pid: &pid)
        guard result == 0 else {
            for fd in [stdin[0], stdout[0], stderr[0]] { close(fd) }
            throw SystemCallError("posix_spawn", executable, errno: result)
        }
        self.pid = pid
        input = stdin[0]
        output = stdout[0]
        errors = stderr[0]
        for fd in [input, output, errors] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    }

    /// Asks the program to stop (SIGTERM now, SIGKILL a few seconds later), from any thread.
    func requestStop() {
        lock.withLock { stopRequested = true }
    }

    /// Writes `data` to the program's standard input, collects both outputs until they end and the program
    /// has exited, and stops it at `deadline`. Blocks the calling thread; call it from a thread of its own.
    func communicate(input data: Data, deadline: Date) -> ProcessOutput {
        var collected = [Data(), Data()]
        var open = [output, errors]
        var pending = data
        var writing = true
        if pending.isEmpty { shutdown(input, Int32(SHUT_WR)); writing = false }
        var timedOut = false
        var killAt: Date?
        var exitedAt: Date?
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if exitedAt == nil, reap() { exitedAt = Date() }
            let stop = lock.withLock { stopRequested }
            if exitedAt == nil, killAt == nil, stop || Date() >= deadline {
                timedOut = !stop
                kill(pid, SIGTERM)
                killAt = Date().addingTimeInterval(3)
            }
            if let killAt, exitedAt == nil, Date() >= killAt { kill(pid, SIGKILL) }
            // A grandchild that outlives the program may keep the outputs open; a second after the exit
            // what has arrived is all there will be.
            if let exitedAt, open.allSatisfy({ $0 < 0 }) || Date().timeIntervalSince(exitedAt) > 1 { break }
            var descriptors: [pollfd] = []
            if writing { descriptors.append(pollfd(fd: input, events: Int16(POLLOUT), revents: 0)) }
            for fd in open where fd >= 0 { descriptors.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
            _ = poll(&descriptors, nfds_t(descriptors.count), 50)
            if writing {
                let sent = pending.withUnsafeBytes { send(input, $0.baseAddress, $0.count, Self.noSignal) }
                if sent > 0 {
                    pending.removeFirst(sent)
                } else if sent < 0, errno != EAGAIN, errno != EINTR {
                    pending.removeAll()  // The program stopped reading; what it did not take is lost on it.
                }
                if pending.isEmpty {
                    shutdown(input, Int32(SHUT_WR))
                    writing = false
                }
            }
            for index in 0..<2 where open[index] >= 0 {
                while true {
                    let count = read(open[index], &buffer, buffer.count)
                    if count > 0 {
                        collected[index].append(contentsOf: buffer[0..<count])
                        continue
                    }
                    if count == 0 || (errno != EAGAIN && errno != EINTR) {
                        close(open[index])
                        open[index] = -1
                    }
                    break
                }
            }
        }
        for fd in open where fd >= 0 { close(fd) }
        close(input)
        if exitedAt == nil { waitForExit() }
        let raw = lock.withLock { status } ?? 0
        return ProcessOutput(
            status: Self.exitCode(raw), standardOutput: String(decoding: collected[0], as: UTF8.self),
            standardError: String(decoding: collected[1], as: UTF8.self), timedOut: timedOut)
    }

    /// Collects the exit status if the program has exited; true once it has.
    private func reap() -> Bool {
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        guard result == pid else { return result < 0 && errno == ECHILD }
        lock.withLock { status = raw }
        return true
    }

    private func waitForExit() {
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        lock.withLock { status = raw }
    }

    /// The exit code, or 128 + the signal number for a program killed by a signal (as shells report it).
    private static func exitCode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7F
        return signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
    }

    #if canImport(Darwin)
    private static let streamCloseOnExec = SOCK_STREAM
    private static let noSignal: Int32 = 0  // SO_NOSIGPIPE is set on the socket instead.
    #else
    private static let streamCloseOnExec = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    private static let noSignal = Int32(MSG_NOSIGNAL)
    #endif

    private static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String]?,
        streams: (Int32, Int32, Int32), pid: inout pid_t
    ) throws -> Int32 {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let environmentStrings = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let envp = environmentStrings.map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }
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
        posix_spawn_file_actions_adddup2(&actions, streams.0, 0)
        posix_spawn_file_actions_adddup2(&actions, streams.1, 1)
        posix_spawn_file_actions_adddup2(&actions, streams.2, 2)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #else
        closeDescriptorsFrom3(&actions)
        #endif
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(flags))
        return posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
    }

    #if !canImport(Darwin)
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc 2.34+ can close every inherited descriptor in the child; Swift's Glibc module does not declare
    /// the function (it is a GNU extension), so it is looked up at run time. Without it, only descriptors
    /// opened without close-on-exec elsewhere in the process could leak into the child.
    private static func closeDescriptorsFrom3(_ actions: inout posix_spawn_file_actions_t) {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }
    #endif
}
