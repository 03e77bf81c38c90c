import Foundation

/// A server program started for tests, known by its PID, with its output in a log file.
final class ServerProcess: @unchecked Sendable {
    // `process` is only touched through methods that are called one at a time by the owning server.
    let process: Process
    let logFile: String
    let name: String

    init(name: String, executable: String, arguments: [String], logFile: String, environment: [String: String]? = nil)
        throws {
        self.name = name
        self.logFile = logFile
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try? log.close()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

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
            if !isRunning {
                throw TestServerError("\(name) exited with status \(process.terminationStatus) \(what): \(logTail())")
            }
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
