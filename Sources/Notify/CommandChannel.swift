import Foundation

/// Runs a program for each notification, without a shell: the notification's JSON (see
/// ``AlertNotification``) on standard input, and in the environment, beside the process's own,
/// `DBCTL_ALERT_ID`, `DBCTL_ALERT_STATE` (`firing`/`resolved`), `DBCTL_ALERT_SEVERITY`, `DBCTL_ALERT_SUMMARY`,
/// `DBCTL_ALERT_SOURCE` and `DBCTL_ALERT_REPEAT`.
///
/// Exit status 0 is delivery. A non-zero exit, a signal, or running past `timeout` (then it gets SIGTERM,
/// and SIGKILL two seconds later) is an error naming the program, with the status and the last line the
/// program printed.
public struct CommandChannel: NotificationChannel {
    public let name: String
    /// A path, or a name looked up on `PATH`.
    public let executable: String
    public let arguments: [String]
    public let timeout: TimeInterval

    public init(executable: String, arguments: [String] = [], timeout: TimeInterval = 30, name: String? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.timeout = timeout
        self.name = name ?? "command \((executable as NSString).lastPathComponent)"
    }

    public func send(_ notification: AlertNotification) async throws {
        let alert = notification.alert
        let variables = [
            "DBCTL_ALERT_ID": alert.id, "DBCTL_ALERT_STATE": notification.state.rawValue,
            "DBCTL_ALERT_SEVERITY": alert.severity.rawValue, "DBCTL_ALERT_SUMMARY": alert.summary,
            "DBCTL_ALERT_SOURCE": alert.source, "DBCTL_ALERT_REPEAT": String(notification.repeatCount),
        ]
        let run = try await CommandRun.run(
            executable: try resolvedExecutable(), arguments: arguments, input: notification.json(),
            environment: variables, timeout: timeout)
        switch run.outcome {
        case .exited(0):
            return
        case .exited(let status):
            throw NotifyError(.exitStatus, target: executable, status: Int(status), "exited \(status)\(run.lastLine)")
        case .signalled(let signal):
            throw NotifyError(.exitStatus, target: executable, "killed by signal \(signal)\(run.lastLine)")
        case .timedOut:
            throw NotifyError(
                .timeout, target: executable, "still running after \(Self.seconds(timeout)) s; killed\(run.lastLine)")
        }
    }

    /// `executable` itself when it holds a slash, else the first executable file of that name on `PATH`.
    func resolvedExecutable() throws -> String {
        guard !executable.contains("/") else { return executable }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw NotifyError(.launch, target: executable, "not found on PATH")
    }

    static func seconds(_ interval: TimeInterval) -> String {
        interval == interval.rounded() ? String(Int(interval)) : String(format: "%.1f", interval)
    }
}
