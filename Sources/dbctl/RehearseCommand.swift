import ArgumentParser
import Foundation
import MariaDB
import MariaDBServer
import Migration

struct RehearseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rehearse",
        abstract:
            "Rehearse the migration on staging: copy the live SQLite file, migrate, verify, smoke-check, predict the "
                + "pause."
    )
    @Option(help: "The live SQLite database (it is only read).") var source: String
    @Option(help: "The staging database: mysql://user@host:port/database.") var staging: String
    @Option(help: "File holding the staging password (mode 0600).") var passwordFile: String?
    @Option(help: "The storefront binary: run its migrations on staging, serve from it, and smoke-check the API.")
    var appBinary: String?
    @Option(help: "Instead of --app-binary: a command that checks the application on staging (exit 0 = pass).")
    var smoke: String?
    @Option(help: "How long to sample the live file's write rate.") var sampleSeconds = 5.0
    @Option(help: "The pause budget the cut-over will have.") var maxPauseMs = 500
    @Option(help: "Storefront instances the cut-over will switch.") var instances = 1
    @Option(help: "Write the go/no-go report as JSON here.") var report: String?
    @Flag(help: "Do it; without it, print what would be done.") var execute = false

    func run() throws {
        var configuration = try MariaDBConfiguration(url: staging)
        if let passwordFile {
            try configuration.loadPassword(fromFile: passwordFile)
        } else if configuration.password == nil, let password = ProcessInfo.processInfo.environment["MYSQL_PWD"] {
            configuration.password = password
        }
        let path = source.hasPrefix("sqlite://") ? String(source.dropFirst(9)) : source
        guard execute else {
            print(
                """
                rehearsal plan (the live file is only read):
                  1. snapshot \(path) with VACUUM INTO (one read transaction; the shop keeps writing)
                  2. \(appBinary.map { "run \($0) migrate on staging, then "
                      + "" } ?? "")migrate the snapshot into \(configuration.endpoint) and verify it
                  3. measure the change applier and the count check on staging; sample the live write rate for \(Int(sampleSeconds)) s
                  4. smoke: \(appBinary.map { "\($0) serve on staging: catalog, customer, cart, checkout, order "
                      + "history" } ?? smoke ?? "none")
                  5. go/no-go: verified, smoke passed, predicted pause ≤ \(maxPauseMs) ms
                dry run: nothing was written. Add --execute to rehearse.
                """)
            return
        }
        let directory = (URL(fileURLWithPath: path).deletingLastPathComponent().path)
        var rehearsal = Rehearsal(
            session: MigrationSession(sourcePath: path, target: configuration), workDirectory: directory)
        rehearsal.sampleSeconds = sampleSeconds
        rehearsal.maxPauseMs = maxPauseMs
        rehearsal.instances = instances
        let app = appBinary.map {
            AppUnderTest(binary: $0, url: SecretFile.withoutPassword(staging), passwordFile: passwordFile)
        }
        defer { app?.stop() }
        var result = try rehearsal.run(
            prepare: { try app?.migrate() },
            smoke: {
                if let app { return try app.smoke() }
                guard let smoke else { return [] }
                let started = Date()
                do {
                    try Hooks.run(
                        smoke, event: "smoke",
                        environment: [
                            "DBCTL_STAGING_URL": SecretFile.withoutPassword(staging),
                            "DBCTL_STAGING_PASSWORD_FILE": passwordFile ?? "",
                        ], timeoutSeconds: 300)
                    return [
                        SmokeResult(
                            name: smoke, ok: true, status: 0, milliseconds: Date().timeIntervalSince(started) * 1000)
                    ]
                } catch {
                    return [
                        SmokeResult(
                            name: smoke, ok: false, status: 1, milliseconds: Date().timeIntervalSince(started) * 1000,
                            detail: "\(error)")
                    ]
                }
            }, log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        result.totalSeconds = max(result.totalSeconds, 0)
        print(result.text)
        if let report { try result.json().write(to: URL(fileURLWithPath: report)) }
        if !result.go { throw ExitCode(4) }
    }
}

/// The storefront binary on the staging database: its migrations, then `serve` on a free loopback port.
final class AppUnderTest: @unchecked Sendable {
    let binary: String
    let url: String
    let passwordFile: String?
    private var process: Process?

    init(binary: String, url: String, passwordFile: String?) {
        self.binary = binary
        self.url = url
        self.passwordFile = passwordFile
    }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = url
        if let passwordFile { environment["DATABASE_PASSWORD_FILE"] = passwordFile }
        environment["STOREFRONT_ENV"] = "staging"
        return environment
    }

    /// The application creates its schema on an empty staging database (a no-op when it is current).
    func migrate() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["migrate"]
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(binary) migrate on staging failed: \(text.split(separator: "\n").last ?? "")")
        }
    }

    func smoke() throws -> [SmokeResult] {
        let port = try FreePort.pick()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port)]
        var environment = self.environment
        environment["ADMIN_API_KEY"] = UUID().uuidString + UUID().uuidString
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let base = "http://127.0.0.1:\(port)"
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, process.isRunning {
            if (try? StorefrontSmoke(baseURL: base).request(.GET, "/health/live", nil))?.0 == 200 { break }
            usleep(100_000)
        }
        return StorefrontSmoke(baseURL: base).run()
    }

    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
