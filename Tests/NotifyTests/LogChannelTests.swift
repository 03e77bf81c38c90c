import Logging
import Notify
import Testing

@Suite struct LogChannelTests {
    @Test func oneLinePerNotificationAtTheSeverityLevelWithEvidence() async throws {
        let log = CapturedLog()
        let channel = LogChannel(logger: log.logger)
        for severity in [Alert.Severity.info, .warning, .critical] {
            try await channel.send(NotifyFixtures.notification(NotifyFixtures.failedBackup(severity: severity)))
        }
        try await channel.send(NotifyFixtures.notification(state: .resolved))
        let lines = log.lines
        #expect(lines.map(\.level) == [.info, .warning, .critical, .notice])
        #expect(lines[0].message
            == "firing backup.failed/local: full backup 20261202T0100Z failed: mariadb-backup exited 1")
        #expect(lines[3].message.hasPrefix("resolved backup.failed/local: "))
        #expect(lines[2].metadata["location"] == "local")
        #expect(lines[2].metadata["backup"] == "20261202T0100Z-full")
        #expect(lines[2].metadata["alert_id"] == "backup.failed/local")
        #expect(lines[2].metadata["alert_state"] == "firing")
        #expect(lines[2].metadata["alert_repeat"] == "2")
        #expect(lines[2].metadata["fired_at"] == "2026-12-02T01:00:00Z")
    }
}
