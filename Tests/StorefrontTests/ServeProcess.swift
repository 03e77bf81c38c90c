import Foundation
import Storefront
import HummingbirdTesting
import MariaDBServer

/// A `storefront serve` child process on 127.0.0.1 and a free port, with its output in a log file. `stop()`
/// ends it (SIGTERM, then SIGKILL); processes left by a test run that crashed are killed by the next run
/// (`ServeProcess.reapOrphans`), so none outlives its test.
final class ServeProcess: @unchecked Sendable {
    let port: Int
    let logFile: String
    private let process: Process

    /// The `storefront` binary next to the test bundle (`swift build` puts both in the same folder), or the one
    /// `STOREFRONT_BINARY` names (to measure another build under the same load).
    static var binary: String {
        if let chosen = ProcessInfo.processInfo.environment["STOREFRONT_BINARY"] { return chosen }
        let bundled = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("storefront")
        if FileManager.default.isExecutableFile(atPath: bundled.path) { return bundled.path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/storefront").path
    }

    /// Runs `storefront arguments` to completion (e.g. `migrate`) and returns its status and output.
    static func run(_ arguments: [String], environment: [String: String]) throws -> (Int32, String) {
        try ProgramRunner.run(binary, arguments, environment: environment)
    }

    /// Starts `storefront serve` and waits until `/health/ready` answers 200. Retries on another port when the
    /// chosen one was taken before the server bound it.
    static func start(environment: [String: String], folder: String, name: String) async throws -> ServeProcess {
        var lastError: (any Error)?
        for _ in 0..<3 {
            let server = try ServeProcess(port: FreePort.pick(), environment: environment, folder: folder, name: name)
            do {
                try await server.waitUntilReady()
                return server
            } catch {
                server.stop()
                lastError = error
            }
        }
        throw lastError ?? ServeProcessError("\(name) did not start")
    }

    private init(port: Int, environment: [String: String], folder: String, name: String) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw ServeProcessError("\(Self.binary) missing: build the package (swift build --build-tests) first")
        }
        self.port = port
        logFile = folder + "/\(name).log"
        FileManager.default.createFile(atPath: logFile, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port)]
        process.environment = ProcessInfo.processInfo.environment.merging(StorefrontConfiguration.testEnvironment) { $1 }
            .merging(environment) { $1 }
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let pids = folder + "/serve.pids"
        let line = "\(process.processIdentifier)\n"
        if let handle = FileHandle(forWritingAtPath: pids) {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            try? handle.close()
        } else {
            FileManager.default.createFile(atPath: pids, contents: Data(line.utf8))
        }
    }

    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.processIdentifier }
    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    func waitUntilReady(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                let status = process.terminationStatus
                throw ServeProcessError("storefront serve on port \(port) exited (\(status)): \(log.suffix(600))")
            }
            let status = try? await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                try await client.get("/health/ready").status.code
            }
            if status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServeProcessError("storefront serve on port \(port) not ready after \(timeout): \(log.suffix(600))")
    }

    /// SIGTERM, up to 10 s for a graceful exit, then SIGKILL. Safe to call more than once.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// A fresh temporary folder for one test's processes, owned by this test process (`owner.pid`).
    static func makeFolder() throws -> String {
        reapOrphans()
        let folder = NSTemporaryDirectory() + "storefront-serve-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "\(getpid())\n".write(toFile: folder + "/owner.pid", atomically: true, encoding: .utf8)
        return folder
    }

    /// Kills `serve` processes in folders whose owning test process is gone, and removes those folders.
    static func reapOrphans() {
        let fm = FileManager.default
        let temp = NSTemporaryDirectory()
        for name in (try? fm.contentsOfDirectory(atPath: temp)) ?? [] where name.hasPrefix("storefront-serve-") {
            let folder = temp + name
            guard let text = try? String(contentsOfFile: folder + "/owner.pid", encoding: .utf8),
                  let owner = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                  kill(owner, 0) != 0, errno == ESRCH else { continue }
            let pids = (try? String(contentsOfFile: folder + "/serve.pids", encoding: .utf8)) ?? ""
            for pid in pids.split(separator: "\n").compactMap({ Int32($0) }) where isServe(pid) { kill(pid, SIGKILL) }
            try? fm.removeItem(atPath: folder)
        }
    }
}

/// The process is (still) a `storefront serve`, not an unrelated process that got the pid later.
private func isServe(_ pid: Int32) -> Bool {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
    let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    return arguments.first?.hasSuffix("storefront") == true && arguments.contains("serve")
}

struct ServeProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
