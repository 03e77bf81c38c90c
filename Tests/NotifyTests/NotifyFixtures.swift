import Foundation
import Logging
import NIOConcurrencyHelpers
@testable import Notify

enum NotifyFixtures {
    static let start = Date(timeIntervalSince1970: 1_796_173_200)  // 2026-12-02T01:00:00Z

    static func failedBackup(_ location: String = "local", severity: Alert.Severity = .critical) -> Alert {
        Alert(
            id: "backup.failed/\(location)", severity: severity,
            summary: "full backup 20261202T0100Z failed: mariadb-backup exited 1",
            evidence: ["backup": "20261202T0100Z-full", "location": location, "error": "mariadb-backup exited 1"],
            source: "backup")
    }

    static func notification(_ alert: Alert = failedBackup(), state: AlertState = .firing) -> AlertNotification {
        AlertNotification(alert: alert, state: state, firedAt: start, repeatCount: 2,
            sentAt: start.addingTimeInterval(8 * 3_600))
    }

    /// Runs `body` with a fresh private directory and removes it afterwards, also when `body` throws.
    static func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("notify-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    static func writeScript(_ text: String, at path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }
}

/// A channel that records what it is sent, and can be told to fail.
final class RecordingChannel: NotificationChannel {
    let name: String
    let failure: NotifyError?
    private let box = NIOLockedValueBox<[AlertNotification]>([])

    init(name: String, failure: NotifyError? = nil) {
        self.name = name
        self.failure = failure
    }

    var received: [AlertNotification] { box.withLockedValue { $0 } }

    func send(_ notification: AlertNotification) async throws {
        box.withLockedValue { $0.append(notification) }
        if let failure { throw failure }
    }
}

/// Log lines kept for inspection.
final class CapturedLog: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let box = NIOLockedValueBox<[Line]>([])
    var lines: [Line] { box.withLockedValue { $0 } }
    func append(_ line: Line) { box.withLockedValue { $0.append(line) } }

    var logger: Logger {
        var logger = Logger(label: "test") { _ in CapturingHandler(log: self) }
        logger.logLevel = .trace
        return logger
    }
}

struct CapturingHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        log.append(.init(level: event.level, message: event.message.description,
                         metadata: metadata.merging(event.metadata ?? [:]) { _, new in new }))
    }
}
