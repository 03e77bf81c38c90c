import Backup
import BackupTestSupport
import Foundation
import MariaDB
import MariaDBServer
import MariaDBTestSupport
import Notify
import Testing

/// A location that is down during a backup: the backup is partial, an alert fires through the webhook, and
/// once the location is back the next run copies what it missed and the alert resolves. The agent's
/// schedules under a simulated clock, and a failing backup that alerts.
@Suite(.mariaDB, .serialized) struct LocationDownAndAgentTests {
    @Test func aLocationDownMakesThePartialThatIsCaughtUpLater() async throws {
        let server = try TestServer.require()
        let receiver = try await AlertReceiver.start()
        defer { Task { await receiver.stop() } }
        try await BackupFixture.with(
            server: server, kinds: [.posix, .sftp],
            alerts: "alerts: [{type: webhook, url: \"\(receiver.url)\"}]"
        ) { fixture in
            let shop = try TestServer.freshDatabase("down")
            try await ShopWorkload(configuration: shop).seed(rows: 5)
            let sftp = try #require(fixture.sftp)
            await sftp.halt()
            let environment = fixture.environment
            let alerts = try BackupAlerts(environment: environment)
            let plan = try await PhysicalBackup(environment: environment, kind: .full).plan()
            #expect(plan.ready, "a location down is a warning, not a failed check: \(plan.checks.map(\.line))")
            #expect(plan.checks.contains { $0.name == "location vault" && $0.warning })
            let record = try await PhysicalBackup(environment: environment, kind: .full).execute(plan)
            await alerts.backupSucceeded(record)
            #expect(record.locations["local"]?.status == .stored)
            #expect(record.locations["vault"]?.status == .missing, "\(record.locations)")
            #expect(
                receiver.events.contains { $0.id == "backup.partial/vault" && $0.state == "firing" },
                "\(receiver.events)")

            try await sftp.restart()
            let caught = try await CatchUp(environment: environment).run()
            #expect(caught.copied.contains { $0.contains(record.id) }, "\(caught)")
            let catalog = try await BackupCatalog.load(environment)
            #expect(catalog.backup(record.id)?.locations["vault"]?.status == .stored)
            let report = try await Verifier(environment: environment).verify(location: try fixture.location(.sftp))
            #expect(report.ok && report.backupsChecked == 1, "\(report.problems)")
            let second = try await PhysicalBackup(environment: environment, kind: .incremental)
                .execute(try await PhysicalBackup(environment: environment, kind: .incremental).plan())
            await alerts.backupSucceeded(second)
            #expect(
                receiver.events.contains { $0.id == "backup.partial/vault" && $0.state == "resolved" },
                "\(receiver.events)")
        }
    }

    /// The agent's pass under a simulated clock: the first pass takes a full backup, an hour later an
    /// incremental; when the server refuses the account, the next day's full fails, alerts and goes stale,
    /// and the alert resolves once a full succeeds again.
    @Test func agentSchedulesFireOnASimulatedClock() async throws {
        let server = try TestServer.require()
        // At 01:10 UTC, ten minutes after the daily full is due: the hour that follows holds only the hourly
        // incremental, whatever the hour the test runs.
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let tomorrow = utc.date(byAdding: .day, value: 1, to: utc.startOfDay(for: Date()))!
        let clock = SimulatedClock(tomorrow.addingTimeInterval(3600 + 600))
        let receiver = try await AlertReceiver.start()
        defer { Task { await receiver.stop() } }
        let schedule = """
              schedule: {full: "0 1 * * *", incremental: "0 * * * *", binlogs: continuous, drill: "30 3 * * *",
                         pitr_drill: "0 5 * * 0", expire: "45 1 * * *"}
              stale_grace: 30m
            """
        try await BackupFixture.with(
            server: server, extraBackup: schedule,
            alerts: "alerts: [{type: webhook, url: \"\(receiver.url)\"}]",
            now: { clock.now }
        ) { fixture in
            let shop = try TestServer.freshDatabase("agent")
            try await ShopWorkload(configuration: shop).seed(rows: 5)
            let service = try BackupScheduleService(environment: fixture.environment)
            await service.tick()
            var catalog = try await BackupCatalog.load(fixture.environment)
            #expect(catalog.backups.map(\.kind) == [.full], "the first pass takes a full backup")
            clock.advance(by: 3600)
            try await ShopWorkload(configuration: shop).writeOnce(using: nil)
            await service.tick()
            catalog = try await BackupCatalog.load(fixture.environment)
            #expect(catalog.backups.map(\.kind) == [.full, .incremental], "an hour later, an incremental")
            // The password stops working; a day later the full backup fails, alerts, and the full is stale.
            let passwordFile = fixture.root + "/backup.pw"
            let password = try String(contentsOfFile: passwordFile, encoding: .utf8)
            try BackupFixture.secret("not-the-password", to: passwordFile)
            clock.advance(by: 26 * 3600)
            await service.tick()
            #expect(
                receiver.events.contains { $0.id == "backup.failed/full" && $0.state == "firing" },
                "\(receiver.events)")
            #expect(
                receiver.events.contains { $0.id == "backup.stale/full" && $0.state == "firing" },
                "\(receiver.events)")
            catalog = try await BackupCatalog.load(fixture.environment)
            #expect(catalog.drills.count >= 1, "the daily drill ran on the stored backups")
            try BackupFixture.secret(password.trimmingCharacters(in: .whitespacesAndNewlines), to: passwordFile)
            clock.advance(by: 24 * 3600)
            await service.tick()
            #expect(
                receiver.events.contains { $0.id == "backup.failed/full" && $0.state == "resolved" },
                "\(receiver.events)")
        }
    }

    /// `dbctl agent` as a process, with a password file holding the wrong password: its first full backup
    /// fails and the webhook hears about it.
    @Test func theAgentProcessAlertsWhenABackupFails() async throws {
        let server = try TestServer.require()
        let receiver = try await AlertReceiver.start()
        defer { Task { await receiver.stop() } }
        try await BackupFixture.with(
            server: server,
            extraBackup: "  schedule: {binlogs: \"0 0 1 1 *\"}",
            alerts: "alerts: [{type: webhook, url: \"\(receiver.url)\"}]"
        ) { fixture in
            let passwordFile = fixture.root + "/backup.pw"
            try BackupFixture.secret("wrong-password", to: passwordFile)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: BackupCommandTests.dbctl)
            process.arguments = ["agent", "--config", fixture.configFile]
            let log = fixture.root + "/agent.log"
            FileManager.default.createFile(atPath: log, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardError = process.standardOutput
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline, !receiver.events.contains(where: { $0.id == "backup.failed/full" }) {
                try await Task.sleep(for: .milliseconds(200))
            }
            let body = receiver.received.first {
                ($0["alert"] as? [String: Any])?["id"] as? String == "backup.failed/full"
            }
            #expect(body != nil, "no alert; agent log: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            let summary = (body?["alert"] as? [String: Any])?["summary"] as? String ?? ""
            #expect(summary.contains("127.0.0.1:\(server.port)"), "names the server: \(summary)")
            #expect(!summary.contains("wrong-password"), "never the password")
            process.terminate()
            process.waitUntilExit()
            #expect(process.terminationReason == .exit, "SIGTERM ends the agent gracefully")
        }
    }
}

final class SimulatedClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date) { current = start }
    var now: Date { lock.withLock { current } }
    func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }
}
