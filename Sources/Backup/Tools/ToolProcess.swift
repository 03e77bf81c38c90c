import Foundation

/// One run of an external program (mariadb-backup, mbstream, mariadb-binlog, mariadb): arguments as an
/// array (no shell), credentials only through an option file, standard error kept for the error message.
struct ToolProcess {
    let executable: String
    let arguments: [String]
    var environment: [String: String] = [:]

    static func find(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin"]
        for directory in directories where FileManager.default.isExecutableFile(atPath: directory + "/" + name) {
            return directory + "/" + name
        }
        throw BackupError(
            .precondition,
            "\(name) not found in PATH; install it: apt-get install -y "
                + (name.hasPrefix("mariadb-backup") || name == "mbstream" ? "mariadb-backup" : "mariadb-client"))
    }

    func makeProcess() -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["TZ"] = "UTC"
        env.removeValue(forKey: "MYSQL_PWD")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        return process
    }

    /// Runs to completion; standard output and error go to `log` (appended). Throws with the last lines of the
    /// log when the exit status is not 0.
    func run(log: String, what: String) throws {
        let process = makeProcess()
        let handle = try Self.append(to: log)
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BackupError(
                .tool,
                "\(what) failed: \((executable as NSString).lastPathComponent) exited "
                    + "\(process.terminationStatus): \(Self.tail(of: log))")
        }
    }

    /// Runs and returns standard output and error together (version banners go to either).
    func combinedOutput() throws -> (status: Int32, output: String) {
        let process = makeProcess()
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs and returns standard output (small outputs only); standard error goes to `log`.
    func output(log: String, what: String) throws -> String {
        let process = makeProcess()
        let pipe = Pipe()
        let handle = try Self.append(to: log)
        defer { try? handle.close() }
        process.standardOutput = pipe
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BackupError(
                .tool,
                "\(what) failed: \((executable as NSString).lastPathComponent) exited "
                    + "\(process.terminationStatus): \(Self.tail(of: log))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func append(to path: String) throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        return handle
    }

    /// The last meaningful lines of a tool's log, joined into one line (errors first).
    static func tail(of log: String, lines count: Int = 3) -> String {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let errors = lines.filter { line in
            line.contains("ERROR") || line.lowercased().contains("error:") || line.contains("FATAL")
                || line.contains("[ERROR]")
        }
        let chosen = errors.isEmpty ? Array(lines.suffix(count)) : Array(errors.suffix(count))
        return chosen.joined(separator: " | ").prefix(600).description + " (log: \(log))"
    }
}
