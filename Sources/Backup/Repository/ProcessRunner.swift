import Foundation

/// What a finished program printed and how it ended.
struct ProcessOutput: Sendable {
    var status: Int32
    var standardOutput: String
    var standardError: String
    /// The program was stopped because it passed its deadline.
    var timedOut: Bool
}

/// Runs a program to completion without blocking the caller's thread: arguments as an array (never a shell),
/// input written to its standard input, both outputs collected, a deadline after which it is terminated
/// (SIGTERM, then SIGKILL), and task cancellation passed on as termination.
enum ProcessRunner {
    static func run(
        _ executable: String, _ arguments: [String], input: Data = Data(), environment: [String: String]? = nil,
        timeout: TimeInterval
    ) async throws -> ProcessOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let run = RunningProcess(process)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ProcessOutput, any Error>) in
                run.start(stdin: stdin, stdout: stdout, stderr: stderr, input: input, timeout: timeout) {
                    continuation.resume(with: $0)
                }
            }
        } onCancel: {
            run.stop()
        }
    }
}

/// The state of one run, shared by the pipe readers, the termination handler and the deadline timer.
private final class RunningProcess: @unchecked Sendable {
    // All mutable state is guarded by `lock`; the callbacks arrive on arbitrary threads.
    private let lock = NSLock()
    private let process: Process
    private var output = Data()
    private var errors = Data()
    private var openStreams = 2
    private var exited = false
    private var timedOut = false
    private var finished = false
    private var completion: ((Result<ProcessOutput, any Error>) -> Void)?

    init(_ process: Process) { self.process = process }

    /// A program may exit without reading all its input; the write to its closed pipe must fail with EPIPE
    /// rather than kill this process with SIGPIPE.
    static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    func start(
        stdin: Pipe, stdout: Pipe, stderr: Pipe, input: Data, timeout: TimeInterval,
        completion: @escaping (Result<ProcessOutput, any Error>) -> Void
    ) {
        lock.withLock { self.completion = completion }
        stdout.fileHandleForReading.readabilityHandler = { [self] handle in collect(handle, isError: false) }
        stderr.fileHandleForReading.readabilityHandler = { [self] handle in collect(handle, isError: true) }
        process.terminationHandler = { [self] _ in
            lock.withLock { exited = true }
            // A grandchild that outlives the program (ssh after sftp was killed) may hold the pipes open;
            // what was read by then is all there will be.
            DispatchQueue.global().asyncAfter(deadline: .now() + 2) { [self] in
                stdout.fileHandleForReading.readabilityHandler = nil
                stderr.fileHandleForReading.readabilityHandler = nil
                lock.withLock { openStreams = 0 }
                finishIfDone()
            }
            finishIfDone()
        }
        do {
            try process.run()
        } catch {
            stdout.fileHandleForReading.readabilityHandler = nil
            stderr.fileHandleForReading.readabilityHandler = nil
            let report = lock.withLock { () -> ((Result<ProcessOutput, any Error>) -> Void)? in
                finished = true
                defer { self.completion = nil }
                return self.completion
            }
            report?(.failure(error))
            return
        }
        let writer = stdin.fileHandleForWriting
        _ = RunningProcess.ignoreBrokenPipes
        DispatchQueue.global().async {
            try? writer.write(contentsOf: input)
            try? writer.close()
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [self] in
            guard process.isRunning else { return }
            lock.withLock { timedOut = true }
            stop()
        }
    }

    /// SIGTERM now, SIGKILL a few seconds later if the program is still there.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 3) { [self] in
            if process.isRunning { kill(pid, SIGKILL) }
        }
    }

    private func collect(_ handle: FileHandle, isError: Bool) {
        let data = handle.availableData
        if data.isEmpty {
            handle.readabilityHandler = nil
            lock.withLock { openStreams = max(0, openStreams - 1) }
            finishIfDone()
            return
        }
        lock.withLock {
            if isError { errors.append(data) } else { output.append(data) }
        }
    }

    private func finishIfDone() {
        let report = lock.withLock { () -> (((Result<ProcessOutput, any Error>) -> Void), ProcessOutput)? in
            guard exited, openStreams == 0, !finished, let completion else { return nil }
            finished = true
            self.completion = nil
            let result = ProcessOutput(
                status: process.terminationStatus, standardOutput: String(decoding: output, as: UTF8.self),
                standardError: String(decoding: errors, as: UTF8.self), timedOut: timedOut)
            return (completion, result)
        }
        if let (completion, result) = report { completion(.success(result)) }
    }
}
