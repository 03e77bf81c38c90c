import Foundation
import Notify
import Testing

@Suite struct NotifierTests {
    let start = NotifyFixtures.start

    @Test func aFailingChannelDoesNotStopTheOthersAndIsReported() async throws {
        let broken = RecordingChannel(name: "broken", failure: NotifyError(.httpStatus, target: "http://x/",
            status: 500, "POST answered 500"))
        let working = RecordingChannel(name: "working")
        let log = CapturedLog()
        let notifier = Notifier(book: try AlertBook(file: nil), channels: [broken, working], logger: log.logger)
        let report = await notifier.raise(NotifyFixtures.failedBackup(), now: start)
        #expect(report.sent.count == 1)
        #expect(working.received.map(\.alert.id) == ["backup.failed/local"])
        #expect(broken.received.count == 1, "the broken one was tried too")
        #expect(report.failures.map(\.channel) == ["broken"])
        #expect(report.failures.first?.description
            == "alert backup.failed/local (firing) not delivered by broken: http://x/: POST answered 500")
        #expect(log.lines.contains { $0.level == .error && $0.message.contains("not delivered by broken") })
        // Nothing more to send within the repeat interval.
        let quiet = await notifier.raise(NotifyFixtures.failedBackup(), now: start.addingTimeInterval(60))
        #expect(quiet.sent.isEmpty && quiet.failures.isEmpty)
        #expect(working.received.count == 1)
    }

    @Test func reconcileResolvesWhatASourceNoLongerReports() async throws {
        let channel = RecordingChannel(name: "recording")
        let notifier = Notifier(book: try AlertBook(file: nil), channels: [channel])
        let local = NotifyFixtures.failedBackup("local")
        let offsite = NotifyFixtures.failedBackup("offsite")
        let disk = Alert(id: "monitoring.disk", severity: .warning, summary: "disk 91% full", source: "monitoring")
        _ = await notifier.reconcile([local, offsite], source: "backup", now: start)
        _ = await notifier.raise(disk, now: start)
        let report = await notifier.reconcile([offsite], source: "backup", now: start.addingTimeInterval(600))
        #expect(report.sent.map(\.alert.id) == ["backup.failed/local"])
        #expect(report.sent.map(\.state) == [.resolved])
        #expect(await notifier.book.active().map(\.id) == ["backup.failed/offsite", "monitoring.disk"])
        #expect(channel.received.map(\.state) == [.firing, .firing, .firing, .resolved])
    }

    @Test func webhookCommandAndLogTogether() async throws {
        try await NotifyFixtures.withTemporaryDirectory { directory in
            try await WebhookReceiver.with { receiver in
                let script = "\(directory)/record.sh"
                try NotifyFixtures.writeScript("#!/bin/sh\ncat >> \"$1/received\"\necho >> \"$1/received\"\n",
                    at: script)
                let log = CapturedLog()
                let notifier = Notifier(
                    book: try AlertBook(file: "\(directory)/alerts.json"),
                    channels: [
                        WebhookChannel(url: receiver.url, retryDelay: 0.05),
                        CommandChannel(executable: script, arguments: [directory]),
                        LogChannel(logger: log.logger),
                    ], logger: log.logger)
                let alert = NotifyFixtures.failedBackup()
                #expect(await notifier.raise(alert, now: start).failures.isEmpty)
                #expect(await notifier.raise(alert, now: start.addingTimeInterval(60)).sent.isEmpty)
                #expect(await notifier.resolve(id: alert.id, now: start.addingTimeInterval(120)).failures.isEmpty)
                let states = try receiver.requests.map { try JSONDecoder().decode(AlertNotification.self,
                    from: $0.body).state }
                #expect(states == [.firing, .resolved])
                let lines = try String(contentsOfFile: "\(directory)/received", encoding: .utf8).split(separator: "\n")
                #expect(lines.count == 2)
                #expect(log.lines.map(\.level) == [.critical, .notice])
            }
        }
    }

    @Test func aStateFileProblemComesBackInTheReport() async throws {
        try await NotifyFixtures.withTemporaryDirectory { directory in
            try Data().write(to: URL(fileURLWithPath: "\(directory)/plain-file"))
            let log = CapturedLog()
            let notifier = Notifier(book: try AlertBook(file: "\(directory)/plain-file/alerts.json"),
                                    channels: [RecordingChannel(name: "recording")], logger: log.logger)
            let report = await notifier.raise(NotifyFixtures.failedBackup(), now: start)
            #expect(report.sent.count == 1)
            #expect(report.stateFailure?.code == .stateFile)
        }
    }
}
