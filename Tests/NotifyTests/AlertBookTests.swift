import Foundation
import Notify
import Testing

@Suite struct AlertBookTests {
    let start = NotifyFixtures.start
    func at(hours: Double) -> Date { start.addingTimeInterval(hours * 3_600) }

    @Test func firesOnceThenRepeatsOnlyAfterTheInterval() async throws {
        try await NotifyFixtures.withTemporaryDirectory { directory in
            let book = try AlertBook(file: "\(directory)/alerts.json")
            let alert = NotifyFixtures.failedBackup()
            let first = await book.raise(alert, now: start)
            #expect(first == [AlertNotification(alert: alert, state: .firing, firedAt: start, repeatCount: 0,
                sentAt: start)])
            #expect(await book.raise(alert, now: at(hours: 0.1)) == [])
            #expect(await book.raise(alert, now: at(hours: 3.99)) == [])
            let repeated = await book.raise(alert, now: at(hours: 4))
            #expect(repeated.map(\.repeatCount) == [1])
            #expect(repeated.first?.firedAt == start)
            #expect(repeated.first?.sentAt == at(hours: 4))
            #expect(await book.raise(alert, now: at(hours: 7.9)) == [])
            #expect(await book.raise(alert, now: at(hours: 8)).map(\.repeatCount) == [2])
            #expect(await book.active() == [alert])
        }
    }

    @Test func theRepeatIntervalIsConfigurable() async throws {
        let book = try AlertBook(file: nil, repeatInterval: 600)
        let alert = NotifyFixtures.failedBackup()
        #expect(await book.raise(alert, now: start).count == 1)
        #expect(await book.raise(alert, now: start.addingTimeInterval(599)) == [])
        #expect(await book.raise(alert, now: start.addingTimeInterval(600)).count == 1)
    }

    @Test func aRiseInSeverityIsSentAtOnceAndTheNewestContentIsKept() async throws {
        let book = try AlertBook(file: nil)
        #expect(await book.raise(NotifyFixtures.failedBackup(severity: .warning), now: start).count == 1)
        var worse = NotifyFixtures.failedBackup(severity: .critical)
        worse.summary = "full backup 20261202T0100Z failed again"
        let escalated = await book.raise(worse, now: at(hours: 0.5))
        #expect(escalated.map(\.alert) == [worse])
        #expect(escalated.map(\.repeatCount) == [1])
        // Falling back to a warning is not news.
        #expect(await book.raise(NotifyFixtures.failedBackup(severity: .warning), now: at(hours: 1)) == [])
        #expect(await book.active().map(\.severity) == [.warning])
    }

    @Test func resolvesExactlyOnce() async throws {
        try await NotifyFixtures.withTemporaryDirectory { directory in
            let book = try AlertBook(file: "\(directory)/alerts.json")
            let alert = NotifyFixtures.failedBackup()
            _ = await book.raise(alert, now: start)
            _ = await book.raise(alert, now: at(hours: 4))
            let resolved = await book.resolve(id: alert.id, now: at(hours: 5))
            #expect(resolved == [AlertNotification(alert: alert, state: .resolved, firedAt: start, repeatCount: 1,
                                                   sentAt: at(hours: 5))])
            #expect(await book.resolve(id: alert.id, now: at(hours: 6)) == [])
            #expect(await book.resolve(id: "never.raised", now: at(hours: 6)) == [])
            #expect(await book.active() == [])
            // Raised again later, it is a new alert.
            let again = await book.raise(alert, now: at(hours: 7))
            #expect(again.map(\.firedAt) == [at(hours: 7)])
            #expect(again.map(\.repeatCount) == [0])
        }
    }

    @Test func aReloadedBookDoesNotFireAgain() async throws {
        try await NotifyFixtures.withTemporaryDirectory { directory in
            let file = "\(directory)/state/alerts.json"
            let alert = NotifyFixtures.failedBackup()
            let stale = Alert(id: "backup.stale/incremental", severity: .warning, summary: "no incremental since 09:00",
                              source: "backup")
            do {
                let book = try AlertBook(file: file)
                #expect(await book.raise(alert, now: start).count == 1)
                #expect(await book.raise(stale, now: start).count == 1)
            }
            // The process restarts.
            let reloaded = try AlertBook(file: file)
            #expect(await reloaded.active().map(\.id) == ["backup.failed/local", "backup.stale/incremental"])
            #expect(await reloaded.raise(alert, now: at(hours: 1)) == [])
            #expect(await reloaded.raise(alert, now: at(hours: 4)).map(\.repeatCount) == [1])
            #expect(await reloaded.resolve(id: stale.id, now: at(hours: 4)).map(\.state) == [.resolved])
            // And again: the resolution and the repeat were kept too.
            let third = try AlertBook(file: file)
            #expect(await third.resolve(id: stale.id, now: at(hours: 5)) == [])
            #expect(await third.raise(alert, now: at(hours: 7)) == [])
            #expect(await third.activeRecords().map(\.repeatCount) == [1])
            #expect(await third.activeRecords().map(\.firedAt) == [start])
        }
    }

    @Test func twoBooksOnOneFileDoNotBothFire() async throws {
        try await NotifyFixtures.withTemporaryDirectory { directory in
            let file = "\(directory)/alerts.json"
            // Two processes opened the book before either raised anything.
            let first = try AlertBook(file: file)
            let second = try AlertBook(file: file)
            let alert = NotifyFixtures.failedBackup()
            #expect(await first.raise(alert, now: start).count == 1)
            #expect(await second.raise(alert, now: at(hours: 0.5)) == [])
            #expect(await second.resolve(id: alert.id, now: at(hours: 1)).count == 1)
            #expect(await first.resolve(id: alert.id, now: at(hours: 1)) == [])
        }
    }

    @Test func theFileIsWrittenWholeAndReadable() async throws {
        try await NotifyFixtures.withTemporaryDirectory { directory in
            let file = "\(directory)/alerts.json"
            let book = try AlertBook(file: file)
            for index in 0..<20 {
                _ = await book.raise(NotifyFixtures.failedBackup("location\(index)"), now: start)
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(names == ["alerts.json", "alerts.json.lock"], "no temporary files left behind")
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            #expect(object?["version"] as? Int == 1)
            let alerts = try #require(object?["alerts"] as? [[String: Any]])
            #expect(alerts.count == 20)
            #expect(alerts[0]["fired_at"] as? String == "2026-12-02T01:00:00Z")
            #expect(await book.stateFailure == nil)
        }
    }

    @Test func aCorruptFileIsAnErrorNamingItAndLaterDamageDoesNotStopAlerts() async throws {
        try await NotifyFixtures.withTemporaryDirectory { directory in
            let file = "\(directory)/alerts.json"
            try Data("{\"version\": 1, \"alerts\": [{\"alert\": 5}]}".utf8).write(to: URL(fileURLWithPath: file))
            do {
                _ = try AlertBook(file: file)
                Issue.record("a corrupt state file was accepted")
            } catch let error as NotifyError {
                #expect(error.code == .stateFile)
                #expect(error.description.hasPrefix("\(file): not an alert state file: alerts.0.alert"))
            }
            try FileManager.default.removeItem(atPath: file)
            let book = try AlertBook(file: file)
            #expect(await book.raise(NotifyFixtures.failedBackup(), now: start).count == 1)
            try Data("garbage".utf8).write(to: URL(fileURLWithPath: file))
            // Damaged while running: the book goes on from memory, says so, and repairs the file.
            #expect(await book.raise(NotifyFixtures.failedBackup("offsite"), now: start).count == 1)
            #expect(await book.stateFailure?.target == file)
            #expect(await book.raise(NotifyFixtures.failedBackup(), now: at(hours: 1)) == [])
            #expect(await book.stateFailure == nil)
            #expect(try await AlertBook(file: file).active().count == 2)
        }
    }

    @Test func anUnwritableFileStillAlertsAndReportsIt() async throws {
        try await NotifyFixtures.withTemporaryDirectory { directory in
            try Data().write(to: URL(fileURLWithPath: "\(directory)/plain-file"))
            let file = "\(directory)/plain-file/alerts.json"
            let book = try AlertBook(file: file)
            #expect(await book.raise(NotifyFixtures.failedBackup(), now: start).count == 1)
            let failure = try #require(await book.stateFailure)
            #expect(failure.code == .stateFile)
            #expect(failure.description.contains("\(directory)/plain-file"))
            #expect(await book.raise(NotifyFixtures.failedBackup(), now: at(hours: 1)) == [], "memory still counts")
        }
    }
}
