import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Migration
import Testing

/// `kill -9` of `dbctl migrate --online` during the copy, while applying changes, and while it holds the
/// writes at the cut-over: the writer is never blocked for good, the same command finishes, nothing lost.
@Suite(.mariaDB) struct OnlineResumeTests {
    enum KillPoint: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case copying, applying
        case holdingTheWrites = "holding-the-writes"
        var testDescription: String { rawValue }
    }

    func phase(_ target: MariaDBConfiguration) -> [String: String] {
        guard let connection = try? BlockingConnection.connect(target) else { return [:] }
        defer { connection.close() }
        return (try? OnlineState.all(on: connection)) ?? [:]
    }

    @Test(arguments: KillPoint.allCases) func killedOnlineMigrationResumes(_ point: KillPoint) async throws {
        let dbctl = ResumeTests.dbctl
        try #require(FileManager.default.isExecutableFile(atPath: dbctl), "\(dbctl) missing: build the package first")
        let shop = try await OnlineMigrationTests.shop(scale: point == .copying ? 4_000 : 300)
        defer { shop.remove() }
        let passwordFile = shop.directory + "/pw"
        _ = FileManager.default.createFile(
            atPath: passwordFile, contents: Data((shop.target.password ?? "").utf8),
            attributes: [.posixPermissions: 0o600])
        let url = "mysql://\(shop.target.username)@127.0.0.1:\(shop.target.port)/\(shop.target.database!)"
        let flag = shop.directory + "/postpone"
        let holding = shop.directory + "/holding"
        _ = FileManager.default.createFile(atPath: flag, contents: Data())
        let base = [
            "migrate", "--online", "--source", shop.path, "--target", url, "--password-file", passwordFile, "--execute",
            "--snapshot-file", shop.directory + "/snapshot.sqlite",
        ]
        let writer = SQLiteWriter(
            path: shop.path, products: point == .copying ? 4_000 : 300, reviews: point == .copying ? 2_000 : 150)
        defer { writer.finish() }
        writer.waitUntil(committed: 10)

        let hook = point == .holdingTheWrites ? "touch '\(holding)'; sleep 4" : "true"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dbctl)
        process.arguments =
            base + ["--cutover-hook", hook]
            + (point == .holdingTheWrites ? [] : ["--postpone-cut-over-flag-file", flag])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(90)
        var reached = false
        while Date() < deadline && process.isRunning && !reached {
            let state = phase(shop.target)
            switch point {
            case .copying: reached = state["phase"] == "copying" && state["snapshot_position"] != nil
            case .applying:
                reached =
                    state["phase"] == "applying"
                    && (Int64(state["applied_seq"] ?? "0") ?? 0) > (Int64(state["snapshot_position"] ?? "0") ?? 0) + 50
            case .holdingTheWrites: reached = FileManager.default.fileExists(atPath: holding)
            }
            if !reached { usleep(5_000) }
        }
        #expect(reached, "the run never reached \(point.rawValue)")
        let before = writer.committed.count
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // The writer goes on (a held write lock died with the process).
        writer.waitUntil(committed: before + 50, timeout: 20)
        #expect(
            writer.committed.count >= before + 50, "the writer was blocked after the kill: \(writer.stoppedBy ?? "")")
        #expect(writer.stoppedBy == nil, "\(writer.stoppedBy ?? "")")

        try? FileManager.default.removeItem(atPath: flag)
        let (status, output) = try ProgramRunner.run(dbctl, base + ["--cutover-hook", "true"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("cut over: writes paused"), "\(output)")
        writer.finish()
        #expect(writer.stoppedBy?.contains("moved to MariaDB") == true, "\(writer.stoppedBy ?? "still running")")
        let emails = Set(
            try query(shop.target, "SELECT email FROM customers").map { try $0.decode(0, as: String.self) })
        let missing = writer.committed.filter { !emails.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) of \(writer.committed.count) committed customers missing")
        let (verified, text) = try ProgramRunner.run(
            dbctl, ["verify", "--source", shop.path, "--target", url, "--password-file", passwordFile])
        #expect(verified == 0 && text.contains("identical"), "\(text)")
    }
}

