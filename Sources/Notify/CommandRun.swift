import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One run of an alert program, waited for without blocking a thread.
///
/// Standard input and output are files in a private temporary directory, not pipes: a program that never
/// reads its input or prints a lot can then neither block the run nor raise SIGPIPE in this process. The
/// program leads its own process group (Foundation starts it so), and a timeout signals the whole group.
/// A program that exits but leaves a background process holding its descriptors is waited for until the
/// timeout, and then counts as timed out.
struct CommandRun {
    enum Outcome: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
    }

    var outcome: Outcome
    /// ": <the last line the program printed>", or empty.
    var lastLine: String

    /// Starts `executable` with `input` on standard input and `output` for both output streams.
    static func launch(
        _ executable: String, _ arguments: [String], environment: [String: String], input: URL, output: URL,
        exit: ExitSignal
    ) throws -> Process {
        let inputHandle = try FileHandle(forReadingFrom: input)
        let outputHandle = try FileHandle(forWritingTo: output)
        defer {
            try? inputHandle.close()
            try? outputHandle.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardInput = inputHandle
        process.standardOutput = outputHandle
        process.standardError = outputHandle
        process.terminationHandler = { _ in exit.fire() }
        try process.run()
        return process
    }

    static func run(
        executable: String, arguments: [String], input: Data, environment: [String: String],
        timeout: TimeInterval
    ) async throws -> CommandRun {
        let fileManager = FileManager.default
        let directory = fileManager.temporaryDirectory.appendingPathComponent("dbctl-alert-\(UUID().uuidString)")
        do {
            try fileManager.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw NotifyError(.launch, target: executable, "cannot create \(directory.path): \(error)")
        }
        defer { try? fileManager.removeItem(at: directory) }
        let inputURL = directory.appendingPathComponent("input.json")
        let outputURL = directory.appendingPathComponent("output")
        let exit = ExitSignal()
        let process: Process
        do {
            try input.write(to: inputURL)
            _ = fileManager.createFile(atPath: outputURL.path, contents: nil)
        } catch {
            throw NotifyError(.launch, target: executable, "cannot write its input in \(directory.path): \(error)")
        }
        var attempt = 1
        while true {
            do {
                process = try launch(
                    executable, arguments, environment: environment, input: inputURL, output: outputURL, exit: exit)
                break
            } catch {
                // An executable that exists and cannot be started is, in practice, a script written a moment
                // ago whose descriptor a concurrent fork still holds (ETXTBSY); that passes in milliseconds.
                guard attempt < 5, access(executable, X_OK) == 0 else {
                    throw NotifyError(.launch, target: executable, "cannot start: \(error.localizedDescription)")
                }
                try? await Task.sleep(for: .milliseconds(50 * attempt))
                attempt += 1
            }
        }
        let pid = process.processIdentifier
        let timedOut = TimeoutFlag()
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            guard !exit.hasFired else { return }
            timedOut.set()
            Self.signal(pid, SIGTERM)
            DispatchQueue.global().asyncAfter(deadline: .now() + 2) {
                guard !exit.hasFired else { return }
                Self.signal(pid, SIGKILL)
                // Exit is noticed only once every inherited descriptor is closed; a descendant that left the
                // process group could hold one for ever, so stop waiting soon after the kill.
                DispatchQueue.global().asyncAfter(deadline: .now() + 1) { exit.fire() }
            }
        }
        await exit.wait()
        let output = (try? Data(contentsOf: outputURL)) ?? Data()
        let last =
            String(decoding: output.suffix(2_048), as: UTF8.self)
            .split(whereSeparator: \.isNewline).last.map { String($0.prefix(200)) } ?? ""
        let line = last.isEmpty ? "" : ": \(last)"
        if timedOut.isSet { return CommandRun(outcome: .timedOut, lastLine: line) }
        if process.terminationReason == .uncaughtSignal {
            return CommandRun(outcome: .signalled(process.terminationStatus), lastLine: line)
        }
        return CommandRun(outcome: .exited(process.terminationStatus), lastLine: line)
    }

    /// Signals the program, and its process group when it leads one, so a script's children go too.
    static func signal(_ pid: pid_t, _ signal: Int32) {
        if getpgid(pid) == pid { kill(-pid, signal) }
        kill(pid, signal)
    }
}

/// Set once when the program exits; awaited by the run.
final class ExitSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false
    private var waiter: CheckedContinuation<Void, Never>?

    var hasFired: Bool { lock.withLock { fired } }

    func fire() {
        let waiting: CheckedContinuation<Void, Never>? = lock.withLock {
            fired = true
            defer { waiter = nil }
            return waiter
        }
        waiting?.resume()
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let done = lock.withLock {
                if fired { return true }
                waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }
}

final class TimeoutFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
