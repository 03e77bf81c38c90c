import Foundation

/// What a finished program printed and how it ended.
struct ProcessOutput: Sendable {
    /// The exit code, or 128 + the signal number when a signal ended the program.
    var status: Int32
    var standardOutput: String
    var standardError: String
    /// The program was stopped because it passed its deadline.
    var timedOut: Bool
}

/// Runs a program to completion without blocking the caller's thread: arguments as an array (never a shell),
/// input written to its standard input, both outputs collected, a deadline after which it is terminated
/// (SIGTERM, then SIGKILL), and cancellation of the caller passed on as termination.
enum ProcessRunner {
    static func run(
        _ executable: String, _ arguments: [String], input: Data = Data(), environment: [String: String]? = nil,
        timeout: TimeInterval
    ) async throws -> ProcessOutput {
        let child = try ChildProcess(executable, arguments, environment: environment)
        let deadline = Date().addingTimeInterval(timeout)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ProcessOutput, Never>) in
                // A thread of its own: the wait can last as long as a transfer, which must not hold a thread
                // of the cooperative pool.
                Thread.detachNewThread {
                    continuation.resume(returning: child.communicate(input: input, deadline: deadline))
                }
            }
        } onCancel: {
            child.requestStop()
        }
    }
}