/// `dbctl rehearse` against a staging database while the live file keeps being written.
@Suite(.mariaDB) struct RehearsalTests {
    @Test func rehearsalOnStagingSaysGoAndLeavesTheLiveFileAlone() async throws {
        let dbctl = ResumeTests.dbctl
        let storefront = URL(fileURLWithPath: dbctl).deletingLastPathComponent().appendingPathComponent("storefront")
            .path
        try #require(
            FileManager.default.isExecutableFile(atPath: storefront), "\(storefront) missing: build the package first")
        let path = try await StorefrontMigrationTests.seededShop(scale: 300)
        let staging = try TestServer.freshDatabase("staging")
        let directory = NSTemporaryDirectory() + "rehearse-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer {
            for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) }
            try? FileManager.default.removeItem(atPath: directory)
        }
        let passwordFile = directory + "/pw"
        _ = FileManager.default.createFile(
            atPath: passwordFile, contents: Data((staging.password ?? "").utf8), attributes: [.posixPermissions: 0o600])
        let writer = SQLiteWriter(path: path, products: 300, reviews: 150)
        defer { writer.finish() }
        writer.waitUntil(committed: 10)
        let reportPath = directory + "/rehearsal.json"
        let (status, output) = try ProgramRunner.run(
            dbctl,
            [
                "rehearse", "--source", path, "--staging",
                "mysql://\(staging.username)@127.0.0.1:\(staging.port)/\(staging.database!)",
                "--password-file", passwordFile, "--app-binary", storefront, "--sample-seconds", "2", "--report",
                reportPath, "--execute",
            ])
        #expect(status == 0, "\(output)")
        #expect(output.contains("GO: staging verified identical"), "\(output)")
        #expect(writer.stoppedBy == nil, "the live shop was disturbed: \(writer.stoppedBy ?? "")")
        let report = try JSONDecoder().decode(
            RehearsalReport.self, from: Data(contentsOf: URL(fileURLWithPath: reportPath)))
        #expect(report.go && report.verified)
        #expect(report.smoke.count >= 9 && report.smoke.allSatisfy(\.ok), "\(report.smoke)")
        #expect(report.sourceInsertsPerSecond > 0, "the writer's inserts were not seen")
        #expect(report.applierChangesPerSecond > 0)
        writer.finish()
        #expect(try OnlineMigrationTests.toolObjects(path).isEmpty)
        // A no-go is a non-zero exit: a budget no cut-over can meet.
        let (noGo, noGoOutput) = try ProgramRunner.run(
            dbctl,
            [
                "rehearse", "--source", path, "--staging",
                "mysql://\(staging.username)@127.0.0.1:\(staging.port)/\(try TestServer.freshDatabase("staging2").database!)",
                "--password-file", passwordFile, "--app-binary", storefront, "--sample-seconds", "0", "--max-pause-ms",
                "1", "--execute",
            ])
        #expect(noGo == 4, "\(noGoOutput)")
        #expect(noGoOutput.contains("NO-GO") && noGoOutput.contains("exceeds 1 ms"), "\(noGoOutput)")

        // Any other application: --smoke CMD gets the staging URL (no password) and the password file; its
        // exit status is the smoke verdict.
        let seen = directory + "/smoke.env"
        func rehearse(smoke: String) throws -> (Int32, String) {
            let database = try TestServer.freshDatabase("staging").database!
            // Without --app-binary the application's schema is the operator's to create, as in production.
            let url = "mysql://\(staging.username)@127.0.0.1:\(staging.port)/\(database)"
            let (migrated, text) = try ProgramRunner.run(
                storefront, ["migrate"], environment: ["DATABASE_URL": url, "DATABASE_PASSWORD_FILE": passwordFile])
            try #require(migrated == 0, "storefront migrate: \(text)")
            return try ProgramRunner.run(
                dbctl,
                [
                    "rehearse", "--source", path, "--staging",
                    "mysql://\(staging.username)@127.0.0.1:\(staging.port)/\(database)", "--password-file",
                    passwordFile, "--sample-seconds", "0", "--smoke", smoke, "--execute",
                ])
        }
        let (smokeGo, smokeOutput) = try rehearse(
            smoke: "echo \"$DBCTL_STAGING_URL $DBCTL_STAGING_PASSWORD_FILE\" > '\(seen)'")
        #expect(smokeGo == 0 && smokeOutput.contains("GO: staging verified identical"), "\(smokeOutput)")
        let environment = try String(contentsOfFile: seen, encoding: .utf8)
        #expect(environment.hasPrefix("mysql://\(staging.username)@127.0.0.1:\(staging.port)/"), "\(environment)")
        #expect(environment.contains(" \(passwordFile)"), "\(environment)")
        #expect(!environment.contains(staging.password ?? "-"), "no password in the smoke's environment")
        let (smokeNoGo, failed) = try rehearse(smoke: "echo checkout broke >&2; exit 7")
        #expect(smokeNoGo == 4, "\(failed)")
        #expect(failed.contains("✗ echo checkout broke") && failed.contains("NO-GO"), "\(failed)")
    }
}
