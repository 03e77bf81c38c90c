import Foundation

/// Commands run at the cut-over's moments (`/bin/sh -c`, synchronously; a non-zero exit fails the step).
/// They get the process environment plus `DBCTL_EVENT`, `DBCTL_SOURCE`, `DBCTL_TARGET` (endpoint, never a
/// password), `DBCTL_ATTEMPT`, `DBCTL_PENDING_CHANGES`, `DBCTL_PAUSE_MS` and, on failure, `DBCTL_ERROR`.
public struct Hooks: Sendable {
    public var beforeCutOver: String?
    public var success: String?
    public var failure: String?
    /// `--cutover-hook`: switches an application dbctl cannot talk to, while dbctl holds SQLite's write lock.
    public var cutOver: String?
    public var timeoutSeconds: Double = 10

    public init() {}

    /// Runs `command` with the event's variables; throws with the exit status and the last output line.
    public static func run(
        _ command: String, event: String, environment extra: [String: String],
        timeoutSeconds: Double
    ) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var environment = ProcessInfo.processInfo.environment
        environment["DBCTL_EVENT"] = event
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning && Date() < deadline { usleep(2_000) }
        if process.isRunning {
            process.terminate()
            throw MigrationError("hook \(event): still running after \(Int(timeoutSeconds)) s; stopped")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            let last = text.split(separator: "\n").last.map(String.init) ?? ""
            throw MigrationError(
                "hook \(event): exit status \(process.terminationStatus)\(last.isEmpty ? "" : ": \(last)")")
        }
    }
}
